import { spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import pg from 'pg'
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import type { Logger } from 'pino'
import { startPopulationSimulator, type PopulationSimulator } from '../adapters/population/simulator.js'
import { startProceduresSimulator, type ProceduresSimulator } from '../adapters/procedures/simulator.js'
import { seedSectorTables } from '../adapters/sector/seed.js'
import { startSectorRestSimulator, type SectorRestSimulator } from '../adapters/sector/simulator.js'
import { buildApp } from '../src/app.js'
import type { Client } from '../src/auth/grants.js'
import { signClientToken } from '../src/auth/sign-token.js'
import { loadConfig, type Config } from '../src/config/index.js'
import { projectRoot } from '../src/paths.js'
import { startPrivateRedis } from '../src/private-redis.js'
import { openDb } from '../src/store/db.js'
import { migrate, readMigrations } from '../src/store/migrate.js'

/**
 * Test scaffolding: a gateway built against its own simulator (ephemeral loopback port), its own JWKS and
 * grants files, and a real Redis under its own key prefix — all removed by teardown.
 */

interface Teardown {
  teardown (fn: () => unknown): void
}

export const TEST_CREDENTIALS = { username: 'lgsp-test', secret: 'test-secret-not-for-production' }
export const TEST_PROCEDURES_KEY = 'procedures-test-key-not-for-production'
export const TEST_SECTOR_KEY = 'sector-test-key-not-for-production'
export const ISSUER = 'https://idp.test.lgsp.local'
export const AUDIENCE = 'lgsp-gateway-test'

export const TEST_CLIENTS: Client[] = [
  {
    clientId: 'VN.TEST.FULL',
    name: 'Client granted every citizen field',
    status: 'active',
    grants: [{ service: 'citizens.read', purposes: ['TTHC'] }, { service: 'citizens.verify', purposes: ['TTHC'], mismatchDetail: true }]
  },
  {
    clientId: 'VN.TEST.LIMITED',
    name: 'Client granted name and birth date only',
    status: 'active',
    grants: [{ service: 'citizens.read', purposes: ['TTHC', 'BHXH'], fields: ['fullName', 'dateOfBirth'] }]
  },
  { clientId: 'VN.TEST.VERIFY', name: 'Health app', status: 'active', grants: [{ service: 'citizens.verify', purposes: ['KCB'], rateLimitPerMinute: 3 }] },
  { clientId: 'VN.TEST.ADMIN', name: 'Administrators', status: 'active', admin: true, grants: [] },
  {
    clientId: 'VN.TEST.MOTCUA',
    name: 'One-stop system',
    status: 'active',
    grants: [
      { service: 'procedures.read' },
      { service: 'dossiers.read', purposes: ['TTHC'] },
      { service: 'dossiers.write', purposes: ['TTHC'] }
    ]
  },
  { clientId: 'VN.TEST.SUSPENDED', name: 'Retired system', status: 'suspended', grants: [{ service: 'citizens.read', purposes: ['TTHC'] }] }
]

export interface SigningKey {
  alg: 'RS256' | 'ES256' | 'EdDSA'
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

let keysMade: Promise<SigningKey[]> | undefined
/** One key per accepted algorithm, made once per test process. */
export async function signingKeys (): Promise<SigningKey[]> {
  keysMade ??= Promise.all((['RS256', 'ES256', 'EdDSA'] as const).map(async (alg) => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    const kid = `test-${alg.toLowerCase()}`
    return { alg, kid, privateKey, publicJwk: { ...await exportJWK(publicKey), kid, alg, use: 'sig' } }
  }))
  return await keysMade
}

export function jwksOf (keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) }
}

export interface TokenOptions {
  clientId?: string
  scopes?: string[]
  alg?: SigningKey['alg']
  ttlSeconds?: number
}

export async function signTestToken (options: TokenOptions = {}): Promise<string> {
  const key = (await signingKeys()).find((candidate) => candidate.alg === (options.alg ?? 'RS256')) as SigningKey
  return await signClientToken({
    clientId: options.clientId ?? 'VN.TEST.FULL',
    scopes: options.scopes ?? ['citizens.read', 'citizens.verify'],
    issuer: ISSUER,
    audience: AUDIENCE,
    key: key.privateKey,
    kid: key.kid,
    alg: key.alg,
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds })
  })
}

/** Redis for a test: TEST_REDIS_URL, or a private redis-server for this test; a clear failure when neither exists. */
export async function testRedisUrl (t: Teardown): Promise<string> {
  if (process.env.TEST_REDIS_URL !== undefined) return process.env.TEST_REDIS_URL
  const redis = await startPrivateRedis()
  if (redis === undefined) {
    throw new Error('These tests need Redis: set TEST_REDIS_URL=redis://… or install redis-server (Debian: apt-get install redis-server; macOS: brew install redis)')
  }
  t.teardown(() => redis.stop())
  return redis.url
}

/** A unique key prefix, deleted with everything under it at teardown. */
export async function redisPrefix (t: Teardown, url: string): Promise<string> {
  const prefix = `lgsp:test:${randomUUID()}:`
  t.teardown(async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await redis.connect()
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
    } catch {
      // Redis stopped by the test itself: nothing left to clean
    } finally {
      redis.disconnect()
    }
  })
  return prefix
}

export async function tempFiles (t: Teardown, files: Record<string, string>): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'lgsp-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const paths: Record<string, string> = {}
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name)
    await writeFile(paths[name], content)
  }
  return paths
}

/** The variables every production-shaped test configuration (demo off) shares, on this population simulator. */
export function productionEnv (populationUrl: string): Record<string, string> {
  return {
    DEMO: 'false',
    LOG_LEVEL: 'silent',
    POPULATION_URL: populationUrl,
    POPULATION_USERNAME: TEST_CREDENTIALS.username,
    POPULATION_SECRET: TEST_CREDENTIALS.secret,
    PROCEDURES_URL: 'http://127.0.0.1:9/api',
    PROCEDURES_API_KEY: TEST_PROCEDURES_KEY,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    SECTOR_CURSOR_SECRET: 'sector-cursor-secret-for-tests',
    SECTOR_UPSTREAM_HEALTH_URL: 'http://127.0.0.1:9/api',
    SECTOR_UPSTREAM_HEALTH_API_KEY: TEST_SECTOR_KEY
  }
}

/** A production-shaped config (demo off) for the given endpoints and files. */
export function testConfig (populationUrl: string, env: Record<string, string> = {}): Config {
  const jwks = env.AUTH_JWKS_URL === undefined ? { AUTH_JWKS_FILE: env.AUTH_JWKS_FILE ?? '/nonexistent/jwks.json' } : {}
  return loadConfig({
    ...productionEnv(populationUrl),
    POPULATION_TIMEOUT_MS: '1000',
    PROCEDURES_TIMEOUT_MS: '1000',
    REDIS_URL: 'redis://127.0.0.1:6379',
    SECTOR_UPSTREAM_HEALTH_TIMEOUT_MS: '1000',
    ...(env.DATABASE_URL === undefined ? { STORE_DIR: '/nonexistent/store' } : {}),
    ...env,
    ...jwks
  })
}

/** A PostgreSQL schema of its own on TEST_DATABASE_URL, dropped at teardown. */
export async function postgresSchema (t: Teardown, url: string): Promise<string> {
  const schema = `test_${randomUUID().replaceAll('-', '')}`
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    } finally {
      await client.end()
    }
  })
  return schema
}

// Embedded databases are a thousand small files: on tmpfs a copy takes milliseconds, on disk a second or more.
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

let pgliteTemplate: Promise<string> | undefined
/**
 * A PGlite data directory of its own, copied from a migrated template. Creating an embedded database runs
 * initdb (seconds); opening a copy takes a fraction of that. The template is shared by every test process,
 * keyed by the migrations' content, and made atomically (the first rename wins).
 */
export async function pgliteDir (t: Teardown): Promise<string> {
  pgliteTemplate ??= (async () => {
    const migrations = await readMigrations()
    const key = createHash('sha256').update(migrations.map((migration) => migration.checksum).join()).digest('hex').slice(0, 16)
    const template = join(SCRATCH, `lgsp-pglite-template-${key}`)
    if (existsSync(template)) return template
    const building = await mkdtemp(join(SCRATCH, 'lgsp-pglite-building-'))
    const db = await openDb({ driver: 'pglite', dataDir: building })
    await migrate(db)
    await db.close()
    try {
      await rename(building, template)
    } catch {
      await rm(building, { recursive: true, force: true }) // another test process made it first
    }
    return template
  })()
  const template = await pgliteTemplate
  const dir = await mkdtemp(join(SCRATCH, 'lgsp-pglite-'))
  await cp(template, dir, { recursive: true })
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The store for one test: its own schema on TEST_DATABASE_URL when set (CI), else its own embedded PGlite. */
export async function testStoreEnv (t: Teardown): Promise<Record<string, string>> {
  const url = process.env.TEST_DATABASE_URL
  if (url !== undefined) return { DATABASE_URL: url, DATABASE_SCHEMA: await postgresSchema(t, url) }
  return { STORE_DIR: await pgliteDir(t) }
}

export async function startSimulator (t: Teardown, options: { size?: number, seed?: number } = {}): Promise<PopulationSimulator> {
  const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, ...options })
  t.teardown(() => simulator.close())
  return simulator
}

export interface TestGateway {
  app: FastifyInstance
  simulator: PopulationSimulator
  procedures: ProceduresSimulator
  /** The health-facility register behind the REST dataset health/facilities. */
  sectorRest: SectorRestSimulator
  redisUrl: string
  /** The store settings it uses: pass them in `env` to build a second gateway on the same store. */
  storeEnv: Record<string, string>
  /** Authorization and X-Purpose headers for a client (defaults: VN.TEST.FULL, purpose TTHC). */
  headers (options?: TokenOptions & { purpose?: string | null }): Promise<Record<string, string>>
}

export interface TestGatewayOptions {
  env?: Record<string, string>
  logger?: Logger
  clients?: Client[]
  /** Create and fill the land and enterprise tables in the gateway's store (the SQL datasets read them). */
  seedSector?: boolean
}

export async function buildTestGateway (t: Teardown, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const simulator = await startSimulator(t)
  const procedures = await startProceduresSimulator({ apiKey: TEST_PROCEDURES_KEY, population: simulator.population })
  t.teardown(() => procedures.close())
  const sectorRest = await startSectorRestSimulator({ apiKey: TEST_SECTOR_KEY })
  t.teardown(() => sectorRest.close())
  // a gateway may be given another one's Redis (gateways sharing state); otherwise the test's own
  const redisUrl = options.env?.REDIS_URL ?? await testRedisUrl(t)
  const files = await tempFiles(t, {
    'jwks.json': JSON.stringify(jwksOf(await signingKeys())),
    'grants.json': JSON.stringify({ clients: options.clients ?? TEST_CLIENTS })
  })
  const given = Object.fromEntries(Object.entries(options.env ?? {}).filter(([name]) => ['DATABASE_URL', 'DATABASE_SCHEMA', 'STORE_DIR'].includes(name)))
  const storeEnv = Object.keys(given).length > 0 ? given : await testStoreEnv(t)
  const config = testConfig(simulator.url, {
    ...storeEnv,
    PROCEDURES_URL: procedures.url,
    SECTOR_UPSTREAM_HEALTH_URL: sectorRest.url,
    ...(options.env?.AUTH_JWKS_URL === undefined ? { AUTH_JWKS_FILE: files['jwks.json'] as string } : {}),
    GRANTS_FILE: files['grants.json'] as string,
    REDIS_URL: redisUrl,
    RATE_LIMIT_PREFIX: await redisPrefix(t, redisUrl),
    CACHE_PREFIX: await redisPrefix(t, redisUrl),
    SYNC_QUEUE_PREFIX: await redisPrefix(t, redisUrl),
    ...options.env
  })
  const app = await buildApp(config, options.logger === undefined ? {} : { logger: options.logger })
  t.teardown(() => app.close())
  if (options.seedSector === true) await seedSectorTables(app.store)
  return {
    app,
    simulator,
    procedures,
    sectorRest,
    redisUrl,
    storeEnv,
    async headers (tokenOptions = {}) {
      const { purpose = 'TTHC', ...rest } = tokenOptions
      return {
        authorization: `Bearer ${await signTestToken(rest)}`,
        ...(purpose === null ? {} : { 'x-purpose': purpose })
      }
    }
  }
}

/** A node process of a test, killed at teardown. */
export interface NodeProcess {
  name: string
  pid: number
  output: () => string
  signal: (signal: NodeJS.Signals) => void
  exited: Promise<[number | null, NodeJS.Signals | null]>
  /** SIGKILL, and wait for the exit. */
  kill: () => Promise<void>
}

/** `node <args>` with exactly `env` (nothing inherited), started once its output matches `ready`; SIGKILLed at teardown. */
export async function startNodeProcess (t: Teardown, options: { name: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs?: number }): Promise<NodeProcess & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, options.args, { cwd: projectRoot, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  let match: RegExpExecArray | null
  while ((match = options.ready.exec(output)) === null) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${options.name} did not start: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { name: options.name, pid: child.pid as number, output: () => output, signal: (signal) => { child.kill(signal) }, exited, kill, match }
}

/** A real gateway process (src/server.ts under this test's TypeScript loader), for tests about processes and signals. */
export interface GatewayProcess extends NodeProcess {
  url: string
}

export const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:[0-9]+)/

export async function startGatewayProcess (t: Teardown, env: Record<string, string>): Promise<GatewayProcess> {
  const started = await startNodeProcess(t, {
    name: 'gateway',
    args: [...process.execArgv, join(projectRoot, 'src/server.ts')],
    env: { PATH: process.env.PATH ?? '', ...env },
    ready: LISTENING
  })
  return { ...started, url: started.match[1] as string }
}

/**
 * The environment of a production-shaped gateway process (demo off) on these simulators, with test keys and
 * clients, a real Redis under prefixes of its own, and a store of its own.
 */
export async function gatewayProcessEnv (t: Teardown, upstreams: { populationUrl: string, proceduresUrl: string }): Promise<Record<string, string>> {
  const redisUrl = await testRedisUrl(t)
  const files = await tempFiles(t, {
    'jwks.json': JSON.stringify(jwksOf(await signingKeys())),
    'grants.json': JSON.stringify({ clients: TEST_CLIENTS })
  })
  return {
    ...productionEnv(upstreams.populationUrl),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    PROCEDURES_URL: upstreams.proceduresUrl,
    AUTH_JWKS_FILE: files['jwks.json'] as string,
    GRANTS_FILE: files['grants.json'] as string,
    REDIS_URL: redisUrl,
    RATE_LIMIT_PREFIX: await redisPrefix(t, redisUrl),
    SYNC_QUEUE_PREFIX: await redisPrefix(t, redisUrl),
    CACHE_PREFIX: await redisPrefix(t, redisUrl),
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...await testStoreEnv(t)
  }
}
