import type { EnvOf } from './env.js'

/** Load shedding (plugins/external/under-pressure.ts): new requests get 503 `overloaded` while the event loop is saturated. */

export const PRESSURE_ENV = {
  MAX_EVENT_LOOP_DELAY_MS: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 },
  // off by default: a busy loop is not an overloaded one (a batch, an in-process client), delay is what callers feel
  MAX_EVENT_LOOP_UTILIZATION: { type: 'number', minimum: 0, maximum: 1, default: 0 },
  PRESSURE_SAMPLE_INTERVAL_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 }
} as const

/** A threshold of 0 is not checked. */
export interface PressureConfig {
  /** Mean event-loop delay over one sample, in ms, past which new requests are refused. */
  maxEventLoopDelayMs: number
  /** Event-loop utilization (0–1) over one sample past which new requests are refused. */
  maxEventLoopUtilization: number
  sampleIntervalMs: number
}

export function readPressure (raw: EnvOf<typeof PRESSURE_ENV>): PressureConfig {
  return {
    maxEventLoopDelayMs: raw.MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: raw.MAX_EVENT_LOOP_UTILIZATION,
    sampleIntervalMs: raw.PRESSURE_SAMPLE_INTERVAL_MS
  }
}
