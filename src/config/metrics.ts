import type { EnvOf } from './env.js'

/** GET /metrics (Prometheus), open to whoever reaches it: keep it on the operators' network. */

export const METRICS_ENV = {
  METRICS_ENABLED: { type: 'boolean', default: true }
} as const

export interface MetricsConfig {
  enabled: boolean
}

export function readMetrics (raw: EnvOf<typeof METRICS_ENV>): MetricsConfig {
  return { enabled: raw.METRICS_ENABLED }
}
