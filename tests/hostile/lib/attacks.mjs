// Malformed requests: bodies (invalid UTF-8, broken percent-encoding, over-long values and
// bodies, missing, repeated and unknown fields, wrong content types, lying lengths), tampered
// session cookies, CSRF tokens missing, wrong or replayed from another session, an expired and a
// deleted session, hostile paths and query strings, and odd methods. Each must get a response
// below 500 (a GOV.UK page where the application answers), and never be accepted when it should
// not be.

import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { FORM_TYPE, Session, encodeForm, pct, rawRequest, request } from './http.mjs'
import { MARKER } from './html.mjs'
import { checkResponse, fail, figures, show } from './report.mjs'
import { startServer } from './server.mjs'

const KiB = 1024
const LEAKS = [/root:x:0:0/, /\[workspace\]/, /\[package\]/, /BEGIN [A-Z ]*PRIVATE KEY/]

function noLeak (res, req) {
  for (const re of LEAKS) if (re.test(res.body ?? '')) fail('a file from disk in the response', req, String(re))
}

export async function attacks ({ server, bin, explorers, targets, signatures, root }) {
  const base = server.base
  const over18 = explorers.find((e) => e.id === 'over-18-check') ?? explorers[0]
  const target = targets.find((t) => t.ex === over18 && t.page.slug === 'name') ?? targets[0]
  const url = target.url
  const fields = target.page.fields.map((f) => f.name)
  const fresh = async () => {
    const s = await target.ex.replay(target.page.complete)
    const r = await s.get(url)
    if (r.status !== 200 || !s.csrf) throw new Error(`${url}: ${r.status} for a fresh session`)
    return s
  }
  const s = await fresh()
  const pageBaseline = target.baseline
  const anyBaseline = { signatures }
  const csrfPart = () => `csrf-token=${pct(s.csrf)}`

  // --- bodies -----------------------------------------------------------------------------------
  const bodies = [
    ['percent-encoded invalid UTF-8', `${csrfPart()}&${fields[0]}=%FF%FE&${fields.at(-1)}=%C0%AF%ED%A0%80%F8%88%80%80%80`],
    ['percent-encoded NUL and controls', `${csrfPart()}&${fields[0]}=%00%01%1B%7F&${fields.at(-1)}=a%00b`],
    ['raw invalid UTF-8 bytes in values and names', Buffer.concat([Buffer.from(`${csrfPart()}&${fields[0]}=`), Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28]), Buffer.from(`&${fields.at(-1)}=`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('&'), Buffer.from([0xff, 0xfe]), Buffer.from('=x')])],
    ['raw NUL bytes', Buffer.concat([Buffer.from(`${csrfPart()}&${fields[0]}=a`), Buffer.from([0, 0, 0]), Buffer.from('b')])],
    ['broken percent-encoding', `${csrfPart()}&${fields[0]}=%&${fields.at(-1)}=%G1%%zz%4&%=%&%%%=1`],
    ['empty pairs and bare names', `&&&${csrfPart()}&&=&==&${fields[0]}&${fields.at(-1)}==x=&`],
    ['missing fields (only the token)', csrfPart()],
    ['repeated fields', `${csrfPart()}&${fields.map((f) => `${f}=first&${f}=second&${f}=%3C${MARKER}%3E`).join('&')}`],
    ['unknown fields', `${csrfPart()}&${fields[0]}=Ada&zzz-unknown=%3C${MARKER}%3E&__proto__=x&__proto__%5Bpolluted%5D=1&constructor=1&${pct(`<${MARKER}>`)}=1`],
    ['a field named like the token, twice', `${csrfPart()}&csrf-token=wrong&${fields[0]}=Ada`],
    ['60 KiB in one field (under the limit)', `${csrfPart()}&${fields[0]}=${'a'.repeat(60 * KiB)}`],
    ['60 KiB of multi-byte characters', `${csrfPart()}&${fields[0]}=${'%E2%80%AE'.repeat(6 * KiB)}`],
    ['5,000 fields (under the limit)', `${csrfPart()}&${Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join('&')}`],
    ['2,000 repeats of one field', `${csrfPart()}&${`${fields[0]}=a&`.repeat(2000)}`]
  ]
  for (const [name, body] of bodies) {
    const req = `POST ${url} (${name}): ${show(Buffer.from(body).toString('latin1'), 160)}`
    const res = await send(base, { method: 'POST', path: url, headers: { 'content-type': FORM_TYPE, ...s.cookie }, body }, req)
    if (!res) continue
    checkResponse(res, req, { status: [200, 303], baseline: pageBaseline })
    noLeak(res, req)
    if (res.status === 303) await s.get(url)
  }
  const tooLarge = [
    ['1 MiB in one field', `${csrfPart()}&${fields[0]}=${'a'.repeat(1024 * KiB)}`],
    ['a body just over 64 KiB', `${csrfPart()}&${fields[0]}=${'b'.repeat(64 * KiB)}`],
    ['20,000 fields (over 64 KiB)', `${csrfPart()}&${Array.from({ length: 20000 }, (_, i) => `f${i}=1`).join('&')}`]
  ]
  for (const [name, body] of tooLarge) {
    // Over a raw socket: the server answers 413 before reading the whole body and closes, and
    // node:http reports the broken pipe instead of the answer.
    const req = `POST ${url} (${name}, ${body.length} bytes)`
    const head = `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
    const res = await expectRaw(base, head, Buffer.from(body), req, [413])
    if (!res || res.status !== 413) continue
    res.headers['content-type'] ??= ''
    if (checkResponse(res, req, { status: [413], baseline: anyBaseline }) && !/too long|too large/i.test(res.body)) {
      fail('413 without the "too large" page', req, show(res.body.slice(0, 200)))
    }
  }
  {
    // A chunked body over the limit (no Content-Length up front).
    const head = `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: ${FORM_TYPE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`
    const chunk = Buffer.from(`${csrfPart()}&${fields[0]}=${'c'.repeat(100 * KiB)}`)
    const body = Buffer.concat([Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n0\r\n\r\n')])
    await expectRaw(base, head, body, 'POST chunked 100 KiB body', [413])
    // A Content-Length far over the limit with a small body: refused at once, not awaited.
    await expectRaw(base, `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: 1000000000000\r\nConnection: close\r\n\r\n`, Buffer.from(csrfPart()), 'POST with Content-Length: 10^12 and a short body', [413, 400], { halfClose: true })
    // A body shorter than its Content-Length, then the client stops sending.
    await expectRaw(base, `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n`, Buffer.from(csrfPart()), 'POST with a truncated body (Content-Length 1000, 50 bytes sent, then half-closed)', [400, 413, 0], { halfClose: true })
    await expectRaw(base, `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`, Buffer.from(csrfPart()), 'POST with Content-Length: -1', [400, 0])
    await expectRaw(base, `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\n`, Buffer.from('a=1&b=2'), 'POST with two Content-Lengths', [400, 0])
  }

  // --- content types ----------------------------------------------------------------------------
  const types = [
    ['application/json', JSON.stringify({ 'csrf-token': s.csrf, [fields[0]]: 'Ada' }), [403]],
    ['multipart/form-data; boundary=xyz', `--xyz\r\nContent-Disposition: form-data; name="csrf-token"\r\n\r\n${s.csrf}\r\n--xyz--\r\n`, [403]],
    ['text/plain', `${csrfPart()}&${fields[0]}=Ada`, [200, 303, 415]],
    [null, `${csrfPart()}&${fields[0]}=Ada`, [200, 303, 415]],
    [`${FORM_TYPE}; charset=iso-8859-1`, Buffer.concat([Buffer.from(`${csrfPart()}&${fields[0]}=`), Buffer.from([0xe9, 0xe8])]), [200, 303]],
    ['application/xml', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`, [403]],
    ['\u0000/\u0000', `${csrfPart()}`, [200, 303, 400, 403, 415]]
  ]
  for (const [type, body, status] of types) {
    const headers = { cookie: `formwork_session=${s.id}` }
    if (type !== null && !type.includes('\u0000')) headers['content-type'] = type
    const req = `POST ${url} with Content-Type ${show(type)}`
    if (type && type.includes('\u0000')) {
      await expectRaw(base, `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: formwork_session=${s.id}\r\nContent-Type: \u0001/\u0002\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`, Buffer.from(body), req, [200, 303, 400, 403, 415])
      continue
    }
    const res = await send(base, { method: 'POST', path: url, headers, body }, req)
    if (!res) continue
    checkResponse(res, req, { status, baseline: anyBaseline })
    noLeak(res, req)
    if (res.status === 303) await s.get(url)
  }

  // --- CSRF -------------------------------------------------------------------------------------
  const other = await fresh()
  const csrfCases = [
    ['no token', `${fields[0]}=Ada`],
    ['an empty token', `csrf-token=&${fields[0]}=Ada`],
    ['a wrong token of the right length', `csrf-token=${'A'.repeat(s.csrf.length)}&${fields[0]}=Ada`],
    ['the token with one character changed', `csrf-token=${pct(s.csrf.slice(0, -1) + (s.csrf.endsWith('A') ? 'B' : 'A'))}&${fields[0]}=Ada`],
    ['a 10 KiB token', `csrf-token=${'A'.repeat(10 * KiB)}&${fields[0]}=Ada`],
    ['the token of another session', `csrf-token=${pct(other.csrf)}&${fields[0]}=Ada`],
    ['the token as a markup payload', `csrf-token=${pct(`"><${MARKER}>`)}&${fields[0]}=Ada`],
    ['the token in the query string only', `${fields[0]}=Ada`, `?csrf-token=${pct(s.csrf)}`]
  ]
  for (const [name, body, query = ''] of csrfCases) {
    const req = `POST ${url}${query} with ${name}`
    const res = await send(base, { method: 'POST', path: url + query, headers: { 'content-type': FORM_TYPE, cookie: `formwork_session=${s.id}` }, body }, req)
    if (res) checkResponse(res, req, { status: [403], baseline: anyBaseline })
  }
  // A token replayed from another session, with that other session's cookie swapped in.
  {
    const req = `POST ${url} with session B's cookie and session A's token`
    const res = await send(base, { method: 'POST', path: url, headers: { 'content-type': FORM_TYPE, cookie: `formwork_session=${other.id}` }, body: `csrf-token=${pct(s.csrf)}&${fields[0]}=Ada` }, req)
    if (res) checkResponse(res, req, { status: [403], baseline: anyBaseline })
  }

  // --- session cookies --------------------------------------------------------------------------
  const cookies = [
    ['a random id that looks valid', `formwork_session=${randomId()}`, [200, 403]],
    ['a random provisional-looking id', `formwork_session=pv_${randomId()}`, [200, 403]],
    ['an id of 129 characters', `formwork_session=${'a'.repeat(129)}`, [403]],
    ['an id of 4 KiB', `formwork_session=${'a'.repeat(4 * KiB)}`, [403]],
    ['path traversal', 'formwork_session=../../../etc/passwd', [403]],
    ['SQL', "formwork_session=x' OR '1'='1", [403]],
    ['percent-encoded NUL', 'formwork_session=%00', [403]],
    ['an empty value', 'formwork_session=', [403]],
    ['no value', 'formwork_session', [403]],
    ['quoted', `formwork_session="${s.id}"`, [200, 403]],
    ['a garbage cookie before the real one', `formwork_session=!!!; formwork_session=${s.id}`, [200, 303, 403]],
    ['a random id before the real one', `formwork_session=${randomId()}; formwork_session=${s.id}`, [200, 303, 403]],
    ['500 other cookies', Array.from({ length: 500 }, (_, i) => `c${i}=v${i}`).join('; '), [403, 431]]
  ]
  for (const [name, cookie, postStatus] of cookies) {
    const greq = `GET ${url} with a cookie: ${name}`
    const get = await send(base, { path: url, headers: { cookie } }, greq)
    if (get) checkResponse(get, greq, { status: [200, 303, 431], baseline: anyBaseline, govuk: get.status !== 431 })
    const req = `POST ${url} with the right token and a cookie: ${name}`
    const res = await send(base, { method: 'POST', path: url, headers: { 'content-type': FORM_TYPE, cookie }, body: `${csrfPart()}&${fields[0]}=Ada&${fields.at(-1)}=Lovelace` }, req)
    if (res) checkResponse(res, req, { status: postStatus, baseline: anyBaseline, govuk: res.status !== 431 })
  }
  // Odd bytes in the Cookie header itself (node:http would refuse to send them).
  for (const [name, bytes] of [['UTF-8 (RTL override, emoji)', Buffer.from('formwork_session=\u202Eabc\u{1F4A9}', 'utf8')], ['latin1 0xFF', Buffer.from([0x66, 0x6f, 0x72, 0x6d, 0x77, 0x6f, 0x72, 0x6b, 0x5f, 0x73, 0x65, 0x73, 0x73, 0x69, 0x6f, 0x6e, 0x3d, 0xff, 0xfe])], ['a control character', Buffer.from('formwork_session=a\u0001b')]]) {
    const head = Buffer.concat([Buffer.from(`GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: `), bytes, Buffer.from('\r\n\r\n')])
    await expectRaw(base, head, Buffer.alloc(0), `GET ${url} with a cookie of ${name}`, [200, 303, 400, 0])
  }

  // --- paths and query strings --------------------------------------------------------------------
  const long = 'a'.repeat(10 * KiB)
  const paths = [
    '/forms/../../etc/passwd', '/forms/..%2f..%2fetc%2fpasswd', '/forms/%2e%2e/%2e%2e/etc/passwd', '/forms/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/forms/over-18-check/%00', '/forms/%00', '/forms/over-18-check%00/name', '/forms/over-18-check/name%00',
    '/forms/over-18-check/%2e%2e', '/forms/over-18-check/..%2f..%2fCargo.toml', '/forms/over-18-check/%2e%2e%2f%2e%2e%2fCargo.toml',
    '/forms/%E2%80%AEkcehc-81-revo', '/forms/over-18-check/%E2%80%AEeman', '/forms/%F0%9F%92%A9', '/forms/over-18-check/%F0%9F%92%A9',
    '/forms/over-18-check/%FF%FE', '/forms/%FF', '/forms/over-18-check/%C0%AE%C0%AE', '/forms/over-18-check/name%3Cx-fw-7f3a%3E',
    `/forms/${long}`, `/forms/over-18-check/${long}`, '/forms/over-18-check/check-answers/..', '/forms/over-18-check/bundle.json%00',
    '/forms//over-18-check', '/forms/over-18-check//name', '/forms/over-18-check/name/', '/forms/over-18-check/name/extra',
    '/assets/../Cargo.toml', '/assets/..%2f..%2fCargo.toml', '/assets/%2e%2e/%2e%2e/Cargo.toml', '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fCargo.toml',
    '/assets/..\\..\\Cargo.toml', '/assets/%00', '/assets/' + long,
    '/static/x/../../', '/static/x/../../Cargo.toml', '/static/x/..%2f..%2fCargo.toml', '/static/x/%2e%2e%2f%2e%2e%2fCargo.toml', '/static/%00/%00', '/static/x/formwork.js%00',
    '/components/..%2f..%2fCargo.toml', '/components/%00', '/components/%F0%9F%92%A9', '/components/%FF%FE', '/forms/%FF/bundle.json', '/components/' + long,
    '//etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/api/..%2f..%2fCargo.toml', '/api/forms/%00/submissions',
    '/forms/over-18-check/name?change=1&change=2', '/forms/over-18-check/name?change=%FF%FE', `/forms/over-18-check/name?change=${pct(`"><${MARKER}>`)}`,
    '/forms/over-18-check/name?change[]=1', `/forms/over-18-check/name?${'x=1&'.repeat(2000)}`, '/forms/over-18-check/name?%', '/forms/over-18-check/name?=&&=',
    '/?%FF=%FE', '/healthz?%00'
  ]
  const pathSession = await fresh()
  for (const path of paths) {
    for (const method of ['GET', 'POST']) {
      const req = `${method} ${show(path, 100)}`
      let res
      try {
        res = await request(base, method === 'GET'
          ? { path, headers: pathSession.cookie }
          : { method, path, headers: { 'content-type': FORM_TYPE, ...pathSession.cookie }, body: `csrf-token=${pct(pathSession.csrf)}&${fields[0]}=Ada` })
      } catch (e) {
        fail('no response', req, e.message)
        continue
      }
      noLeak(res, req)
      const app = /^\/(forms|components)\//.test(path) || path === '/' || /^\/\?/.test(path)
      // Assets answer plain 404s; the application answers GOV.UK pages.
      const api = path.startsWith('/api/')
      checkResponse(res, req, { status: api ? [401, 404, 405] : [200, 303, 400, 404, 405, 413, 414, 431], baseline: api ? null : anyBaseline, govuk: app && ![405, 414, 431].includes(res.status) })
      if (res.status === 200 && /\.\.|%2e|%00|%2f/i.test(path) && !path.includes('?')) {
        fail('a traversal path answered 200', req, show(res.body.slice(0, 120)))
      }
    }
  }
  // Raw bytes in the path (node:http refuses them): UTF-8 RTL override and emoji, 0xFF, spaces.
  for (const [name, bytes] of [
    ['RTL override', Buffer.from('/forms/\u202Eover-18-check/name', 'utf8')],
    ['emoji', Buffer.from('/forms/over-18-check/\u{1F600}', 'utf8')],
    ['0xFF', Buffer.concat([Buffer.from('/forms/'), Buffer.from([0xff, 0xfe])])],
    ['a 200 KiB path', Buffer.from('/forms/' + 'a'.repeat(200 * KiB))]
  ]) {
    const head = Buffer.concat([Buffer.from('GET '), bytes, Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')])
    await expectRaw(base, head, Buffer.alloc(0), `GET with a raw path: ${name}`, [400, 404, 414, 431, 0])
  }

  // --- methods ------------------------------------------------------------------------------------
  const methodPaths = ['/', '/healthz', '/readyz', `/forms/${over18.id}`, url, `/forms/${over18.id}/check-answers`, `/forms/${over18.id}/bundle.json`, '/components', '/assets/nope.css', '/api/openapi.json', '/nope']
  for (const path of methodPaths) {
    for (const method of ['HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'FOO']) {
      const req = `${method} ${path}`
      let res
      try {
        res = await request(base, { method, path, headers: { ...pathSession.cookie, 'content-type': FORM_TYPE }, body: method === 'HEAD' || method === 'TRACE' ? null : `csrf-token=${pct(pathSession.csrf)}` })
      } catch (e) {
        fail('no response', req, e.message)
        continue
      }
      checkResponse(res, req, { status: method === 'HEAD' ? [200, 303, 404, 405] : [200, 303, 400, 401, 403, 404, 405, 501], govuk: false })
      if (method === 'HEAD' && res.bytes.length) fail('HEAD with a body', req, `${res.bytes.length} bytes`)
      if (method !== 'HEAD' && method !== 'OPTIONS' && res.status === 200 && path !== '/nope') {
        fail(`${method} answered 200`, req, show(res.body.slice(0, 120)))
      }
    }
    // POST where only GET is served.
    if (!path.startsWith('/forms/') || path === `/forms/${over18.id}`) {
      const res = await send(base, { method: 'POST', path, headers: { ...pathSession.cookie, 'content-type': FORM_TYPE }, body: `csrf-token=${pct(pathSession.csrf)}` }, `POST ${path}`)
      if (res) checkResponse(res, `POST ${path}`, { status: [400, 401, 403, 404, 405], govuk: false })
    }
  }
  await expectRaw(base, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\nConnection: close\r\n\r\n', Buffer.alloc(0), 'CONNECT 127.0.0.1:22', [400, 404, 405, 0])
  await expectRaw(base, 'GET /healthz HTTP/1.0\r\n\r\n', Buffer.alloc(0), 'GET /healthz over HTTP/1.0 without Host', [200, 400])
  await expectRaw(base, 'GET /healthz HTTP/1.1\r\nHost: \u0000\r\n\r\n', Buffer.alloc(0), 'GET /healthz with a NUL Host', [200, 400, 0])
  await expectRaw(base, 'GARBAGE\r\n\r\n', Buffer.alloc(0), 'a request line that is not HTTP', [400, 0])

  // --- POSTs to pages that take none ------------------------------------------------------------
  for (const slug of ['confirmation', 'bundle.json', ...[...over18.exitSlugs], 'check-answers']) {
    const res = await send(base, { method: 'POST', path: `/forms/${over18.id}/${slug}`, headers: { 'content-type': FORM_TYPE, ...pathSession.cookie }, body: `csrf-token=${pct(pathSession.csrf)}&x=%3C${MARKER}%3E` }, `POST /forms/${over18.id}/${slug}`)
    if (res) checkResponse(res, `POST /forms/${over18.id}/${slug}`, { status: [200, 303, 404, 405], baseline: anyBaseline, govuk: res.status !== 405 })
  }

  await expiredSessions({ bin, target, root, url, fields })
}

/** A request whose failure to answer is recorded as a failure (and gives null). */
async function send (base, opts, req) {
  try {
    return await request(base, opts)
  } catch (e) {
    fail('no response', req, e.message)
    return null
  }
}

function randomId () {
  const bytes = Buffer.alloc(32)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  return bytes.toString('base64url')
}

async function expectRaw (base, head, body, req, status, opts = {}) {
  let res
  try {
    res = await rawRequest(base, head, body, opts)
  } catch (e) {
    fail('no response (hang?)', req, e.message)
    return
  }
  if (res.status >= 500) {
    figures.fiveXX++
    fail(`${res.status} response`, req, show(res.body?.slice(0, 200)))
  } else if (!status.includes(res.status)) {
    fail(`status ${res.status || 'none (connection closed)'}, expected ${status.map((s) => s || 'a closed connection').join(' or ')}`, req, show(res.body?.slice(0, 160) ?? ''))
  }
  return res
}

/** SQL on the session store of a stopped server (no process has it open then). */
function sql (db, statement) {
  try {
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, statement], { stdio: ['ignore', 'pipe', 'pipe'] })
    return true
  } catch (e) {
    if (e.code !== 'ENOENT') throw e
  }
  try {
    execFileSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=5); c.execute(sys.argv[2]); c.commit()', db, statement], { stdio: ['ignore', 'pipe', 'pipe'] })
    return true
  } catch (e) {
    if (e.code !== 'ENOENT') throw e
  }
  return false
}

/**
 * An expired and a deleted session: a second server on its own data folder; two residents
 * answer a page; the server stops; one session's expiry is set in the past and the other is
 * deleted in the store file; the server starts again on the same folder. Both residents must
 * see "Your answers have been deleted" (with a fresh cookie), on GET and on POST, and nothing
 * they POST with the dead session is accepted.
 */
async function expiredSessions ({ bin, target, root, url, fields }) {
  const args = ['--forms', join(root, 'forms'), '--components', join(root, 'components'), '--web', join(root, 'web'), '--session-hours', '1']
  const env = { FORMWORK_POST_RATE_LIMIT: '0', FORMWORK_MAX_SESSIONS: '1000000' }
  let second = await startServer(bin, { root, args, env })
  if (second.failed) { fail('the second server did not start', 'formwork serve', second.out.slice(-400)); return }
  const data = second.data
  const residents = []
  for (let i = 0; i < 2; i++) {
    const ex = target.ex
    const s = await (async () => {
      const r = new Session(second.base)
      await r.get(`/forms/${ex.id}`)
      for (const [slug, pairs] of target.page.complete) {
        const res = await r.post(`/forms/${ex.id}/${slug}`, pairs)
        if (res.status !== 303) throw new Error(`expired-session setup: ${slug} gave ${res.status}`)
      }
      await r.get(url)
      return r
    })()
    residents.push(s)
  }
  const log1 = second.log()
  await second.stop()
  const db = join(data, 'store', 'sessions.sqlite3')
  if (!sql(db, `UPDATE sessions SET expires_at = 0 WHERE id = '${residents[0].id}'`) || !sql(db, `DELETE FROM sessions WHERE id = '${residents[1].id}'`)) {
    figures.skipped.push('expired/deleted session: neither sqlite3 nor python3 found to edit the store')
    return
  }
  second = await startServer(bin, { root, args, env, data })
  if (second.failed) { fail('the second server did not start again', 'formwork serve', second.out.slice(-400)); return }
  for (const [i, how] of [[0, 'expired'], [1, 'deleted']]) {
    const r = residents[i]
    const oldId = r.id
    const oldCsrf = r.csrf
    const post = await request(second.base, { method: 'POST', path: url, headers: { 'content-type': FORM_TYPE, cookie: `formwork_session=${oldId}` }, body: encodeForm([['csrf-token', oldCsrf], [fields[0], 'Mallory'], [fields.at(-1), 'Mallory']]) })
    const req = `POST ${url} with an ${how} session's cookie and token`
    if (checkResponse(post, req, { status: [200], govuk: true }) && !/Your answers have been deleted/.test(post.body)) {
      fail('an ' + how + ' session was not told its answers are deleted', req, show(post.body.slice(0, 200)))
    }
    const get = await request(second.base, { path: url, headers: { cookie: `formwork_session=${oldId}` } })
    const greq = `GET ${url} with an ${how} session's cookie`
    if (checkResponse(get, greq, { status: [200], govuk: true })) {
      if (!/Your answers have been deleted/.test(get.body)) fail(`an ${how} session was not told its answers are deleted`, greq, show(get.body.slice(0, 200)))
      const fresh = [].concat(get.headers['set-cookie'] ?? []).join(' ')
      if (!/formwork_session=/.test(fresh) || fresh.includes(oldId)) fail(`no fresh cookie after an ${how} session`, greq, fresh)
    }
    // Nothing was accepted: check answers with the dead id shows no answers.
    const ca = await request(second.base, { path: `/forms/${target.ex.id}/check-answers`, headers: { cookie: `formwork_session=${oldId}` } })
    if (ca.body.includes('Mallory')) fail(`a POST with an ${how} session was stored`, req)
  }
  const log = log1 + second.log()
  await second.stop()
  const panics = (log.match(/panicked/g) ?? []).length
  if (panics) { figures.panics += panics; fail('the second server panicked', '(expired sessions)', log.split('\n').filter((l) => /panicked/.test(l)).slice(0, 2).join('\n')) }
}
