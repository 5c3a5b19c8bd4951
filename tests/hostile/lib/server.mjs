// Starting and stopping `formwork serve` for the suite: a free 127.0.0.1 port, a temporary data
// folder, FORMWORK_TODAY pinned, its output kept to look for panics. Every process started here
// is killed by PID when the suite exits, however it exits.

import { spawn } from 'node:child_process'
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from './http.mjs'

const children = new Set()
const tempDirs = new Set()

function cleanup () {
  for (const c of children) {
    try { process.kill(c.pid, 'SIGKILL') } catch {}
  }
  children.clear()
  for (const d of tempDirs) {
    try { rmSync(d, { recursive: true, force: true }) } catch {}
  }
  tempDirs.clear()
}
process.on('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { cleanup(); process.exit(130) })
}

export function tempDir (prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.add(d)
  return d
}

export function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/**
 * Runs a process to completion (or until `timeoutMs`, then SIGKILL): { code, signal, out,
 * timedOut, ms }. `out` is stdout and stderr together, at most `maxOut` bytes of each kept.
 */
export function run (cmd, args, { cwd, env = {}, timeoutMs = 60_000, maxOut = 1 << 20 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    let out = ''
    const keep = (d) => { if (out.length < maxOut * 2) out += d.toString('utf8') }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; try { process.kill(child.pid, 'SIGKILL') } catch {} }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, signal, out, timedOut, ms: Date.now() - started })
    })
  })
}

/**
 * Starts `formwork serve` and waits for /healthz. Resolves to a server handle
 * { base, data, log(), stop(), exited } or, if the process exits first or is not up within
 * `upMs`, to { failed: true, code, signal, out }.
 */
export async function startServer (bin, { root, args = [], env = {}, upMs = 60_000, data = null } = {}) {
  const port = await freePort()
  const dir = data ?? tempDir('formwork-hostile-')
  const base = `http://127.0.0.1:${port}/`
  const child = spawn(bin, ['serve', '--port', String(port), '--data', join(dir, 'store'), ...args], {
    cwd: root,
    env: { ...process.env, FORMWORK_TODAY: '2026-02-28', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.add(child)
  let out = ''
  let stderr = ''
  const MAX = 8 << 20
  child.stdout.on('data', (d) => { if (out.length < MAX) out += d.toString('utf8') })
  child.stderr.on('data', (d) => { if (stderr.length < MAX) stderr += d.toString('utf8') })
  let exit = null
  const exited = new Promise((resolve) => child.on('close', (code, signal) => {
    exit = { code, signal }
    children.delete(child)
    resolve(exit)
  }))
  const deadline = Date.now() + upMs
  while (Date.now() < deadline && !exit) {
    try {
      const res = await request(base, { path: '/healthz', timeout: 2000 })
      if (res.status === 200) break
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  if (exit) return { failed: true, ...exit, out: out + stderr, stderr }
  if (Date.now() >= deadline) {
    try { process.kill(child.pid, 'SIGKILL') } catch {}
    await exited
    return { failed: true, code: null, signal: 'SIGKILL', timedOut: true, out: out + stderr, stderr }
  }
  return {
    base,
    data: dir,
    pid: child.pid,
    log: () => out + stderr,
    stderr: () => stderr,
    alive: () => !exit,
    exited,
    async stop () {
      if (!exit) {
        try { process.kill(child.pid, 'SIGTERM') } catch {}
        const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL') } catch {} }, 10_000)
        await exited
        clearTimeout(t)
      }
      return exit
    }
  }
}
