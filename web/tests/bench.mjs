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
//    median and p95 < 1 ms per call. Chromium coarsens performance.now() outside cross-origin
//    isolation, so calls are timed in batches of BATCH and each batch's mean counts as one
//    sample: medians and p95s are over 2,000 / BATCH samples.

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
const rows = []
let timingOk = true
try {
  for (const c of CASES) {
    const context = await newContext(browser, { js: true })
    const page = await context.newPage()
    await answerOverHttp(context, server.url, c.form, stepsBefore(c.form, c.page))
    await page.goto(new URL(`/forms/${c.form}/${c.page}`, server.url).href)
    await waitForEnhancement(page)
    const result = await page.evaluate(async ({ input, calls, batch }) => {
      // The same steps as formwork.js: the glue module, the WebAssembly, the bundle, compileForm.
      const script = document.querySelector('script[data-glue]')
      const slug = document.querySelector('form[data-formwork-page]').dataset.formworkPage
      const t0 = performance.now()
      const glue = await import(script.dataset.glue)
      await glue.default({ module_or_path: script.dataset.wasm })
      const t1 = performance.now()
      const bundle = await (await fetch(script.dataset.bundle)).json()
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
      return { errors: report.errors.length, median: at(0.5), p95: at(0.95), max: samples.at(-1), init: t1 - t0, bundle: t2 - t1, compile: t3 - t2 }
    }, { input: c.input, calls: CALLS, batch: BATCH })
    await context.close()
    const ok = result.median < BUDGET_MS && result.p95 < BUDGET_MS
    timingOk &&= ok
    rows.push({ ...c, ...result, ok })
  }
} finally {
  await browser.close()
  await server.stop()
}

const us = (ms) => `${Math.round(ms * 1000)} µs`
console.log(`\nvalidatePage in Chromium (${num(CALLS)} calls per case, batches of ${BATCH}; budget < ${BUDGET_MS} ms per call)\n`)
console.log(`${pad('page', 42)} ${pad('input', 26)} ${lpad('errors', 6)} ${lpad('median', 9)} ${lpad('p95', 9)} ${lpad('max', 9)}  budget`)
for (const r of rows) {
  console.log(`${pad(`${r.form}/${r.page}`, 42)} ${pad(r.name, 26)} ${lpad(r.errors, 6)} ${lpad(us(r.median), 9)} ${lpad(us(r.p95), 9)} ${lpad(us(r.max), 9)}  ${r.ok ? 'OK' : 'OVER'}`)
}
const first = rows[0]
if (first) {
  console.log(`\nOne-off costs on ${first.form}/${first.page} (ms): instantiate module ${first.init.toFixed(1)}, fetch bundle ${first.bundle.toFixed(1)}, compileForm ${first.compile.toFixed(1)}`)
}
console.log(`\nbudgets: size ${sizesOk ? 'OK' : 'OVER'}, time ${timingOk ? 'OK' : 'OVER'}`)
if (strict && !(sizesOk && timingOk)) process.exitCode = 1
