// Ways to answer a page: with the keyboard only (Tab, Shift+Tab, arrow keys in radio groups and
// selects, Space, Enter, typing), directly (Playwright fill/check, for tests about something
// else) and over HTTP (to reach a page quickly, sharing the browser context's session cookie).

import assert from 'node:assert/strict'

const focusedMatches = (page, selector) =>
  page.evaluate((sel) => !!document.activeElement && document.activeElement.matches(sel), selector)

/**
 * Moves focus to the first element matching `selector` with Tab (or Shift+Tab when it comes
 * before the focused element in the document), as a keyboard user would.
 */
export async function tabTo (page, selector, { max = 80 } = {}) {
  if (await focusedMatches(page, selector)) return
  const backwards = await page.evaluate((sel) => {
    const target = document.querySelector(sel)
    if (!target) throw new Error(`no element matches ${sel}`)
    const active = document.activeElement
    if (!active || active === document.body) return false
    return !!(active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_PRECEDING)
  }, selector)
  const key = backwards ? 'Shift+Tab' : 'Tab'
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key)
    if (await focusedMatches(page, selector)) return
  }
  const active = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200))
  throw new Error(`could not reach ${selector} with ${key} in ${max} presses (focus is on ${active})`)
}

const focused = (page) => page.evaluate(() => {
  const el = document.activeElement
  return el ? { tag: el.tagName.toLowerCase(), type: el.type, name: el.name, value: el.value, checked: el.checked } : null
})

/** Answers one field with the keyboard. */
export async function keyboardAnswer (page, [kind, name, value]) {
  const css = (s) => JSON.stringify(s)
  switch (kind) {
    case 'text': {
      await tabTo(page, `input[name=${css(name)}], textarea[name=${css(name)}]`)
      await page.keyboard.press('ControlOrMeta+A')
      await page.keyboard.press('Backspace')
      if (value) await page.keyboard.type(value)
      break
    }
    case 'radio': {
      // Tab enters the group on its checked radio (or the first/last); arrows move and select.
      await tabTo(page, `input[type=radio][name=${css(name)}]`)
      for (let i = 0; i < 20; i++) {
        const f = await focused(page)
        if (f.value === value) break
        await page.keyboard.press('ArrowDown')
      }
      let f = await focused(page)
      assert.equal(f.value, value, `could not reach radio ${name}=${value} with the arrow keys`)
      if (!f.checked) await page.keyboard.press('Space')
      f = await focused(page)
      assert.ok(f.checked, `radio ${name}=${value} is not selected`)
      break
    }
    case 'check': {
      await tabTo(page, `input[type=checkbox][name=${css(name)}][value=${css(value)}]`)
      if (!(await focused(page)).checked) await page.keyboard.press('Space')
      assert.ok((await focused(page)).checked, `checkbox ${name}=${value} is not ticked`)
      break
    }
    case 'select': {
      await tabTo(page, `select[name=${css(name)}]`)
      // A closed select changes its value with the arrow keys (Chromium on Linux).
      const options = await page.evaluate((n) => [...document.querySelector(`select[name="${n}"]`).options].map((o) => o.value), name)
      const want = options.indexOf(value)
      assert.ok(want >= 0, `select ${name} has no option ${value}`)
      for (let i = 0; i < options.length + 1; i++) {
        const f = await focused(page)
        const at = options.indexOf(f.value)
        if (at === want) break
        await page.keyboard.press(at < want ? 'ArrowDown' : 'ArrowUp')
      }
      assert.equal((await focused(page)).value, value, `select ${name} is not ${value}`)
      break
    }
    default:
      throw new Error(`unknown answer kind ${kind}`)
  }
}

/** Answers a page with the keyboard, in the order given. */
export async function keyboardAnswers (page, answers) {
  for (const answer of answers) await keyboardAnswer(page, answer)
}

/** Presses Enter on the page's submit button, reached with Tab; waits for the next page. */
export async function keyboardSubmit (page, { button = 'main form button[type=submit], main form button:not([type])', waitFor } = {}) {
  await tabTo(page, button)
  if (waitFor) {
    await Promise.all([page.waitForURL(waitFor, { waitUntil: 'load' }), page.keyboard.press('Enter')])
  } else {
    await page.keyboard.press('Enter')
  }
}

/** Answers fields directly (not a keyboard test). */
export async function fillAnswers (page, answers) {
  for (const [kind, name, value] of answers) {
    const css = JSON.stringify(name)
    switch (kind) {
      case 'text':
        await page.fill(`[name=${css}]`, value)
        // A key press, as typing would give: govuk-frontend's character count updates on keyup.
        await page.press(`[name=${css}]`, 'End')
        break
      case 'radio': await page.check(`input[type=radio][name=${css}][value=${JSON.stringify(value)}]`); break
      case 'check': await page.check(`input[type=checkbox][name=${css}][value=${JSON.stringify(value)}]`); break
      case 'select': await page.selectOption(`select[name=${css}]`, value); break
      case 'force':
        await page.$eval(`input[type=checkbox][name=${css}][value=${JSON.stringify(value)}]`, (el) => { el.checked = true })
        break
      default: throw new Error(`unknown answer kind ${kind}`)
    }
  }
}

/** The form body a browser would send for these answers. */
export function formBody (answers, csrf) {
  const body = new URLSearchParams()
  body.append('csrf-token', csrf)
  for (const [, name, value] of answers) body.append(name, value)
  return body.toString()
}

/**
 * Answers pages over HTTP with the context's cookies (quick prerequisites); each POST must
 * redirect. `base` is the server URL.
 */
export async function answerOverHttp (context, base, form, steps) {
  for (const [slug, answers] of steps) {
    const url = new URL(`/forms/${form}/${slug}`, base).href
    const get = await context.request.get(url)
    assert.equal(get.status(), 200, `GET ${url}`)
    const csrf = (await get.text()).match(/name="csrf-token" value="([^"]+)"/)?.[1]
    assert.ok(csrf, `no CSRF token on ${url}`)
    const post = await context.request.post(url, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: formBody(answers, csrf),
      maxRedirects: 0
    })
    assert.equal(post.status(), 303, `POST ${url} should redirect (answers ${JSON.stringify(answers)})`)
  }
}
