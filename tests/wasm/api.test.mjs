// The JavaScript API of the WebAssembly build (target/wasm-node/, from scripts/wasm-build.sh).
// Self-contained: the component definitions it needs are inline.
// Run: node --test tests/wasm/
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const glue = process.env.FORMWORK_WASM_NODE_PKG
  ? join(process.env.FORMWORK_WASM_NODE_PKG, 'formwork_wasm.js')
  : join(repo, 'target', 'wasm-node', 'formwork_wasm.js');
if (!existsSync(glue)) throw new Error(`no ${glue}: run scripts/wasm-build.sh first`);
const wasm = createRequire(import.meta.url)(glue);

const primitive = (name, properties = {}) => ({
  name,
  kind: 'primitive',
  title: name,
  description: `The ${name} primitive.`,
  params: { type: 'object', properties },
});
const components = {
  'components/text-input/component.json': JSON.stringify(primitive('text-input', { width: {} })),
  'components/date-input/component.json': JSON.stringify(primitive('date-input')),
};
const form = {
  title: 'Test form',
  start: {},
  pages: [
    {
      slug: 'name',
      components: [{ type: 'text-input', name: 'full-name', label: 'What is your name?', shortLabel: 'name' }],
    },
    {
      slug: 'birthday',
      components: [
        {
          type: 'date-input',
          name: 'dob',
          label: 'What is your date of birth?',
          shortLabel: 'date of birth',
          hint: 'For example, 27 3 2007',
        },
      ],
    },
  ],
  confirmation: { title: 'Done' },
};

test('compileForm returns a Form with id and version', () => {
  const f = wasm.compileForm('test-form', JSON.stringify(form), JSON.stringify(components));
  assert.equal(f.id, 'test-form');
  assert.match(f.version, /^[0-9a-f]+$/);
  // Plain objects are accepted as well as JSON text.
  const g = wasm.compileForm('test-form', form, components);
  assert.equal(g.version, f.version);
});

test('compileForm throws the list of definition errors', () => {
  const broken = { ...form, pages: [{ slug: 'a', components: [{ type: 'nope', name: 'x' }] }] };
  assert.throws(
    () => wasm.compileForm('test-form', broken, components),
    (errors) => {
      assert.ok(Array.isArray(errors), 'an array is thrown');
      assert.deepEqual(Object.keys(errors[0]).sort(), ['file', 'message', 'pointer']);
      assert.equal(errors[0].file, 'forms/test-form.json');
      assert.equal(errors[0].pointer, '/pages/0/components/0/type');
      return true;
    },
  );
});

test('validatePage returns values and errors as the core serialises them', () => {
  const f = wasm.compileForm('test-form', form, components);
  const ok = JSON.parse(f.validatePage('birthday', { 'dob-day': '1', 'dob-month': '2', 'dob-year': '1990' }, '2026-01-01', 'en'));
  assert.deepEqual(ok, { values: { dob: '1990-02-01' }, errors: [] });

  const bad = JSON.parse(f.validatePage('birthday', '{"dob-day":"1","dob-year":"1990"}', '2026-01-01', 'en'));
  assert.deepEqual(bad.values, {});
  assert.equal(bad.errors.length, 1);
  assert.deepEqual(Object.keys(bad.errors[0]), ['field', 'code', 'message', 'target', 'inputs']);
  assert.equal(bad.errors[0].field, 'dob');
  assert.equal(bad.errors[0].target, 'dob-month');

  // Welsh is accepted (messages fall back to English until core ships messages/cy.json).
  const welsh = JSON.parse(f.validatePage('birthday', {}, '2026-01-01', 'cy'));
  assert.equal(welsh.errors[0].code, 'date.required');
  assert.throws(() => f.validatePage('birthday', {}, '2026-01-01', 'fr'), /unknown language/);
});

test('errorSummary lists {text, href} in order', () => {
  const f = wasm.compileForm('test-form', form, components);
  const input = { 'dob-day': '1', 'dob-year': '1990' };
  const report = JSON.parse(f.validatePage('birthday', input, '2026-01-01', 'en'));
  const summary = JSON.parse(f.errorSummary('birthday', input, '2026-01-01', 'en'));
  assert.deepEqual(
    summary,
    report.errors.map((e) => ({ text: e.message, href: `#${e.target}` })),
  );
});

test('route follows the answers', () => {
  const f = wasm.compileForm('test-form', form, components);
  assert.deepEqual(JSON.parse(f.route({}, '2026-01-01')), { answered: [], next: { kind: 'page', slug: 'name' } });
  assert.deepEqual(
    JSON.parse(f.route({ values: { 'full-name': 'Ada' }, completed: ['name'] }, '2026-01-01')),
    { answered: ['name'], next: { kind: 'page', slug: 'birthday' } },
  );
});

test('bad arguments throw Errors', () => {
  const f = wasm.compileForm('test-form', form, components);
  assert.throws(() => f.validatePage('nope', {}, '2026-01-01', 'en'), { name: 'Error', message: /no page `nope`/ });
  assert.throws(() => f.validatePage('name', {}, '1 Jan 2026', 'en'), /YYYY-MM-DD/);
  assert.throws(() => f.validatePage('name', { 'full-name': 3 }, '2026-01-01', 'en'), /input must be/);
  assert.throws(() => f.route('{"values": 3}', '2026-01-01'), /answers must be/);
});

test('runConformance runs a case file', () => {
  const cases = {
    description: 'api',
    form: 'test-form',
    cases: [
      {
        name: 'name given',
        today: '2026-01-01',
        steps: [{ page: 'name', input: { 'full-name': 'Ada' } }],
        expect: { errors: [], route: { answered: ['name'], next: { kind: 'page', slug: 'birthday' } } },
      },
    ],
  };
  const outcomes = JSON.parse(wasm.runConformance('api.json', cases, components, { 'test-form': JSON.stringify(form) }));
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0].name, 'api / name given');
  assert.equal(outcomes[0].passed, true, JSON.stringify(outcomes[0]));
  assert.throws(() => wasm.runConformance('api.json', cases, components, {}), /no form `test-form`/);
});
