// The per-client POST rate limit, once `formwork serve` has one (`--post-rate-limit` in its
// help): a server with a limit of 5 POSTs a minute answers the 6th and later POSTs from one
// client with a 429 GOV.UK page (never a 5xx), while GETs still work. Skipped, saying so, when
// the option does not exist.

import { join } from 'node:path'
import { FORM_TYPE, Session, request } from './http.mjs'
import { checkResponse, fail, figures } from './report.mjs'
import { startServer } from './server.mjs'

export async function rateLimit ({ bin, root, help, explorers, say }) {
  if (!/--post-rate-limit/.test(help)) {
    figures.skipped.push('rate limit: `formwork serve --help` has no --post-rate-limit yet')
    say('rate limit: skipped (`formwork serve --help` does not mention --post-rate-limit)')
    return
  }
  const LIMIT = 5
  const s = await startServer(bin, {
    root,
    args: ['--forms', join(root, 'forms'), '--components', join(root, 'components'), '--web', join(root, 'web'), '--post-rate-limit', String(LIMIT)],
    env: { FORMWORK_POST_RATE_LIMIT: String(LIMIT), FORMWORK_MAX_SESSIONS: '1000000' }
  })
  if (s.failed) { fail('a server with --post-rate-limit did not start', `formwork serve --post-rate-limit ${LIMIT}`, s.out.slice(-400)); return }
  try {
    const ex = explorers[0]
    const slug = [...ex.pages.keys()][0]
    const url = `/forms/${ex.id}/${slug}`
    const session = new Session(s.base)
    await session.get(url)
    const statuses = []
    for (let i = 0; i < LIMIT * 4; i++) {
      const res = await session.post(url, [['x', String(i)]])
      statuses.push(res.status)
      checkResponse(res, `POST ${url} #${i + 1} with --post-rate-limit ${LIMIT}`, { status: [200, 303, 403, 429] })
    }
    const limited = statuses.filter((x) => x === 429).length
    if (limited === 0) fail('no 429 after 4x the POST rate limit', `${LIMIT * 4} POSTs to ${url} with --post-rate-limit ${LIMIT}`, statuses.join(' '))
    if (statuses.slice(0, LIMIT).includes(429)) fail('429 before the limit was reached', `POSTs to ${url}`, statuses.join(' '))
    const get = await request(s.base, { path: '/healthz' })
    if (get.status !== 200) fail('GET refused while POSTs are limited', 'GET /healthz', String(get.status))
    say(`rate limit: ${LIMIT * 4} POSTs with --post-rate-limit ${LIMIT}: ${limited} answered 429`)
  } finally {
    const log = s.log()
    await s.stop()
    if (/panicked/.test(log)) { figures.panics++; fail('the rate-limited server panicked', '(rate limit)', log.slice(0, 300)) }
  }
}
