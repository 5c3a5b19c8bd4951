// Every hostile string into every field of every question page of every form.
//
// Volume: one POST per (page, string) carries the string in *all* of the page's fields at
// once, so N strings cover every (string, field) pair in N requests per page. Each page has its
// own session, answered to the end of a complete journey (so the page is always on the route and
// check answers is reachable), reused for all of that page's requests; pages run concurrently
// over keep-alive connections.
//
// Escaping is checked against baseline renders of the same pages made with harmless input: the
// shape of every tag (name and attribute names) must be one a baseline has, the number of
// script/style/form/... tags must match, no event-handler attributes or script URLs may appear,
// and a markup-like payload must never appear verbatim (see html.mjs).

import { pool, request } from './http.mjs'
import { MARKER, counts, escapeProblems, signature, summaryValues, tags } from './html.mjs'
import { checkResponse, fail, figures, show } from './report.mjs'

const HARMLESS = ['', 'x', '1', 'Ada Lovelace', '  ']

/** Adds every tag shape of `html` to the global baseline. */
function learn (signatures, html) {
  for (const t of tags(html)) signatures.add(signature(t))
}

const norm = (s) => s.normalize('NFC').replace(/[\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]+/gu, ' ').trim()

/** Builds per-page sessions and the baseline; returns the targets to flood. */
export async function prepare (base, explorers, signatures) {
  // Site pages: index, start pages, not found, forbidden, too large, answers deleted.
  for (const path of ['/', '/privacy', '/accessibility', '/forms/nope', '/components']) {
    const res = await request(base, { path })
    learn(signatures, res.body)
  }
  const targets = []
  for (const ex of explorers) {
    learn(signatures, (await request(base, { path: `/forms/${ex.id}` })).body)
    for (const page of ex.pages.values()) targets.push({ ex, page, url: ex.url(page.slug) })
  }
  const big = await request(base, { method: 'POST', path: targets[0].url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(70_000, 'a') })
  learn(signatures, big.body)
  const forbidden = await request(base, { method: 'POST', path: targets[0].url, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'formwork_session=' + 'A'.repeat(43) }, body: 'x=1' })
  learn(signatures, forbidden.body)

  await pool(targets, 4, async (t) => {
    t.session = await t.ex.replay(t.page.complete)
    const clean = await t.session.get(t.url)
    if (clean.status !== 200) throw new Error(`${t.url}: ${clean.status} after a complete journey`)
    learn(signatures, clean.body)
    t.baseline = { signatures, counts: counts(tags(clean.body)), html: clean.body }
    for (const h of [null, ...HARMLESS]) {
      // null: no fields at all (inputs without a value attribute).
      const res = await t.session.post(t.url, h === null ? [] : t.page.fields.map((f) => [f.name, h]))
      learn(signatures, res.body)
      if (res.status === 303) learn(signatures, (await t.session.get(t.url)).body)
    }
    // Put the journey's own answers back, then take the check answers baseline.
    const own = t.page.complete.find(([slug]) => slug === t.page.slug)
    await t.session.post(t.url, own[1])
    const ca = await t.session.get(`/forms/${t.ex.id}/check-answers`)
    if (ca.status !== 200) throw new Error(`${t.url}: check answers gave ${ca.status} after a complete journey`)
    learn(signatures, ca.body)
    t.caBaseline = { signatures, counts: counts(tags(ca.body)), html: ca.body }
    const again = await t.session.get(t.url)
    if (again.status !== 200) throw new Error(`${t.url}: ${again.status} after re-answering`)
  })
  return targets
}

/** Sends every string to every field of every target page. */
export async function flood (targets, strings, concurrency) {
  figures.strings = strings.length
  await pool(targets, concurrency, async (t, ti) => {
    const names = t.page.fields.map((f) => f.name)
    for (const n of names) figures.fields.add(`${t.ex.id}/${t.page.slug}/${n}`)
    figures.pages.add(`${t.ex.id}/${t.page.slug}`)
    const free = (f) => f.kind === 'textarea' || (f.kind === 'text' && f.type === 'text' && !f.inputmode && !/email|tel|postal|bday/.test(f.autocomplete ?? '') && !/postcode|registration|-day$|-month$|-year$/.test(f.name))
    const freeText = t.page.fields.length > 0 && t.page.fields.every(free)
    for (let i = 0; i < strings.length; i++) {
      // Rotate so that concurrent pages are not all sending the same string at once.
      const s = strings[(i + ti * 37) % strings.length]
      const req = `POST ${t.url} with every field (${names.join(', ')}) = ${show(s)}`
      let res
      try {
        res = await t.session.post(t.url, names.map((n) => [n, s]))
      } catch (e) {
        fail('no response', req, e.message)
        continue
      }
      figures.pairs += names.length
      if (!checkResponse(res, req, { status: [200, 303], baseline: t.baseline, payload: s, errorSummary: true })) continue
      if (res.status !== 303) { figures.rejected++; continue }
      figures.accepted++
      if (!(res.headers.location ?? '').startsWith(`/forms/${t.ex.id}/`)) {
        fail('redirect out of the form', req, res.headers.location)
        continue
      }
      // The stored value, shown again on the page itself.
      const back = await t.session.get(t.url)
      if (back.status !== 200) {
        // The answer moved the route on: start this page's session again.
        figures.resyncs++
        t.session = await t.ex.replay(t.page.complete)
        await t.session.get(t.url)
        continue
      }
      checkResponse(back, `GET ${t.url} after ${req}`, { status: [200], baseline: t.baseline, payload: s })
      const ca = await t.session.get(`/forms/${t.ex.id}/check-answers`)
      if (ca.status !== 200) continue
      figures.checkAnswersChecked++
      checkResponse(ca, `GET check-answers after ${req}`, { status: [200], baseline: t.caBaseline, payload: s })
      const want = norm(s)
      if (freeText && want !== '') {
        const shown = summaryValues(ca.body).map(norm)
        if (shown.some((v) => v.includes(want))) figures.checkAnswersShown++
        else fail('accepted value not shown on check answers', `GET check-answers after ${req}`, `looked for ${show(want)} in ${show(shown)}`)
      }
    }
  })
}

/**
 * The escape check must not be blind: each baseline page, with a payload spliced in unescaped
 * where the server reflects values (an input's value, a textarea, text), must be reported, and
 * the page as served must not.
 */
export function selfTest (targets) {
  const splices = [
    ['an attribute break-out', (h) => h.replace(/value="[^"]*"/, `value=""><${MARKER}>"`)],
    ['an event handler', (h) => h.replace(/value="[^"]*"/, 'value="" onfocus="alert(1)"')],
    ['a script tag in text', (h) => h.replace('</h1>', '<script>alert(1)</script></h1>')],
    ['a nonce-looking script tag', (h) => h.replace('</h1>', '<script nonce="abc">alert(1)</script></h1>')],
    ['a stray <', (h) => h.replace('</h1>', '< img src=x></h1>')],
    ['a script URL', (h) => h.replace(/href="[^"]*"/, 'href="javascript:alert(1)"')]
  ]
  for (const t of targets) {
    const clean = escapeProblems(t.baseline.html, t.baseline)
    if (clean.length) fail('the escape check reports a clean page', `GET ${t.url}`, clean.slice(0, 2).join('; '))
    for (const [name, splice] of splices) {
      const html = splice(t.baseline.html)
      if (html === t.baseline.html) continue
      if (!escapeProblems(html, t.baseline).length) fail('the escape check missed an injection', `${name} spliced into GET ${t.url}`)
    }
  }
}
