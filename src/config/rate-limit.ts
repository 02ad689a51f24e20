import type { EnvOf } from './env.js'

/** Per-client, per-service request limits, counted in the gateway's Redis (config/redis.ts). */

export const RATE_LIMIT_ENV = {
  RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, default: 600 },
  RATE_LIMIT_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp:rl:' }
} as const

export interface RateLimitConfig {
  /** Redis key prefix of the counters. */
  prefix: string
  /** For a client and grant that set none. */
  defaultPerMinute: number
}

export function readRateLimit (raw: EnvOf<typeof RATE_LIMIT_ENV>): RateLimitConfig {
  return { prefix: raw.RATE_LIMIT_PREFIX, defaultPerMinute: raw.RATE_LIMIT_PER_MINUTE }
}
