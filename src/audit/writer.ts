import type { Db, Queryable } from '../store/db.js'
import { chainHash, type AuditEntry } from './record.js'

/**
 * Group commit: every call waits for its own record to be durable, but records arriving while a write is in
 * flight go together in the next one — one statement, one transaction, one fsync for the whole batch.
 */

export interface AuditWriter {
  /** Resolves once the entry is committed to the chain; rejects if it could not be. */
  append (entry: AuditEntry): Promise<void>
  /** Resolves when nothing is waiting to be written. */
  drain (): Promise<void>
}

export interface AuditWriterOptions {
  maxBatch: number
  /** Told of every batch committed: how long its write took and how many records it held (metrics). */
  onCommit?: (durationMs: number, records: number) => void
  /** Told of the chain head each batch this writer committed led to (signed checkpoints). */
  onHead?: (head: Head) => void
}

interface Waiting {
  entry: AuditEntry
  resolve: () => void
  reject: (err: Error) => void
}

export interface Head {
  seq: number
  hash: string
}

// Moves the head only if it is where this gateway last saw it, and inserts the batch only if the head moved.
// Another gateway that appended in between makes this a no-op (0 rows): then the writer locks the head instead.
const APPEND = `WITH advanced AS (
  UPDATE audit_head SET seq = $2, hash = $3 WHERE seq = $1 RETURNING seq
), appended AS (
  INSERT INTO audit_records (seq, recorded_at, audit_id, message_id, request_id, client_id, official_id, service, method, route,
    purpose, purpose_reference, subjects, status, problem_type, upstream, latency_ms, request_digest, response_digest,
    refusal_count, caller_address, refusal_reason, window_start, prev_hash, hash)
  SELECT r.seq, r."recordedAt", r."auditId", r."messageId", r."requestId", r."clientId", r."officialId", r.service, r.method,
    r.route, r.purpose, r."purposeReference", r.subjects, r.status, r."problemType", r.upstream, r."latencyMs",
    r."requestDigest", r."responseDigest", (r.summary->>'count')::integer, r.summary->>'address', r.summary->>'reason',
    (r.summary->>'windowStart')::timestamptz, r."prevHash", r.hash
  FROM jsonb_to_recordset($4::jsonb) AS r(seq bigint, "recordedAt" timestamptz, "auditId" uuid, "messageId" text, "requestId" text,
    "clientId" text, "officialId" text, service text, method text, route text, purpose text, "purposeReference" text,
    subjects text[], status smallint, "problemType" text, upstream text, "latencyMs" double precision, "requestDigest" text,
    "responseDigest" text, summary jsonb, "prevHash" text, hash text)
  WHERE EXISTS (SELECT 1 FROM advanced)
  RETURNING 1
) SELECT count(*)::integer AS appended FROM appended`

// parsed and planned once per connection: it runs once per batch, on every gateway, all day
const PREPARED = { prepare: 'audit-append' }

/** "no partition of relation found for row": the record's month has no partition yet. */
function isMissingPartition (err: unknown): boolean {
  return (err as { code?: unknown }).code === '23514' && /partition/.test((err as Error).message)
}

/** Makes the monthly partitions of audit_records holding these instants (ISO 8601), where missing. */
export async function ensurePartitions (db: Queryable, instants: string[]): Promise<void> {
  const months = [...new Set(instants.map((instant) => instant.slice(0, 7)))]
  for (const month of months) {
    try {
      await db.query('SELECT audit_ensure_partition($1::timestamptz)', [`${month}-01T00:00:00Z`])
    } catch (err) {
      // another gateway made it between the function's check and its CREATE: it is there, which is all we asked
      if (!isMadeConcurrently(err)) throw err
    }
  }
}

/** 42P07 duplicate table, or 23505 on the catalog's type name: a concurrent CREATE TABLE of the same partition won. */
function isMadeConcurrently (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return code === '42P07' || code === '23505'
}

export function createAuditWriter (db: Db, options: AuditWriterOptions): AuditWriter {
  let head: Head | undefined
  const waiting: Waiting[] = []
  let flushing: Promise<void> | undefined

  /** The batch as chain records after `from`, and the head they lead to. */
  function link (from: Head, entries: AuditEntry[]): { params: unknown[], to: Head } {
    let hash = from.hash
    const records = entries.map((entry, index) => {
      const seq = from.seq + index + 1
      const prevHash = hash
      hash = chainHash(seq, entry, prevHash)
      return { ...entry, seq, prevHash, hash }
    })
    const to = { seq: from.seq + entries.length, hash }
    return { params: [from.seq, to.seq, to.hash, JSON.stringify(records)], to }
  }

  async function write (entries: AuditEntry[]): Promise<void> {
    const known = head
    head = undefined // unknown until this write is known to have landed
    // Fast path, one statement: this gateway wrote the last batch, so it knows the head.
    if (known !== undefined) {
      const { params, to } = link(known, entries)
      const [result] = await db.query<{ appended: number }>(APPEND, params, PREPARED)
      if (result?.appended === entries.length) {
        head = to
        return
      }
    }
    // Another gateway appended since (or this is the first write): lock the head and link after it.
    head = await db.transaction(async (tx) => {
      const [current] = await tx.query<Head>('SELECT seq, hash FROM audit_head FOR UPDATE')
      if (current === undefined) throw new Error('audit_head is missing: the store was not migrated')
      const { params, to } = link(current, entries)
      const [result] = await tx.query<{ appended: number }>(APPEND, params, PREPARED)
      if (result?.appended !== entries.length) throw new Error('audit append lost its lock')
      return to
    })
  }

  /** Writes the batch, first making the month partitions it needs when an insert found none (a new month). */
  async function writeInPartitions (entries: AuditEntry[]): Promise<void> {
    try {
      await write(entries)
    } catch (err) {
      if (!isMissingPartition(err)) throw err
      await ensurePartitions(db, entries.map((entry) => entry.recordedAt))
      await write(entries)
    }
  }

  async function flush (): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch)
      try {
        const started = performance.now()
        await writeInPartitions(batch.map((item) => item.entry))
        for (const item of batch) item.resolve()
        // after the resolves: an observer that throws cannot fail records already committed
        options.onCommit?.(performance.now() - started, batch.length)
        if (head !== undefined) options.onHead?.(head)
      } catch (err) {
        for (const item of batch) item.reject(err as Error)
      }
    }
    flushing = undefined
  }

  return {
    async append (entry) {
      await new Promise<void>((resolve, reject) => {
        waiting.push({ entry, resolve, reject })
        // setImmediate: let the calls already in this turn of the event loop join the batch
        flushing ??= new Promise((resolve) => setImmediate(resolve)).then(flush)
      })
    },
    async drain () {
      while (flushing !== undefined) await flushing
    }
  }
}
