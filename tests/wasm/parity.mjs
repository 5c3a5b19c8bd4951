#!/usr/bin/env node
// Randomised parity, WebAssembly half: replays every generated input in target/parity-native.json
// (written by `cargo test -p formwork-wasm --test parity`) through the WebAssembly build and
// requires each report to equal the native one field by field (values and every error's field,
// code, message, target and inputs).
//
// Usage: node tests/wasm/parity.mjs [--native FILE] [--pkg DIR]
// The last line printed is `<passed> passed, <failed> failed`; exits 1 on any failure.

import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    native: { type: 'string', default: join(repo, 'target', 'parity-native.json') },
    pkg: { type: 'string', default: join(repo, 'target', 'wasm-node') },
  },
});

function fail(message) {
  console.error(`parity (wasm): ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!existsSync(args.native)) fail(`no ${args.native}: run cargo test -p formwork-wasm --test parity first`);
const glue = join(args.pkg, 'formwork_wasm.js');
if (!existsSync(glue)) fail(`no ${glue}: run scripts/wasm-build.sh first`);
const wasm = createRequire(import.meta.url)(glue);
const native = JSON.parse(readFileSync(args.native, 'utf8'));
if (native.cases.length < 10000) fail(`only ${native.cases.length} generated inputs; at least 10,000 are needed`);

const compiled = new Map();
for (const [id, text] of Object.entries(native.forms)) {
  compiled.set(id, wasm.compileForm(id, text, native.components));
}

let passed = 0;
const failures = [];
native.cases.forEach((c, i) => {
  const actual = JSON.parse(compiled.get(c.form).validatePage(c.page, c.input, c.today, c.lang));
  if (isDeepStrictEqual(actual, native.results[i])) {
    passed++;
  } else {
    failures.push({ i, case: c, native: native.results[i], wasm: actual });
  }
});

for (const f of failures.slice(0, 10)) {
  console.error(`case ${f.i}: ${JSON.stringify(f.case)}\n  native: ${JSON.stringify(f.native)}\n  wasm:   ${JSON.stringify(f.wasm)}`);
}
console.log(`parity: ${native.cases.length} generated inputs over ${compiled.size} forms`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
