import type { EnvOf } from './env.js'

/** The audit trail's writer. */

export const AUDIT_ENV = {
  AUDIT_MAX_BATCH: { type: 'integer', minimum: 1, maximum: 5000, default: 500 }
} as const

export interface AuditConfig {
  /** Records written in one statement at most. */
  maxBatch: number
}

export function readAudit (raw: EnvOf<typeof AUDIT_ENV>): AuditConfig {
  return { maxBatch: raw.AUDIT_MAX_BATCH }
}
