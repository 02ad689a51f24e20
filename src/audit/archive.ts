import { createHash, randomUUID } from 'node:crypto'
import type { JWK } from 'jose'
import type { GatewayKey } from '../signing/gateway-key.js'
import type { Queryable } from '../store/db.js'
import { CHECKPOINT_COLUMNS, checkpointFromRow, signCheckpoint, type ChainHead, type Checkpoint } from './checkpoints.js'
import { GENESIS_HASH, RECORD_COLUMNS, recordFromRow, type AuditRecord } from './record.js'

/**
 * A signed, self-contained archive of the audit records of a period, as NDJSON (docs/api.md, "Audit archives and
 * retention"): written and verified line by line, so a month of millions of records never sits in memory.
 *
 *   {"header": {format, version, archiveId, createdAt, period, anchor, last, records, keys}}
 *   {"checkpoint": …}            checkpoints at the anchor's seq, if any
 *   {"record": …}                every record after the anchor up to `last`, in seq order, each followed by
 *   {"checkpoint": …}            the signed checkpoints at its seq; the last record always has one
 *   {"signature": {sha256, jws}} the gateway's JWS over the SHA-256 of every byte before this line
 *
 * A period [from, to) covers the records after the previous period's last one up to the greatest seq recorded
 * before `to`: seq order and time order can differ by a gateway's clock skew, and consecutive archives must chain.
 */

export const ARCHIVE_FORMAT = 'lgsp-audit-archive'
export const ARCHIVE_VERSION = 1
export const ARCHIVE_TYP = 'lgsp-audit-archive+jws'

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT
  version: typeof ARCHIVE_VERSION
  archiveId: string
  createdAt: string
  period: { from: string, to: string }
  /** The record the first one links to: the previous archive's last, or seq 0 and the genesis hash. */
  anchor: ChainHead
  /** The last record archived; the anchor itself when the period holds none. */
  last: ChainHead
  records: number
  /** The public keys of every signature in the archive. */
  keys: JWK[]
}

/** What the archive's own signature says (the JWS payload of its last line). */
export interface ArchiveSeal {
  archiveId: string
  sha256: string
  records: number
  last: ChainHead
}

/** A period that cannot be archived; `bound` names the end at fault. */
export class ArchiveRangeError extends Error {
  override name = 'ArchiveRangeError'
  constructor (readonly bound: 'from' | 'to', message: string) {
    super(message)
  }
}

export interface ArchivePlan {
  header: ArchiveHeader
}

/** The greatest seq recorded before `at` still stored, and its hash. */
async function lastBefore (db: Queryable, at: string): Promise<ChainHead | undefined> {
  const [row] = await db.query<ChainHead>('SELECT seq, hash FROM audit_records WHERE recorded_at < $1 ORDER BY seq DESC LIMIT 1', [at])
  return row
}

/**
 * Fixes the seq range of [from, to) and signs a checkpoint at its last record when none is there, so that the
 * archive ends on a signature of the gateway and the chain left in the store continues from a signed hash.
 */
export async function planArchive (db: Queryable, key: GatewayKey, period: { from: string, to: string }, now = new Date()): Promise<ArchivePlan> {
  const from = new Date(period.from)
  const to = new Date(period.to)
  if (!(from < to)) throw new ArchiveRangeError('to', 'the period must end after it starts')
  if (to > now) throw new ArchiveRangeError('to', 'the period has not ended yet: its records are not all written')
  const [cut] = await db.query<ChainHead & { periodTo: Date }>(
    'SELECT a.seq, a.hash, x.period_to AS "periodTo" FROM audit_anchor a JOIN audit_archives x ON x.archive_id = a.archive_id')
  if (cut !== undefined && from < cut.periodTo) {
    throw new ArchiveRangeError('from', `records before ${cut.periodTo.toISOString()} were removed after they were archived: read their archives`)
  }
  const floor: ChainHead = cut === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: cut.seq, hash: cut.hash }
  // the previous period's archive fixes where this one starts: a record committed late (recorded before `from`,
  // given its seq after that archive was made) falls into this one, never between the two
  const [previous] = await db.query<ChainHead>(
    `SELECT last_seq AS seq, last_hash AS hash FROM audit_archives
     WHERE period_to = $1 AND verified_at IS NOT NULL AND last_seq IS NOT NULL ORDER BY created_at DESC LIMIT 1`, [from.toISOString()])
  const anchor = previous ?? await lastBefore(db, from.toISOString()) ?? floor
  const end = await lastBefore(db, to.toISOString())
  const last = end === undefined || end.seq < anchor.seq ? anchor : end
  if (last.seq > anchor.seq) await signCheckpoint(db, key, last)
  const keyIds = await db.query<{ keyId: string }>(
    'SELECT DISTINCT key_id AS "keyId" FROM audit_checkpoints WHERE seq BETWEEN $1 AND $2', [anchor.seq, last.seq])
  const ids = [...new Set([key.keyId, ...keyIds.map((row) => row.keyId)])]
  const keys = await db.query<{ jwk: JWK }>('SELECT public_jwk AS jwk FROM gateway_signing_keys WHERE key_id = ANY($1::text[]) ORDER BY key_id', [ids])
  return {
    header: {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      archiveId: randomUUID(),
      createdAt: now.toISOString(),
      period: { from: from.toISOString(), to: to.toISOString() },
      anchor: { seq: anchor.seq, hash: anchor.hash },
      last: { seq: last.seq, hash: last.hash },
      records: last.seq - anchor.seq,
      keys: keys.map((row) => row.jwk)
    }
  }
}

/** A record as archived: every column, so its hash can be computed again. */
function recordLine (record: AuditRecord): string {
  return JSON.stringify({ record }) + '\n'
}

function checkpointLine (checkpoint: Checkpoint): string {
  return JSON.stringify({ checkpoint }) + '\n'
}

async function checkpointsIn (db: Queryable, fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
  const rows = await db.query<Parameters<typeof checkpointFromRow>[0]>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE seq BETWEEN $1 AND $2 ORDER BY seq, key_id`, [fromSeq, toSeq])
  return rows.map(checkpointFromRow)
}

/** The archive's lines (each ending in a newline), read from the store page by page, then signed. */
export async function * archiveLines (db: Queryable, key: GatewayKey, plan: ArchivePlan, pageSize = 2000): AsyncGenerator<string> {
  const { header } = plan
  const digest = createHash('sha256')
  const emit = (line: string): string => {
    digest.update(line)
    return line
  }
  yield emit(JSON.stringify({ header }) + '\n')
  if (header.anchor.seq > 0) for (const checkpoint of await checkpointsIn(db, header.anchor.seq, header.anchor.seq)) yield emit(checkpointLine(checkpoint))
  let after = header.anchor.seq
  while (after < header.last.seq) {
    const rows = await db.query<Parameters<typeof recordFromRow>[0]>(
      `SELECT ${RECORD_COLUMNS} FROM audit_records WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [after, header.last.seq, pageSize])
    if (rows.length === 0) break // a gap: the verifier names it
    const records = rows.map(recordFromRow)
    const upTo = records.at(-1)?.seq ?? after
    const checkpoints = await checkpointsIn(db, after + 1, upTo)
    for (const record of records) {
      yield emit(recordLine(record))
      while (checkpoints[0] !== undefined && checkpoints[0].seq <= record.seq) yield emit(checkpointLine(checkpoints.shift() as Checkpoint))
    }
    after = upTo
  }
  const sha256 = digest.digest('hex')
  const seal: ArchiveSeal = { archiveId: header.archiveId, sha256, records: header.records, last: header.last }
  yield JSON.stringify({ signature: { sha256, jws: await key.signJws(seal, ARCHIVE_TYP) } }) + '\n'
}

/** The conventional file name of an archive of [from, to): the month when it is one whole UTC month. */
export function archiveFileName (period: { from: string, to: string }): string {
  const from = new Date(period.from)
  const to = new Date(period.to)
  const wholeMonth = from.getTime() === Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1) &&
    to.getTime() === Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1)
  const stamp = (at: Date): string => at.toISOString().replace(/\.000Z$/, 'Z').replaceAll(':', '')
  return wholeMonth
    ? `audit-${from.toISOString().slice(0, 7)}.ndjson`
    : `audit-${stamp(from)}_${stamp(to)}.ndjson`
}

/** The whole UTC month before the one `now` is in. */
export function previousMonth (now: Date): { from: string, to: string } {
  return {
    from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString(),
    to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString()
  }
}

/** Records a written archive whose file verified: what retention looks for before it removes a month. */
export async function recordVerifiedArchive (db: Queryable, header: ArchiveHeader, sha256: string): Promise<void> {
  await db.query(`INSERT INTO audit_archives (archive_id, period_from, period_to, first_seq, last_seq, last_hash, records, sha256, verified_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`, [
    header.archiveId, header.period.from, header.period.to, header.records > 0 ? header.anchor.seq + 1 : null,
    header.last.seq, header.last.hash, header.records, sha256])
}
