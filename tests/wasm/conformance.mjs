#!/usr/bin/env node
// Runs every conformance case file through the WebAssembly build of formwork-core
// (`runConformance`, nodejs target built by scripts/wasm-build.sh into target/wasm-node/),
// and optionally checks that every outcome's `actual` equals the native engine's.
//
// Usage: node tests/wasm/conformance.mjs [CASES_DIR] [--root DIR] [--pkg DIR] [--native FILE]
//   CASES_DIR   the case files (default: tests/conformance)
//   --root DIR  where components/*/component.json and forms/*.json live (default: the repo root)
//   --pkg DIR   the nodejs-target wasm-bindgen output (default: target/wasm-node)
//   --native F  native outcomes, as printed by
//               `cargo run -p formwork-wasm --bin native-conformance -- CASES_DIR ROOT`:
//               {"<file name>": [{name, actual, expected, passed}, …] | {"error": "…"}}
//               (a flat array of outcomes, matched by name, is accepted too)
// The last line printed is `<passed> passed, <failed> failed`; exits 1 on any failure.
// Node 18 or later, no npm packages.

import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function fail(message) {
  console.error(`conformance (wasm): ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: 'string', default: repo },
      pkg: { type: 'string', default: join(repo, 'target', 'wasm-node') },
      native: { type: 'string' },
    },
  });
} catch (e) {
  fail(e.message);
}
if (args.positionals.length > 1) fail('give at most one cases directory');
const casesDir = resolve(args.positionals[0] ?? join(repo, 'tests', 'conformance'));
const root = resolve(args.values.root);
const pkgDir = resolve(args.values.pkg);

const glue = join(pkgDir, 'formwork_wasm.js');
if (!existsSync(glue)) fail(`no ${glue}: run scripts/wasm-build.sh first`);
const wasm = createRequire(import.meta.url)(glue);

const jsonFiles = (dir) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

const caseFiles = jsonFiles(casesDir);
if (caseFiles.length === 0) fail(`no conformance cases in ${casesDir}`);

// componentsJson: file path -> component.json text; formsJson: form id -> form text.
const components = {};
const componentsDir = join(root, 'components');
if (existsSync(componentsDir)) {
  for (const name of readdirSync(componentsDir).sort()) {
    const file = join(componentsDir, name, 'component.json');
    if (existsSync(file) && statSync(file).isFile()) {
      components[`components/${name}/component.json`] = readFileSync(file, 'utf8');
    }
  }
}
const forms = {};
for (const name of jsonFiles(join(root, 'forms'))) {
  forms[basename(name, '.json')] = readFileSync(join(root, 'forms', name), 'utf8');
}
const componentsJson = JSON.stringify(components);
const formsJson = JSON.stringify(forms);

let native = null;
if (args.values.native) {
  try {
    native = JSON.parse(readFileSync(args.values.native, 'utf8'));
  } catch (e) {
    fail(`cannot read native outcomes ${args.values.native}: ${e.message}`);
  }
}

// The native outcomes for one file: a list, {error}, or undefined when not given.
function nativeFor(file) {
  if (native === null) return undefined;
  if (Array.isArray(native)) return native;
  return Object.hasOwn(native, file) ? native[file] : { error: `(no native result for ${file})` };
}

const show = (v) => JSON.stringify(v);
let passed = 0;
let failed = 0;

for (const file of caseFiles) {
  const source = readFileSync(join(casesDir, file), 'utf8');
  const theirs = nativeFor(file);
  let outcomes;
  try {
    outcomes = JSON.parse(wasm.runConformance(file, source, componentsJson, formsJson));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // A malformed file fails natively too; the two must fail the same way.
    if (theirs && !Array.isArray(theirs) && theirs.error !== message) {
      console.log(`FAIL ${file}: native and wasm errors differ\n  wasm:   ${message}\n  native: ${theirs.error}`);
    } else {
      console.log(`FAIL ${file}: ${message}`);
    }
    failed += 1;
    continue;
  }
  if (theirs && !Array.isArray(theirs)) {
    console.log(`FAIL ${file}: wasm ran ${outcomes.length} cases but native failed: ${theirs.error}`);
    failed += outcomes.length || 1;
    continue;
  }
  for (const outcome of outcomes) {
    const problems = [];
    if (!outcome.passed) {
      for (const key of Object.keys(outcome.expected)) {
        if (!isDeepStrictEqual(outcome.actual[key], outcome.expected[key])) {
          problems.push(`${key}: expected ${show(outcome.expected[key])}\n      actual   ${show(outcome.actual[key])}`);
        }
      }
      if (problems.length === 0) problems.push('expected and actual differ');
    }
    if (theirs) {
      const same = theirs.filter((o) => o.name === outcome.name);
      if (same.length !== 1) {
        problems.push(`native has ${same.length} outcomes named this`);
      } else {
        const keys = new Set([...Object.keys(outcome.actual), ...Object.keys(same[0].actual)]);
        for (const key of keys) {
          if (!isDeepStrictEqual(outcome.actual[key], same[0].actual[key])) {
            problems.push(`${key} differs from native\n      wasm     ${show(outcome.actual[key])}\n      native   ${show(same[0].actual[key])}`);
          }
        }
      }
    }
    if (problems.length === 0) {
      passed += 1;
    } else {
      failed += 1;
      console.log(`FAIL ${file}: ${outcome.name}\n    ${problems.join('\n    ')}`);
    }
  }
  if (theirs && !Array.isArray(native)) {
    const ours = new Set(outcomes.map((o) => o.name));
    for (const o of theirs.filter((t) => !ours.has(t.name))) {
      failed += 1;
      console.log(`FAIL ${file}: ${o.name}\n    native ran it, wasm did not`);
    }
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
