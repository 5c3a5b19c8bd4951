#!/usr/bin/env node
// Runs every conformance case file through the WebAssembly build of formwork-core
// (`runConformance`, nodejs target built by scripts/wasm-build.sh into target/wasm-node/),
// and optionally checks that every outcome's `actual` equals the native engine's.
//
// Usage: node tests/wasm/conformance.mjs [CASES_DIR] [--root DIR] [--pkg DIR] [--native FILE]
//   CASES_DIR   the case files (default: tests/conformance); xfail.json there lists
//               "<file>/<case name>": reason for cases that must fail, as in the native test
//   --root DIR  where components/*/component.json and forms/*.json live (default: the repo root)
//   --pkg DIR   the nodejs-target wasm-bindgen output (default: target/wasm-node)
//   --native F  the native report written by `cargo test -p formwork-core` (crates/formwork-core/
//               tests/integration.rs) to target/conformance-native.json:
//               {"runner": "native", "cases": {"<file>/<case name>": {"actual": …, …}}};
//               every case's `actual` must then be field-by-field identical to the native one
// The last line printed is `<passed> passed, <failed> failed`; exits 1 on any failure.
// Node 18 or later, no npm packages.

import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

const caseFiles = jsonFiles(casesDir).filter((f) => f !== 'xfail.json');
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

// Cases listed in xfail.json ("<file>/<case name>": reason) must fail, as in the native test.
let xfail = {};
if (existsSync(join(casesDir, 'xfail.json'))) {
  try {
    xfail = JSON.parse(readFileSync(join(casesDir, 'xfail.json'), 'utf8'));
  } catch (e) {
    fail(`xfail.json: ${e.message}`);
  }
}

// Native outcomes by "<file>/<case name>" (the report crates/formwork-core/tests/integration.rs writes).
let native = null;
if (args.values.native) {
  try {
    const doc = JSON.parse(readFileSync(args.values.native, 'utf8'));
    if (doc === null || typeof doc.cases !== 'object') throw new Error('no "cases" object');
    native = doc.cases;
  } catch (e) {
    fail(`cannot read native outcomes ${args.values.native}: ${e.message}`);
  }
}

// The file name the engine sees: relative to the root when inside it, as the native test names it.
const shownName = (file) => {
  const rel = relative(root, join(casesDir, file));
  return rel.startsWith('..') || isAbsolute(rel) ? join(casesDir, file) : rel.split(sep).join('/');
};

const show = (v) => JSON.stringify(v);
let passed = 0;
let failed = 0;
let xfailed = 0;
const seen = new Set();

for (const file of caseFiles) {
  const source = readFileSync(join(casesDir, file), 'utf8');
  let outcomes;
  try {
    outcomes = JSON.parse(wasm.runConformance(shownName(file), source, componentsJson, formsJson));
  } catch (e) {
    console.log(`FAIL ${file}: the file cannot be run:\n    ${e instanceof Error ? e.message : String(e)}`);
    failed += 1;
    continue;
  }
  // Outcomes come in case order; key them "<file>/<case name>" as the native report does.
  const caseNames = (JSON.parse(source).cases ?? []).map((c) => c.name);
  if (caseNames.length !== outcomes.length) {
    console.log(`FAIL ${file}: ${outcomes.length} outcomes for ${caseNames.length} cases`);
    failed += 1;
    continue;
  }
  outcomes.forEach((outcome, i) => {
    const key = `${file}/${caseNames[i]}`;
    seen.add(key);
    const problems = [];
    const reason = xfail[key];
    if (!outcome.passed && reason === undefined) {
      for (const k of Object.keys(outcome.expected)) {
        if (!isDeepStrictEqual(outcome.actual[k], outcome.expected[k])) {
          problems.push(`${k}: expected ${show(outcome.expected[k])}\n      actual   ${show(outcome.actual[k])}`);
        }
      }
      if (problems.length === 0) problems.push('expected and actual differ');
    }
    if (outcome.passed && reason !== undefined) {
      problems.push('passes but is listed in xfail.json; remove it from the list');
    }
    if (native !== null) {
      const theirs = native[key];
      if (theirs === undefined) {
        problems.push('the native report has no outcome for this case');
      } else {
        const keys = new Set([...Object.keys(outcome.actual), ...Object.keys(theirs.actual ?? {})]);
        for (const k of keys) {
          if (!isDeepStrictEqual(outcome.actual[k], theirs.actual?.[k])) {
            problems.push(`${k} differs from native\n      wasm     ${show(outcome.actual[k])}\n      native   ${show(theirs.actual?.[k])}`);
          }
        }
      }
    }
    if (problems.length > 0) {
      failed += 1;
      console.log(`FAIL ${key}\n    ${problems.join('\n    ')}`);
    } else if (reason !== undefined) {
      xfailed += 1;
      console.log(`xfail ${key}: ${reason}`);
    } else {
      passed += 1;
    }
  });
}

for (const key of Object.keys(xfail)) {
  if (!seen.has(key)) {
    failed += 1;
    console.log(`FAIL xfail.json lists \`${key}\`, which is not a case in any file`);
  }
}
if (native !== null) {
  const ran = new Set(caseFiles);
  for (const key of Object.keys(native)) {
    if (ran.has(key.split('/')[0]) && !seen.has(key)) {
      failed += 1;
      console.log(`FAIL ${key}\n    native ran it, wasm did not`);
    }
  }
}

console.log(`${caseFiles.length} case files, ${seen.size} cases, ${xfailed} expected failures (xfail.json)${native === null ? '' : ', actual values compared with the native engine'}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
