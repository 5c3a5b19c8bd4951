// Same input, same errors: the GOV.UK error summary, inline messages and highlighted inputs that
// the browser renders from the WebAssembly build (JavaScript on, no request sent) are identical
// to the ones the server renders (JavaScript off, a round trip). With JavaScript on and the
// WebAssembly unavailable, the form fails open: it submits and the server's markup is the same
// markup the browser builds. Also: errors clear as the resident fixes each field.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { answerOverHttp, fillAnswers, tabTo } from './lib/actions.mjs'
import { INVALID, stepsBefore } from './lib/forms.mjs'
import {
  canonicalMarkup, errorState, launchBrowser, newContext, startServer, waitForEnhancement, watch
} from './lib/harness.mjs'

let server
let browser


const SUBMIT = 'main form button.govuk-button'

/** A page of `form` reached in a fresh context, with prerequisites answered over HTTP. */
async function openPage (kase, { js, breakWasm } = {}) {
  const context = await newContext(browser, { js })
  const page = await context.newPage()
  const watcher = watch(page)
  if (breakWasm) {
    // Fail-open variants: the WebAssembly, the glue module or the bundle cannot be loaded.
    const [pattern, handler] = {
      wasm: ['**/pkg/formwork_wasm_bg.wasm', (route) => route.abort()],
      glue: ['**/pkg/formwork_wasm.js', (route) => route.fulfill({ status: 404, body: 'not found' })],
      bundle: ['**/bundle.json', (route) => route.fulfill({ status: 500, body: 'no' })]
    }[breakWasm]
    await page.route(pattern, handler)
    watcher.allow(/Failed to load resource|ERR_FAILED|404|500/)
  }
  await answerOverHttp(context, server.url, kase.form, stepsBefore(kase.form, kase.page))
  const url = new URL(`/forms/${kase.form}/${kase.page}`, server.url).href
  const res = await page.goto(url)
  assert.equal(res.status(), 200, `GET ${url}`)
  if (js && !breakWasm) await waitForEnhancement(page)
  if (breakWasm) {
    // Give formwork.js time to try (and fail) to load.
    await page.waitForLoadState('networkidle')
    assert.equal(await page.locator('form[data-formwork-ready]').count(), 0, 'the form must not be enhanced when loading fails')
  }
  return { context, page, watcher, url }
}

/** Submits with the server (a POST and a new page at the same URL). */
async function submitToServer (page) {
  const posts = []
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()) })
  await page.focus(SUBMIT)
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')])
  assert.equal(posts.length, 1, 'the form is sent to the server')
}

/** Submits with JavaScript on: no request at all, the URL stays, the summary appears and takes focus. */
async function submitInBrowser (page, url) {
  const requests = []
  const onRequest = (r) => requests.push(`${r.method()} ${r.url()}`)
  page.on('request', onRequest)
  await page.focus(SUBMIT)
  await page.keyboard.press('Enter')
  await page.waitForSelector('.govuk-error-summary', { timeout: 5_000 })
  await page.waitForTimeout(250) // a late request would show up here
  page.off('request', onRequest)
  assert.deepEqual(requests, [], 'no network request on submit with JavaScript on')
  assert.equal(page.url(), url, 'the URL does not change')
  assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), 'focus moves to the error summary')
}

const FAIL_MODES = ['wasm', 'glue', 'bundle']

describe('parity', () => {
before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

describe('client and server show the same errors', () => {
  INVALID.forEach((kase, i) => {
    test(`${kase.form}/${kase.page}: ${kase.name}`, { timeout: 90_000 }, async () => {
      // JavaScript off: the server validates.
      const off = await openPage(kase, { js: false })
      await fillAnswers(off.page, kase.answers)
      await submitToServer(off.page)
      const serverState = await errorState(off.page)
      off.watcher.assertClean()
      await off.context.close()

      assert.ok(serverState.summaryText, 'the server shows an error summary')
      assert.match(serverState.title, /^Error: /)
      if (kase.expect) {
        assert.deepEqual(serverState.summaryLinks, kase.expect, 'the error summary says what the test expects')
      }

      // JavaScript on: the WebAssembly build validates, without a request.
      const on = await openPage(kase, { js: true })
      await fillAnswers(on.page, kase.answers)
      await submitInBrowser(on.page, on.url)
      const clientState = await errorState(on.page)
      const clientMarkup = await canonicalMarkup(on.page)
      on.watcher.assertClean()

      assert.equal(clientState.summaryText, serverState.summaryText, 'error summary text')
      assert.deepEqual(clientState.summaryLinks, serverState.summaryLinks, 'error summary links')
      assert.deepEqual(clientState.messages, serverState.messages, 'inline error messages')
      assert.deepEqual(clientState.errorInputs.sort(), serverState.errorInputs.sort(), 'inputs with an error class')
      assert.deepEqual(clientState.errorGroups, serverState.errorGroups, 'form groups with errors')
      assert.deepEqual(clientState.describedBy, serverState.describedBy, 'aria-describedby')
      assert.equal(clientState.title, serverState.title, 'page title')

      // The summary links go to the right input.
      const [, firstHref] = clientState.summaryLinks[0]
      await on.page.keyboard.press('Tab')
      assert.equal(await on.page.evaluate(() => document.activeElement.getAttribute('href')), firstHref, 'Tab from the summary reaches its first link')
      await on.page.keyboard.press('Enter')
      assert.equal(await on.page.evaluate(() => '#' + document.activeElement.id), firstHref, 'the summary link moves focus to the input')
      await on.context.close()

      // JavaScript on, WebAssembly unavailable: the form submits and the server answers; its
      // markup (with govuk-frontend's JavaScript applied) is the markup the browser built.
      const mode = FAIL_MODES[i % FAIL_MODES.length]
      const open = await openPage(kase, { js: true, breakWasm: mode })
      await fillAnswers(open.page, kase.answers)
      await submitToServer(open.page)
      assert.ok(await open.page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), 'govuk-frontend focuses the server-rendered summary')
      const serverMarkup = await canonicalMarkup(open.page)
      open.watcher.assertClean()
      await open.context.close()
      assert.equal(clientMarkup, serverMarkup, `the browser's markup matches the server's (fail-open mode: ${mode})`)
    })
  })
})

describe('errors clear as the resident fixes each field (JavaScript on)', () => {
  for (const kase of INVALID.filter((k) => k.fix)) {
    test(`${kase.form}/${kase.page}: ${kase.name}`, { timeout: 60_000 }, async () => {
      const on = await openPage(kase, { js: true })
      await fillAnswers(on.page, kase.answers)
      await submitInBrowser(on.page, on.url)
      const before = await errorState(on.page)
      for (const [n, [name, value]] of kase.fix.entries()) {
        const selector = `[name=${JSON.stringify(name)}]`
        // Keyboard: reach the field, replace its text.
        await tabTo(on.page, selector)
        await on.page.keyboard.press('ControlOrMeta+A')
        await on.page.keyboard.type(value)
        const now = await errorState(on.page)
        const last = n === kase.fix.length - 1
        assert.ok(!now.errorInputs.includes(name), `${name} loses its error class`)
        if (last) {
          assert.equal(now.summaryText, null, 'the summary goes when every field is fixed')
          assert.deepEqual(now.messages, [], 'no inline messages remain')
          assert.doesNotMatch(now.title, /^Error: /, 'the title loses "Error: "')
        } else {
          assert.ok(now.summaryLinks.length < before.summaryLinks.length, 'the fixed field leaves the summary')
          assert.ok(now.summaryLinks.length > 0, 'the other errors stay')
          assert.ok(now.messages.length < before.messages.length, 'the fixed field loses its inline message')
          assert.equal(now.messages.length, now.summaryLinks.length, 'one inline message per summary entry')
        }
      }
      // Now valid: the form is sent (a POST) and the next page loads. (govuk-frontend's
      // preventDoubleClick ignores a second press of the button within 1 second.)
      await on.page.waitForTimeout(1_100)
      const posts = []
      on.page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()) })
      await on.page.focus(SUBMIT)
      await Promise.all([on.page.waitForURL((u) => u.href !== on.url), on.page.keyboard.press('Enter')])
      assert.equal(posts.length, 1)
      on.watcher.assertClean()
      await on.context.close()
    })
  }
})
})
