import { createHash } from 'node:crypto'

/** What one audited call leaves behind. Personal ids of the data subjects, never their data. */
export interface AuditEntry {
  /** ISO 8601 with milliseconds, UTC: the form the hash covers and PostgreSQL gives back unchanged. */
  recordedAt: string
  /** This exchange's own id (a random UUID from the gateway); absent (null) in records written before migration 005. */
  auditId?: string | null
  /**
   * The exchange's message id (X-Message-Id): the caller's when well-formed and new for that client, else one the
   * gateway made; sent to the upstream too, so both ends of an exchange can be matched. Absent before migration 009.
   */
  messageId?: string | null
  /** The caller's correlation id (X-Request-Id, or one the gateway made): not unique, a caller may reuse it. */
  requestId: string
  /** The verified client; null when the token itself was refused. */
  clientId: string | null
  /** The official acting inside the client system (X-User-Id). */
  officialId: string | null
  service: string | null
  method: string
  /** The route pattern, e.g. /api/v1/citizens/:personalId (never the concrete URL). */
  route: string
  purpose: string | null
  purposeReference: string | null
  subjects: string[]
  status: number
  /** The problem type's last segment of a refusal or failure (e.g. purpose-not-granted); null for a success. */
  problemType?: string | null
  upstream: string | null
  latencyMs: number
  /** SHA-256 (hex) of the request body exactly as received; null when there was none. */
  requestDigest?: string | null
  /** SHA-256 (hex) of the response body exactly as sent; null when there was none or it was streamed. */
  responseDigest?: string | null
  /** Present on a summary of repeated refusals of unidentified callers (which stands for `count` calls); else absent or null. */
  summary?: RefusalSummary | null
}

/** Refusals of callers no token identified, counted per address, route, status and reason over one window. */
export interface RefusalSummary {
  count: number
  /** The caller's address (request.ip: behind TRUST_PROXY, the forwarded one). */
  address: string
  /** Why they were refused, in words from a closed set (e.g. no-credentials, malformed, anonymous-rate-limited). */
  reason: string
  /** When the first of them arrived; the record's recordedAt is when the summary was written. */
  windowStart: string
}

export type AuditKind = 'call' | 'refusal-summary'

export interface AuditRecord extends AuditEntry {
  seq: number
  kind: AuditKind
  prevHash: string
  hash: string
}

export const GENESIS_HASH = '0'.repeat(64)

/**
 * sha256 over the previous hash and every field, in a fixed order: changing any of them changes the hash. Fields
 * added later are appended only when present, so records written before them hash (and verify) as they did.
 */
export function chainHash (seq: number, entry: AuditEntry, prevHash: string): string {
  const fields: unknown[] = [
    seq, entry.recordedAt, entry.requestId, entry.clientId, entry.officialId, entry.service, entry.method, entry.route,
    entry.purpose, entry.purposeReference, entry.subjects, entry.status, entry.upstream, entry.latencyMs
  ]
  if (typeof entry.auditId === 'string') fields.push(entry.auditId)
  // migration 009: every record written since has a message id (summaries excepted, which have none)
  if (typeof entry.messageId === 'string') fields.push(['exchange', entry.messageId, entry.problemType ?? null, entry.requestDigest ?? null, entry.responseDigest ?? null])
  const summary = entry.summary
  if (summary !== undefined && summary !== null) fields.push(['refusal-summary', summary.count, summary.address, summary.reason, summary.windowStart])
  return createHash('sha256').update(prevHash).update(JSON.stringify(fields)).digest('hex')
}

/** The columns of audit_records as SQL reads them back into an AuditRecord. */
export const RECORD_COLUMNS = `seq, recorded_at AS "recordedAt", audit_id AS "auditId", message_id AS "messageId", request_id AS "requestId",
  client_id AS "clientId", official_id AS "officialId", service, method, route, purpose, purpose_reference AS "purposeReference",
  subjects, status, problem_type AS "problemType", upstream, latency_ms AS "latencyMs", request_digest AS "requestDigest",
  response_digest AS "responseDigest", refusal_count AS "refusalCount", caller_address AS "callerAddress",
  refusal_reason AS "refusalReason", window_start AS "windowStart", prev_hash AS "prevHash", hash`

interface RecordRow extends Omit<AuditRecord, 'recordedAt' | 'kind' | 'summary'> {
  recordedAt: Date
  refusalCount: number | null
  callerAddress: string | null
  refusalReason: string | null
  windowStart: Date | null
}

export function recordFromRow (row: RecordRow): AuditRecord {
  const { refusalCount, callerAddress, refusalReason, windowStart, ...record } = row
  const summary = refusalCount === null
    ? null
    : { count: refusalCount, address: callerAddress ?? '', reason: refusalReason ?? '', windowStart: windowStart?.toISOString() ?? '' }
  return { ...record, recordedAt: row.recordedAt.toISOString(), kind: summary === null ? 'call' : 'refusal-summary', summary }
}
