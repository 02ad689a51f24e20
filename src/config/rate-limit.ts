import type { EnvOf } from './env.js'

/** Per-client, per-service request limits, counted in the gateway's Redis (config/redis.ts). */

export const RATE_LIMIT_ENV = {
  RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, default: 600 },
  RATE_LIMIT_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp:rl:' },
  RATE_LIMIT_LEASE_MAX: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
  RATE_LIMIT_LEASE_PERCENT: { type: 'integer', minimum: 1, maximum: 50, default: 2 },
  VERIFY_ATTEMPTS_PER_SUBJECT: { type: 'integer', minimum: 1, maximum: 10000, default: 10 },
  VERIFY_SUBJECT_WINDOW_S: { type: 'integer', minimum: 60, maximum: 2592000, default: 86400 }
} as const

export interface RateLimitConfig {
  /** Redis key prefix of the counters. */
  prefix: string
  /** For a client and grant that set none. */
  defaultPerMinute: number
  /**
   * Tokens a gateway takes from a window's budget at once: `percent` of the limit, at most `max`, at least 1
   * (rate-limit/leases.ts). `max` 1 asks Redis on every call.
   */
  lease: { max: number, percent: number }
  /** Verifications of one personal id by one client per window (citizens.verify): the oracle bound. */
  verifyPerSubject: { attempts: number, windowSeconds: number }
}

export function readRateLimit (raw: EnvOf<typeof RATE_LIMIT_ENV>): RateLimitConfig {
  return {
    prefix: raw.RATE_LIMIT_PREFIX,
    defaultPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    lease: { max: raw.RATE_LIMIT_LEASE_MAX, percent: raw.RATE_LIMIT_LEASE_PERCENT },
    verifyPerSubject: { attempts: raw.VERIFY_ATTEMPTS_PER_SUBJECT, windowSeconds: raw.VERIFY_SUBJECT_WINDOW_S }
  }
}
