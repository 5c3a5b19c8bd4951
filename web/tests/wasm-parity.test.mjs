// The WebAssembly build in Chromium gives the native engine's reports: a sample of the randomised
// parity inputs (target/parity-native.json, written by `cargo test -p formwork-wasm --test parity`)
// is validated inside a real page with the module the server ships, and compared field by field.

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { REPO, launchBrowser, newContext, startServer } from './lib/harness.mjs'

const NATIVE = join(REPO, 'target/parity-native.json')
/** Every n-th generated input: about 1,000 of the 12,000. */
const STRIDE = 12

let server
let browser

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('a sample of the randomised parity inputs gives identical reports in Chromium', async () => {
  assert.ok(existsSync(NATIVE), `no ${NATIVE}: run cargo test -p formwork-wasm --test parity first`)
  const native = JSON.parse(readFileSync(NATIVE, 'utf8'))
  const sample = native.cases.map((c, i) => ({ ...c, i })).filter((c) => c.i % STRIDE === 0)
  const context = await newContext(browser, { js: true })
  const page = await context.newPage()
  await page.goto(new URL('/forms/over-18-check/date-of-birth', server.url).href)
  const urls = await page.$eval('script[data-glue]', (s) => ({ glue: s.dataset.glue, wasm: s.dataset.wasm }))
  const results = await page.evaluate(async ({ urls, forms, components, sample }) => {
    const glue = await import(urls.glue)
    await glue.default({ module_or_path: urls.wasm })
    const compiled = {}
    const out = []
    for (const c of sample) {
      compiled[c.form] ||= glue.compileForm(c.form, forms[c.form], components)
      out.push(JSON.parse(compiled[c.form].validatePage(c.page, c.input, c.today, c.lang)))
    }
    return out
  }, { urls, forms: native.forms, components: native.components, sample })
  let mismatches = 0
  sample.forEach((c, k) => {
    try {
      assert.deepStrictEqual(results[k], native.results[c.i])
    } catch (error) {
      mismatches++
      if (mismatches <= 5) console.error(`case ${c.i}: ${JSON.stringify(c)}\n${error.message}`)
    }
  })
  console.log(`Chromium: ${sample.length} generated inputs, ${sample.length - mismatches} identical to native`)
  assert.equal(mismatches, 0)
  await context.close()
})
