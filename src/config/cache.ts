import type { EnvOf } from './env.js'

/** The response cache of reference data (plugins/app/response-cache.ts); datasets take their TTL from their declaration. */

export const CACHE_ENV = {
  CACHE_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp:cache:' },
  PROCEDURES_CACHE_TTL_S: { type: 'integer', minimum: 0, maximum: 86400, default: 300 }
} as const

export interface CacheConfig {
  /** Redis key prefix of kept answers. */
  prefix: string
  /** How long the procedure catalogue's answers are kept; 0 keeps none. */
  proceduresTtlSeconds: number
}

export function readCache (raw: EnvOf<typeof CACHE_ENV>): CacheConfig {
  return { prefix: raw.CACHE_PREFIX, proceduresTtlSeconds: raw.PROCEDURES_CACHE_TTL_S }
}
