// Budgets for in-browser validation (a benchmark, not a test):
//
//   node web/tests/bench.mjs            # prints the table; exit 0
//   node web/tests/bench.mjs --strict   # exit 1 when a budget is missed
//
// Needs web/static/pkg (scripts/wasm-build.sh) and target/release/formwork (cargo build
// --release -p formwork-server); starts its own server unless FORMWORK_BASE_URL is set.
//
// 1. Download size of what a question page loads for validation: formwork_wasm_bg.wasm,
//    formwork_wasm.js and formwork.js, raw and gzipped (zlib level 9). Budget: ≤ 80 KB
//    (81,920 bytes) gzipped in total.
// 2. Time to validate a page in Chromium: the page's compiled form (as formwork.js builds it)
//    calls validatePage 2,000 times per case, with JSON input as formwork.js passes it. Budget:
//    median and p95 < 1 ms per call. Chromium coarsens performance.now() (100 µs, or 5 µs in a
//    cross-origin isolated page), so the bench serves the page with COOP/COEP headers added
//    (through Playwright routing; the server is unchanged) and times calls in batches of BATCH,
//    each batch's mean per call being one sample: medians and p95s are over 2,000 / BATCH samples.
//    It also reports one-off costs: instantiating a fresh copy of the module, fetching
//    bundle.json (its size too, as it is downloaded on every question page) and compileForm.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { REPO, launchBrowser, newContext, startServer, waitForEnhancement } from './lib/harness.mjs'
import { answerOverHttp } from './lib/actions.mjs'
import { stepsBefore } from './lib/forms.mjs'

const BUDGET_GZIP = 80 * 1024
const BUDGET_MS = 1
const CALLS = 2_000
const BATCH = 10

const strict = process.argv.includes('--strict')
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
const num = (n) => n.toLocaleString('en-GB')
const pad = (s, n) => String(s).padEnd(n)
const lpad = (s, n) => String(s).padStart(n)

// --- sizes ---------------------------------------------------------------------------------------
const files = ['web/static/pkg/formwork_wasm_bg.wasm', 'web/static/pkg/formwork_wasm.js', 'web/static/formwork.js']
let rawTotal = 0
let gzTotal = 0
const sizeRows = files.map((f) => {
  const body = readFileSync(join(REPO, f))
  const gz = gzipSync(body, { level: 9 }).length
  rawTotal += body.length
  gzTotal += gz
  return [f, body.length, gz]
})
const sizesOk = gzTotal <= BUDGET_GZIP
console.log('\nDownload size (what a question page loads to validate in the browser)\n')
console.log(`${pad('file', 42)} ${lpad('raw bytes', 11)} ${lpad('gzip -9 bytes', 14)} ${lpad('gzip -9', 10)}`)
for (const [f, raw, gz] of sizeRows) console.log(`${pad(f, 42)} ${lpad(num(raw), 11)} ${lpad(num(gz), 14)} ${lpad(kb(gz), 10)}`)
console.log(`${pad('total', 42)} ${lpad(num(rawTotal), 11)} ${lpad(num(gzTotal), 14)} ${lpad(kb(gzTotal), 10)}`)
console.log(`budget: ≤ ${kb(BUDGET_GZIP)} gzipped → ${sizesOk ? 'OK' : `OVER by ${kb(gzTotal - BUDGET_GZIP)}`}`)

// --- timing --------------------------------------------------------------------------------------
const CASES = [
  { form: 'over-18-check', page: 'date-of-birth', name: 'valid date of birth', input: { 'date-of-birth-day': '15', 'date-of-birth-month': '6', 'date-of-birth-year': '1990' } },
  { form: 'over-18-check', page: 'date-of-birth', name: '31/02/2000 (error)', input: { 'date-of-birth-day': '31', 'date-of-birth-month': '02', 'date-of-birth-year': '2000' } },
  { form: 'over-18-check', page: 'date-of-birth', name: 'empty (error)', input: { 'date-of-birth-day': '', 'date-of-birth-month': '', 'date-of-birth-year': '' } },
  { form: 'self-build-register', page: 'address', name: 'valid address', input: { 'address-line-1': '1 High Street', 'address-line-2': '', 'address-town': 'Anytown', 'address-county': '', 'address-postcode': 'sw1a 1aa' } },
  { form: 'resident-parking-permit', page: 'contact-details', name: '2 format errors', input: { email: 'ada@', telephone: 'call me' } },
  { form: 'resident-parking-permit', page: 'permit-type', name: 'visitor, 9 books (error)', input: { 'permit-type': 'visitor', 'visitor-books': '9', 'business-name': '' } }
]

const server = await startServer()
const browser = await launchBrowser()
const browserVersion = browser.version()
const rows = []
const wire = []
let timingOk = true
try {
  for (const c of CASES) {
    const context = await newContext(browser, { js: true })
    const page = await context.newPage()
    await answerOverHttp(context, server.url, c.form, stepsBefore(c.form, c.page))
    const pageUrl = new URL(`/forms/${c.form}/${c.page}`, server.url).href
    // Cross-origin isolation for finer timers: the page and its same-origin subresources.
    await page.route('**/*', async (route) => {
      const response = await route.fetch()
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' }
      })
    })
    await page.goto(pageUrl)
    await waitForEnhancement(page)
    const result = await page.evaluate(async ({ input, calls, batch }) => {
      // The same steps as formwork.js: the glue module, the WebAssembly, the bundle, compileForm.
      const script = document.querySelector('script[data-glue]')
      const slug = document.querySelector('form[data-formwork-page]').dataset.formworkPage
      // A fresh copy of the glue module (formwork.js has initialised the page's own), so that
      // instantiating the WebAssembly (compiled from the HTTP cache) is measured.
      const t0 = performance.now()
      const glue = await import(`${script.dataset.glue}?bench=${Math.random()}`)
      await glue.default({ module_or_path: script.dataset.wasm })
      const t1 = performance.now()
      const bundleText = await (await fetch(script.dataset.bundle)).text()
      const bundle = JSON.parse(bundleText)
      const t2 = performance.now()
      const form = glue.compileForm(bundle.id, bundle.form, bundle.components)
      const t3 = performance.now()
      const json = JSON.stringify(Object.fromEntries(Object.entries(input).map(([k, v]) => [k, [v]])))
      const report = JSON.parse(form.validatePage(slug, json, script.dataset.today, script.dataset.lang))
      for (let i = 0; i < 50; i++) form.validatePage(slug, json, script.dataset.today, script.dataset.lang) // warm up
      const samples = []
      for (let b = 0; b < calls / batch; b++) {
        const start = performance.now()
        for (let i = 0; i < batch; i++) form.validatePage(slug, json, script.dataset.today, script.dataset.lang)
        samples.push((performance.now() - start) / batch)
      }
      samples.sort((a, b) => a - b)
      const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]
      return { errors: report.errors.length, median: at(0.5), p95: at(0.95), max: samples.at(-1), init: t1 - t0, bundle: t2 - t1, compile: t3 - t2, bundleText, isolated: crossOriginIsolated }
    }, { input: c.input, calls: CALLS, batch: BATCH })
    result.bundleText ??= ''
    await context.close()
    const ok = result.median < BUDGET_MS && result.p95 < BUDGET_MS
    timingOk &&= ok
    rows.push({ ...c, ...result, ok })
  }
  // What the server actually sends: compression, and whether bundle.json revalidates (304).
  const html = await (await fetch(new URL('/forms/over-18-check/date-of-birth', server.url))).text()
  for (const attr of ['data-wasm', 'data-glue', 'data-bundle']) {
    const url = new URL(html.match(new RegExp(`${attr}="([^"]+)"`))[1], server.url)
    const res = await fetch(url, { headers: { 'accept-encoding': 'gzip, br' } })
    const body = await res.arrayBuffer()
    let line = `${pad(url.pathname.replace(/^\/static\/[0-9a-f]+\//, ''), 36)} ${lpad(num(body.byteLength), 9)} bytes, content-encoding: ${res.headers.get('content-encoding') || 'none'}, cache-control: ${res.headers.get('cache-control')}`
    const etag = res.headers.get('etag')
    if (attr === 'data-bundle' && etag) {
      const again = await fetch(url, { headers: { 'if-none-match': etag } })
      await again.arrayBuffer()
      line += `, If-None-Match → ${again.status}`
    }
    wire.push(line)
  }
} finally {
  await browser.close()
  await server.stop()
}

const us = (ms) => `${(ms * 1000).toFixed(1)} µs`
console.log(`\nvalidatePage in Chromium ${browserVersion} (${num(CALLS)} calls per case, batches of ${BATCH}; ` +
  `cross-origin isolated: ${rows.every((r) => r.isolated) ? 'yes, 5 µs timer' : 'NO, 100 µs timer'}; budget < ${BUDGET_MS} ms per call)\n`)
console.log(`${pad('page', 42)} ${pad('input', 26)} ${lpad('errors', 6)} ${lpad('median', 9)} ${lpad('p95', 9)} ${lpad('max', 9)}  budget`)
for (const r of rows) {
  console.log(`${pad(`${r.form}/${r.page}`, 42)} ${pad(r.name, 26)} ${lpad(r.errors, 6)} ${lpad(us(r.median), 9)} ${lpad(us(r.p95), 9)} ${lpad(us(r.max), 9)}  ${r.ok ? 'OK' : 'OVER'}`)
}
const first = rows[0]
if (first) {
  console.log('\nOne-off costs per question page (ms)\n')
  console.log(`${pad('form', 42)} ${lpad('instantiate', 11)} ${lpad('fetch bundle', 13)} ${lpad('compileForm', 12)} ${lpad('bundle.json raw / gzip -9', 27)}`)
  const seen = new Set()
  for (const r of rows) {
    if (seen.has(r.form)) continue
    seen.add(r.form)
    const raw = Buffer.byteLength(r.bundleText)
    const gz = gzipSync(Buffer.from(r.bundleText), { level: 9 }).length
    console.log(`${pad(r.form, 42)} ${lpad(r.init.toFixed(1), 11)} ${lpad(r.bundle.toFixed(1), 13)} ${lpad(r.compile.toFixed(1), 12)} ${lpad(`${num(raw)} / ${num(gz)} B`, 27)}`)
  }
  console.log('(bundle.json is not in the size budget above, but every question page fetches it: see below.)')
}
console.log('\nOver the wire (what the server sends; the budget above assumes gzip)\n')
for (const w of wire) console.log(`  ${w}`)
console.log(`\nbudgets: size ${sizesOk ? 'OK' : 'OVER'}, time ${timingOk ? 'OK' : 'OVER'}`)
if (strict && !(sizesOk && timingOk)) process.exitCode = 1
