import type { Db, Queryable } from '../store/db.js'

/**
 * Retention: a month of audit records past the retention period is removed — its partition detached and dropped,
 * cheap whatever its size — only once verified archives hold every record of it. The anchor moves to the last
 * removed record in the same transaction, so the chain left in the store still verifies from there.
 */

export interface PruneOptions {
  retentionDays: number
  now?: Date
}

export interface PrunedMonth {
  /** YYYY-MM (UTC). */
  month: string
  records: number
  /** The archive holding the month's last record; absent for a month without records. */
  archiveId?: string
}

export interface PruneResult {
  removed: PrunedMonth[]
  /** The first month past the retention that was kept, and why (nothing older is removed before it). */
  kept?: { month: string, reason: string }
  /** Reserved message ids removed for being older than the retention. */
  messageIds: number
}

const PARTITION = /^audit_records_([0-9]{4})_([0-9]{2})$/

interface Partition {
  name: string
  month: string
  start: Date
  end: Date
}

async function partitions (db: Queryable): Promise<Partition[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_records'::regclass ORDER BY c.relname`)
  return rows.flatMap(({ name }) => {
    const match = PARTITION.exec(name)
    if (match === null) return []
    const [year, month] = [Number(match[1]), Number(match[2])]
    return [{ name, month: `${match[1]}-${match[2]}`, start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) }]
  })
}

/** How far from `start` the verified archives reach without a gap, and each archive's range. */
async function archivedReach (db: Queryable, start: number): Promise<{ reach: number, archives: Array<{ id: string, first: number, last: number, lastHash: string }> }> {
  const archives = await db.query<{ id: string, first: number, last: number, lastHash: string }>(
    `SELECT archive_id AS id, first_seq AS first, last_seq AS last, last_hash AS "lastHash" FROM audit_archives
     WHERE verified_at IS NOT NULL AND first_seq IS NOT NULL AND last_seq > $1 ORDER BY first_seq, last_seq DESC`, [start])
  let reach = start
  for (const archive of archives) {
    if (archive.first > reach + 1) break
    reach = Math.max(reach, archive.last)
  }
  return { reach, archives }
}

export async function pruneArchived (db: Db, { retentionDays, now = new Date() }: PruneOptions): Promise<PruneResult> {
  const horizon = new Date(now.getTime() - retentionDays * 86_400_000)
  const removed: PrunedMonth[] = []
  let kept: PruneResult['kept']
  for (const partition of await partitions(db)) {
    if (partition.end > horizon) break
    const outcome = await db.transaction(async (tx): Promise<PrunedMonth | string> => {
      // one pruning at a time: the anchor is read, checked and moved under this lock
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('audit-retention'))")
      const [stats] = await tx.query<{ records: number, last: number | null }>(
        `SELECT count(*)::integer AS records, max(seq) AS last FROM ${partition.name}`)
      const [anchor] = await tx.query<{ seq: number }>('SELECT seq FROM audit_anchor')
      // the name matched PARTITION: safe to splice
      const drop = async (): Promise<void> => { await tx.exec(`ALTER TABLE audit_records DETACH PARTITION ${partition.name}; DROP TABLE ${partition.name}`) }
      if (stats === undefined || stats.last === null) {
        await drop()
        return { month: partition.month, records: 0 }
      }
      const lastSeq = stats.last
      const start = anchor?.seq ?? 0
      // every seq up to the anchor is archived already: a month left holding only such records (written by a
      // gateway whose clock ran ahead, after a record of the month before) goes without moving the anchor
      if (lastSeq <= start) {
        await drop()
        return { month: partition.month, records: stats.records }
      }
      const { reach, archives } = await archivedReach(tx, start)
      if (reach < lastSeq) return `not archived: verified archives reach seq ${reach}, the month ends at seq ${lastSeq}`
      const [last] = await tx.query<{ hash: string }>(`SELECT hash FROM ${partition.name} WHERE seq = $1`, [lastSeq])
      const archive = archives.find((candidate) => candidate.first <= lastSeq && candidate.last >= lastSeq)
      if (last === undefined || archive === undefined) return 'its last record is in no verified archive'
      if (archive.last === lastSeq && archive.lastHash !== last.hash) return `its last record (seq ${lastSeq}) differs from the archive ${archive.id}`
      await tx.query(`INSERT INTO audit_anchor (id, seq, hash, archive_id, pruned_at) VALUES (true, $1, $2, $3, $4)
        ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, archive_id = EXCLUDED.archive_id, pruned_at = EXCLUDED.pruned_at`,
      [lastSeq, last.hash, archive.id, now.toISOString()])
      await drop()
      return { month: partition.month, records: stats.records, archiveId: archive.id }
    })
    if (typeof outcome === 'string') {
      kept = { month: partition.month, reason: outcome }
      break
    }
    removed.push(outcome)
  }
  const gone = await db.query<{ n: number }>(
    'WITH gone AS (DELETE FROM audit_message_ids WHERE reserved_at < $1 RETURNING 1) SELECT count(*)::integer AS n FROM gone', [horizon.toISOString()])
  return { removed, ...(kept === undefined ? {} : { kept }), messageIds: gone[0]?.n ?? 0 }
}
