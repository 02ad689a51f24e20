import type { Db } from '../store/db.js'
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
}

interface Waiting {
  entry: AuditEntry
  resolve: () => void
  reject: (err: Error) => void
}

interface Head {
  seq: number
  hash: string
}

// Moves the head only if it is where this gateway last saw it, and inserts the batch only if the head moved.
// Another gateway that appended in between makes this a no-op (0 rows): then the writer locks the head instead.
const APPEND = `WITH advanced AS (
  UPDATE audit_head SET seq = $2, hash = $3 WHERE seq = $1 RETURNING seq
), appended AS (
  INSERT INTO audit_records (seq, recorded_at, audit_id, request_id, client_id, official_id, service, method, route, purpose,
    purpose_reference, subjects, status, upstream, latency_ms, refusal_count, caller_address, refusal_reason, window_start,
    prev_hash, hash)
  SELECT r.seq, r."recordedAt", r."auditId", r."requestId", r."clientId", r."officialId", r.service, r.method, r.route, r.purpose,
    r."purposeReference", r.subjects, r.status, r.upstream, r."latencyMs", (r.summary->>'count')::integer,
    r.summary->>'address', r.summary->>'reason', (r.summary->>'windowStart')::timestamptz, r."prevHash", r.hash
  FROM jsonb_to_recordset($4::jsonb) AS r(seq bigint, "recordedAt" timestamptz, "auditId" uuid, "requestId" text, "clientId" text,
    "officialId" text, service text, method text, route text, purpose text, "purposeReference" text, subjects text[],
    status smallint, upstream text, "latencyMs" double precision, summary jsonb, "prevHash" text, hash text)
  WHERE EXISTS (SELECT 1 FROM advanced)
  RETURNING 1
) SELECT count(*)::integer AS appended FROM appended`

// parsed and planned once per connection: it runs once per batch, on every gateway, all day
const PREPARED = { prepare: 'audit-append' }

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

  async function flush (): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch)
      try {
        const started = performance.now()
        await write(batch.map((item) => item.entry))
        for (const item of batch) item.resolve()
        // after the resolves: an observer that throws cannot fail records already committed
        options.onCommit?.(performance.now() - started, batch.length)
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
