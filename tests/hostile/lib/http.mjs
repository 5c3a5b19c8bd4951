// HTTP for the hostile suite: node:http with keep-alive for ordinary requests (raw paths, raw
// bytes in bodies, no redirects followed), a raw socket for requests node:http refuses to send,
// and a cookie-carrying Session that knows its CSRF token.

import http from 'node:http'
import net from 'node:net'

export const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
const TIMEOUT_MS = 30_000

/** Counts every request sent (ordinary and raw). */
export const stats = { requests: 0 }

/**
 * One request. `path` is sent as given (no dot-segment removal, no re-encoding).
 * Resolves to { status, headers, body (string, utf8), bytes, ms } or rejects on a network
 * error or after 30 s (a hang).
 */
export function request (base, { method = 'GET', path = '/', headers = {}, body = null, timeout = TIMEOUT_MS }) {
  stats.requests++
  const url = new URL(base)
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const h = { ...headers }
    const payload = body == null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body)
    if (payload && h['content-length'] === undefined && h['transfer-encoding'] === undefined) {
      h['content-length'] = String(payload.length)
    }
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: h, agent, timeout })
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeout} ms (hang?)`)))
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const bytes = Buffer.concat(chunks)
        resolve({ status: res.statusCode, headers: res.headers, body: bytes.toString('utf8'), bytes, ms: Date.now() - started })
      })
    })
    if (payload) req.write(payload)
    req.end()
  })
}

/**
 * A raw HTTP/1.1 exchange over a fresh socket: `head` is the request line and headers as a
 * Buffer or latin1 string (CRLFs included, ending with a blank line), `body` the bytes after it.
 * `halfClose` ends the write side after sending. Resolves to { status, headers, body, raw } or
 * { status: 0, closed: true } when the server closed without answering.
 */
export function rawRequest (base, head, body = Buffer.alloc(0), { halfClose = false, timeout = 15_000 } = {}) {
  stats.requests++
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) })
    const chunks = []
    let done = false
    const finish = () => {
      if (done) return
      done = true
      socket.destroy()
      const raw = Buffer.concat(chunks)
      const text = raw.toString('latin1')
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
      if (!m) return resolve({ status: 0, closed: true, raw })
      const split = text.indexOf('\r\n\r\n')
      const headers = {}
      for (const line of text.slice(0, split).split('\r\n').slice(1)) {
        const i = line.indexOf(':')
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      resolve({ status: Number(m[1]), headers, body: raw.subarray(split + 4).toString('utf8'), raw })
    }
    socket.setTimeout(timeout, () => {
      if (done) return
      done = true
      socket.destroy()
      reject(new Error(`no response within ${timeout} ms (hang?)`))
    })
    // A server may answer (e.g. 413) and close before reading everything we send: a write
    // error is not the end, the answer may still be in the socket. 'close' always follows.
    socket.on('error', (e) => {
      if (!['ECONNRESET', 'EPIPE'].includes(e.code) && !chunks.length && !done) { done = true; reject(e) }
    })
    socket.on('data', (c) => {
      chunks.push(c)
      // One response is enough: stop once the body announced by Content-Length is in.
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      if (split < 0) return
      const len = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split))
      if (len && Buffer.byteLength(text, 'latin1') - split - 4 >= Number(len[1])) finish()
      if (/^HTTP\/1\.[01] (1\d\d|204|304)/.test(text)) finish()
    })
    socket.on('end', finish)
    socket.on('close', finish)
    socket.on('connect', () => {
      socket.write(Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1'))
      if (body.length) socket.write(body)
      if (halfClose) socket.end()
    })
  })
}

/** Percent-encodes bytes for application/x-www-form-urlencoded (space as +). */
export function pct (value) {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8')
  let out = ''
  for (const b of bytes) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x2a) {
      out += String.fromCharCode(b)
    } else if (b === 0x20) {
      out += '+'
    } else {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
    }
  }
  return out
}

/** An urlencoded body from [name, value] pairs (repeats allowed). */
export function encodeForm (pairs) {
  return pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')
}

export const FORM_TYPE = 'application/x-www-form-urlencoded'

/** The session id from a response's Set-Cookie, if any. */
export function sessionFromSetCookie (res) {
  const set = [].concat(res.headers['set-cookie'] ?? [])
  for (const c of set) {
    const m = /(?:^|;\s*)formwork_session=([^;]*)/.exec(c)
    if (m) return m[1]
  }
  return null
}

/** The CSRF token of a rendered page. */
export function csrfOf (html) {
  const m = /<input type="hidden" name="csrf-token" value="([^"]*)">/.exec(html)
  return m ? m[1] : null
}

/** A browser-like session: one cookie and its CSRF token. */
export class Session {
  constructor (base) {
    this.base = base
    this.id = null
    this.csrf = null
  }

  get cookie () {
    return this.id ? { cookie: `formwork_session=${this.id}` } : {}
  }

  /** A new cookie means a new session, and so a new CSRF token (read from the next page). */
  adopt (res) {
    const id = sessionFromSetCookie(res)
    if (id && id !== this.id) {
      this.id = id
      this.csrf = null
    }
  }

  async get (path, extra = {}) {
    const res = await request(this.base, { path, headers: { ...this.cookie, ...extra } })
    this.adopt(res)
    if (res.status === 200) {
      const t = csrfOf(res.body)
      if (t) this.csrf = t
    }
    return res
  }

  /**
   * POSTs [name, value] pairs (the CSRF token first unless `csrf: false`), or a raw body. Like a
   * browser, reads the page first when it has no token for the current session yet.
   */
  async post (path, pairs, { csrf = true, body = null, headers = {} } = {}) {
    if (csrf && !this.csrf) await this.get(path)
    const all = csrf ? [['csrf-token', this.csrf ?? ''], ...pairs] : pairs
    const res = await request(this.base, {
      method: 'POST',
      path,
      headers: { 'content-type': FORM_TYPE, ...this.cookie, ...headers },
      body: body ?? encodeForm(all)
    })
    this.adopt(res)
    return res
  }
}

/** Runs `fn` over `items` with at most `limit` running at once. */
export async function pool (items, limit, fn) {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  })
  await Promise.all(workers)
}
