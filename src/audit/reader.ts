import type { Queryable } from '../store/db.js'
import { publicKeys } from '../signing/key-register.js'
import { CHECKPOINT_COLUMNS, checkpointFromRow, verifyCheckpoint, type Checkpoint } from './checkpoints.js'
import { chainHash, GENESIS_HASH, RECORD_COLUMNS, recordFromRow, type AuditRecord } from './record.js'

/** Reading the audit: search for administrators, the data subject's report, and the chain check. */

export interface Page<T> {
  items: T[]
  nextCursor?: string
}

export interface AuditQuery {
  clientId?: string
  service?: string
  subject?: string
  /** ISO 8601 instants, inclusive from, exclusive to. */
  from?: string
  to?: string
  cursor?: string
  limit: number
}

export interface SubjectAccess {
  at: string
  requestId: string
  clientId: string | null
  clientName: string | null
  officialId: string | null
  service: string | null
  purpose: string | null
  purposeReference: string | null
  status: number
  /** The call answered with the person's data (a 2xx), as opposed to an attempt that was refused. */
  disclosed: boolean
}

export interface ChainVerification {
  intact: boolean
  /** Records checked, from the first stored one (after the anchor, once archived months were removed). */
  checked: number
  headSeq: number
  /** Where the stored chain starts: the last record of the removed (archived) months; absent before any removal. */
  anchor?: { seq: number, hash: string, archiveId: string }
  /** Signed checkpoints checked against the records and the public keys. */
  checkpoints: number
  firstBroken?: { seq: number, requestId?: string, reason: string }
}

export class BadCursorError extends Error {
  override name = 'BadCursorError'
}

// Newest first; the cursor is the last seq seen, opaque to callers.
export function encodeCursor (seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url')
}

export function decodeCursor (cursor: string): number {
  const match = /^seq:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (match === null) throw new BadCursorError('cursor is not one this API gave out')
  return Number(match[1])
}

function pageOf<T> (rows: T[], limit: number, seqOf: (row: T) => number): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return rows.length > limit && last !== undefined ? { items, nextCursor: encodeCursor(seqOf(last)) } : { items }
}

export async function searchAudit (db: Queryable, query: AuditQuery): Promise<Page<AuditRecord>> {
  const conditions: string[] = []
  const params: unknown[] = []
  const where = (sql: string, value: unknown): void => {
    params.push(value)
    conditions.push(sql.replace('?', `$${params.length}`))
  }
  if (query.clientId !== undefined) where('client_id = ?', query.clientId)
  if (query.service !== undefined) where('service = ?', query.service)
  if (query.subject !== undefined) where('subjects @> ARRAY[?]::text[]', query.subject)
  if (query.from !== undefined) where('recorded_at >= ?', query.from)
  if (query.to !== undefined) where('recorded_at < ?', query.to)
  if (query.cursor !== undefined) where('seq < ?', decodeCursor(query.cursor))
  params.push(query.limit + 1)
  const rows = await db.query<Parameters<typeof recordFromRow>[0]>(
    `SELECT ${RECORD_COLUMNS} FROM audit_records ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY seq DESC LIMIT $${params.length}`, params)
  return pageOf(rows.map(recordFromRow), query.limit, (record) => record.seq)
}

export async function subjectAccesses (db: Queryable, personalId: string, cursor: string | undefined, limit: number): Promise<Page<SubjectAccess>> {
  const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor)
  const rows = await db.query<SubjectAccess & { seq: number, at: Date }>(
    `SELECT a.seq, a.recorded_at AS at, a.request_id AS "requestId", a.client_id AS "clientId", c.name AS "clientName",
       a.official_id AS "officialId", a.service, a.purpose, a.purpose_reference AS "purposeReference", a.status,
       a.status BETWEEN 200 AND 299 AS disclosed
     FROM audit_records a LEFT JOIN clients c ON c.client_id = a.client_id
     WHERE a.subjects @> ARRAY[$1]::text[] AND a.seq < $2
     ORDER BY a.seq DESC LIMIT $3`, [personalId, before, limit + 1])
  const page = pageOf(rows, limit, (row) => row.seq)
  return {
    ...page,
    items: page.items.map(({ seq: _seq, at, ...access }) => ({ ...access, at: at.toISOString() }))
  }
}

/** Signed checkpoints, newest first (seq, then key). */
export async function listCheckpoints (db: Queryable, cursor: string | undefined, limit: number): Promise<Page<Checkpoint>> {
  const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor)
  const rows = await db.query<Parameters<typeof checkpointFromRow>[0]>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE seq < $1 ORDER BY seq DESC, key_id LIMIT $2`, [before, limit + 1])
  return pageOf(rows.map(checkpointFromRow), limit, (checkpoint) => checkpoint.seq)
}

/**
 * Walks the chain from its start (the anchor left by a removal of archived months, else the first record) and names
 * the first record that does not verify; then checks every signed checkpoint in that range: its signature under the
 * gateway keys, and that the record at its seq still has the hash it signed — which catches a chain re-hashed after
 * an edit, link by link consistent but no longer what the gateway signed.
 */
export async function verifyChain (db: Queryable, pageSize = 2000): Promise<ChainVerification> {
  const [head] = await db.query<{ seq: number, hash: string }>('SELECT seq, hash FROM audit_head')
  const [anchor] = await db.query<{ seq: number, hash: string, archiveId: string }>('SELECT seq, hash, archive_id AS "archiveId" FROM audit_anchor')
  const headSeq = head?.seq ?? 0
  let checked = 0
  let checkpoints = 0
  let lastSeq = anchor?.seq ?? 0
  let lastHash = anchor?.hash ?? GENESIS_HASH
  const from = anchor === undefined ? {} : { anchor }
  const broken = (seq: number, reason: string, requestId?: string): ChainVerification =>
    ({ intact: false, checked, headSeq, ...from, checkpoints, firstBroken: { seq, reason, ...(requestId === undefined ? {} : { requestId }) } })

  for (;;) {
    const rows = await db.query<Parameters<typeof recordFromRow>[0]>(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2`, [lastSeq, pageSize])
    for (const record of rows.map(recordFromRow)) {
      if (record.seq !== lastSeq + 1) return broken(lastSeq + 1, `record missing (next present is ${record.seq})`)
      if (record.prevHash !== lastHash) return broken(record.seq, 'does not link to the previous record', record.requestId)
      if (chainHash(record.seq, record, record.prevHash) !== record.hash) return broken(record.seq, 'contents changed after it was written', record.requestId)
      lastSeq = record.seq
      lastHash = record.hash
      checked++
    }
    if (rows.length < pageSize) break
  }
  if (lastSeq < headSeq) return broken(lastSeq + 1, `records ${lastSeq + 1}..${headSeq} are missing`)
  if (lastSeq > headSeq) return broken(headSeq + 1, 'record not covered by the chain head')
  if (lastHash !== (head?.hash ?? GENESIS_HASH)) return broken(lastSeq, 'the chain head does not match the last record')

  const { keys } = await publicKeys(db)
  let after: [number, string] = [anchor?.seq ?? 0, '']
  for (;;) {
    const rows = await db.query<Parameters<typeof checkpointFromRow>[0] & { recordHash: string | null }>(
      `SELECT c.seq, c.hash, c.signed_at AS "signedAt", c.key_id AS "keyId", c.jws, r.hash AS "recordHash"
       FROM audit_checkpoints c LEFT JOIN audit_records r ON r.seq = c.seq
       WHERE (c.seq, c.key_id) > ($1, $2) ORDER BY c.seq, c.key_id LIMIT $3`, [...after, pageSize])
    for (const { recordHash, ...row } of rows) {
      const checkpoint = checkpointFromRow(row)
      try {
        await verifyCheckpoint(checkpoint, keys)
      } catch (err) {
        return broken(checkpoint.seq, `checkpoint signed by ${checkpoint.keyId}: ${(err as Error).message}`)
      }
      // the checkpoint at the anchor (an archive ends on one) is checked against the anchor: its record was removed
      const stored = recordHash ?? (checkpoint.seq === anchor?.seq ? anchor.hash : null)
      if (stored !== checkpoint.hash) {
        return broken(checkpoint.seq, `differs from the checkpoint ${checkpoint.keyId} signed at ${checkpoint.signedAt}: records up to it were changed and re-hashed`)
      }
      checkpoints++
    }
    if (rows.length < pageSize) break
    const last = rows.at(-1)
    if (last !== undefined) after = [last.seq, last.keyId]
  }
  return { intact: true, checked, headSeq, ...from, checkpoints }
}
