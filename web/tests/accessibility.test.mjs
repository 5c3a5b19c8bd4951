// axe-core (WCAG 2.0, 2.1 and 2.2 A and AA rules) on every page and every error state of every
// example form, the start, check answers, confirmation and exit pages, the service list, the
// component gallery and every component page, with JavaScript on and off: 0 violations.
// Every page and state is also saved as a full-page screenshot in web/tests/artefacts/.
//
// axe is injected with page.evaluate (DevTools evaluation is not subject to the page's CSP), so
// the CSP stays on and any violation it reports fails the test.
// FORMWORK_UPDATE_SCREENSHOT=1 also writes docs/screenshot.png (the README's picture).

import assert from 'node:assert/strict'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fillAnswers } from './lib/actions.mjs'
import { INVALID, JOURNEYS } from './lib/forms.mjs'
import {
  AXE_TAGS, REPO, axe, formatViolations, launchBrowser, newContext, screenshot, startServer, waitForEnhancement, watch
} from './lib/harness.mjs'

const SUBMIT = 'main form button.govuk-button'

describe('accessibility', () => {
  let server
  let browser
  let pagesChecked = 0
  const acceptedLog = new Set()
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    console.log(`axe-core: ${pagesChecked} page states checked (tags ${AXE_TAGS.join(', ')})`)
    if (acceptedLog.size) {
      console.log(`axe-core: accepted govuk-frontend known issue on ${acceptedLog.size} page state(s):`)
      for (const line of acceptedLog) console.log(`  ${line}`)
    }
  })

  for (const js of [true, false]) {
    const mode = js ? 'js' : 'nojs'

    /** Checks the current page: axe, screenshot, console and CSP. Collects failures. */
    async function check (page, watcher, name, failures) {
      const { violations, accepted } = await axe(page, { js })
      for (const a of accepted) acceptedLog.add(`${a.id} on conditional-reveal radios (${a.issue}): ${mode}--${name}`)
      const file = await screenshot(page, `${mode}--${name}`)
      pagesChecked++
      if (violations.length) failures.push(`${name} (${page.url()}, JavaScript ${js ? 'on' : 'off'}):\n${formatViolations(violations)}`)
      const bad = watcher.unexpected()
      if (bad.length) failures.push(`${name}: console errors / CSP violations:\n  ${bad.join('\n  ')}`)
      watcher.problems.length = 0
      return file
    }

    const report = (failures) => assert.equal(failures.length, 0, `\n${failures.join('\n\n')}\n`)

    describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
      test('axe finds a planted violation (the harness works)', async () => {
        const context = await newContext(browser, { js })
        const page = await context.newPage()
        try {
          await page.goto(new URL('/forms/over-18-check/date-of-birth', server.url).href)
          await page.evaluate(() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/nope.png"><input type="text">'))
          const { violations } = await axe(page, { js })
          const ids = violations.map((v) => v.id)
          assert.ok(ids.includes('image-alt') && ids.includes('label'), `axe should report image-alt and label, got ${ids}`)
        } finally {
          await context.close()
        }
      })

      test('the CSP is nonce-based and a planted violation is caught (the watcher works)', async () => {
        const context = await newContext(browser, { js })
        const page = await context.newPage()
        const watcher = watch(page)
        try {
          const res = await page.goto(new URL('/forms/over-18-check/date-of-birth', server.url).href)
          const csp = res.headers()['content-security-policy'] || ''
          assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/)
          assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/)
          assert.match(csp, /frame-ancestors 'none'/)
          watcher.assertClean()
          // An inline style attribute and a cross-origin image: both blocked and reported.
          await page.evaluate(() => document.querySelector('main').insertAdjacentHTML('beforeend', '<p style="color: red">x</p><img alt="" src="https://example.invalid/x.png">'))
          await page.waitForTimeout(300)
          const seen = watcher.cspViolations().join('\n')
          assert.match(seen, /style-src/, 'the inline style is reported')
          assert.match(seen, /img-src|example\.invalid/, 'the image is reported')
        } finally {
          await context.close()
        }
      })

      test('site pages, start pages and the component gallery', { timeout: 300_000 }, async () => {
        const context = await newContext(browser, { js })
        const page = await context.newPage()
        const watcher = watch(page)
        const failures = []
        try {
          await page.goto(new URL('/components', server.url).href)
          const components = await page.$$eval('main a[href^="/components/"]', (links) => links.map((a) => a.getAttribute('href')))
          assert.ok(components.length >= 10, 'the gallery lists the components')
          const forms = [...new Set(JOURNEYS.map((j) => j.form))]
          const paths = ['/', '/components', ...components, '/accessibility', '/privacy', '/no-such-page',
            ...forms.map((f) => `/forms/${f}`)]
          for (const path of paths) {
            // The browser logs the 404 status of a page that is not found: expected there only.
            if (path === '/no-such-page') watcher.allow(/Failed to load resource: the server responded with a status of 404 \(Not Found\) \(http:\/\/[^)]*\/no-such-page\)$/)
            const res = await page.goto(new URL(path, server.url).href)
            assert.equal(res.status(), path === '/no-such-page' ? 404 : 200, path)
            await check(page, watcher, path === '/' ? 'index' : path.slice(1).replaceAll('/', '--'), failures)
            if (await page.locator('main details').count()) {
              await page.$$eval('main details', (all) => all.forEach((d) => { d.open = true }))
              await check(page, watcher, `${path.slice(1).replaceAll('/', '--')}--details-open`, failures)
            }
          }
        } finally {
          await context.close()
        }
        report(failures)
      })

      const visited = new Set()
      for (const journey of JOURNEYS) {
        test(`${journey.form}: ${journey.name}`, { timeout: 300_000 }, async () => {
          const context = await newContext(browser, { js })
          const page = await context.newPage()
          const watcher = watch(page)
          const failures = []
          const url = (slug) => new URL(`/forms/${journey.form}/${slug}`, server.url).href
          try {
            for (const [i, [slug, answers]] of journey.steps.entries()) {
              const key = `${journey.form}/${slug}`
              await page.goto(url(slug))
              if (js) await waitForEnhancement(page)
              if (!visited.has(key)) {
                visited.add(key)
                await check(page, watcher, `${journey.form}--${slug}`, failures)
                if (await page.locator('main details').count()) {
                  await page.$$eval('main details', (all) => all.forEach((d) => { d.open = true }))
                  await check(page, watcher, `${journey.form}--${slug}--details-open`, failures)
                }
                // Every error state of this page.
                for (const kase of INVALID.filter((k) => k.form === journey.form && k.page === slug)) {
                  await page.goto(url(slug))
                  if (js) await waitForEnhancement(page)
                  await fillAnswers(page, kase.answers)
                  await page.focus(SUBMIT)
                  if (js) {
                    await page.keyboard.press('Enter')
                    await page.waitForSelector('.govuk-error-summary')
                  } else {
                    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')])
                  }
                  assert.equal(await page.locator('.govuk-error-summary').count(), 1, `${key} ${kase.name} shows errors`)
                  const name = `${journey.form}--${slug}--error--${kase.name}`
                  const file = await check(page, watcher, name, failures)
                  if (!js && journey.form === 'over-18-check' && kase.name === '31/02/2000' && process.env.FORMWORK_UPDATE_SCREENSHOT) {
                    copyFileSync(file, join(REPO, 'docs/screenshot.png'))
                  }
                }
                await page.goto(url(slug))
                if (js) await waitForEnhancement(page)
              }
              await fillAnswers(page, answers)
              const next = journey.steps[i + 1]?.[0] ?? (journey.end.kind === 'exit' ? journey.end.slug : 'check-answers')
              await page.focus(SUBMIT)
              await Promise.all([page.waitForURL(url(next)), page.keyboard.press('Enter')])
            }
            if (journey.end.kind === 'exit') {
              await check(page, watcher, `${journey.form}--exit--${journey.end.slug}`, failures)
            } else {
              const cya = `${journey.form}/check-answers/${journey.name}`
              if (!visited.has(cya)) {
                visited.add(cya)
                await check(page, watcher, `${journey.form}--check-answers--${journey.name}`, failures)
              }
              await page.focus(SUBMIT)
              await Promise.all([page.waitForURL(url('confirmation')), page.keyboard.press('Enter')])
              await check(page, watcher, `${journey.form}--confirmation--${journey.name}`, failures)
            }
          } finally {
            await context.close()
          }
          report(failures)
        })
      }
    })
  }
})
