// Shared harness for the browser tests: the server under test, Chromium, page watchers
// (CSP violations, console errors), screenshots and small DOM helpers.
//
// The server: `web/tests/run.sh` starts one and sets FORMWORK_BASE_URL. Without it (running one
// file with `node --test web/tests/parity.test.mjs`), `startServer()` spawns
// target/release/formwork itself on a free port with a temporary data directory and
// FORMWORK_TODAY=2026-02-28, and `stop()` kills it.

import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))
export const ARTEFACTS = join(REPO, 'web/tests/artefacts')
export const TODAY = '2026-02-28'

/** Chromium from Debian; never a downloaded browser. */
export const CHROMIUM = process.env.FORMWORK_CHROMIUM || '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function waitHealthy (url, child, log, ms = 30_000) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`formwork exited with ${child.exitCode} before /healthz answered:\n${log()}`)
    }
    try {
      const res = await fetch(new URL('/healthz', url))
      if (res.ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`formwork did not answer ${url}healthz within ${ms} ms:\n${log()}`)
}

/**
 * The server under test: `{ url, stop }`. Spawns one unless FORMWORK_BASE_URL is set.
 * `stop()` is safe to call more than once and always kills the child it started.
 */
export async function startServer () {
  if (process.env.FORMWORK_BASE_URL) {
    const url = process.env.FORMWORK_BASE_URL.replace(/\/?$/, '/')
    await waitHealthy(url, null, () => '')
    return { url, stop: async () => {} }
  }
  const bin = process.env.FORMWORK_BIN || join(REPO, 'target/release/formwork')
  const data = mkdtempSync(join(tmpdir(), 'formwork-test-'))
  const port = await freePort()
  let output = ''
  const child = spawn(bin, ['serve', '--port', String(port), '--data', data], {
    cwd: REPO,
    // One client drives many journeys: the per-client POST limit is tested in the server's suite.
    env: { ...process.env, FORMWORK_TODAY: TODAY, FORMWORK_POST_RATE_LIMIT: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(data, { recursive: true, force: true })
  }
  const onExit = () => { if (child.exitCode === null) child.kill('SIGKILL') }
  process.once('exit', onExit)
  const url = `http://127.0.0.1:${port}/`
  try {
    await waitHealthy(url, child, () => output)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, stop }
}

export async function launchBrowser () {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/** A fresh browser context (its own session cookie) with JavaScript on or off. */
export async function newContext (browser, { js = true, ...options } = {}) {
  const context = await browser.newContext({
    javaScriptEnabled: js,
    viewport: { width: 1000, height: 800 },
    reducedMotion: 'reduce',
    ...options
  })
  // Report CSP violations as console errors (with JavaScript off no script runs, but Chromium
  // still logs every blocked resource to the console, which the watcher below collects).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`)
    })
  })
  return context
}

/**
 * Watches a page for CSP violations, console errors and uncaught exceptions.
 * `problems` is the live list; `allow(re)` tolerates matching messages (for tests that break
 * the WebAssembly load on purpose); `assertClean()` throws when anything else was seen.
 */
export function watch (page) {
  const problems = []
  const allowed = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.stack || e}`))
  return {
    problems,
    allow (re) { allowed.push(re) },
    unexpected () { return problems.filter((p) => !allowed.some((re) => re.test(p))) },
    cspViolations () { return problems.filter((p) => /Content Security Policy|securitypolicyviolation/.test(p)) },
    assertClean (what = page.url()) {
      const bad = this.unexpected()
      if (bad.length) throw new Error(`${what}: ${bad.length} console error(s)/CSP violation(s):\n  ${bad.join('\n  ')}`)
    }
  }
}

/** Waits until formwork.js has compiled the form in the browser (JavaScript on only). */
export async function waitForEnhancement (page) {
  await page.waitForSelector('form[data-formwork-page][data-formwork-ready]', { state: 'attached', timeout: 15_000 })
}

let shots = 0
/** A full-page PNG in web/tests/artefacts/<name>.png. */
export async function screenshot (page, name) {
  mkdirSync(ARTEFACTS, { recursive: true })
  const file = join(ARTEFACTS, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`)
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' })
  shots++
  return file
}
export function screenshotCount () { return shots }

/** The GOV.UK error summary and inline errors as plain data, for comparisons. */
export async function errorState (page) {
  return page.evaluate(() => {
    const norm = (s) => (s || '').replace(/\s+/g, ' ').trim()
    const summary = document.querySelector('.govuk-error-summary')
    return {
      title: document.title,
      summaryText: summary ? norm(summary.innerText) : null,
      summaryLinks: summary ? [...summary.querySelectorAll('a')].map((a) => [norm(a.textContent), a.getAttribute('href')]) : [],
      // Validation messages (not govuk-frontend's character count status, which is styled as one).
      messages: [...document.querySelectorAll('.govuk-error-message:not(.govuk-character-count__message)')].map((m) => [m.id, norm(m.textContent)]),
      errorInputs: [...document.querySelectorAll('.govuk-input--error, .govuk-textarea--error, .govuk-select--error')].map((i) => i.id),
      errorGroups: [...document.querySelectorAll('.govuk-form-group--error')].map((g) => {
        const first = g.querySelector('[id]')
        return first ? first.id : '?'
      }),
      describedBy: [...document.querySelectorAll('form [aria-describedby]')].map((el) => [el.id || el.tagName.toLowerCase(), el.getAttribute('aria-describedby')])
    }
  })
}

/**
 * A canonical serialisation of the main column (tags, attributes, classes as sets, text with
 * whitespace collapsed; input values from the live property, not the attribute), so markup the
 * browser built can be compared with markup the server sent. Ignores the CSRF token, the summary's
 * focus-management tabindex and govuk-frontend's `data-*-init` markers.
 */
export async function canonicalMarkup (page, selector = 'main') {
  return page.evaluate((selector) => {
    const skipAttr = (el, name) =>
      name === 'tabindex' && el.classList.contains('govuk-error-summary') ||
      /^data-govuk-.*-init$/.test(name) || name === 'data-formwork-ready' ||
      // Form state is compared through the live properties below, not the attributes the
      // server echoes (value, checked, selected; a textarea's text).
      name === 'value' || name === 'checked' || name === 'selected' || name === 'class' || name === 'style'
    const out = []
    const walk = (node, depth) => {
      const pad = '  '.repeat(depth)
      if (node.nodeType === Node.TEXT_NODE) {
        const text = node.textContent.replace(/\s+/g, ' ').trim()
        if (text) out.push(pad + JSON.stringify(text))
        return
      }
      if (node.nodeType !== Node.ELEMENT_NODE) return
      const el = node
      if (el.tagName === 'INPUT' && el.name === 'csrf-token') return
      const attrs = [...el.attributes].filter((a) => !skipAttr(el, a.name)).map((a) => `${a.name}=${JSON.stringify(a.value)}`).sort()
      const classes = [...el.classList].sort().join('.')
      let line = `${pad}<${el.tagName.toLowerCase()}${classes ? '.' + classes : ''}${attrs.length ? ' ' + attrs.join(' ') : ''}>`
      if (el.matches('input:not([type=radio]):not([type=checkbox]), textarea, select')) line += ` value=${JSON.stringify(el.value)}`
      if (el.matches('input[type=radio], input[type=checkbox]')) line += ` checked=${el.checked}`
      if (el.tagName === 'OPTION') line += ` selected=${el.selected}`
      out.push(line)
      if (el.tagName === 'TEXTAREA') return
      // govuk-frontend's character count updates this live region on a timer after typing stops.
      if (el.classList.contains('govuk-character-count__sr-status')) return
      for (const child of el.childNodes) walk(child, depth + 1)
    }
    const root = document.querySelector(selector)
    if (root) walk(root, 0)
    return out.join('\n')
  }, selector)
}

/** The axe-core source, for `page.evaluate` (the CSP allows only nonce'd script elements). */
export const AXE_SOURCE = readFileSync(join(REPO, 'web/node_modules/axe-core/axe.min.js'), 'utf8')
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

/**
 * govuk-frontend's known, deliberate ARIA use that axe reports: `aria-expanded` on a radio that
 * reveals a conditional question (alphagov/govuk-frontend#979, listed in its known issues: GDS
 * kept it after research with screen reader users, who are told the question was revealed).
 * Exactly that is accepted (reported as `accepted`, not as a violation): any other attribute,
 * element or rule still fails.
 */
const KNOWN = [{
  rule: 'aria-allowed-attr',
  issue: 'https://github.com/alphagov/govuk-frontend/issues/979',
  matches: (node) =>
    /^<input class="govuk-radios__input" [^<>]*>$/.test(node.html) && / type="radio"/.test(node.html) &&
    / aria-controls="conditional-[^"]+"/.test(node.html) && / aria-expanded="(true|false)"/.test(node.html) &&
    /^Fix all of the following:\s+ARIA attribute is not allowed: aria-expanded="(true|false)"$/.test(node.summary)
}]

/**
 * Runs axe-core on the page: `{ violations, accepted }`. With JavaScript off the page runs no
 * timers, so axe's own scheduling runs on microtasks (page.evaluate still runs in the page).
 */
export async function axe (page, { js = true } = {}) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object')
  if (!loaded) {
    if (!js) {
      await page.evaluate(() => {
        let id = 0
        const soon = (fn, ...args) => { Promise.resolve().then(() => fn(...args)); return ++id }
        window.setTimeout = (fn, ms, ...args) => soon(fn, ...args)
        window.clearTimeout = () => {}
        window.requestAnimationFrame = (fn) => soon(fn, performance.now())
        window.cancelAnimationFrame = () => {}
        window.requestIdleCallback = (fn) => soon(fn, { didTimeout: false, timeRemaining: () => 50 })
      })
    }
    await page.evaluate(AXE_SOURCE)
  }
  const all = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary }))
    }))
  }, AXE_TAGS)
  const violations = []
  const accepted = []
  for (const v of all) {
    const known = KNOWN.find((k) => k.rule === v.id)
    const nodes = known ? v.nodes.filter((n) => !known.matches(n)) : v.nodes
    if (known && nodes.length < v.nodes.length) accepted.push({ id: v.id, issue: known.issue, count: v.nodes.length - nodes.length })
    if (nodes.length) violations.push({ ...v, nodes })
  }
  return { violations, accepted }
}

export function formatViolations (violations) {
  return violations.map((v) =>
    `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
    v.nodes.map((n) => `      at ${n.target}\n        ${n.html}\n        ${(n.summary || '').replace(/\n/g, '\n        ')}`).join('\n')
  ).join('\n')
}
