import type { EnvOf } from './env.js'

/** Per-client, per-service request limits, counted in the gateway's Redis (config/redis.ts). */

export const RATE_LIMIT_ENV = {
  RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, default: 600 },
  RATE_LIMIT_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:._{}-]{1,64}$', default: 'lgsp:rl:' },
  VERIFY_ATTEMPTS_PER_SUBJECT: { type: 'integer', minimum: 1, maximum: 10000, default: 10 },
  VERIFY_SUBJECT_WINDOW_S: { type: 'integer', minimum: 60, maximum: 2592000, default: 86400 }
} as const

export interface RateLimitConfig {
  /** Redis key prefix of the counters. */
  prefix: string
  /** For a client and grant that set none. */
  defaultPerMinute: number
  /** Verifications of one personal id by one client per window (citizens.verify): the oracle bound. */
  verifyPerSubject: { attempts: number, windowSeconds: number }
}

export function readRateLimit (raw: EnvOf<typeof RATE_LIMIT_ENV>): RateLimitConfig {
  return {
    prefix: raw.RATE_LIMIT_PREFIX,
    defaultPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    verifyPerSubject: { attempts: raw.VERIFY_ATTEMPTS_PER_SUBJECT, windowSeconds: raw.VERIFY_SUBJECT_WINDOW_S }
  }
}
