// Walks every example form like a resident: reads each question page's fields from its HTML,
// answers with plausible valid values, tries every option of every choice field to find every
// branch, and records for each question page a path that reaches it and a complete journey
// (to check answers) through it. Nothing here knows a form: fields come from the rendered pages,
// slugs from the definition in forms/.

import { Session } from './http.mjs'
import { fieldsOf } from './html.mjs'

/** Plausible valid values for a text field, best guess first. */
function candidates (f) {
  const n = f.name
  const ac = f.autocomplete ?? ''
  if (/-day$/.test(n) || /bday-day/.test(ac)) return ['15', '1']
  if (/-month$/.test(n) || /bday-month/.test(ac)) return ['6', '4']
  if (/-year$/.test(n) || /bday-year/.test(ac)) return ['1990', '2026']
  if (f.type === 'email' || /email/.test(ac) || /email/.test(n)) return ['ada@example.com']
  if (f.type === 'tel' || /tel/.test(ac) || /phone/.test(n)) return ['01632 960 001', '07700 900 982']
  if (/postal-code/.test(ac) || /postcode/.test(n)) return ['SW1A 1AA']
  if (/registration/.test(n)) return ['AB12CDE']
  if (/numeric|decimal/.test(f.inputmode ?? '')) return ['3', '12', '750', '1']
  if (f.kind === 'textarea') return ['We carry tools and pipes to jobs every day.', 'A poster in the library']
  return ['Anytown', 'Ada', '1 High Street']
}

/** Choice assignments to try: the first option everywhere, then each option of each choice field. */
function variants (fields) {
  const choice = fields.filter((f) => f.kind !== 'text' && f.kind !== 'textarea')
  const first = (f) => f.options.find((o) => o !== '') ?? f.options[0] ?? ''
  const base = Object.fromEntries(choice.map((f) => [f.name, first(f)]))
  const out = [base]
  const seen = new Set([JSON.stringify(base)])
  for (const f of choice) {
    for (const o of f.options) {
      if (o === '') continue
      const v = { ...base, [f.name]: o }
      const key = JSON.stringify(v)
      if (!seen.has(key)) { seen.add(key); out.push(v) }
    }
  }
  return out
}

function answers (fields, choice, k) {
  const pairs = []
  for (const f of fields) {
    if (f.kind === 'text' || f.kind === 'textarea') {
      const c = candidates(f)
      pairs.push([f.name, c[Math.min(k, c.length - 1)]])
    } else if (choice[f.name] !== undefined) {
      pairs.push([f.name, choice[f.name]])
    }
  }
  return pairs
}

const slugOf = (location) => decodeURIComponent(location.split('?')[0].split('/').pop())

export class Explorer {
  constructor (base, id, definition) {
    this.base = base
    this.id = id
    this.definition = definition
    this.pageSlugs = definition.pages.map((p) => p.slug)
    this.exitSlugs = new Set((definition.exitPages ?? []).map((p) => p.slug))
    this.pages = new Map() // slug -> { slug, fields, path, complete }
    this.exitsReached = new Set()
  }

  url (slug) { return `/forms/${this.id}/${slug}` }

  /** POSTs one valid answer for `choice` (trying each candidate set); the redirect target or null. */
  async answer (session, slug, fields, choice) {
    for (let k = 0; k < 4; k++) {
      const pairs = answers(fields, choice, k)
      const res = await session.post(this.url(slug), pairs)
      if (res.status === 303) return { pairs, target: slugOf(res.headers.location ?? '') }
      if (res.status !== 200) throw new Error(`${this.url(slug)}: answering gave ${res.status}`)
    }
    return null
  }

  async explore () {
    const session = new Session(this.base)
    await session.get(`/forms/${this.id}`)
    const visit = async (slug, path) => {
      const res = await session.get(this.url(slug))
      if (res.status !== 200) throw new Error(`${this.url(slug)}: GET gave ${res.status} while exploring`)
      const fields = fieldsOf(res.body)
      this.pages.set(slug, { slug, fields, path, complete: null })
      for (const choice of variants(fields)) {
        const got = await this.answer(session, slug, fields, choice)
        if (!got) continue
        const step = [slug, got.pairs]
        if (got.target === 'check-answers') {
          this.markComplete([...path, step])
        } else if (this.exitSlugs.has(got.target)) {
          this.exitsReached.add(got.target)
        } else if (this.pageSlugs.includes(got.target) && !this.pages.has(got.target)) {
          await visit(got.target, [...path, step])
        }
      }
    }
    await visit(this.pageSlugs[0], [])
    for (const page of this.pages.values()) {
      if (!page.complete) await this.complete(page)
    }
    const missing = this.pageSlugs.filter((s) => !this.pages.has(s))
    if (missing.length) throw new Error(`${this.id}: exploring never reached ${missing.join(', ')}`)
    return this
  }

  markComplete (steps) {
    for (const [slug] of steps) {
      const p = this.pages.get(slug)
      if (p && !p.complete) p.complete = steps
    }
  }

  /** A complete journey through `page`: its path, then first non-exit answers to check answers. */
  async complete (page) {
    const session = await this.replay(page.path)
    const steps = [...page.path]
    let slug = page.slug
    for (let guard = 0; guard < 100; guard++) {
      const res = await session.get(this.url(slug))
      const fields = fieldsOf(res.body)
      let next = null
      for (const choice of variants(fields)) {
        const got = await this.answer(session, slug, fields, choice)
        if (got && !this.exitSlugs.has(got.target)) { next = got; break }
      }
      if (!next) throw new Error(`${this.url(slug)}: no answer leads on to check answers`)
      steps.push([slug, next.pairs])
      if (next.target === 'check-answers') { this.markComplete(steps); return }
      slug = next.target
    }
    throw new Error(`${this.id}: no way to check answers from ${page.slug}`)
  }

  /** A fresh session with `steps` answered. */
  async replay (steps) {
    const session = new Session(this.base)
    const start = await session.get(`/forms/${this.id}`)
    if (start.status !== 200) throw new Error(`/forms/${this.id}: ${start.status}`)
    for (const [slug, pairs] of steps) {
      if (!session.csrf) await session.get(this.url(slug))
      const res = await session.post(this.url(slug), pairs)
      if (res.status !== 303) throw new Error(`replaying ${this.url(slug)}: ${res.status}`)
    }
    return session
  }
}
