// Reading the server's HTML without a parser dependency. The server's markup comes from
// auto-escaping templates, so in a correctly escaped page every `<` starts a tag the templates
// wrote: escaped values never contain `<`, `>` or `"`. That makes a small tokenizer sound here,
// and lets the suite compare the *shape* of a page (its tags and attribute names) with baseline
// renders of the same pages made with harmless input.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

/** Decodes the character references the server writes (named basics and numeric). */
export function decodeEntities (s) {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
      try { return String.fromCodePoint(cp) } catch { return m }
    }
    return ENTITIES[e] ?? m
  })
}

const TAG = /<(\/?)([A-Za-z][^\s/>]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/y
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g

/**
 * Every tag of a page: { close, name, attrs: [[name, decodedValue]], at }. A `<` that does not
 * start a well-formed tag (or comment/doctype) is returned as a tag named `#stray-lt`, which no
 * baseline contains: an unescaped `<` is always reported.
 */
export function tags (html) {
  const out = []
  let i = 0
  for (;;) {
    const lt = html.indexOf('<', i)
    if (lt < 0) break
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4)
      if (end < 0) { out.push({ close: false, name: '#stray-lt', attrs: [], at: lt }); break }
      i = end + 3
      continue
    }
    if (/^<!doctype html>/i.test(html.slice(lt, lt + 15))) { i = lt + 15; continue }
    TAG.lastIndex = lt
    const m = TAG.exec(html)
    if (!m) {
      out.push({ close: false, name: '#stray-lt', attrs: [], at: lt })
      i = lt + 1
      continue
    }
    const attrs = []
    for (const a of m[3].matchAll(ATTR)) attrs.push([a[1].toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? '')])
    const name = m[2].toLowerCase()
    out.push({ close: m[1] === '/', name, attrs, at: lt })
    i = lt + m[0].length
    // Script and style contents are not markup.
    if (!m[1] && (name === 'script' || name === 'style')) {
      const end = html.toLowerCase().indexOf(`</${name}`, i)
      if (end > 0) i = end
    }
  }
  return out
}

/** A tag's shape: name and sorted attribute names, values ignored (nonces, tokens, ids vary). */
export function signature (t) {
  return `${t.close ? '/' : ''}${t.name}[${t.attrs.map(([n]) => n).sort().join(' ')}]`
}

/** Tags whose number never depends on the resident's input. */
export const COUNTED = ['script', 'style', 'iframe', 'frame', 'object', 'embed', 'base', 'link', 'meta', 'form', 'img', 'svg', 'math', 'html', 'head', 'body', 'title', 'video', 'audio', 'source', 'template', 'textarea', 'select', 'button']

export function counts (list) {
  const c = {}
  for (const name of COUNTED) c[name] = 0
  for (const t of list) if (!t.close && t.name in c) c[t.name]++
  return c
}

/** The unique marker planted in synthetic payloads: it must never become a tag or attribute. */
export const MARKER = 'x-fw-7f3a'

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'srcdoc'])

/**
 * Problems in a page that a reflected payload could cause: tag shapes no baseline has, more or
 * fewer of the tags whose count is fixed, event-handler attributes, script URLs, the marker as
 * markup, and (when `payload` is markup-like) the payload verbatim where the baseline has it not.
 * `baseline` = { signatures: Set, counts (for this page), html (a harmless render of this page) }.
 */
export function escapeProblems (html, baseline, payload = null) {
  const problems = []
  const list = tags(html)
  for (const t of list) {
    const sig = signature(t)
    if (t.name.includes(MARKER) || t.attrs.some(([n]) => n.includes(MARKER))) {
      problems.push(`the marker became markup: ${sig}`)
    } else if (!baseline.signatures.has(sig)) {
      problems.push(`a tag no baseline render has: ${sig} at ${t.at}: ${JSON.stringify(html.slice(t.at, t.at + 80))}`)
    }
    for (const [n, v] of t.attrs) {
      if (/^on/.test(n)) problems.push(`event handler attribute ${n} on <${t.name}>`)
      if (URL_ATTRS.has(n) && /^\s*(javascript|vbscript|data:text\/html)/i.test(v.replace(/[\u0000-\u0020]/g, ''))) {
        problems.push(`script URL in ${n} of <${t.name}>: ${JSON.stringify(v.slice(0, 60))}`)
      }
    }
  }
  if (baseline.counts) {
    const c = counts(list)
    for (const [name, n] of Object.entries(baseline.counts)) {
      if (c[name] !== n) problems.push(`${c[name]} <${name}> tags where the baseline render has ${n}`)
    }
  }
  if (payload && isMarkupLike(payload) && html.includes(payload) && !(baseline.html ?? '').includes(payload)) {
    problems.push(`the payload appears unescaped: ${JSON.stringify(payload.slice(0, 80))}`)
  }
  return problems
}

/** A payload whose verbatim appearance means it was not escaped. */
export function isMarkupLike (s) {
  return s.length >= 3 && (/<[A-Za-z!/?]/.test(s) || (/["']/.test(s) && /[=<>]/.test(s)))
}

/**
 * The fields of a page's POST form: [{ name, kind: text|textarea|radio|checkbox|select, options,
 * autocomplete, inputmode, type }], in page order, one entry per name.
 */
export function fieldsOf (html) {
  const fields = new Map()
  let select = null
  let inForm = false
  for (const t of tags(html)) {
    const a = Object.fromEntries(t.attrs)
    if (t.name === 'form') {
      inForm = !t.close && (a.method ?? '').toLowerCase() === 'post'
      continue
    }
    if (!inForm) continue
    if (t.name === 'select') {
      if (t.close) { select = null; continue }
      select = { name: a.name, kind: 'select', options: [] }
      fields.set(a.name, select)
    } else if (t.name === 'option' && !t.close && select) {
      select.options.push(a.value ?? '')
    } else if (t.name === 'textarea' && !t.close) {
      fields.set(a.name, { name: a.name, kind: 'textarea', options: [] })
    } else if (t.name === 'input' && !t.close && a.name) {
      const type = (a.type ?? 'text').toLowerCase()
      if (['hidden', 'submit', 'button', 'image', 'reset'].includes(type)) continue
      const kind = type === 'radio' || type === 'checkbox' ? type : 'text'
      const f = fields.get(a.name) ?? { name: a.name, kind, options: [], type, autocomplete: a.autocomplete ?? '', inputmode: a.inputmode ?? '' }
      if (kind !== 'text') f.options.push(a.value ?? 'on')
      fields.set(a.name, f)
    }
  }
  return [...fields.values()]
}

/** The decoded texts of the summary list's value cells on check answers. */
export function summaryValues (html) {
  const out = []
  const re = /<dd class="govuk-summary-list__value">([\s\S]*?)<\/dd>/g
  for (const m of html.matchAll(re)) {
    out.push(decodeEntities(m[1].replace(/<br>/g, '\n').replace(/<[^>]*>/g, '')).trim())
  }
  return out
}

/** The decoded `value` attributes and textarea texts of a question page, by name. */
export function renderedValues (html) {
  const out = {}
  for (const t of tags(html)) {
    const a = Object.fromEntries(t.attrs)
    if (t.name === 'input' && !t.close && a.name && a.value !== undefined && !['radio', 'checkbox', 'hidden'].includes(a.type)) {
      out[a.name] = a.value
    }
  }
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
    out[decodeEntities(m[1])] = decodeEntities(m[2].replace(/^\n/, ''))
  }
  return out
}
