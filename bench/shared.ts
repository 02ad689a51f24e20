import { fork } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { Session } from 'node:inspector/promises'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { constants, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import { exportJWK, generateKeyPair } from 'jose'
import pg from 'pg'
import type { Client } from '../src/auth/grants.js'
import { signClientToken } from '../src/auth/sign-token.js'
import { startPrivateRedis } from '../src/private-redis.js'

/**
 * Building blocks for the benchmarks under bench/: a cleanup stack that also runs on Ctrl-C, a throwaway identity
 * provider (RS256 key, JWKS and grants files), Redis and store for one run, the upstream simulators and gateways
 * each in a child process of their own, an autocannon round, and the figures and tables of a report.
 *
 * This module is also the entry point of those child processes (`node dist/bench/shared.js --bench-child`, started
 * by startUpstreamsProcess and startGatewayProcess): a server under measurement then has an event loop to itself,
 * not one shared with autocannon or with the other servers.
 */

// ---------------------------------------------------------------------------------------------------------------
// Cleanup

export interface Cleanup {
  /** Registers a step; steps run last registered first (a gateway stops before its store is removed). */
  add (name: string, step: () => unknown): void
  /** Runs every step once, even when some fail; later calls wait for the same run. */
  run (): Promise<void>
  /** Throws once run() has begun: nothing new should start while (or after) everything is being stopped. */
  assertOpen (what: string): void
}

const STEP_TIMEOUT_MS = 30_000

export function createCleanup (): Cleanup {
  const steps: Array<{ name: string, step: () => unknown }> = []
  let running: Promise<void> | undefined
  return {
    add (name, step) { steps.push({ name, step }) },
    assertOpen (what) {
      if (running !== undefined) throw new Error(`not starting ${what}: cleaning up`)
    },
    async run () {
      running ??= (async () => {
        for (let next = steps.pop(); next !== undefined; next = steps.pop()) {
          let timer: NodeJS.Timeout | undefined
          try {
            await Promise.race([
              Promise.resolve().then(next.step),
              new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timed out')), STEP_TIMEOUT_MS) })
            ])
          } catch (err) {
            process.stderr.write(`cleanup: ${next.name}: ${(err as Error).message}\n`)
          } finally {
            clearTimeout(timer)
          }
        }
      })()
      await running
    }
  }
}

/**
 * Ctrl-C (or SIGTERM): `stopping` first (e.g. stop the running autocannon), then the cleanup stack, then exit
 * 128+signal. A second Ctrl-C exits at once.
 */
export function cleanUpOnSignals (cleanup: Cleanup, stopping: () => void = () => {}): void {
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + (constants.signals[signal] ?? 2)
    if (interrupted) process.exit(code)
    interrupted = true
    process.stderr.write(`\n${signal}: stopping and cleaning up (again to exit at once)\n`)
    stopping()
    void cleanup.run().finally(() => process.exit(code))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

/** A wrong command-line option: printed with the script's usage line. */
export class UsageError extends Error {}

/** The run broke a rule it checks (a non-2xx answer, a chain that does not verify, memory that grew): printed as FAILED. */
export class BenchFailure extends Error {}

/** The number given for `--name`, within min…max (and whole unless `integer` is false); else a UsageError. */
export function numberOption (name: string, text: string, min: number, max: number, integer = true): number {
  const value = Number(text)
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ${min}…${max} (got ${text})`)
  }
  return value
}

/**
 * A benchmark script's whole run: `body` gets a cleanup stack that also runs on Ctrl-C, and a signal raised then.
 * The cleanup runs in every case; the process exits 0, or 1 when `body` throws (a UsageError is printed with the
 * usage line, a BenchFailure as its message, anything else with its stack), or 130 when interrupted.
 */
export async function runBenchScript (usage: string, body: (cleanup: Cleanup, stopping: AbortSignal) => Promise<void>): Promise<never> {
  const cleanup = createCleanup()
  const stopping = new AbortController()
  cleanUpOnSignals(cleanup, () => stopping.abort())
  let exitCode = 0
  try {
    await body(cleanup, stopping.signal)
  } catch (err) {
    if (!stopping.signal.aborted) {
      exitCode = 1
      if (err instanceof UsageError) process.stderr.write(`${err.message}\n${usage}\n`)
      else if (err instanceof BenchFailure) process.stderr.write(`\nFAILED: ${err.message}\n`)
      else process.stderr.write(`\nFAILED: ${(err as Error).stack ?? String(err)}\n`)
    }
  }
  await cleanup.run()
  process.exit(stopping.signal.aborted ? 130 : exitCode)
}

export async function tempDir (cleanup: Cleanup, prefix: string): Promise<string> {
  cleanup.assertOpen(`a temp dir ${prefix}…`)
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }))
  return dir
}

// ---------------------------------------------------------------------------------------------------------------
// Identity: the gateway verifies real RS256 tokens against a JWKS file, as in production

export const BENCH_ISSUER = 'https://idp.bench.lgsp.local'
export const BENCH_AUDIENCE = 'lgsp-gateway-bench'

export interface BenchIdentity {
  jwksFile: string
  grantsFile: string
  sign (clientId: string, scopes: string[], ttlSeconds: number): Promise<string>
}

/** A fresh RS256 key, its JWKS and the given clients' grants file, written into `dir`. */
export async function createIdentity (dir: string, clients: Client[]): Promise<BenchIdentity> {
  const kid = `bench-${randomUUID()}`
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwksFile = join(dir, 'jwks.json')
  const grantsFile = join(dir, 'grants.json')
  await writeFile(jwksFile, JSON.stringify({ keys: [{ ...await exportJWK(publicKey), kid, alg: 'RS256', use: 'sig' }] }))
  await writeFile(grantsFile, JSON.stringify({ clients }))
  return {
    jwksFile,
    grantsFile,
    sign: async (clientId, scopes, ttlSeconds) => await signClientToken({
      clientId, scopes, issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE, key: privateKey, kid, alg: 'RS256', ttlSeconds
    })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redis and store for one run

export interface BenchRedis {
  url: string
  /** A key prefix of this run's own (RATE_LIMIT_PREFIX, or the start of several): keys under it are deleted at cleanup. */
  prefix: string
  description: string
}

/** The given Redis, or a private redis-server; either way a key prefix of the run's own. */
export async function benchRedis (cleanup: Cleanup, givenUrl: string | undefined): Promise<BenchRedis> {
  cleanup.assertOpen('Redis')
  let url = givenUrl
  if (url === undefined) {
    const redis = await startPrivateRedis()
    if (redis === undefined) throw new Error('no Redis: set BENCH_REDIS_URL=redis://… or install redis-server')
    cleanup.add('stop private redis-server', () => redis.stop())
    url = redis.url
  }
  const prefix = `lgsp:bench:${randomUUID()}:`
  const keysUrl = url
  cleanup.add(`delete Redis keys ${prefix}*`, async () => {
    const client = new Redis(keysUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
    client.on('error', () => {})
    try {
      try {
        await client.connect()
      } catch (err) {
        // a private redis-server that already stopped (a Ctrl-C reaches it too) took its keys with it
        if (givenUrl === undefined) return
        throw err
      }
      for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await client.del(...keys)
      }
    } finally {
      client.disconnect()
    }
  })
  return { url, prefix, description: givenUrl === undefined ? 'private redis-server' : 'BENCH_REDIS_URL' }
}

export interface BenchStore {
  /** DATABASE_URL + DATABASE_SCHEMA, or STORE_DIR. */
  env: Record<string, string>
  driver: 'postgres' | 'pglite'
  description: string
}

/**
 * A store no one else uses, removed at cleanup: a schema `bench_<random>` on `databaseUrl` (PostgreSQL), else an
 * embedded PGlite in a temp dir. PGlite is single-process, so every gateway process needs a store of its own.
 */
export async function benchStore (cleanup: Cleanup, databaseUrl: string | undefined): Promise<BenchStore> {
  if (databaseUrl === undefined) {
    const dir = await tempDir(cleanup, 'lgsp-bench-store-')
    return { env: { STORE_DIR: dir }, driver: 'pglite', description: `PGlite (embedded) in ${tmpdir()}` }
  }
  cleanup.assertOpen('a PostgreSQL schema')
  const schema = `bench_${randomBytes(8).toString('hex')}`
  cleanup.add(`drop schema ${schema}`, async () => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    } finally {
      await client.end()
    }
  })
  return { env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema }, driver: 'postgres', description: 'PostgreSQL (BENCH_DATABASE_URL)' }
}

// ---------------------------------------------------------------------------------------------------------------
// Servers in child processes

const CHILD_FLAG = '--bench-child'

export interface UpstreamsOptions {
  /** The population simulator's credentials (POPULATION_USERNAME / POPULATION_SECRET). */
  credentials: { username: string, secret: string }
  /** The procedures simulator's API key (PROCEDURES_API_KEY). */
  proceduresApiKey: string
  /** How many personal ids (citizens 0 … ids-1) to hand back. */
  ids: number
  seed?: number
  size?: number
  /** The population change feed's length and defect rate (default: one change per citizen). */
  changeFeed?: { size: number, invalidEvery?: number }
}

type ChildSpec =
  | { role: 'upstreams', options: UpstreamsOptions }
  | { role: 'gateway', env: Record<string, string>, audit: boolean }
  | { role: 'worker', env: Record<string, string> }
  | { role: 'bare-proxy', population: BareProxyPopulation }

type ChildMessage =
  | { type: 'ready', urls: Record<string, string>, personalIds: string[] }
  | { type: 'failed', message: string }
  | { type: 'done', memory?: MemoryAfterGc }

/** Asked of a started child; each is answered with `done` (or `failed`), one at a time. */
type ChildRequest = { type: 'profile-start' } | { type: 'profile-stop', file: string } | { type: 'memory' }

/** A process's memory right after a full garbage collection: what it holds on to, not what it has yet to free. */
export interface MemoryAfterGc {
  rssMiB: number
  heapUsedMiB: number
}

interface ChildProcessHandle {
  pid: number
  urls: Record<string, string>
  personalIds: string[]
  stop (): Promise<void>
  ask (request: ChildRequest): Promise<ChildMessage & { type: 'done' }>
}

const START_TIMEOUT_MS = 120_000

async function startChild (cleanup: Cleanup, name: string, spec: ChildSpec): Promise<ChildProcessHandle> {
  cleanup.assertOpen(name)
  // detached: a Ctrl-C in the terminal reaches only this process, which stops the children in order (a gateway
  // drains its audit writer and closes its store). Should this process die, a child sees its IPC channel
  // disconnect and closes itself.
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null
  const stop = async (): Promise<void> => {
    if (gone()) return
    const exited = once(child, 'exit')
    if (child.connected) child.send({ type: 'stop' })
    else child.kill('SIGTERM')
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(kill)
  }
  cleanup.add(`stop ${name}`, stop)

  const ready = await new Promise<{ urls: Record<string, string>, personalIds: string[] }>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer)
      child.off('exit', onExit)
      child.off('message', onMessage)
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      settle()
      reject(new Error(`${name} exited (${code ?? signal ?? ''}) before it was ready`))
    }
    const onMessage = (message: ChildMessage): void => {
      settle()
      if (message.type === 'ready') resolve(message)
      else reject(new Error(`${name} failed to start: ${message.type === 'failed' ? message.message : message.type}`))
    }
    const timer = setTimeout(() => { settle(); reject(new Error(`${name} not ready after ${START_TIMEOUT_MS / 1000} s`)) }, START_TIMEOUT_MS)
    child.on('exit', onExit)
    child.on('message', onMessage)
    child.send({ type: 'start', spec })
  })
  const ask = async (request: ChildRequest): Promise<ChildMessage & { type: 'done' }> => {
    const answered = once(child, 'message') as Promise<[ChildMessage]>
    child.send(request)
    const [answer] = await answered
    if (answer.type !== 'done') throw new Error(`${name}: ${request.type} failed: ${answer.type === 'failed' ? answer.message : answer.type}`)
    return answer
  }
  return { ...ready, pid: child.pid ?? 0, stop, ask }
}

export interface UpstreamsProcess {
  /** The population simulator's SOAP endpoint (POPULATION_URL). */
  populationUrl: string
  /** The procedures simulator's base URL (PROCEDURES_URL). */
  proceduresUrl: string
  /** Personal ids of citizens 0 … ids-1 of the synthetic population both simulators share. */
  personalIds: string[]
  pid: number
  stop (): Promise<void>
}

/** The upstream simulators (SOAP population database, one-stop procedures system) together in one process of their own. */
export async function startUpstreamsProcess (cleanup: Cleanup, options: UpstreamsOptions): Promise<UpstreamsProcess> {
  const { urls, personalIds, pid, stop } = await startChild(cleanup, 'upstream simulators', { role: 'upstreams', options })
  return { populationUrl: urls.population ?? '', proceduresUrl: urls.procedures ?? '', personalIds, pid, stop }
}

/** A server process whose CPU can be sampled (V8's profiler, through node:inspector inside that process). */
export interface Profiled {
  startProfile (): Promise<void>
  /** Stops sampling and writes the .cpuprofile (Chrome DevTools format) to `file`. */
  stopProfile (file: string): Promise<void>
}

function profiling (ask: ChildProcessHandle['ask']): Profiled {
  return {
    startProfile: async () => { await ask({ type: 'profile-start' }) },
    stopProfile: async (file) => { await ask({ type: 'profile-stop', file }) }
  }
}

export interface GatewayProcess extends Profiled {
  /** The origin, http://127.0.0.1:port. */
  url: string
  pid: number
  stop (): Promise<void>
  /** Runs a full garbage collection in the gateway's process (through node:inspector), then reads its memory. */
  memoryAfterGc (): Promise<MemoryAfterGc>
}

/** A gateway built by buildApp(loadConfig(env), { audit }) in its own process, on 127.0.0.1 and an ephemeral port. */
export async function startGatewayProcess (cleanup: Cleanup, name: string, options: { env: Record<string, string>, audit: boolean }): Promise<GatewayProcess> {
  const { urls, pid, stop, ask } = await startChild(cleanup, name, { role: 'gateway', ...options })
  const memoryAfterGc = async (): Promise<MemoryAfterGc> => {
    const { memory } = await ask({ type: 'memory' })
    if (memory === undefined) throw new Error(`${name} sent no memory reading`)
    return memory
  }
  return { url: urls.gateway ?? '', pid, stop, memoryAfterGc, ...profiling(ask) }
}

/** What the bare proxy needs to call the population simulator as the gateway does. */
export interface BareProxyPopulation {
  /** The SOAP endpoint (POPULATION_URL). */
  url: string
  username: string
  secret: string
  /** undici Pool size (the gateway's POPULATION_CONNECTIONS default: 64). */
  connections: number
}

export interface BareProxyProcess extends Profiled {
  /** The origin, http://127.0.0.1:port; GET /citizens/{personalId} answers the parsed record as JSON. */
  url: string
  pid: number
  stop (): Promise<void>
}

/** bench/bare-proxy.ts's server in its own process: Fastify, one route, the population adapter; no auth, no audit. */
export async function startBareProxyProcess (cleanup: Cleanup, name: string, population: BareProxyPopulation): Promise<BareProxyProcess> {
  const { urls, pid, stop, ask } = await startChild(cleanup, name, { role: 'bare-proxy', population })
  return { url: urls['bare-proxy'] ?? '', pid, stop, ...profiling(ask) }
}

export interface WorkerProcess {
  pid: number
  stop (): Promise<void>
}

/** A sync worker built by buildWorker(loadConfig(env)) in its own process. */
export async function startWorkerProcess (cleanup: Cleanup, name: string, env: Record<string, string>): Promise<WorkerProcess> {
  const { pid, stop } = await startChild(cleanup, name, { role: 'worker', env })
  return { pid, stop }
}

/** CPU time a live process has used so far, user + system, in milliseconds (Linux /proc/<pid>/stat). */
export async function cpuMs (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // the fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14th and 15th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND
}

// USER_HZ: 100 on every Linux architecture node runs on
const CLOCK_TICKS_PER_SECOND = 100

/** Resident set size of a live process (Linux VmRSS), or its peak so far (VmHWM), in MiB. */
export async function rssMiB (pid: number, which: 'now' | 'peak' = 'now'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const field = which === 'now' ? 'VmRSS' : 'VmHWM'
  const kib = Number(new RegExp(`^${field}:\\s+([0-9]+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN)
  return Math.round(kib / 1024)
}

/**
 * The one-stop system every gateway benchmark calls as: personal data for purpose TTHC with the one-stop field set,
 * and reference data. Its limits are the most a grant may have (16,667 req/s), above what one gateway serves: the
 * limiter counts in Redis but never refuses.
 */
export const BENCH_CLIENT: Client = {
  clientId: 'VN.BENCH.MOTCUA',
  name: 'Benchmark one-stop system',
  status: 'active',
  grants: [
    { service: 'citizens.read', purposes: ['TTHC'], fields: ['fullName', 'dateOfBirth', 'gender', 'permanentAddress', 'currentAddress'], rateLimitPerMinute: 1_000_000 },
    { service: 'procedures.read', rateLimitPerMinute: 1_000_000 }
  ]
}

/** The purpose (with a dossier reference) the benchmarks' citizen lookups state in X-Purpose. */
const BENCH_PURPOSE = 'TTHC:000.00.20.H23-230223-0001'

/** What the benchmark client's calls carry: its token with these scopes (valid `ttlSeconds`), the purpose, an official. */
export async function benchCallerHeaders (identity: BenchIdentity, scopes: string[], ttlSeconds: number): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${await identity.sign(BENCH_CLIENT.clientId, scopes, ttlSeconds)}`,
    'x-purpose': BENCH_PURPOSE,
    'x-user-id': 'canbo.motcua.01'
  }
}

/** BENCH_DATABASE_URL (a PostgreSQL store instead of PGlite) and BENCH_REDIS_URL (instead of a private redis-server), when set. */
export function benchServiceUrls (): { databaseUrl?: string, redisUrl?: string } {
  return {
    ...(process.env.BENCH_DATABASE_URL === undefined ? {} : { databaseUrl: process.env.BENCH_DATABASE_URL }),
    ...(process.env.BENCH_REDIS_URL === undefined ? {} : { redisUrl: process.env.BENCH_REDIS_URL })
  }
}

/** What every gateway benchmark starts with: a signing identity, Redis, and the upstream simulators in a process. */
export interface BenchBackends {
  identity: BenchIdentity
  redis: BenchRedis
  /** The population simulator's credentials (the gateway's and the bare proxy's). */
  credentials: { username: string, secret: string }
  proceduresApiKey: string
  upstreams: UpstreamsProcess
}

export async function startBenchBackends (cleanup: Cleanup, options: { name: string, clients: Client[], ids: number, redisUrl: string | undefined }): Promise<BenchBackends> {
  const identity = await createIdentity(await tempDir(cleanup, `lgsp-bench-${options.name}-`), options.clients)
  const redis = await benchRedis(cleanup, options.redisUrl)
  const credentials = { username: 'lgsp-bench', secret: randomBytes(24).toString('base64url') }
  const proceduresApiKey = randomBytes(24).toString('base64url')
  const upstreams = await startUpstreamsProcess(cleanup, { credentials, proceduresApiKey, ids: options.ids })
  process.stderr.write(`population simulator at ${upstreams.populationUrl}, procedures simulator at ${upstreams.proceduresUrl}; Redis: ${redis.description} at ${redis.url}\n`)
  return { identity, redis, credentials, proceduresApiKey, upstreams }
}

/**
 * A production-shaped gateway's environment on these backends (add the store's). Rate limits are far above the
 * load so they are counted, not hit; sector datasets and sync queues are configured though a benchmark may not
 * use them; every Redis key is under the run's prefix.
 */
export function benchGatewayEnv ({ identity, redis, credentials, proceduresApiKey, upstreams }: BenchBackends): Record<string, string> {
  return {
    DEMO: 'false',
    // warnings and errors (an audit record not committed, Redis away) still show; nothing per request
    LOG_LEVEL: 'warn',
    POPULATION_URL: upstreams.populationUrl,
    POPULATION_USERNAME: credentials.username,
    POPULATION_SECRET: credentials.secret,
    PROCEDURES_URL: upstreams.proceduresUrl,
    PROCEDURES_API_KEY: proceduresApiKey,
    AUTH_ISSUER: BENCH_ISSUER,
    AUTH_AUDIENCE: BENCH_AUDIENCE,
    AUTH_JWKS_FILE: identity.jwksFile,
    GRANTS_FILE: identity.grantsFile,
    REDIS_URL: redis.url,
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PREFIX: `${redis.prefix}rl:`,
    CACHE_PREFIX: `${redis.prefix}cache:`,
    SYNC_QUEUE_PREFIX: `${redis.prefix}q`,
    SECTOR_CURSOR_SECRET: 'bench-sector-cursor-secret',
    SECTOR_UPSTREAM_HEALTH_URL: 'http://127.0.0.1:9/api'
  }
}

async function serveAsChild (): Promise<void> {
  const send = async (message: ChildMessage): Promise<void> => {
    await new Promise<void>((resolve) => {
      if (process.send === undefined) resolve()
      else process.send(message, undefined, {}, () => resolve())
    })
  }
  // A stop may come at any time, even while the server is starting: it then closes as soon as it has started.
  let close: (() => Promise<void>) | undefined
  let stopping = false
  let closing = false
  const closeAndExit = (): void => {
    if (close === undefined || closing) return
    closing = true
    close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`closing failed: ${(err as Error).message}\n`)
      process.exit(1)
    })
  }
  const stop = (): void => {
    if (stopping) return
    stopping = true
    closeAndExit()
  }
  let profiler: Session | undefined
  const answer = async (request: ChildRequest): Promise<void> => {
    try {
      if (request.type === 'profile-start') {
        profiler = new Session()
        profiler.connect()
        await profiler.post('Profiler.enable')
        await profiler.post('Profiler.start')
      } else if (request.type === 'memory') {
        const session = new Session()
        session.connect()
        await session.post('HeapProfiler.collectGarbage')
        session.disconnect()
        const { rss, heapUsed } = process.memoryUsage()
        await send({ type: 'done', memory: { rssMiB: rss / 2 ** 20, heapUsedMiB: heapUsed / 2 ** 20 } })
        return
      } else {
        if (profiler === undefined) throw new Error('no profile was started')
        const { profile } = await profiler.post('Profiler.stop')
        profiler.disconnect()
        profiler = undefined
        await writeFile(request.file, JSON.stringify(profile))
      }
      await send({ type: 'done' })
    } catch (err) {
      await send({ type: 'failed', message: (err as Error).message })
    }
  }
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stop()
    else if (message.type === 'profile-start' || message.type === 'profile-stop' || message.type === 'memory') void answer(message as ChildRequest)
  })
  process.on('disconnect', stop)
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  const [start] = await once(process, 'message') as [{ type: 'start', spec: ChildSpec }]
  try {
    const { spec } = start
    if (spec.role === 'upstreams') {
      const { startPopulationSimulator } = await import('../adapters/population/simulator.js')
      const { startProceduresSimulator } = await import('../adapters/procedures/simulator.js')
      const { credentials, proceduresApiKey, ids, seed, size, changeFeed } = spec.options
      const population = await startPopulationSimulator({
        credentials,
        host: '127.0.0.1',
        port: 0,
        ...(changeFeed === undefined ? {} : { changeFeed }),
        ...(seed === undefined ? {} : { seed }),
        ...(size === undefined ? {} : { size })
      })
      // the same synthetic people apply for procedures, as in demo mode
      const procedures = await startProceduresSimulator({
        apiKey: proceduresApiKey, population: population.population, host: '127.0.0.1', port: 0, ...(seed === undefined ? {} : { seed })
      })
      close = async () => { await Promise.all([population.close(), procedures.close()]) }
      const personalIds = Array.from({ length: ids }, (_, index) => population.population.citizenAt(index).personalId)
      if (!stopping) await send({ type: 'ready', urls: { population: population.url, procedures: procedures.url }, personalIds })
    } else if (spec.role === 'bare-proxy') {
      const { startBareProxy } = await import('./bare-proxy.js')
      const proxy = await startBareProxy(spec.population)
      close = () => proxy.close()
      if (!stopping) await send({ type: 'ready', urls: { 'bare-proxy': proxy.url }, personalIds: [] })
    } else if (spec.role === 'worker') {
      const { buildWorker } = await import('../src/worker-app.js')
      const { loadConfig } = await import('../src/config/index.js')
      const worker = await buildWorker(loadConfig(spec.env))
      close = () => worker.close()
      await worker.ready()
      if (!stopping) await send({ type: 'ready', urls: {}, personalIds: [] })
    } else {
      const { buildApp } = await import('../src/app.js')
      const { loadConfig } = await import('../src/config/index.js')
      const app = await buildApp(loadConfig(spec.env), { audit: spec.audit })
      close = () => app.close()
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      if (address === null || typeof address === 'string') throw new Error('the gateway has no TCP address')
      if (!stopping) await send({ type: 'ready', urls: { gateway: `http://127.0.0.1:${address.port}` }, personalIds: [] })
    }
  } catch (err) {
    if (!stopping) await send({ type: 'failed', message: (err as Error).stack ?? String(err) })
    process.exit(1)
  }
  if (stopping) closeAndExit() // asked to stop while starting
}

// ---------------------------------------------------------------------------------------------------------------
// Load

/** One request of a round other than a plain GET (e.g. a SOAP POST); its headers add to LoadOptions.headers. */
export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  body?: string
  headers?: Record<string, string>
}

export interface LoadOptions {
  /** The gateway's origin. */
  url: string
  /** Request paths; each connection walks all of them, starting at its own offset. */
  paths: string[]
  /** Instead of GETs of `paths`: these requests, walked the same way (paths is then ignored). */
  requests?: LoadRequest[]
  headers: Record<string, string>
  connections: number
  durationSeconds: number
  /** Aborting stops autocannon; the figures so far are still returned (an aborted signal: nothing is started). */
  signal?: AbortSignal
}

export interface LoadResult {
  /** 2xx responses per second of the round. */
  requestsPerSecond: number
  /** Latency percentiles of 2xx responses, in milliseconds. */
  latencyP50Ms: number
  latencyP99Ms: number
  responses: number
  ok: number
  non2xx: number
  /** Connection errors, timeouts included. */
  errors: number
  timeouts: number
  statusCounts: Record<string, number>
  durationSeconds: number
}

/**
 * One autocannon round against `paths`, in this process (which should have nothing else to do meanwhile: its event
 * loop times the responses). Connection i starts at path i·(paths/connections), so at any moment the connections
 * ask for different records, and every path is asked for equally often.
 */
export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  const all: autocannon.Request[] = options.requests?.map((request) => ({ ...request, headers: { ...options.headers, ...request.headers } })) ??
    options.paths.map((path) => ({ method: 'GET', path }))
  if (all.length === 0) throw new Error('runLoad needs at least one path')
  const step = Math.max(1, Math.floor(all.length / options.connections))
  let nextClient = 0
  const requests = (offset: number): autocannon.Request[] => [...all.slice(offset), ...all.slice(0, offset)]

  if (options.signal?.aborted === true) throw new Error('load not started: aborted')
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      headers: options.headers,
      requests: requests(0),
      setupClient (client) { client.setRequests(requests((nextClient++ * step) % all.length)) }
    }, (err, finished) => {
      options.signal?.removeEventListener('abort', stop) // a run of many rounds would pile up listeners on one signal
      if (err !== null && err !== undefined) reject(err); else resolve(finished)
    })
    const stop = (): void => { instance.stop() }
    options.signal?.addEventListener('abort', stop, { once: true })
  })

  const statusCounts: Record<string, number> = {}
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = Number(count ?? 0)
  return {
    requestsPerSecond: result.duration > 0 ? result['2xx'] / result.duration : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    responses: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    durationSeconds: result.duration
  }
}

/** The round's result when it was not interrupted and every response (one at least) was a 2xx; else a BenchFailure. */
export function allOk (label: string, result: LoadResult, stopping?: AbortSignal): LoadResult {
  if (stopping?.aborted === true) throw new BenchFailure('interrupted')
  if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
    throw new BenchFailure(`${label}: ${result.non2xx} non-2xx responses, ${result.errors} connection errors ` +
      `(${result.timeouts} timeouts), ${result.ok} 2xx; responses by status: ${JSON.stringify(result.statusCounts)}`)
  }
  return result
}

// ---------------------------------------------------------------------------------------------------------------
// Figures and report

export function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** A GitHub-flavoured markdown table, padded to be read as plain text too; `align` 'r' right-aligns a column. */
export function markdownTable (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align: ReadonlyArray<'l' | 'r'> = []): string {
  const cells = [header, ...rows].map((row) => row.map(String))
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => (row[column] ?? '').length)))
  const line = (row: readonly string[]): string =>
    `| ${widths.map((width, column) => align[column] === 'r' ? (row[column] ?? '').padStart(width) : (row[column] ?? '').padEnd(width)).join(' | ')} |`
  const rule = `| ${widths.map((width, column) => align[column] === 'r' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)).join(' | ')} |`
  const [head = [], ...body] = cells
  return [line(head), rule, ...body.map(line)].join('\n')
}

export interface Machine {
  cpuModel: string
  cores: number
  node: string
  os: string
  memoryGiB: number
  /** 1-minute load average when the run started: a busy machine makes every figure noisier. */
  loadAverage: number
  date: string
}

export function describeMachine (): Machine {
  const cpuList = cpus()
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: new Date().toISOString()
  }
}

export function machineRows (machine: Machine): Array<[string, string]> {
  return [
    ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
    ['Memory', `${machine.memoryGiB} GiB`],
    ['OS', machine.os],
    ['Node', machine.node],
    ['Date', machine.date],
    ['Load average (1 min) at start', String(machine.loadAverage)]
  ]
}

// ---------------------------------------------------------------------------------------------------------------

if (process.argv[2] === CHILD_FLAG && process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await serveAsChild()
}
