// Every example form, every branch, with the keyboard only (Tab, Shift+Tab, arrow keys inside
// radio groups and selects, Space, Enter and typing: no clicks), with JavaScript on and off:
// from the start page to the confirmation page and its reference number, or to the exit page.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { keyboardAnswers, keyboardSubmit, tabTo } from './lib/actions.mjs'
import { JOURNEYS } from './lib/forms.mjs'
import { launchBrowser, newContext, startServer, waitForEnhancement, watch } from './lib/harness.mjs'

const REFERENCE = /^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$/

describe('journeys', () => {
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

  for (const js of [true, false]) {
    describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
      for (const journey of JOURNEYS) {
        test(`${journey.form}: ${journey.name}`, { timeout: 120_000 }, async () => {
          const context = await newContext(browser, { js })
          const page = await context.newPage()
          const watcher = watch(page)
          const url = (path) => new URL(path, server.url).href
          try {
            // The list of services links to the start page.
            await page.goto(url('/'))
            await tabTo(page, `main a[href="/forms/${journey.form}"]`)
            await Promise.all([page.waitForURL(url(`/forms/${journey.form}`)), page.keyboard.press('Enter')])

            // Start now.
            const [firstSlug] = journey.steps[0]
            await tabTo(page, 'main a.govuk-button--start')
            await Promise.all([page.waitForURL(url(`/forms/${journey.form}/${firstSlug}`)), page.keyboard.press('Enter')])

            for (const [i, [slug, answers]] of journey.steps.entries()) {
              assert.equal(page.url(), url(`/forms/${journey.form}/${slug}`))
              if (js) await waitForEnhancement(page)
              await keyboardAnswers(page, answers)
              const next = journey.steps[i + 1]?.[0] ??
                (journey.end.kind === 'exit' ? journey.end.slug : 'check-answers')
              await keyboardSubmit(page, { waitFor: url(`/forms/${journey.form}/${next}`) })
              assert.equal(await page.locator('.govuk-error-summary').count(), 0, `no errors on ${slug}`)
              watcher.assertClean()
            }

            if (journey.end.kind === 'exit') {
              assert.equal((await page.textContent('h1')).trim(), journey.end.title)
              assert.match(await page.textContent('main'), new RegExp(journey.end.text))
              // The back link returns to the question that led here.
              const [lastSlug] = journey.steps.at(-1)
              await tabTo(page, 'a.govuk-back-link')
              await Promise.all([page.waitForURL(url(`/forms/${journey.form}/${lastSlug}`)), page.keyboard.press('Enter')])
            } else {
              // Check answers shows what was entered; then send with the keyboard.
              const summary = (await page.textContent('.govuk-summary-list')).replace(/\s+/g, ' ')
              for (const text of journey.end.summary) assert.ok(summary.includes(text), `check answers shows "${text}" in: ${summary}`)
              await keyboardSubmit(page, { waitFor: url(`/forms/${journey.form}/confirmation`) })
              assert.equal((await page.textContent('.govuk-panel__title')).trim(), journey.end.title)
              const reference = (await page.textContent('.govuk-panel__body strong')).trim()
              assert.match(reference, REFERENCE, 'a reference number')
              assert.match(await page.textContent('.govuk-panel__body'), /Your reference number/)
            }
            watcher.assertClean()
          } finally {
            await context.close()
          }
        })
      }
    })
  }
})
