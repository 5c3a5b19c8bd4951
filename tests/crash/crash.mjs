#!/usr/bin/env node
// The crash-safety suite: many concurrent resident journeys against `formwork serve`, the server
// killed with SIGKILL several times while they are mid-flight (some mid-send), restarted on the
// same store, every interrupted client retrying exactly the request it was making; then the
// store is checked: every acknowledged reference stored exactly once and complete (answers and
// outbox rows), no duplicates, nothing partial, nothing nobody asked for.
//
// Usage: node tests/crash/crash.mjs --bin target/debug/formwork --work DIR
//          [--sqlite] [--postgres URL] [--journeys 240] [--kills 3] [--seed N]
// Normally run through tests/crash/run.sh, which builds the binary and starts PostgreSQL.
// Exits non-zero, with the reasons, on any failure. The last line sums up both backends.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { FORMS, makeJourney, rng } from './journeys.mjs';

const execFileP = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
    const o = {
        bin: path.join(ROOT, 'target/debug/formwork'),
        work: null,
        sqlite: false,
        postgres: null,
        journeys: 240,
        kills: 3,
        seed: Math.floor(Math.random() * 2 ** 31),
        deadline: 150,
    };
    for (let i = 2; i < argv.length; i++) {
        const a = argv[i];
        const v = () => {
            if (i + 1 >= argv.length) die(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--bin') o.bin = path.resolve(v());
        else if (a === '--work') o.work = path.resolve(v());
        else if (a === '--sqlite') o.sqlite = true;
        else if (a === '--postgres') o.postgres = v();
        else if (a === '--journeys') o.journeys = Number(v());
        else if (a === '--kills') o.kills = Number(v());
        else if (a === '--seed') o.seed = Number(v());
        else if (a === '--deadline') o.deadline = Number(v());
        else die(`unknown argument ${a}`);
    }
    if (!o.work) die('--work DIR is required');
    if (!o.sqlite && !o.postgres) die('nothing to do: give --sqlite and/or --postgres URL');
    if (!(o.journeys >= 1) || !(o.kills >= 0)) die('--journeys must be >= 1 and --kills >= 0');
    return o;
}

function die(msg) {
    console.error(`crash: error: ${msg}`);
    process.exit(2);
}

const log = (...a) => console.log(`crash: ${a.join(' ')}`);

// ---------------------------------------------------------------------------------------------
// The server under test

/** Webhooks added to each form's copy, so every submission must have these outbox rows. */
const WEBHOOKS = {
    'over-18-check': ['accounts'],
    'resident-parking-permit': ['permits', 'audit'],
    'self-build-register': ['register'],
};

/** Copies forms/ into `dir`, adding the webhooks above (never delivered: --no-deliveries). */
function prepareForms(dir) {
    fs.mkdirSync(dir, { recursive: true });
    for (const form of FORMS) {
        const def = JSON.parse(fs.readFileSync(path.join(ROOT, 'forms', `${form}.json`), 'utf8'));
        delete def.$schema;
        def.webhooks = WEBHOOKS[form].map((name) => ({
            name,
            url: `http://127.0.0.1:9/${name}`,
            secretEnv: 'FORMWORK_CRASH_WEBHOOK_SECRET',
        }));
        fs.writeFileSync(path.join(dir, `${form}.json`), JSON.stringify(def, null, 2));
    }
}

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

let liveServer = null; // the child process, killed on any exit
process.on('exit', () => {
    if (liveServer && liveServer.exitCode === null && liveServer.signalCode === null) {
        try {
            process.kill(liveServer.pid, 'SIGKILL');
        } catch {}
    }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
        console.error(`crash: interrupted by ${sig}`);
        process.exit(130);
    });
}

class Server {
    constructor(opts, backend, storeArgs, work) {
        this.opts = opts;
        this.backend = backend;
        this.storeArgs = storeArgs;
        this.work = work;
        this.logFile = path.join(work, `server-${backend}.log`);
        this.pidFile = path.join(opts.work, 'server.pids');
        this.port = 0;
        this.child = null;
        this.starts = 0;
    }

    get base() {
        return `http://127.0.0.1:${this.port}`;
    }

    async start() {
        if (!this.port) this.port = await freePort();
        this.starts += 1;
        const out = fs.openSync(this.logFile, 'a');
        fs.writeSync(out, `\n===== start ${this.starts} (${new Date().toISOString()}) =====\n`);
        const args = [
            'serve',
            '--port', String(this.port),
            '--forms', path.join(this.opts.work, 'forms'),
            '--components', path.join(ROOT, 'components'),
            '--web', path.join(ROOT, 'web'),
            '--no-deliveries',
            ...this.storeArgs,
        ];
        const child = spawn(this.opts.bin, args, {
            cwd: this.work,
            stdio: ['ignore', out, out],
            env: {
                ...process.env,
                FORMWORK_TODAY: '2026-02-28',
                FORMWORK_POST_RATE_LIMIT: '0',
                FORMWORK_MAX_SESSIONS: '1000000',
                NO_COLOR: '1',
                RUST_LOG: process.env.RUST_LOG ?? 'warn',
            },
        });
        fs.closeSync(out);
        this.child = child;
        liveServer = child;
        fs.appendFileSync(this.pidFile, `${child.pid}\n`);
        const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
        this.exited = exited;
        // Ready when /readyz answers (the store is open and migrated); a server that exits or
        // takes more than 30 s is a failure to restart on its own store.
        const t0 = Date.now();
        for (;;) {
            if (child.exitCode !== null || child.signalCode !== null) {
                const { code, sig } = await exited;
                throw new Error(
                    `the server (start ${this.starts}) exited with ${sig ?? code} before it was ready\n${this.tail()}`,
                );
            }
            if (Date.now() - t0 > 30000) {
                throw new Error(`the server (start ${this.starts}) was not ready after 30 s\n${this.tail()}`);
            }
            try {
                const r = await fetch(`${this.base}/readyz`, { signal: AbortSignal.timeout(1000) });
                await r.arrayBuffer();
                if (r.status === 200) return Date.now() - t0;
            } catch {}
            await sleep(25);
        }
    }

    async kill() {
        const child = this.child;
        process.kill(child.pid, 'SIGKILL');
        const { sig } = await this.exited;
        if (sig !== 'SIGKILL') throw new Error(`the server exited with ${sig} instead of being killed`);
        this.child = null;
    }

    async stop() {
        if (!this.child) return;
        this.child.kill('SIGTERM');
        const done = await Promise.race([this.exited, sleep(10000).then(() => null)]);
        if (!done) {
            this.child.kill('SIGKILL');
            await this.exited;
        }
        this.child = null;
    }

    tail(lines = 30) {
        try {
            return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
            return '(no server log)';
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A client: a resident's browser with one cookie jar, no automatic redirects

class Failure extends Error {}

class Client {
    constructor(run, journey) {
        this.run = run;
        this.j = journey;
        this.jar = new Map();
        this.csrf = null;
        this.reference = null;
        this.ackEpoch = null; // the server generation that showed the reference
        this.retries = 0;
        this.sendInterrupted = false; // a send (POST check-answers) failed because of a kill
        this.sendStarted = false;
        this.posted = []; // slugs whose POST was answered with a redirect, in order
        this.done = 0; // route steps done (for progress)
        this.steps = journey.route.length + 2; // pages, check answers, confirmation
    }

    cookieHeader() {
        return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }

    takeCookies(res) {
        for (const c of res.headers.getSetCookie()) {
            const [pair, ...attrs] = c.split(';');
            const eq = pair.indexOf('=');
            if (eq < 0) continue;
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            const expired = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
            if (expired || value === '') this.jar.delete(name);
            else this.jar.set(name, value);
        }
    }

    /**
     * One HTTP request, retried as is (same cookie, same body) whenever the connection fails,
     * until it is answered. Set-Cookie is honoured on every answer, redirects included.
     */
    async request(method, url, body = null, what = '') {
        const headers = { cookie: this.cookieHeader() };
        if (body !== null) headers['content-type'] = 'application/x-www-form-urlencoded';
        const run = this.run;
        let attempt = 0;
        for (;;) {
            const epoch = run.epoch;
            if (what === 'send') run.sendsInFlight += 1;
            try {
                const res = await fetch(run.server.base + url, {
                    method,
                    headers,
                    body,
                    redirect: 'manual',
                    signal: AbortSignal.timeout(30000),
                });
                const text = await res.text();
                this.takeCookies(res);
                run.requests += 1;
                if (res.status >= 500) {
                    run.fail(`${this.j.id}: ${method} ${url} answered ${res.status}` +
                        ` (server start ${run.server.starts}): ${summarise(text)}`);
                    throw new Failure(`${res.status}`);
                }
                return { status: res.status, location: res.headers.get('location'), text };
            } catch (e) {
                if (e instanceof Failure) throw e;
                if (e?.name === 'TimeoutError') {
                    run.fail(`${this.j.id}: ${method} ${url} had no answer in 30 s`);
                    throw new Failure('timeout');
                }
                // The connection failed: the server was killed (or is still down). Retry.
                attempt += 1;
                if (attempt === 1) {
                    this.retries += 1;
                    run.interrupted += 1;
                }
                run.retries += 1;
                if (what === 'send' && attempt === 1) {
                    this.sendInterrupted = true;
                    run.sendsInterrupted += 1;
                }
                if (run.epoch === epoch && run.up && attempt === 1) {
                    // Failed while no kill was under way: count it, it should not happen.
                    run.strayErrors.push(`${this.j.id}: ${method} ${url}: ${e?.cause?.code ?? e?.message}`);
                }
                if (Date.now() > run.deadline) {
                    run.fail(`${this.j.id}: ${method} ${url} still failing at the deadline: ${e?.cause?.code ?? e?.message}`);
                    throw new Failure('deadline');
                }
                await sleep(40 + Math.random() * 80);
            } finally {
                if (what === 'send') run.sendsInFlight -= 1;
            }
        }
    }

    async get(url) {
        return this.request('GET', url);
    }

    /** GETs `url`, following 303s (each hop honouring Set-Cookie), to a 200 page. */
    async visit(url) {
        for (let hops = 0; hops < 10; hops++) {
            const r = await this.get(url);
            if (r.status === 303 || r.status === 302) {
                url = r.location;
                continue;
            }
            if (r.status !== 200) this.bad(`GET ${url} answered ${r.status}: ${summarise(r.text)}`);
            const m = r.text.match(/name="csrf-token" value="([^"]+)"/);
            if (m) this.csrf = m[1];
            return { url, text: r.text, csrf: m?.[1] ?? null };
        }
        this.bad(`GET ${url}: too many redirects`);
    }

    /** The page must be the question (or check answers) form itself, not a problem page at its URL. */
    expectForm(page, action) {
        if (!page.text.includes(`action="${action}"`) || !page.csrf) {
            this.bad(`${page.url} showed ${summarise(page.text)}, not its form`);
        }
    }

    bad(msg) {
        this.run.fail(`${this.j.id} (${this.j.form}): ${msg}`);
        throw new Failure(msg);
    }

    async think() {
        await sleep(Math.random() * this.run.thinkMs);
    }

    async go() {
        const { form, route } = this.j;
        const formUrl = `/forms/${form}`;
        await this.visit(formUrl); // the start page
        let page = await this.visit(`${formUrl}/${route[0].slug}`);
        for (let i = 0; i < route.length; i++) {
            const step = route[i];
            const here = `${formUrl}/${step.slug}`;
            if (page.url !== here) this.bad(`expected ${here} next, was shown ${page.url}`);
            this.expectForm(page, here);
            await this.think();
            const body = new URLSearchParams([['csrf-token', this.csrf], ...step.post]).toString();
            const r = await this.request('POST', here, body);
            if (r.status === 200 && r.text.includes('govuk-error-summary')) {
                this.bad(`POST ${here} was refused: ${errorSummary(r.text)}`);
            }
            if (r.status !== 303) this.bad(`POST ${here} answered ${r.status}: ${summarise(r.text)}`);
            this.posted.push(step.slug);
            this.done += 1;
            page = await this.visit(r.location);
        }
        const check = `${formUrl}/check-answers`;
        if (page.url !== check) this.bad(`expected check answers after the last page, was shown ${page.url}`);
        this.expectForm(page, check);
        await this.think();
        this.sendStarted = true;
        const body = new URLSearchParams([['csrf-token', this.csrf]]).toString();
        const r = await this.request('POST', check, body, 'send');
        if (r.status !== 303) this.bad(`sending answered ${r.status}: ${summarise(r.text)}`);
        this.done += 1;
        const conf = await this.visit(r.location);
        if (conf.url !== `${formUrl}/confirmation`) this.bad(`sending led to ${conf.url}, not the confirmation`);
        const m = conf.text.match(/<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<\/strong>/);
        if (!m) this.bad(`no reference on the confirmation page: ${summarise(conf.text)}`);
        this.reference = m[1];
        this.ackEpoch = this.run.epoch;
        this.done += 1;
        // Sending again (a double click after the crash, the back button) must show the same one.
        if (this.sendInterrupted || this.j.recheck) {
            const again = await this.request('POST', check, body, 'resend');
            const conf2 = again.status === 303 ? await this.visit(again.location) : null;
            const m2 = conf2?.text.match(/<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<\/strong>/);
            if (!m2 || m2[1] !== this.reference) {
                this.bad(`sending again showed ${m2?.[1] ?? 'no reference'}, not ${this.reference}`);
            }
        }
    }
}

function summarise(html) {
    const title = html.match(/<title>([^<]*)<\/title>/)?.[1]?.trim();
    return title ? `"${title}"` : JSON.stringify(html.slice(0, 160));
}

function errorSummary(html) {
    const items = [...html.matchAll(/<a href="#[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);
    return items.join('; ') || summarise(html);
}

// ---------------------------------------------------------------------------------------------
// One backend's run

class Run {
    constructor(opts, backend) {
        this.opts = opts;
        this.backend = backend;
        this.epoch = 0;
        this.up = false;
        this.requests = 0;
        this.retries = 0;
        this.interrupted = 0;
        this.sendsInFlight = 0;
        this.sendsInterrupted = 0;
        this.failures = [];
        this.strayErrors = [];
        this.kills = [];
        this.thinkMs = 20;
        this.deadline = Date.now() + opts.deadline * 1000;
    }

    fail(msg) {
        this.failures.push(msg);
        if (this.failures.length <= 20) console.error(`crash: ${this.backend}: FAIL ${msg}`);
    }
}

async function runBackend(opts, backend, storeArgs) {
    const t0 = Date.now();
    const work = path.join(opts.work, backend);
    fs.mkdirSync(work, { recursive: true });
    const run = new Run(opts, backend);
    const server = new Server(opts, backend, storeArgs, work);
    run.server = server;
    await server.start();
    run.up = true;

    const r = rng(opts.seed ^ (backend === 'sqlite' ? 0x5eed : 0xb0a7));
    const clients = [];
    for (let i = 0; i < opts.journeys; i++) {
        const form = FORMS[i % FORMS.length];
        const j = makeJourney(form, `crash-${backend}-${opts.seed}-${i}`, r);
        j.recheck = i % 10 === 0;
        clients.push(new Client(run, j));
    }
    const totalSteps = clients.reduce((n, c) => n + c.steps, 0);
    const progress = () => clients.reduce((n, c) => n + c.done, 0) / totalSteps;

    // Every journey starts within the first second, so at least `journeys` are in flight at once.
    let active = 0;
    let peak = 0;
    const journeys = clients.map(async (c) => {
        await sleep(Math.random() * 1000);
        active += 1;
        peak = Math.max(peak, active);
        try {
            await c.go();
        } catch (e) {
            if (!(e instanceof Failure)) run.fail(`${c.j.id}: ${e?.stack ?? e}`);
        } finally {
            active -= 1;
        }
    });
    const all = Promise.all(journeys).then(() => {
        run.allDone = true;
    });

    // The killer: at evenly spaced points of progress, SIGKILL once a send is in flight (or
    // after waiting 2 s for one), then restart on the same store straight away.
    const killer = (async () => {
        for (let k = 1; k <= opts.kills; k++) {
            const at = k / (opts.kills + 1);
            while (!run.allDone && progress() < at) {
                await sleep(5);
            }
            const waitFrom = Date.now();
            while (!run.allDone && run.sendsInFlight === 0 && Date.now() - waitFrom < 2000) await sleep(1);
            if (run.allDone) break;
            const midFlight = clients.filter((c) => c.done > 0 && c.reference === null).length;
            const sends = run.sendsInFlight;
            run.up = false;
            await server.kill();
            run.epoch += 1;
            await sleep(150 + Math.random() * 200);
            const ready = await server.start();
            run.up = true;
            run.kills.push({ at: Math.round(progress() * 100), midFlight, sends, ready });
            log(`${backend}: kill ${k} at ${Math.round(at * 100)}% of steps: ${midFlight} journeys mid-flight,` +
                ` ${sends} sends in flight; restarted and ready in ${ready} ms`);
        }
    })().catch((e) => {
        run.fail(`kill/restart: ${e.message}`);
        run.deadline = 0; // clients stop retrying
    });
    await Promise.all([all, killer]);
    const journeySecs = (Date.now() - t0) / 1000;
    if (run.kills.length < opts.kills) {
        run.fail(`only ${run.kills.length} of ${opts.kills} kills happened before the journeys finished`);
    }

    // --- Check the store ----------------------------------------------------------------------
    const verdict = { found: 0, missing: 0, duplicates: 0, partial: 0, strays: 0, outbox: 0 };
    if (server.child) {
        try {
            await verify(run, clients, server, storeArgs, verdict);
        } catch (e) {
            run.fail(`verification: ${e?.stack ?? e}`);
        }
        await server.stop();
    }

    const acked = clients.filter((c) => c.reference).length;
    const ackedAfter = clients.filter((c) => c.reference && c.ackEpoch > 0).length;
    const interruptedJourneys = clients.filter((c) => c.retries > 0).length;
    const res = {
        backend,
        kills: run.kills.length,
        journeys: clients.length,
        acknowledged: acked,
        ackedAfter,
        ...verdict,
        requests: run.requests,
        retries: run.retries,
        interrupted: run.interrupted,
        interruptedJourneys,
        sendsInterrupted: run.sendsInterrupted,
        peak,
        secs: (Date.now() - t0) / 1000,
        journeySecs,
        failures: run.failures,
    };
    log(`${backend}: ${res.journeys} journeys (${peak} at once at most), ${res.requests} requests in ${journeySecs.toFixed(1)} s;` +
        ` ${res.kills} kills; ${interruptedJourneys} journeys interrupted, ${res.interrupted} requests interrupted` +
        ` and retried (${res.retries} attempts),` +
        ` ${res.sendsInterrupted} sends interrupted`);
    log(`${backend}: ${acked} acknowledged (${ackedAfter} after a restart), ${verdict.found} found, ${verdict.missing} missing,` +
        ` ${verdict.outbox} outbox rows, ${verdict.duplicates} duplicates, ${verdict.partial} partial,` +
        ` ${verdict.strays} unacknowledged`);
    if (run.strayErrors.length) {
        // Not a durability failure, but worth seeing: a connection failed while no kill was under way.
        log(`${backend}: note: ${run.strayErrors.length} connection errors outside kill windows, e.g. ${run.strayErrors[0]}`);
    }
    if (run.failures.length) log(`${backend}: server log tail:\n${server.tail(15)}`);
    return res;
}

/** Lists every stored submission through the API and the raw tables, and checks them. */
async function verify(run, clients, server, storeArgs, v) {
    const byEmail = new Map(clients.map((c) => [c.j.email, c]));
    const byRef = new Map();
    for (const c of clients) {
        if (!c.reference) continue;
        if (byRef.has(c.reference)) {
            run.fail(`${c.j.id} and ${byRef.get(c.reference).j.id} were both shown ${c.reference}`);
            v.duplicates += 1;
        }
        byRef.set(c.reference, c);
    }

    // 1. Through the API (a token per form; the CLI prints it as its last line).
    const stored = [];
    for (const form of FORMS) {
        const { stdout } = await execFileP(
            run.opts.bin,
            ['token', 'create', '--form', form, '--forms', path.join(run.opts.work, 'forms'), ...storeArgs],
            { cwd: server.work, env: { ...process.env, NO_COLOR: '1' }, timeout: 30000 },
        );
        const token = stdout.trim().split('\n').pop().trim();
        const auth = { authorization: `Bearer ${token}` };
        let cursor = null;
        do {
            const q = new URLSearchParams({ limit: '500', ...(cursor ? { cursor } : {}) });
            const r = await fetch(`${server.base}/api/forms/${form}/submissions?${q}`, { headers: auth });
            if (r.status !== 200) throw new Error(`listing ${form} answered ${r.status}: ${await r.text()}`);
            const page = await r.json();
            stored.push(...page.submissions.map((s) => ({ ...s, listedUnder: form })));
            cursor = page.nextCursor;
        } while (cursor);
        // Each submission's outbox rows, through the one-submission endpoint.
        const mine = stored.filter((s) => s.listedUnder === form);
        await pool(mine, 16, async (s) => {
            const r = await fetch(`${server.base}/api/submissions/${s.reference}`, { headers: auth });
            if (r.status !== 200) throw new Error(`GET /api/submissions/${s.reference} answered ${r.status}`);
            s.one = await r.json();
        });
    }
    v.found = stored.length;

    // 2. The raw tables, from another process (sqlite3 / psql).
    const raw = await rawCounts(run, server, storeArgs);
    v.outbox = raw.outbox;
    if (raw.submissions !== stored.length) {
        run.fail(`the submissions table has ${raw.submissions} rows but the API listed ${stored.length}`);
    }
    if (raw.orphanOutbox) run.fail(`${raw.orphanOutbox} outbox rows have no submission`);
    if (raw.duplicateKeys) run.fail(`${raw.duplicateKeys} journey keys have more than one submission`);
    v.partial += raw.orphanOutbox;
    v.duplicates += raw.duplicateKeys;

    // 3. Each stored submission against the client that made it.
    const seenRef = new Map();
    const seenClient = new Map();
    for (const s of stored) {
        const ref = s.reference;
        seenRef.set(ref, (seenRef.get(ref) ?? 0) + 1);
        const c = byEmail.get(s.answers?.email);
        if (!c) {
            run.fail(`stored ${ref} (${s.listedUnder}) belongs to no client: answers ${JSON.stringify(s.answers)}`);
            v.strays += 1;
            v.partial += 1;
            continue;
        }
        seenClient.set(c, (seenClient.get(c) ?? 0) + 1);
        let complete = true;
        if (!isDeepStrictEqual(s.answers, c.j.expected)) {
            complete = false;
            run.fail(`stored ${ref} for ${c.j.id}: answers differ from what was sent:\n` +
                `  stored   ${JSON.stringify(s.answers)}\n  expected ${JSON.stringify(c.j.expected)}`);
        }
        const formId = s.formId ?? s.form ?? s.form_id ?? s.listedUnder;
        if (formId !== c.j.form) {
            complete = false;
            run.fail(`stored ${ref} is under ${formId}, ${c.j.id} sent it to ${c.j.form}`);
        }
        const hooks = (s.one?.deliveries ?? []).map((d) => d.webhook).sort();
        if (!isDeepStrictEqual(hooks, [...WEBHOOKS[c.j.form]].sort())) {
            complete = false;
            run.fail(`stored ${ref} for ${c.j.id} has outbox rows [${hooks}], want [${WEBHOOKS[c.j.form]}]`);
        }
        if (!complete) v.partial += 1;
        if (c.reference === null) {
            // Allowed only for a send in flight at a kill (and only complete); but then the
            // client's retry should have been shown it, so its journey failed for another reason.
            v.strays += 1;
            if (!c.sendInterrupted) run.fail(`stored ${ref} for ${c.j.id}, which never sent or was never shown a reference`);
        } else if (c.reference !== ref) {
            run.fail(`stored ${ref} for ${c.j.id}, which was shown ${c.reference}` +
                (c.sendInterrupted ? ' (its send was interrupted: the retry made a second submission)' : ''));
            v.duplicates += 1;
        }
    }
    for (const [ref, n] of seenRef) {
        if (n > 1) {
            run.fail(`${ref} is listed ${n} times`);
            v.duplicates += n - 1;
        }
    }
    for (const c of clients) {
        if (!c.reference) {
            if (!run.failures.some((f) => f.startsWith(c.j.id))) run.fail(`${c.j.id} never got a reference`);
            continue;
        }
        if (!seenRef.has(c.reference)) {
            v.missing += 1;
            run.fail(`${c.j.id} was shown ${c.reference} (server start ${c.ackEpoch + 1}) but it is not stored` +
                (c.sendInterrupted ? ' (its send was interrupted)' : ''));
        }
        if ((seenClient.get(c) ?? 0) > 1) {
            // Counted above, once per extra row; say which client.
            run.fail(`${c.j.id} has ${seenClient.get(c)} stored submissions`);
        }
    }
}

async function rawCounts(run, server, storeArgs) {
    const sql =
        "SELECT (SELECT COUNT(*) FROM submissions)," +
        " (SELECT COUNT(*) FROM outbox)," +
        " (SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.reference = o.reference))," +
        " (SELECT COUNT(*) FROM (SELECT journey_key FROM submissions GROUP BY journey_key HAVING COUNT(*) > 1) d)";
    let out;
    if (run.backend === 'sqlite') {
        const db = path.join(storeArgs[1], 'submissions.sqlite3');
        ({ stdout: out } = await execFileP('sqlite3', ['-readonly', '-separator', ' ', db, sql], { timeout: 30000 }));
    } else {
        ({ stdout: out } = await execFileP(process.env.CRASH_PSQL || 'psql', ['-X', '-At', '-F', ' ', '-d', storeArgs[1], '-c', sql], { timeout: 30000 }));
    }
    const [submissions, outbox, orphanOutbox, duplicateKeys] = out.trim().split(/\s+/).map(Number);
    if ([submissions, outbox, orphanOutbox, duplicateKeys].some((n) => !Number.isFinite(n))) {
        throw new Error(`cannot read the counts from ${JSON.stringify(out)}`);
    }
    return { submissions, outbox, orphanOutbox, duplicateKeys };
}

async function pool(items, n, f) {
    let i = 0;
    await Promise.all(
        Array.from({ length: n }, async () => {
            while (i < items.length) await f(items[i++]);
        }),
    );
}

// ---------------------------------------------------------------------------------------------

async function main() {
    const t0 = Date.now();
    const opts = parseArgs(process.argv);
    fs.mkdirSync(opts.work, { recursive: true });
    prepareForms(path.join(opts.work, 'forms'));
    log(`seed ${opts.seed}, ${opts.journeys} journeys and ${opts.kills} kills per backend (${opts.bin})`);
    const results = [];
    if (opts.sqlite) {
        results.push(await runBackend(opts, 'sqlite', ['--data', path.join(opts.work, 'sqlite', 'data')]));
    }
    if (opts.postgres) results.push(await runBackend(opts, 'postgresql', ['--database', opts.postgres]));
    log(`${results.map((r) => `${r.backend} ${r.secs.toFixed(1)} s`).join(', ')}; wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const line = results
        .map((r) =>
            `${r.backend} ${r.kills} kills, ${r.journeys} journeys, ${r.acknowledged} acknowledged,` +
            ` ${r.found} found, ${r.duplicates} duplicates, ${r.partial} partial`)
        .join('; ');
    const failures = results.flatMap((r) => r.failures.map((f) => `${r.backend}: ${f}`));
    if (failures.length) {
        console.error(`crash: FAILED: ${failures.length} problem(s):`);
        for (const f of failures.slice(0, 40)) console.error(`  - ${f}`);
        if (failures.length > 40) console.error(`  ... and ${failures.length - 40} more`);
        console.log(`crash: FAILED: ${line}`);
        process.exit(1);
    }
    console.log(`crash: ${line}`);
}

main().catch((e) => {
    console.error(`crash: error: ${e?.stack ?? e}`);
    process.exit(1);
});
