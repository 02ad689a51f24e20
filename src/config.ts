import { envSchema } from 'env-schema'
import { join } from 'node:path'
import type { PopulationClientOptions } from '../adapters/population/client.js'
import type { ProceduresClientOptions } from '../adapters/procedures/client.js'
import { DEFAULT_DATASETS_DIR } from '../adapters/sector/loader.js'
import type { RestUpstreamOptions } from '../adapters/sector/rest-source.js'
import type { NationalPortalClientOptions } from '../adapters/national-portal/client.js'
import { projectRoot } from './paths.js'
import type { RedisNode, RedisTarget } from './redis/target.js'
import type { StoreConfig } from './store/db.js'

/**
 * The gateway's whole configuration, read once from the environment at start and passed down.
 * Nothing else reads process.env. Exported for the tests that check deployment files against it.
 */

export const ENV_SCHEMA = {
  type: 'object',
  properties: {
    HOST: { type: 'string', minLength: 1, default: 'localhost' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, maximum: 10485760, default: 65536 },
    TRUST_PROXY: { type: 'string', maxLength: 1024, default: 'false' },
    DEMO: { type: 'boolean' },
    POPULATION_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
    POPULATION_USERNAME: { type: 'string', minLength: 1 },
    POPULATION_SECRET: { type: 'string', minLength: 8 },
    POPULATION_INTEGRATION_CODE: { type: 'string', minLength: 1, default: 'LGSP' },
    POPULATION_AGENCY_CODE: { type: 'string', minLength: 1, default: 'H23' },
    POPULATION_SERVICE_CODE: { type: 'string', minLength: 1, default: 'LGSP-TRACUU' },
    POPULATION_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 1024, default: 64 },
    POPULATION_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
    POPULATION_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 },
    PROCEDURES_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
    PROCEDURES_API_KEY: { type: 'string', minLength: 8 },
    PROCEDURES_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 1024, default: 32 },
    PROCEDURES_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
    PROCEDURES_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 },
    IDEMPOTENCY_TTL_HOURS: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
    AUTH_ISSUER: { type: 'string', minLength: 1 },
    AUTH_AUDIENCE: { type: 'string', minLength: 1 },
    AUTH_JWKS_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
    AUTH_JWKS_FILE: { type: 'string', minLength: 1 },
    AUTH_JWKS_CACHE_MAX_AGE_MS: { type: 'integer', minimum: 0, default: 600000 },
    AUTH_JWKS_COOLDOWN_MS: { type: 'integer', minimum: 0, default: 30000 },
    AUTH_CLOCK_TOLERANCE_S: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
    AUTH_TOKEN_CACHE_SIZE: { type: 'integer', minimum: 0, maximum: 1000000, default: 10000 },
    AUTH_TOKEN_CACHE_TTL_MS: { type: 'integer', minimum: 0, maximum: 3600000, default: 60000 },
    // the demo token lives 12 h, so never below that by default; at most 30 days
    AUTH_MAX_TOKEN_TTL_S: { type: 'integer', minimum: 60, maximum: 2592000, default: 86400 },
    // refusals of callers without a valid token, per address and minute, before they are refused unheard (429)
    ANON_RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, maximum: 1000000, default: 120 },
    GRANTS_FILE: { type: 'string', minLength: 1 },
    REDIS_URL: { type: 'string', pattern: '^rediss?://[^\\s]+$' },
    // Sentinel and Cluster instead of REDIS_URL: host:port lists, checked by redisTarget below
    REDIS_SENTINELS: { type: 'string', minLength: 1 },
    REDIS_SENTINEL_NAME: { type: 'string', pattern: '^[^\\s]{1,128}$' },
    REDIS_SENTINEL_PASSWORD: { type: 'string', minLength: 1 },
    REDIS_CLUSTER_NODES: { type: 'string', minLength: 1 },
    REDIS_PASSWORD: { type: 'string', minLength: 1 },
    REDIS_TLS: { type: 'boolean' },
    RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, default: 600 },
    RATE_LIMIT_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp:rl:' },
    CACHE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp:cache:' },
    PROCEDURES_CACHE_TTL_S: { type: 'integer', minimum: 0, maximum: 86400, default: 300 },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://[^\\s]+$' },
    DATABASE_SCHEMA: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'public' },
    DATABASE_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
    STORE_DIR: { type: 'string', minLength: 1 },
    AUDIT_MAX_BATCH: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
    GRANTS_CACHE_TTL_MS: { type: 'integer', minimum: 0, maximum: 600000, default: 5000 },
    SECTOR_DATASETS_DIR: { type: 'string', minLength: 1 },
    SECTOR_DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://[^\\s]+$' },
    SECTOR_DATABASE_SCHEMA: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'public' },
    SECTOR_DATABASE_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
    SECTOR_STATEMENT_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 5000 },
    SECTOR_CURSOR_SECRET: { type: 'string', minLength: 16 },
    SYNC_WORKER: { type: 'boolean' },
    SYNC_QUEUE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp' },
    SYNC_CRON: { type: 'string', minLength: 9, default: '0 1 * * *' },
    SYNC_TIMEZONE: { type: 'string', minLength: 1, default: 'Asia/Ho_Chi_Minh' },
    SYNC_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 100, default: 12 },
    SYNC_BACKOFF_MS: { type: 'integer', minimum: 10, maximum: 3600000, default: 5000 },
    SYNC_BATCH_SIZE: { type: 'integer', minimum: 1, maximum: 5000, default: 5000 },
    SYNC_LOCK_MS: { type: 'integer', minimum: 500, maximum: 600000, default: 30000 },
    NATIONAL_PORTAL_URL: { type: 'string', pattern: '^https?://[^\\s]+$' },
    NATIONAL_PORTAL_USERNAME: { type: 'string', minLength: 1 },
    NATIONAL_PORTAL_PASSWORD: { type: 'string', minLength: 8 },
    NATIONAL_PORTAL_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 120000, default: 10000 },
    UPSTREAM_BREAKER_FAILURES: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    UPSTREAM_BREAKER_HALF_OPEN_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
    MAX_EVENT_LOOP_DELAY_MS: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 },
    // off by default: a busy loop is not an overloaded one (a batch, an in-process client), delay is what callers feel
    MAX_EVENT_LOOP_UTILIZATION: { type: 'number', minimum: 0, maximum: 1, default: 0 },
    PRESSURE_SAMPLE_INTERVAL_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
    UPSTREAM_RETRIES: { type: 'integer', minimum: 0, maximum: 5, default: 2 },
    METRICS_ENABLED: { type: 'boolean', default: true }
  },
  // REST sector upstreams are named by the dataset declarations, so their variables are too:
  // SECTOR_UPSTREAM_<NAME>_URL, _API_KEY, _TIMEOUT_MS, _CONNECTIONS (read by sectorUpstreams below).
  // Likewise SYNC_CRON_<SYNC NAME> overrides SYNC_CRON for one sync, e.g. SYNC_CRON_POPULATION_CHANGES.
} as const

interface RawEnv {
  HOST: string
  PORT: number
  LOG_LEVEL: string
  BODY_LIMIT_BYTES: number
  TRUST_PROXY: string
  DEMO?: boolean
  POPULATION_URL?: string
  POPULATION_USERNAME?: string
  POPULATION_SECRET?: string
  POPULATION_INTEGRATION_CODE: string
  POPULATION_AGENCY_CODE: string
  POPULATION_SERVICE_CODE: string
  POPULATION_CONNECTIONS: number
  POPULATION_CONNECT_TIMEOUT_MS: number
  POPULATION_TIMEOUT_MS: number
  PROCEDURES_URL?: string
  PROCEDURES_API_KEY?: string
  PROCEDURES_CONNECTIONS: number
  PROCEDURES_CONNECT_TIMEOUT_MS: number
  PROCEDURES_TIMEOUT_MS: number
  IDEMPOTENCY_TTL_HOURS: number
  AUTH_ISSUER?: string
  AUTH_AUDIENCE?: string
  AUTH_JWKS_URL?: string
  AUTH_JWKS_FILE?: string
  AUTH_JWKS_CACHE_MAX_AGE_MS: number
  AUTH_JWKS_COOLDOWN_MS: number
  AUTH_CLOCK_TOLERANCE_S: number
  AUTH_TOKEN_CACHE_SIZE: number
  AUTH_TOKEN_CACHE_TTL_MS: number
  AUTH_MAX_TOKEN_TTL_S: number
  ANON_RATE_LIMIT_PER_MINUTE: number
  GRANTS_FILE?: string
  REDIS_URL?: string
  REDIS_SENTINELS?: string
  REDIS_SENTINEL_NAME?: string
  REDIS_SENTINEL_PASSWORD?: string
  REDIS_CLUSTER_NODES?: string
  REDIS_PASSWORD?: string
  REDIS_TLS?: boolean
  RATE_LIMIT_PER_MINUTE: number
  RATE_LIMIT_PREFIX: string
  CACHE_PREFIX: string
  PROCEDURES_CACHE_TTL_S: number
  DATABASE_URL?: string
  DATABASE_SCHEMA: string
  DATABASE_POOL_SIZE: number
  STORE_DIR?: string
  AUDIT_MAX_BATCH: number
  GRANTS_CACHE_TTL_MS: number
  SECTOR_DATASETS_DIR?: string
  SECTOR_DATABASE_URL?: string
  SECTOR_DATABASE_SCHEMA: string
  SECTOR_DATABASE_POOL_SIZE: number
  SECTOR_STATEMENT_TIMEOUT_MS: number
  SECTOR_CURSOR_SECRET?: string
  SYNC_WORKER?: boolean
  SYNC_QUEUE_PREFIX: string
  SYNC_CRON: string
  SYNC_TIMEZONE: string
  SYNC_ATTEMPTS: number
  SYNC_BACKOFF_MS: number
  SYNC_BATCH_SIZE: number
  SYNC_LOCK_MS: number
  NATIONAL_PORTAL_URL?: string
  NATIONAL_PORTAL_USERNAME?: string
  NATIONAL_PORTAL_PASSWORD?: string
  NATIONAL_PORTAL_TIMEOUT_MS: number
  UPSTREAM_BREAKER_FAILURES: number
  UPSTREAM_BREAKER_HALF_OPEN_MS: number
  MAX_EVENT_LOOP_DELAY_MS: number
  MAX_EVENT_LOOP_UTILIZATION: number
  PRESSURE_SAMPLE_INTERVAL_MS: number
  UPSTREAM_RETRIES: number
  METRICS_ENABLED: boolean
}

/** The population adapter's options; `url` is empty in demo mode until the simulator is up. */
export type PopulationConfig = PopulationClientOptions

/** The procedures adapter's options; `url` is empty in demo mode until the simulator is up. */
export type ProceduresConfig = ProceduresClientOptions

export interface AuthConfig {
  issuer: string
  audience: string
  /** Exactly one of jwksUrl (fetched, cached, refetched on an unknown kid) and jwksFile (public keys on disk). */
  jwksUrl?: string
  jwksFile?: string
  jwksCacheMaxAgeMs: number
  jwksCooldownMs: number
  clockToleranceSeconds: number
  /** Verified tokens remembered (0 = none) and for how long at most (never past exp or the JWKS cache age). */
  tokenCache: { max: number, ttlMs: number }
  /** The longest a token may live: exp − iat when it has an iat, and exp − now in any case. */
  maxTokenTtlSeconds: number
  /**
   * Failed authentications one caller address (request.ip, so behind TRUST_PROXY) may cause per minute on one
   * gateway; past it, calls from that address are refused with 429 before any token is checked, except with a
   * token this gateway has already verified.
   */
  anonymousPerMinute: number
  /** Clients and grants (JSON or YAML) added to the store at start when not yet registered there. */
  grantsFile?: string
  /** How long a gateway may keep using a client's grants after another gateway changed them. */
  grantsCacheTtlMs: number
}

export interface RateLimitConfig {
  /** Redis for shared counters; without it (demo only) counters are per process. */
  redis?: RedisTarget
  prefix: string
  defaultPerMinute: number
}

/** The response cache of reference data (plugins/app/response-cache.ts); datasets take their TTL from their declaration. */
export interface CacheConfig {
  /** Redis key prefix of kept answers. */
  prefix: string
  /** How long the procedure catalogue's answers are kept; 0 keeps none. */
  proceduresTtlSeconds: number
}

export interface SectorConfig {
  /** Folder of dataset declarations (*.json). */
  datasetsDir: string
  /** The database SQL datasets read by default; the gateway's own store when absent. */
  database?: Extract<StoreConfig, { driver: 'postgres' }>
  statementTimeoutMs: number
  /** Signs list cursors; the same on every gateway behind one load balancer. Random per process when absent (demo). */
  cursorSecret?: string
  /** REST upstreams by the name declarations give in `source.upstream` (lower case). */
  upstreams: Record<string, RestUpstreamOptions>
}

export interface SyncConfig {
  /** Redis holding the queues (the same as the rate limits'); without it syncs are off and say so. */
  redis?: RedisTarget
  /** BullMQ key prefix: every queue of this deployment lives under it. */
  prefix: string
  /** Cron in `timezone`, per sync name; `cron` for syncs not listed. */
  cron: string
  cronBySync: Record<string, string>
  timezone: string
  attempts: number
  /** First retry delay; doubles each attempt. */
  backoffMs: number
  batchSize: number
  /** How long a run's lock lasts without renewal: after a worker dies, another takes the run over this much later. */
  lockMs: number
  /** Run the sync worker inside the gateway process (demo); production runs `npm run worker` apart. */
  embeddedWorker: boolean
  /** The national public-service portal the dossier-status sync pushes to; url empty = not configured. */
  portal: NationalPortalClientOptions
}

/** false, true (every hop), a number of hops, or the proxies' addresses and CIDR ranges. */
export type TrustProxy = boolean | number | string[]

// an IPv4 or IPv6 address, optionally with a /prefix, or one of proxy-addr's names for private ranges
const PROXY_ADDRESS = /^(?:loopback|linklocal|uniquelocal|[0-9.]+(?:\/[0-9]{1,2})?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(?:\/[0-9]{1,3})?)$/

/**
 * TRUST_PROXY: `false` (default: the caller's address is the TCP peer's), `true` (believe X-Forwarded-For from
 * anyone: only when nothing but the proxy can reach the gateway), a hop count (`1`: the load balancer in front), or
 * a comma-separated list of the proxies' addresses/CIDRs (`10.0.0.0/8,loopback`). The address is only logged.
 */
function parseTrustProxy (text: string): TrustProxy {
  const value = text.trim()
  if (value === 'false' || value === '') return false
  if (value === 'true') return true
  if (/^[0-9]+$/.test(value)) return Number(value)
  const entries = value.split(',').map((entry) => entry.trim())
  const bad = entries.find((entry) => !PROXY_ADDRESS.test(entry))
  if (bad !== undefined) {
    throw new ConfigError(`Invalid configuration: TRUST_PROXY must be true, false, a hop count or a list of addresses/CIDRs (got ${JSON.stringify(bad)})`)
  }
  return entries
}

export interface Config {
  host: string
  port: number
  logLevel: string
  bodyLimitBytes: number
  /** Which proxies' X-Forwarded-For is believed for the caller's address (Fastify's trustProxy); false: none. */
  trustProxy: TrustProxy
  /** Demo mode: simulated upstreams on loopback, demo credentials. On when no upstream is configured. */
  demo: boolean
  population: PopulationConfig
  procedures: ProceduresConfig
  /** How long an Idempotency-Key of a write is remembered (and its first answer replayed). */
  idempotencyTtlHours: number
  /** In demo mode the demo issuer, keys and grants are filled in by server.ts. */
  auth: AuthConfig
  rateLimit: RateLimitConfig
  cache: CacheConfig
  store: StoreConfig
  audit: { maxBatch: number }
  sector: SectorConfig
  syncs: SyncConfig
  /** Load shedding: new requests get 503 `overloaded` while the event loop is saturated. */
  pressure: PressureConfig
  /** GET /metrics (Prometheus), open to whoever reaches it: keep it on the operators' network. */
  metrics: { enabled: boolean }
}

/** Load shedding (plugins/external/under-pressure.ts); a threshold of 0 is not checked. */
export interface PressureConfig {
  /** Mean event-loop delay over one sample, in ms, past which new requests are refused. */
  maxEventLoopDelayMs: number
  /** Event-loop utilization (0–1) over one sample past which new requests are refused. */
  maxEventLoopUtilization: number
  sampleIntervalMs: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig (env: NodeJS.ProcessEnv): Config {
  let raw: RawEnv
  try {
    raw = envSchema<RawEnv>({ schema: structuredClone(ENV_SCHEMA), data: env, env: false, dotenv: false })
  } catch (err) {
    const problems = ((err as { errors?: Array<{ instancePath: string, message?: string }> }).errors ?? [])
      .map(({ instancePath, message }) => {
        const name = instancePath.slice(1)
        return `${name} ${message ?? 'is invalid'} (got ${JSON.stringify(env[name])})`
      })
    throw new ConfigError(`Invalid configuration: ${problems.join('; ') || (err as Error).message}`)
  }

  const demo = raw.DEMO ?? raw.POPULATION_URL === undefined
  const redis = redisTarget(raw)
  if (!demo) {
    for (const name of ['POPULATION_URL', 'POPULATION_USERNAME', 'POPULATION_SECRET', 'PROCEDURES_URL', 'PROCEDURES_API_KEY', 'AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
      if (raw[name] === undefined) throw new ConfigError(`Invalid configuration: ${name} is required unless DEMO=true`)
    }
    if (redis === undefined) throw new ConfigError(`Invalid configuration: Redis is required unless DEMO=true: ${ONE_TOPOLOGY}`)
    if ((raw.AUTH_JWKS_URL === undefined) === (raw.AUTH_JWKS_FILE === undefined)) {
      throw new ConfigError('Invalid configuration: set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE')
    }
    if (raw.SECTOR_CURSOR_SECRET === undefined) {
      throw new ConfigError('Invalid configuration: SECTOR_CURSOR_SECRET is required unless DEMO=true (every gateway must accept the others\' cursors)')
    }
    if (raw.DATABASE_URL === undefined && raw.STORE_DIR === undefined) {
      throw new ConfigError('Invalid configuration: DATABASE_URL (PostgreSQL) or STORE_DIR (embedded) is required unless DEMO=true')
    }
  }
  // BullMQ's keys are `<prefix>:{sync-<name>}:<kind>`: a prefix opening with an empty hash tag would hash each
  // key whole, and a queue's scripts would fail with CROSSSLOT
  if (redis?.topology === 'cluster' && /^[^{]*\{\}/.test(raw.SYNC_QUEUE_PREFIX)) {
    throw new ConfigError(`Invalid configuration: SYNC_QUEUE_PREFIX must not hold an empty hash tag {} with REDIS_CLUSTER_NODES (got ${JSON.stringify(raw.SYNC_QUEUE_PREFIX)})`)
  }
  if (raw.DATABASE_URL !== undefined && raw.STORE_DIR !== undefined) {
    throw new ConfigError('Invalid configuration: set DATABASE_URL or STORE_DIR, not both')
  }

  // every upstream's circuit breaker and retries (adapters/shared/resilience.ts)
  const resilience = { breakerFailures: raw.UPSTREAM_BREAKER_FAILURES, breakerHalfOpenAfterMs: raw.UPSTREAM_BREAKER_HALF_OPEN_MS, retries: raw.UPSTREAM_RETRIES }
  return {
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    demo,
    population: {
      url: raw.POPULATION_URL ?? '',
      username: raw.POPULATION_USERNAME ?? '',
      secret: raw.POPULATION_SECRET ?? '',
      integrationCode: raw.POPULATION_INTEGRATION_CODE,
      agencyCode: raw.POPULATION_AGENCY_CODE,
      serviceCode: raw.POPULATION_SERVICE_CODE,
      connections: raw.POPULATION_CONNECTIONS,
      connectTimeoutMs: raw.POPULATION_CONNECT_TIMEOUT_MS,
      timeoutMs: raw.POPULATION_TIMEOUT_MS,
      resilience
    },
    procedures: {
      url: raw.PROCEDURES_URL ?? '',
      apiKey: raw.PROCEDURES_API_KEY ?? '',
      connections: raw.PROCEDURES_CONNECTIONS,
      connectTimeoutMs: raw.PROCEDURES_CONNECT_TIMEOUT_MS,
      timeoutMs: raw.PROCEDURES_TIMEOUT_MS,
      resilience
    },
    idempotencyTtlHours: raw.IDEMPOTENCY_TTL_HOURS,
    auth: {
      issuer: raw.AUTH_ISSUER ?? '',
      audience: raw.AUTH_AUDIENCE ?? '',
      ...(raw.AUTH_JWKS_URL === undefined ? {} : { jwksUrl: raw.AUTH_JWKS_URL }),
      ...(raw.AUTH_JWKS_FILE === undefined ? {} : { jwksFile: raw.AUTH_JWKS_FILE }),
      jwksCacheMaxAgeMs: raw.AUTH_JWKS_CACHE_MAX_AGE_MS,
      jwksCooldownMs: raw.AUTH_JWKS_COOLDOWN_MS,
      clockToleranceSeconds: raw.AUTH_CLOCK_TOLERANCE_S,
      tokenCache: { max: raw.AUTH_TOKEN_CACHE_SIZE, ttlMs: raw.AUTH_TOKEN_CACHE_TTL_MS },
      maxTokenTtlSeconds: raw.AUTH_MAX_TOKEN_TTL_S,
      anonymousPerMinute: raw.ANON_RATE_LIMIT_PER_MINUTE,
      ...(raw.GRANTS_FILE === undefined ? {} : { grantsFile: raw.GRANTS_FILE }),
      grantsCacheTtlMs: raw.GRANTS_CACHE_TTL_MS
    },
    rateLimit: {
      ...(redis === undefined ? {} : { redis }),
      prefix: raw.RATE_LIMIT_PREFIX,
      defaultPerMinute: raw.RATE_LIMIT_PER_MINUTE
    },
    cache: { prefix: raw.CACHE_PREFIX, proceduresTtlSeconds: raw.PROCEDURES_CACHE_TTL_S },
    store: raw.DATABASE_URL !== undefined
      ? { driver: 'postgres', url: raw.DATABASE_URL, schema: raw.DATABASE_SCHEMA, poolSize: raw.DATABASE_POOL_SIZE }
      // the demo keeps its embedded store between runs, next to its key
      : { driver: 'pglite', dataDir: raw.STORE_DIR ?? join(projectRoot, '.demo', 'store') },
    audit: { maxBatch: raw.AUDIT_MAX_BATCH },
    pressure: {
      maxEventLoopDelayMs: raw.MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: raw.MAX_EVENT_LOOP_UTILIZATION,
      sampleIntervalMs: raw.PRESSURE_SAMPLE_INTERVAL_MS
    },
    sector: {
      datasetsDir: raw.SECTOR_DATASETS_DIR ?? DEFAULT_DATASETS_DIR,
      ...(raw.SECTOR_DATABASE_URL === undefined
        ? {}
        : { database: { driver: 'postgres', url: raw.SECTOR_DATABASE_URL, schema: raw.SECTOR_DATABASE_SCHEMA, poolSize: raw.SECTOR_DATABASE_POOL_SIZE } }),
      statementTimeoutMs: raw.SECTOR_STATEMENT_TIMEOUT_MS,
      ...(raw.SECTOR_CURSOR_SECRET === undefined ? {} : { cursorSecret: raw.SECTOR_CURSOR_SECRET }),
      upstreams: Object.fromEntries(Object.entries(sectorUpstreams(env)).map(([name, options]) => [name, { ...options, resilience }]))
    },
    syncs: {
      ...(redis === undefined ? {} : { redis }),
      prefix: raw.SYNC_QUEUE_PREFIX,
      cron: raw.SYNC_CRON,
      cronBySync: Object.fromEntries(Object.entries(env).flatMap(([name, value]) => {
        const match = /^SYNC_CRON_([A-Z0-9_]+)$/.exec(name)
        return match === null || value === undefined ? [] : [[(match[1] as string).toLowerCase().replaceAll('_', '-'), value]]
      })),
      timezone: raw.SYNC_TIMEZONE,
      attempts: raw.SYNC_ATTEMPTS,
      backoffMs: raw.SYNC_BACKOFF_MS,
      batchSize: raw.SYNC_BATCH_SIZE,
      lockMs: raw.SYNC_LOCK_MS,
      embeddedWorker: raw.SYNC_WORKER ?? demo,
      portal: {
        url: raw.NATIONAL_PORTAL_URL ?? '',
        username: raw.NATIONAL_PORTAL_USERNAME ?? '',
        password: raw.NATIONAL_PORTAL_PASSWORD ?? '',
        connections: 4,
        connectTimeoutMs: Math.min(raw.NATIONAL_PORTAL_TIMEOUT_MS, 2000),
        timeoutMs: raw.NATIONAL_PORTAL_TIMEOUT_MS,
        resilience
      }
    },
    metrics: { enabled: raw.METRICS_ENABLED }
  }
}

const ONE_TOPOLOGY = 'set REDIS_URL (one node), or REDIS_SENTINELS with REDIS_SENTINEL_NAME (Sentinel), or REDIS_CLUSTER_NODES (Cluster)'

type RedisEnv = Pick<RawEnv, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_SENTINEL_PASSWORD' | 'REDIS_CLUSTER_NODES' | 'REDIS_PASSWORD' | 'REDIS_TLS'>

function invalid (problem: string): never {
  throw new ConfigError(`Invalid configuration: ${problem}`)
}

/**
 * The one Redis topology configured, if any. Variables of two topologies, or a topology's setting without the
 * topology, are refused rather than one silently winning: the operator meant something else than what would run.
 */
function redisTarget (raw: RedisEnv): RedisTarget | undefined {
  const set = (names: ReadonlyArray<keyof RedisEnv>): string[] => names.filter((name) => raw[name] !== undefined)
  const topologies = [set(['REDIS_URL']), set(['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME']), set(['REDIS_CLUSTER_NODES'])]
    .filter((names) => names.length > 0)
  if (topologies.length > 1) invalid(`${topologies.map((names) => names.join(' with ')).join(' and ')} configure two Redis topologies; ${ONE_TOPOLOGY}`)

  if (raw.REDIS_URL !== undefined) {
    const misplaced = set(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_TLS'])
    if (misplaced.length > 0) invalid(`${misplaced.join(', ')} cannot be used with REDIS_URL (they are for Sentinel and Cluster): put the password in the URL (redis://:password@host:6379) and use rediss:// for TLS`)
    return { topology: 'single', url: raw.REDIS_URL }
  }
  if (raw.REDIS_SENTINELS !== undefined || raw.REDIS_SENTINEL_NAME !== undefined) {
    if (raw.REDIS_SENTINELS === undefined) invalid('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (the sentinels\' host:port list)')
    if (raw.REDIS_SENTINEL_NAME === undefined) invalid('REDIS_SENTINELS is set without REDIS_SENTINEL_NAME (the master group name the sentinels monitor)')
    return {
      topology: 'sentinel',
      sentinels: redisNodes('REDIS_SENTINELS', raw.REDIS_SENTINELS),
      name: raw.REDIS_SENTINEL_NAME,
      ...(raw.REDIS_PASSWORD === undefined ? {} : { password: raw.REDIS_PASSWORD }),
      ...(raw.REDIS_SENTINEL_PASSWORD === undefined ? {} : { sentinelPassword: raw.REDIS_SENTINEL_PASSWORD }),
      tls: raw.REDIS_TLS ?? false
    }
  }
  if (raw.REDIS_CLUSTER_NODES !== undefined) {
    if (raw.REDIS_SENTINEL_PASSWORD !== undefined) invalid('REDIS_SENTINEL_PASSWORD applies to Sentinel only, not with REDIS_CLUSTER_NODES')
    return {
      topology: 'cluster',
      nodes: redisNodes('REDIS_CLUSTER_NODES', raw.REDIS_CLUSTER_NODES),
      ...(raw.REDIS_PASSWORD === undefined ? {} : { password: raw.REDIS_PASSWORD }),
      tls: raw.REDIS_TLS ?? false
    }
  }
  const orphans = set(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_TLS'])
  if (orphans.length > 0) invalid(`${orphans.join(', ')} set without a Redis topology: ${ONE_TOPOLOGY}`)
  return undefined
}

/** A host or IPv4 address, or an IPv6 address in brackets, then a port: `redis-1:26379`, `[fd00::1]:6379`. */
const NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)):([0-9]{1,5})$/

/** `a:1, b:2` → [{host: 'a', port: 1}, {host: 'b', port: 2}]; anything else names the variable and the entry. */
function redisNodes (variable: string, list: string): RedisNode[] {
  return list.split(',').map((entry) => {
    const match = NODE.exec(entry.trim())
    const port = Number(match?.[3])
    if (match === null || port < 1 || port > 65535) {
      invalid(`${variable} must be a comma-separated list of host:port (port 1-65535), e.g. redis-1:26379,redis-2:26379 (got ${JSON.stringify(entry.trim())} in ${JSON.stringify(list)})`)
    }
    return { host: match[1] ?? match[2] ?? '', port }
  })
}

const UPSTREAM_VARIABLE = /^SECTOR_UPSTREAM_([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*?)_(URL|API_KEY|TIMEOUT_MS|CONNECTIONS)$/

/** SECTOR_UPSTREAM_HEALTH_URL=… → upstreams.health.url; every upstream named needs a URL. */
export function sectorUpstreams (env: NodeJS.ProcessEnv): Record<string, RestUpstreamOptions> {
  const found = new Map<string, Partial<Record<string, string>>>()
  for (const [name, value] of Object.entries(env)) {
    const match = UPSTREAM_VARIABLE.exec(name)
    if (match === null || value === undefined) continue
    const [, upstream, setting] = match as unknown as [string, string, string]
    found.set(upstream, { ...found.get(upstream), [setting]: value })
  }
  const upstreams: Record<string, RestUpstreamOptions> = {}
  for (const [upstream, settings] of found) {
    const variable = (setting: string): string => `SECTOR_UPSTREAM_${upstream}_${setting}`
    const { URL: url, API_KEY: apiKey, TIMEOUT_MS: timeout = '5000', CONNECTIONS: connections = '8' } = settings
    if (url === undefined || !/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError(`Invalid configuration: ${variable('URL')} must be an http(s) URL (got ${JSON.stringify(url)})`)
    const integer = (text: string, setting: string, max: number): number => {
      const value = Number(text)
      if (!Number.isInteger(value) || value < 1 || value > max) throw new ConfigError(`Invalid configuration: ${variable(setting)} must be an integer from 1 to ${max} (got ${JSON.stringify(text)})`)
      return value
    }
    upstreams[upstream.toLowerCase()] = {
      url,
      ...(apiKey === undefined ? {} : { apiKey }),
      timeoutMs: integer(timeout, 'TIMEOUT_MS', 120_000),
      connections: integer(connections, 'CONNECTIONS', 1024)
    }
  }
  return upstreams
}
