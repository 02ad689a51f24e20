import type { EnvOf } from './env.js'

/** Every upstream's circuit breaker and retries (adapters/shared/resilience.ts): one setting for all of them. */

export const RESILIENCE_ENV = {
  UPSTREAM_BREAKER_FAILURES: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
  UPSTREAM_BREAKER_HALF_OPEN_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
  UPSTREAM_RETRIES: { type: 'integer', minimum: 0, maximum: 5, default: 2 }
} as const

/** The part of an adapter's ResilienceOptions the environment sets. */
export interface UpstreamResilience {
  breakerFailures: number
  breakerHalfOpenAfterMs: number
  retries: number
}

export function readResilience (raw: EnvOf<typeof RESILIENCE_ENV>): UpstreamResilience {
  return { breakerFailures: raw.UPSTREAM_BREAKER_FAILURES, breakerHalfOpenAfterMs: raw.UPSTREAM_BREAKER_HALF_OPEN_MS, retries: raw.UPSTREAM_RETRIES }
}
