// Hostile definitions for `formwork check <file>` and `formwork serve --forms <dir>` (or
// `--components <dir>`): deep nesting, a 20 MB file, huge numbers, thousands of pages, cyclic and
// self-referencing components and conditions, conditions nested 10,000 deep, BOMs, duplicate
// keys, invalid UTF-8 and other broken files. Small fixed cases live in tests/hostile/definitions/;
// the big ones are generated here into a temporary folder.
//
// `check` must exit 1 with a message (never a signal, a panic or a hang: each run is bounded by
// a timeout), and `serve` must refuse to start with a message and a non-zero exit. A few cases are
// extreme but legal (`legal: true`): for those `check` may also exit 0, and then `serve` must start.

import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MARKER, decodeEntities, signature, tags } from './html.mjs'
import { Session } from './http.mjs'
import { fail, figures } from './report.mjs'
import { run, startServer, tempDir } from './server.mjs'

const CHECK_TIMEOUT_MS = Number(process.env.HOSTILE_CHECK_TIMEOUT_MS ?? 90_000)

const minimal = (extra = {}) => ({
  title: 'Hostile',
  start: { title: 'Hostile' },
  confirmation: { title: 'Done' },
  pages: [{ slug: 'name', components: [{ type: 'text-input', name: 'name', label: 'Your name', shortLabel: 'name' }] }],
  ...extra
})

/** Two pages: a yes/no question, then a page shown when `condition` holds. */
const withCondition = (condition, conditions = undefined) => ({
  title: 'Hostile',
  start: { title: 'Hostile' },
  confirmation: { title: 'Done' },
  ...(conditions ? { conditions } : {}),
  pages: [
    { slug: 'q', components: [{ type: 'yes-no', name: 'q', label: 'Yes or no?', shortLabel: 'yes or no' }] },
    { slug: 'shown', showIf: condition, components: [{ type: 'text-input', name: 'name', label: 'Your name', shortLabel: 'name' }] }
  ]
})

const json = (v) => JSON.stringify(v, null, 1)

/** Form cases generated at run time: [name, file name, bytes or string, options]. */
function generatedForms () {
  const cases = []
  const add = (name, content, opts = {}) => cases.push({ name, file: opts.file ?? `${name}.json`, content, ...opts })
  const N = 10_000
  add('nested-arrays-100k', '['.repeat(100_000) + ']'.repeat(100_000))
  add('nested-objects-100k', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))
  add('nested-in-a-field', json(minimal()).replace('"title": "Hostile"', `"title": ${'['.repeat(5000)}${']'.repeat(5000)}`))
  {
    // 20 MB: a legal structure with 2,000 paragraphs of 10 KB, and one dangling route.
    const f = minimal()
    f.start.content = Array.from({ length: 2000 }, (_, i) => ({ type: 'paragraph', params: { text: `${i} ${'lorem ipsum '.repeat(850)}` } }))
    f.pages[0].next = [{ goTo: 'nowhere' }]
    add('twenty-megabytes', JSON.stringify(f))
  }
  add('twenty-megabytes-of-whitespace', ' '.repeat(20 << 20) + '{')
  add('huge-number-1e400', json(minimal()).replace('"pages": [', `"pages": [{"slug": "dob", "components": [{"type": "date-of-birth", "name": "dob", "params": {"minAge": 1e400}, "exitPage": "too-young"}]},`))
  add('huge-number-2^64-as-a-maximum', json(minimal()).replace('"pages": [', '"pages": [{"slug": "n", "components": [{"type": "number", "name": "n", "label": "N", "shortLabel": "n", "params": {"min": 0, "max": 18446744073709551616123456789}}]},'), { legal: true })
  add('huge-number-in-maxLength', json(minimal()).replace('"shortLabel": "name"', '"shortLabel": "name", "params": {"maxLength": 99999999999999999999999999}'))
  add('negative-and-fractional-ages', json(minimal()).replace('"pages": [', '"pages": [{"slug": "dob", "components": [{"type": "date-of-birth", "name": "dob", "params": {"minAge": -1, "maxAge": 1.5}}]},'))
  add('number-bounds-at-f64-limits', json(minimal()).replace('"pages": [', '"pages": [{"slug": "n", "components": [{"type": "number", "name": "n", "label": "N", "shortLabel": "n", "params": {"min": 1.7976931348623157e308, "max": -1.7976931348623157e308}}]},'))
  {
    const f = minimal()
    f.pages = Array.from({ length: 5000 }, (_, i) => ({ slug: `p${i}`, components: [{ type: 'text-input', name: `q${i}`, label: `Question ${i}`, shortLabel: `question ${i}` }] }))
    f.pages[4999].next = [{ goTo: 'nowhere' }]
    add('five-thousand-pages-one-dangling', JSON.stringify(f))
  }
  {
    const f = minimal()
    f.pages = Array.from({ length: 3000 }, (_, i) => ({ slug: 'same', components: [{ type: 'text-input', name: 'same', label: 'Same', shortLabel: 'same' }] }))
    add('three-thousand-duplicate-pages', JSON.stringify(f))
  }
  add('goto-self', json({ ...minimal(), pages: [{ ...minimal().pages[0], next: [{ goTo: 'name' }] }] }))
  add('named-condition-self', json(withCondition('loop', { loop: 'loop' })))
  add('named-condition-pair', json(withCondition('a', { a: 'b', b: 'a' })))
  {
    const conditions = {}
    for (let i = 0; i < N; i++) conditions[`c${i}`] = `c${i + 1}`
    conditions[`c${N}`] = 'nope == "yes"'
    add('named-condition-chain-10000', json(withCondition('c0', conditions)))
  }
  add('condition-parentheses-10000', json(withCondition('('.repeat(N) + 'nope == "yes"' + ')'.repeat(N))))
  add('condition-not-10000', json(withCondition('not '.repeat(N) + 'nope == "yes"')))
  add('condition-not-100000', json(withCondition('not '.repeat(10 * N) + 'nope == "yes"')))
  add('condition-bang-10000', json(withCondition('!'.repeat(N) + 'nope == "yes"')))
  add('condition-and-chain-10000', json(withCondition(Array.from({ length: N }, () => 'q == "yes"').join(' and ') + ' and nope == "yes"')))
  add('condition-or-nested-10000', json(withCondition('(q == "yes" or '.repeat(N) + 'nope == "yes"' + ')'.repeat(N))))
  add('condition-unclosed-10000', json(withCondition('('.repeat(N))))
  add('condition-1mb-string-literal', json(withCondition(`q == "${'y'.repeat(1 << 20)}"`)))
  add('condition-age-nested', json(withCondition('age(' .repeat(N) + 'q' + ')'.repeat(N) + ' > 1')))
  add('bom-then-broken', '\uFEFF' + json(minimal()).replace('"confirmation"', '"confirmashun"'))
  add('bom-then-legal', '\uFEFF' + json(minimal()), { legal: true })
  add('two-boms', '\uFEFF\uFEFF' + json(minimal()))
  add('utf16le-with-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json(minimal()), 'utf16le')]))
  add('duplicate-keys', json(minimal()).replace('"title": "Hostile",', '"title": "Hostile", "title": "Again", "pages": 5,'))
  add('duplicate-keys-in-component', json(minimal()).replace('"type": "text-input",', '"type": "text-input", "type": "date-of-birth",'))
  add('invalid-utf8-in-a-string', Buffer.concat([Buffer.from('{"title": "'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(json(minimal()).slice(json(minimal()).indexOf('",') ))]))
  add('invalid-utf8-at-the-start', Buffer.concat([Buffer.from([0xff]), Buffer.from(json(minimal()))]))
  add('lone-surrogate-escape', json(minimal()).replace('"title": "Hostile"', '"title": "\\ud800"'))
  add('nul-bytes', Buffer.concat([Buffer.from(json(minimal()).slice(0, 20)), Buffer.alloc(100), Buffer.from(json(minimal()).slice(20))]))
  add('empty-file', '')
  add('only-whitespace', ' \n\t\r ')
  add('null', 'null')
  add('an-array', '[]')
  add('a-number', '1e999999')
  add('a-string', '"pages"')
  add('truncated', json(minimal()).slice(0, 60))
  add('nan-and-infinity', json(minimal()).replace('"title": "Hostile"', '"title": NaN, "x": Infinity'))
  add('comments', '// a comment\n' + json(minimal()))
  add('trailing-garbage', json(minimal()) + '\n}}}')
  add('a-1mb-key', json(minimal()).replace('"title": "Hostile"', `"title": "Hostile", "${'k'.repeat(1 << 20)}": 1`))
  add('slug-traversal', json(minimal()).replace('"slug": "name"', '"slug": "../../etc/passwd"'))
  add('slug-rtl-and-emoji', json(minimal()).replace('"slug": "name"', '"slug": "\u202Ename\u{1F4A9}"'))
  add('slug-very-long', json(minimal()).replace('"slug": "name"', `"slug": "${'a'.repeat(100_000)}"`))
  add('reserved-slugs', json(minimal()).replace('"slug": "name"', '"slug": "check-answers"'))
  add('markup-in-texts', json(minimal()).replace('"Your name"', '"<script>alert(1)</script>"').replace('"confirmation": {', '"confirmation": {"x-fw-7f3a": "<x-fw-7f3a>",'))
  add('unknown-component-type-10000-times', JSON.stringify({ ...minimal(), pages: [{ slug: 'p', components: Array.from({ length: 10_000 }, (_, i) => ({ type: `nope-${i}`, name: `n${i}` })) }] }))
  add('odd file name !@#', json(minimal()), { file: 'Odd Name \u202E\u{1F4A9} !.json', legal: true })
  return cases
}

/** Component-library cases: folders written next to a copy of components/. */
function generatedComponents () {
  const composite = (name, parts, extra = {}) => ({
    name,
    kind: 'composite',
    title: name,
    description: `The ${name} component.`,
    parts,
    ...extra
  })
  const cases = []
  cases.push({ name: 'component-uses-itself', components: { loop: composite('loop', [{ name: 'self', type: 'loop' }]) } })
  cases.push({ name: 'components-in-a-cycle', components: { ping: composite('ping', [{ name: 'pong', type: 'pong' }]), pong: composite('pong', [{ name: 'ping', type: 'ping' }]) } })
  {
    const components = {}
    for (let i = 0; i < 1000; i++) components[`chain-${i}`] = composite(`chain-${i}`, [{ name: 'next', type: i === 999 ? 'chain-0' : `chain-${i + 1}` }])
    cases.push({ name: 'a-cycle-through-1000-components', components })
  }
  cases.push({ name: 'component-with-a-parameter-schema-bomb', components: { bomb: composite('bomb', [{ name: 'x', type: 'text-input' }], { params: { $ref: '#' } }) } })
  cases.push({ name: 'component-with-a-recursive-parameter-schema', components: { rec: composite('rec', [{ name: 'x', type: 'text-input' }], { params: { $defs: { a: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' } }) } })
  cases.push({ name: 'component-with-invalid-utf8', raw: { 'bad-bytes': Buffer.concat([Buffer.from('{"name": "bad-bytes", "kind": "composite", "title": "'), Buffer.from([0xff, 0xfe]), Buffer.from('", "description": "x", "parts": []}')]) } })
  cases.push({ name: 'component-nested-100k', raw: { deep: '['.repeat(100_000) + ']'.repeat(100_000) } })
  return cases
}

function writeComponentCase (root, dir, c) {
  cpSync(join(root, 'components'), dir, { recursive: true })
  const entries = c.components ? Object.entries(c.components).map(([n, v]) => [n, JSON.stringify(v)]) : Object.entries(c.raw)
  for (const [name, content] of entries) {
    mkdirSync(join(dir, name), { recursive: true })
    writeFileSync(join(dir, name, 'component.json'), content)
    writeFileSync(join(dir, name, 'template.html'), '<p>{{ field.name }}</p>\n')
    writeFileSync(join(dir, name, 'README.md'), `# ${name}\n`)
    writeFileSync(join(dir, name, 'examples.json'), JSON.stringify({ examples: [{ name: 'basic', use: { type: name, name: 'x' } }] }))
  }
}

/** The pages of a served hostile-but-legal form: its texts must come out escaped. */
async function servedEscaped (base, c, req) {
  const session = new Session(base)
  const index = await session.get('/')
  const paths = ['/']
  for (const m of index.body.matchAll(/href="(\/forms\/[^"]+)"/g)) paths.push(m[1])
  for (const p of [...paths]) {
    if (p === '/') continue
    const start = await session.get(p)
    const first = /href="(\/forms\/[^"]+\/[^"]+)"[^>]*class="govuk-button/.exec(start.body) ?? /class="govuk-button[^"]*"[^>]*href="(\/forms\/[^"]+\/[^"]+)"/.exec(start.body)
    if (first) paths.push(decodeEntities(first[1]))
  }
  for (const p of paths) {
    const res = await session.get(p)
    const html = res.body
    const bad = tags(html).filter((t) => t.name.includes(MARKER) || t.attrs.some(([n]) => n.startsWith('on') || n.includes(MARKER)))
    if (res.status >= 500) { figures.fiveXX++; fail(`${res.status} serving ${c.name}`, `GET ${p}`) }
    if (bad.length || /<script>alert|<img src=x/.test(html)) fail('a definition text came out unescaped', `GET ${p} (${req})`, bad.map(signature).join(' '))
  }
}

const crashed = (r) => r.signal || r.code === null || r.code > 1 || /panicked|stack overflow|SIGSEGV|core dumped/.test(r.out)

function judgeCheck (c, r, what) {
  const req = `${what}`
  if (r.timedOut) { fail('formwork check hung (killed after the timeout)', req, `${r.ms} ms`); return false }
  if (/panicked/.test(r.out)) { figures.panics++; fail('formwork check panicked', req, r.out.slice(0, 400)); return false }
  if (crashed(r)) { figures.crashes++; fail(`formwork check crashed (exit ${r.code}, signal ${r.signal})`, req, r.out.slice(-400)); return false }
  if (r.code === 0 && !c.legal) { fail('formwork check accepted a hostile definition', req, r.out.slice(0, 200)); return false }
  if (r.code === 1 && !/\S/.test(r.out)) { fail('formwork check failed without a message', req); return false }
  return true
}

export async function definitions ({ bin, root, say }) {
  const work = tempDir('formwork-hostile-defs-')
  const fixtures = join(root, 'tests/hostile/definitions')
  const cases = []
  for (const f of readdirSync(fixtures).filter((n) => n.endsWith('.json')).sort()) {
    // legal-*.json are hostile but valid: served, and their texts must come out escaped.
    cases.push({ name: `definitions/${f}`, file: f, content: readFileSync(join(fixtures, f)), legal: f.startsWith('legal-') })
  }
  cases.push(...generatedForms())
  let checked = 0
  let served = 0
  const results = []
  for (const c of cases) {
    const dir = join(work, 'forms', c.name.replace(/[^A-Za-z0-9.-]+/g, '_'))
    mkdirSync(dir, { recursive: true })
    const file = join(dir, c.file)
    writeFileSync(file, c.content)
    const size = Buffer.byteLength(c.content)
    const r = await run(bin, ['check', file], { cwd: root, timeoutMs: CHECK_TIMEOUT_MS })
    checked++
    const ok = judgeCheck(c, r, `formwork check ${c.name} (${size} bytes)`)
    results.push(`${c.name}: exit ${r.code}${r.signal ? ` ${r.signal}` : ''} in ${r.ms} ms${ok ? '' : ' FAILED'}`)
    // The same file as the only form `serve` is given (also after a crash: serve shares the code).
    const s = await startServer(bin, { root, args: ['--forms', dir, '--components', join(root, 'components'), '--web', join(root, 'web')], upMs: CHECK_TIMEOUT_MS })
    served++
    const req = `formwork serve --forms <folder with ${c.name}>`
    if (s.failed) {
      if (/panicked/.test(s.out)) { figures.panics++; fail('formwork serve panicked on a hostile definition', req, s.out.slice(0, 400)) } else if (s.timedOut) fail('formwork serve hung on a hostile definition', req)
      else if (s.signal || s.code === 0 || s.code === null) {
        figures.crashes++
        fail(`formwork serve ended with ${s.signal ?? `exit ${s.code}`}`, req, s.out.slice(-300))
      }
      else if (r.code === 0) fail('formwork serve refused a definition formwork check accepted', req, s.out.slice(-300))
      else if (!/\S/.test(s.out)) fail('formwork serve refused without a message', req)
    } else {
      if (c.legal) await servedEscaped(s.base, c, req)
      const log = s.log()
      await s.stop()
      if (r.code !== 0) fail('formwork serve started on a definition formwork check refused', req)
      if (/panicked/.test(log)) { figures.panics++; fail('formwork serve panicked', req, log.slice(0, 300)) }
    }
  }
  for (const c of generatedComponents()) {
    const dir = join(work, 'components', c.name)
    writeComponentCase(root, dir, c)
    const r = await run(bin, ['check', dir, '--components', dir], { cwd: root, timeoutMs: CHECK_TIMEOUT_MS })
    checked++
    const ok = judgeCheck(c, r, `formwork check --components <components/ plus ${c.name}>`)
    results.push(`components/${c.name}: exit ${r.code}${r.signal ? ` ${r.signal}` : ''} in ${r.ms} ms${ok ? '' : ' FAILED'}`)
    if (!ok && (r.timedOut || crashed(r))) continue
    const s = await startServer(bin, { root, args: ['--forms', join(root, 'forms'), '--components', dir, '--web', join(root, 'web')], upMs: CHECK_TIMEOUT_MS })
    served++
    const req = `formwork serve --components <components/ plus ${c.name}>`
    if (s.failed) {
      if (/panicked/.test(s.out)) { figures.panics++; fail('formwork serve panicked on hostile components', req, s.out.slice(0, 400)) } else if (s.timedOut) fail('formwork serve hung on hostile components', req)
      else if (s.signal || s.code === 0 || s.code === null) {
        figures.crashes++
        fail(`formwork serve ended with ${s.signal ?? `exit ${s.code}`}`, req, s.out.slice(-300))
      }
      else if (!/\S/.test(s.out)) fail('formwork serve refused without a message', req)
    } else {
      await s.stop()
      fail('formwork serve started with hostile components', req)
    }
  }
  say(`definitions: ${checked} hostile definitions checked, ${served} given to serve`)
  if (process.env.HOSTILE_VERBOSE) for (const line of results) console.log(`  ${line}`)
}
