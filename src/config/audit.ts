import type { EnvOf } from './env.js'

/** The audit trail: its writer, signed checkpoints and retention. */

export const AUDIT_ENV = {
  AUDIT_MAX_BATCH: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
  AUDIT_CHECKPOINT_EVERY_RECORDS: { type: 'integer', minimum: 1, maximum: 10000000, default: 1000 },
  AUDIT_CHECKPOINT_EVERY_S: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
  // five years (Decree 13/2023 leaves the period to the controller; archives are kept apart, see docs)
  AUDIT_RETENTION_DAYS: { type: 'integer', minimum: 1, maximum: 36500, default: 1826 },
  AUDIT_STATISTICS_EVERY_S: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
  AUDIT_STATISTICS_CHUNK: { type: 'integer', minimum: 100, maximum: 1000000, default: 20000 },
  /** Where `npm run audit:archive` writes archives without --out; default: the current directory. */
  AUDIT_ARCHIVE_DIR: { type: 'string', minLength: 1 }
} as const

export interface AuditConfig {
  /** Records written in one statement at most. */
  maxBatch: number
  /** The gateway signs the chain head after this many records it wrote, or this often while the head moves. */
  checkpoint: { everyRecords: number, everyMs: number }
  /** Records older than this are removed, month by month, once an archive of them was written and verified. */
  retentionDays: number
  /** The statistics roll-up: how often each gateway runs it, and how many records one transaction adds at most. */
  statistics: { everyMs: number, chunk: number }
  /** Where the archive script writes archives by default (unset: the current directory). */
  archiveDir?: string
}

export function readAudit (raw: EnvOf<typeof AUDIT_ENV>): AuditConfig {
  return {
    maxBatch: raw.AUDIT_MAX_BATCH,
    checkpoint: { everyRecords: raw.AUDIT_CHECKPOINT_EVERY_RECORDS, everyMs: raw.AUDIT_CHECKPOINT_EVERY_S * 1000 },
    retentionDays: raw.AUDIT_RETENTION_DAYS,
    statistics: { everyMs: raw.AUDIT_STATISTICS_EVERY_S * 1000, chunk: raw.AUDIT_STATISTICS_CHUNK },
    ...(raw.AUDIT_ARCHIVE_DIR === undefined ? {} : { archiveDir: raw.AUDIT_ARCHIVE_DIR })
  }
}
