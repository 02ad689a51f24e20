import { envSchema } from 'env-schema'
import { AUDIT_ENV, readAudit, type AuditConfig } from './audit.js'
import { AUTH_ENV, readAuth, type AuthConfig } from './auth.js'
import { CACHE_ENV, readCache, type CacheConfig } from './cache.js'
import { CATEGORIES_ENV, readCategories, type CategoriesConfig } from './categories.js'
import { ConfigError, type EnvOf } from './env.js'
import { METRICS_ENV, readMetrics, type MetricsConfig } from './metrics.js'
import { POPULATION_ENV, readPopulation, type PopulationConfig } from './population.js'
import { PRESSURE_ENV, readPressure, type PressureConfig } from './pressure.js'
import { PROCEDURES_ENV, readProcedures, type ProceduresConfig } from './procedures.js'
import { PUBLISHED_ENV, readPublished, type PublishedConfig } from './published.js'
import { RATE_LIMIT_ENV, readRateLimit, type RateLimitConfig } from './rate-limit.js'
import { readRedis, REDIS_ENV, type RedisConfig } from './redis.js'
import { readResilience, RESILIENCE_ENV } from './resilience.js'
import { readSector, SECTOR_ENV, type SectorConfig } from './sector.js'
import { readServer, SERVER_ENV, type ServerConfig } from './server.js'
import { readSigning, SIGNING_ENV, type SigningConfig } from './signing.js'
import { readStore, STORE_ENV, type StoreConfig } from './store.js'
import { readSyncs, SYNCS_ENV, type SyncConfig } from './syncs.js'

/**
 * The gateway's whole configuration, read once from the environment at start and passed down. Nothing else reads
 * process.env. Each subsystem's module declares its variables and builds its part; this one validates them all
 * at once (so every bad variable is named together) and puts the parts together.
 */

export { ConfigError }
export type { AuditConfig, AuthConfig, CacheConfig, CategoriesConfig, MetricsConfig, PopulationConfig, PressureConfig, ProceduresConfig, PublishedConfig, RateLimitConfig, RedisConfig, SectorConfig, ServerConfig, SigningConfig, StoreConfig, SyncConfig }
export type { TrustProxy } from './server.js'

const MODE_ENV = {
  /** Demo mode: simulated upstreams on loopback, demo credentials. On when no upstream is configured. */
  DEMO: { type: 'boolean' }
} as const

/** Every variable the gateway reads by a fixed name. Exported for the tests that check deployment files against it. */
export const ENV_SCHEMA = {
  type: 'object',
  properties: {
    ...SERVER_ENV,
    ...MODE_ENV,
    ...POPULATION_ENV,
    ...PROCEDURES_ENV,
    ...AUTH_ENV,
    ...REDIS_ENV,
    ...RATE_LIMIT_ENV,
    ...CACHE_ENV,
    ...STORE_ENV,
    ...AUDIT_ENV,
    ...SIGNING_ENV,
    ...SECTOR_ENV,
    ...CATEGORIES_ENV,
    ...PUBLISHED_ENV,
    ...SYNCS_ENV,
    ...RESILIENCE_ENV,
    ...PRESSURE_ENV,
    ...METRICS_ENV
  }
} as const

type RawEnv = EnvOf<typeof ENV_SCHEMA.properties>

export interface Config extends ServerConfig {
  /** Demo mode: simulated upstreams on loopback, demo credentials. On when no upstream is configured. */
  demo: boolean
  population: PopulationConfig
  procedures: ProceduresConfig
  /** In demo mode the demo issuer, keys and grants are filled in by server.ts. */
  auth: AuthConfig
  /** The one Redis of the deployment: rate-limit counters, kept answers, the sync queues. */
  redis: RedisConfig
  rateLimit: RateLimitConfig
  cache: CacheConfig
  store: StoreConfig
  audit: AuditConfig
  /** The gateway's own key: audit checkpoints, archives, signed responses. */
  signing: SigningConfig
  sector: SectorConfig
  /** Shared categories: their declarations, caching, and whether reads are audited. */
  categories: CategoriesConfig
  /** Agencies' APIs published by declaration (services/). */
  published: PublishedConfig
  syncs: SyncConfig
  /** Load shedding: new requests get 503 `overloaded` while the event loop is saturated. */
  pressure: PressureConfig
  /** GET /metrics (Prometheus), open to whoever reaches it: keep it on the operators' network. */
  metrics: MetricsConfig
}

function validate (env: NodeJS.ProcessEnv): RawEnv {
  try {
    return envSchema<RawEnv>({ schema: structuredClone(ENV_SCHEMA), data: env, env: false, dotenv: false })
  } catch (err) {
    const problems = ((err as { errors?: Array<{ instancePath: string, message?: string }> }).errors ?? [])
      .map(({ instancePath, message }) => {
        const name = instancePath.slice(1)
        return `${name} ${message ?? 'is invalid'} (got ${JSON.stringify(env[name])})`
      })
    throw new ConfigError(`Invalid configuration: ${problems.join('; ') || (err as Error).message}`)
  }
}

export function loadConfig (env: NodeJS.ProcessEnv): Config {
  const raw = validate(env)
  const demo = raw.DEMO ?? raw.POPULATION_URL === undefined
  const resilience = readResilience(raw)
  // in this order, so that a production config missing several things names the upstreams' first
  const population = readPopulation(raw, { demo, resilience })
  const procedures = readProcedures(raw, { demo, resilience })
  const auth = readAuth(raw, { demo })
  const redis = readRedis(raw, { demo })
  const sector = readSector(raw, env, { demo, resilience })
  const store = readStore(raw, { demo })
  const syncs = readSyncs(raw, env, { demo, redis: redis.target, resilience })
  return {
    ...readServer(raw),
    demo,
    population,
    procedures,
    auth,
    redis,
    rateLimit: readRateLimit(raw),
    cache: readCache(raw),
    store,
    audit: readAudit(raw),
    signing: readSigning(raw, { demo }),
    sector,
    categories: readCategories(raw),
    published: readPublished(raw, env, { resilience }),
    syncs,
    pressure: readPressure(raw),
    metrics: readMetrics(raw)
  }
}
