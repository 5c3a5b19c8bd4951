// The suite's bookkeeping: failures (with the request that caused each), figures, and the
// checks every HTML response gets.

import { escapeProblems } from './html.mjs'

export const figures = {
  strings: 0,
  fields: new Set(),
  pages: new Set(),
  pairs: 0,
  fiveXX: 0,
  panics: 0,
  crashes: 0,
  accepted: 0,
  rejected: 0,
  checkAnswersChecked: 0,
  checkAnswersShown: 0,
  resyncs: 0,
  skipped: []
}

export const failures = []

/** Records a failure: what went wrong and the request that caused it. */
export function fail (what, req, detail = '') {
  failures.push({ what, req, detail })
  if (process.env.HOSTILE_VERBOSE) console.error(`FAIL ${what}: ${req}${detail ? `\n     ${detail}` : ''}`)
}

/** Short, printable description of a value. */
export function show (v, max = 120) {
  const s = JSON.stringify(v)
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s
}

/**
 * The checks for a response to a hostile request: never 5xx, a status in `status`, and when
 * it is HTML, a GOV.UK page (`govuk`) whose reflected values are escaped (`baseline`).
 * Returns true when it passed.
 */
export function checkResponse (res, req, { status, govuk = true, baseline = null, payload = null, errorSummary = null } = {}) {
  let ok = true
  if (res.status >= 500) {
    figures.fiveXX++
    fail(`${res.status} response`, req, show(res.body.slice(0, 200)))
    return false
  }
  if (status && !status.includes(res.status)) {
    fail(`status ${res.status}, expected ${status.join(' or ')}`, req, show(res.body.slice(0, 160)))
    ok = false
  }
  const html = /text\/html/.test(res.headers['content-type'] ?? '')
  if (govuk && res.status !== 303 && res.status !== 304 && !(res.status === 200 && res.body === '')) {
    if (!html || !res.body.includes('class="govuk-template"')) {
      fail('not a GOV.UK page', req, `${res.status} ${res.headers['content-type']}: ${show(res.body.slice(0, 160))}`)
      ok = false
    }
  }
  if (errorSummary === true && res.status === 200 && !res.body.includes('govuk-error-summary')) {
    fail('200 without an error summary', req)
    ok = false
  }
  if (html && baseline) {
    const problems = escapeProblems(res.body, baseline, payload)
    if (problems.length) {
      fail('unescaped output', req, problems.slice(0, 3).join('; '))
      ok = false
    }
  }
  return ok
}
