import type { Db, Queryable } from '../store/db.js'

/**
 * Usage statistics from the audit trail, kept as daily aggregates (audit_daily_statistics and audit_daily_latency,
 * migration 010) so a year's report reads aggregate rows, not millions of records. A roll-up adds the records after
 * a watermark to the aggregates in bounded chunks; the report merges the days and groups asked for.
 */

/** Report days are calendar days in Asia/Ho_Chi_Minh: UTC+7 all year (Viet Nam keeps no daylight saving). */
export const REPORT_OFFSET = '+07:00'
const REPORT_OFFSET_MINUTES = 7 * 60

/**
 * Latency buckets, log-spaced: bucket 0 holds [0, 0.125 ms), bucket i in 1…160 holds
 * [0.125·2^((i−1)/8), 0.125·2^(i/8)) ms, bucket 161 everything from 2^17 ms (131 s) up. Eight buckets per
 * doubling: a bucket's geometric middle is within 2^(1/16) − 1 ≈ 4.4 % of any latency inside it.
 */
export const LATENCY_BUCKETS = { lowestMs: 0.125, perDoubling: 8, doublings: 20 } as const
const LAST_BUCKET = LATENCY_BUCKETS.perDoubling * LATENCY_BUCKETS.doublings + 1
const HIGHEST_MS = LATENCY_BUCKETS.lowestMs * 2 ** LATENCY_BUCKETS.doublings

/** The latency a bucket stands for: its geometric middle; the edge for the two open-ended ones. */
export function bucketLatencyMs (bucket: number): number {
  if (bucket <= 0) return LATENCY_BUCKETS.lowestMs
  if (bucket >= LAST_BUCKET) return HIGHEST_MS
  return LATENCY_BUCKETS.lowestMs * 2 ** ((bucket - 0.5) / LATENCY_BUCKETS.perDoubling)
}

/**
 * The p-quantile (0 < p ≤ 1) of a merged histogram by nearest rank — the bucket holding the ⌈p·n⌉-th smallest
 * latency — to four significant digits; null when the histogram is empty. Within 4.5 % of that latency when
 * it lies between 0.125 ms and 131 s.
 */
export function percentileMs (histogram: ReadonlyArray<number | undefined>, p: number): number | null {
  const total = histogram.reduce<number>((sum, n) => sum + (n ?? 0), 0)
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(p * total))
  let seen = 0
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    seen += histogram[bucket] ?? 0
    if (seen >= rank) return Number(bucketLatencyMs(bucket).toPrecision(4))
  }
  return null
}

/** Adds n to a bucket of a histogram that may still have holes (buckets not yet seen). */
function addAt (histogram: number[], bucket: number, n: number): void {
  histogram[bucket] = (histogram[bucket] ?? 0) + n
}

// ---------------------------------------------------------------------------------------------------------------
// Roll-up

export interface RollUpOptions {
  /** Audit records read per transaction at most. */
  chunk: number
}

// One key of audit_daily_statistics per record: its report day, who, what and the outcome ('' for NULL); its
// latency bucket (NULL for a refusal summary, which has no latency of its own) and the calls it stands for.
const CHUNK_GROUPS = `WITH records AS (
  SELECT ((recorded_at AT TIME ZONE 'UTC') + make_interval(mins => $3))::date AS day, coalesce(client_id, '') AS client_id,
    coalesce(service, '') AS service, status, coalesce(problem_type, '') AS problem_type, coalesce(upstream, '') AS upstream,
    coalesce(refusal_count, 1) AS calls,
    CASE WHEN refusal_count IS NOT NULL THEN NULL
      WHEN latency_ms < $4 THEN 0
      -- NaN sorts above every number in PostgreSQL: it lands here too
      WHEN latency_ms >= $5 THEN $6
      ELSE 1 + floor(ln(latency_ms / $4) / ln(2) * $7)::integer END AS bucket
  FROM audit_records WHERE seq > $1 AND seq <= $2
)
SELECT to_char(day, 'YYYY-MM-DD') AS day, client_id AS "clientId", service, status, problem_type AS "problemType", upstream,
  bucket, sum(calls)::bigint AS calls, count(bucket)::bigint AS timed
FROM records GROUP BY day, client_id, service, status, problem_type, upstream, bucket`

const UPSERT_COUNTS = `INSERT INTO audit_daily_statistics AS s (day, client_id, service, status, problem_type, upstream, calls)
SELECT r.day, r."clientId", r.service, r.status, r."problemType", r.upstream, r.calls
FROM jsonb_to_recordset($1::jsonb) AS r(day date, "clientId" text, service text, status smallint, "problemType" text, upstream text, calls bigint)
ON CONFLICT (day, client_id, service, status, problem_type, upstream) DO UPDATE SET calls = s.calls + excluded.calls`

const UPSERT_LATENCY = `INSERT INTO audit_daily_latency AS s (day, client_id, service, histogram)
SELECT r.day, r."clientId", r.service, r.histogram
FROM jsonb_to_recordset($1::jsonb) AS r(day date, "clientId" text, service text, histogram integer[])
ON CONFLICT (day, client_id, service) DO UPDATE SET histogram = audit_histogram_add(s.histogram, excluded.histogram)`

interface ChunkGroup {
  day: string
  clientId: string
  service: string
  status: number
  problemType: string
  upstream: string
  bucket: number | null
  calls: number
  timed: number
}

/** The chunk's (key, bucket) groups folded into rows of audit_daily_statistics and of audit_daily_latency. */
function aggregatesOf (groups: ChunkGroup[]): { counts: unknown[], latencies: unknown[] } {
  const counts = new Map<string, Omit<ChunkGroup, 'bucket' | 'timed'>>()
  const latencies = new Map<string, { day: string, clientId: string, service: string, histogram: number[] }>()
  for (const { bucket, calls, timed, ...key } of groups) {
    const id = JSON.stringify([key.day, key.clientId, key.service, key.status, key.problemType, key.upstream])
    const row = counts.get(id)
    if (row === undefined) counts.set(id, { ...key, calls })
    else row.calls += calls
    if (bucket === null) continue
    const cell = JSON.stringify([key.day, key.clientId, key.service])
    let latency = latencies.get(cell)
    if (latency === undefined) latencies.set(cell, latency = { day: key.day, clientId: key.clientId, service: key.service, histogram: [] })
    addAt(latency.histogram, bucket, timed)
  }
  return {
    counts: [...counts.values()],
    // a sparse array's holes would go out as null
    latencies: [...latencies.values()].map((row) => ({ ...row, histogram: Array.from(row.histogram, (n) => n ?? 0) }))
  }
}

/**
 * Adds the next chunk of records after the watermark (up to `upTo`) and moves the watermark, in one transaction
 * holding the watermark's row lock: a roll-up of another gateway waits, then starts after this one's records.
 * Returns the new watermark.
 */
async function rollUpChunk (tx: Queryable, upTo: number, chunk: number): Promise<number> {
  const [mark] = await tx.query<{ seq: number }>('SELECT seq FROM audit_statistics_watermark FOR UPDATE')
  if (mark === undefined) throw new Error('audit_statistics_watermark is missing: the store was not migrated')
  const to = Math.min(upTo, mark.seq + chunk)
  if (to <= mark.seq) return mark.seq
  const { lowestMs, perDoubling } = LATENCY_BUCKETS
  const groups = await tx.query<ChunkGroup>(CHUNK_GROUPS, [mark.seq, to, REPORT_OFFSET_MINUTES, lowestMs, HIGHEST_MS, LAST_BUCKET, perDoubling])
  const { counts, latencies } = aggregatesOf(groups)
  if (counts.length > 0) await tx.query(UPSERT_COUNTS, [JSON.stringify(counts)])
  if (latencies.length > 0) await tx.query(UPSERT_LATENCY, [JSON.stringify(latencies)])
  await tx.query('UPDATE audit_statistics_watermark SET seq = $1', [to])
  return to
}

/**
 * Rolls up every record committed when it starts, chunk by chunk; returns the watermark reached. Records are
 * committed in seq order (the writer assigns seqs under the chain head's row lock), so every record up to the
 * head read here is already visible: none is skipped by moving the watermark past it.
 */
export async function rollUp (db: Db, options: RollUpOptions): Promise<number> {
  const [head] = await db.query<{ seq: number }>('SELECT seq FROM audit_head')
  const upTo = head?.seq ?? 0
  for (;;) {
    const reached = await db.transaction(async (tx) => await rollUpChunk(tx, upTo, options.chunk))
    if (reached >= upTo) return reached
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

export type GroupBy = 'client' | 'service' | 'day'

export interface StatisticsQuery {
  /** Report days (YYYY-MM-DD), inclusive from, exclusive to. */
  from: string
  to: string
  groupBy: GroupBy
}

export interface Figures {
  /** Every call, a refusal summary counting as the refusals it stands for. */
  calls: number
  /** 2xx. */
  disclosed: number
  /** 4xx, and by problem type ('unspecified': summaries of unidentified callers' refusals, and records before 009). */
  refused: number
  refusedByType: Record<string, number>
  /** 5xx, and by problem type. */
  failed: number
  failedByType: Record<string, number>
  /** Failures of the upstream system rather than the gateway's own: see isUpstreamError. */
  upstreamErrors: number
  /** 1xx and 3xx (a 304 Not Modified of a shared category). */
  other: number
  /** Over the calls recorded one by one (refusal summaries have no latency of their own); null when none. */
  latencyMs: { p50: number | null, p95: number | null }
}

export interface GroupFigures extends Figures {
  /** The client id, service or day; null for calls of no identified client, or of no service (the admin API). */
  key: string | null
}

export interface StatisticsReport extends StatisticsQuery {
  /** The UTC offset of the report days. */
  utcOffset: string
  /** The last audit seq the figures include: every record up to it, none after. */
  rolledUpTo: number
  groups: GroupFigures[]
  totals: Figures
}

export const UNSPECIFIED = 'unspecified'

/**
 * An upstream error: a problem of type upstream-* (upstream-error 502, upstream-unavailable 503, upstream-timeout
 * 504), or a 5xx of a route with an upstream whose record has no problem type (written before migration 009). A
 * 5xx of the gateway's own (store, audit, overload, an internal error) is a failure but not an upstream error.
 */
export function isUpstreamError (status: number, problemType: string, upstream: string): boolean {
  return problemType.startsWith('upstream-') || (problemType === '' && status >= 500 && upstream !== '')
}

const KEY_COLUMN: Record<GroupBy, string> = {
  client: "nullif(client_id, '')",
  service: "nullif(service, '')",
  day: "to_char(day, 'YYYY-MM-DD')"
}

// One statement (one snapshot): the counts per key and outcome, the merged histogram per key as (bucket, n) rows,
// and the watermark they reflect.
function reportSql (groupBy: GroupBy): string {
  const key = KEY_COLUMN[groupBy]
  return `SELECT 'count' AS kind, ${key} AS key, status, problem_type AS "problemType", upstream, sum(calls)::bigint AS n, NULL::integer AS bucket
FROM audit_daily_statistics WHERE day >= $1::date AND day < $2::date
GROUP BY 2, status, problem_type, upstream
UNION ALL
SELECT 'latency', ${key}, NULL, NULL, NULL, sum(h.n)::bigint, h.i::integer - 1
FROM audit_daily_latency CROSS JOIN LATERAL unnest(histogram) WITH ORDINALITY AS h(n, i)
WHERE day >= $1::date AND day < $2::date AND h.n > 0 GROUP BY 2, h.i
UNION ALL
SELECT 'watermark', NULL, NULL, NULL, NULL, seq, NULL FROM audit_statistics_watermark`
}

interface ReportRow {
  kind: 'count' | 'latency' | 'watermark'
  key: string | null
  status: number | null
  problemType: string | null
  upstream: string | null
  n: number
  bucket: number | null
}

interface Tally {
  figures: Omit<Figures, 'latencyMs'>
  histogram: number[]
}

function emptyTally (): Tally {
  return { figures: { calls: 0, disclosed: 0, refused: 0, refusedByType: {}, failed: 0, failedByType: {}, upstreamErrors: 0, other: 0 }, histogram: [] }
}

function count (tally: Tally, status: number, problemType: string, upstream: string, n: number): void {
  const figures = tally.figures
  figures.calls += n
  const type = problemType === '' ? UNSPECIFIED : problemType
  if (status >= 200 && status < 300) figures.disclosed += n
  else if (status >= 400 && status < 500) {
    figures.refused += n
    figures.refusedByType[type] = (figures.refusedByType[type] ?? 0) + n
  } else if (status >= 500) {
    figures.failed += n
    figures.failedByType[type] = (figures.failedByType[type] ?? 0) + n
  } else figures.other += n
  if (status >= 500 && isUpstreamError(status, problemType, upstream)) figures.upstreamErrors += n
}

function figuresOf (tally: Tally): Figures {
  return { ...tally.figures, latencyMs: { p50: percentileMs(tally.histogram, 0.5), p95: percentileMs(tally.histogram, 0.95) } }
}

function compareKeys (a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}

/** The report from the aggregates as they are (roll up first for current figures). */
export async function statisticsReport (db: Queryable, query: StatisticsQuery): Promise<StatisticsReport> {
  const rows = await db.query<ReportRow>(reportSql(query.groupBy), [query.from, query.to])
  const tallies = new Map<string | null, Tally>()
  const totals = emptyTally()
  let rolledUpTo = 0
  for (const row of rows) {
    if (row.kind === 'watermark') {
      rolledUpTo = row.n
      continue
    }
    let tally = tallies.get(row.key)
    if (tally === undefined) tallies.set(row.key, tally = emptyTally())
    if (row.kind === 'count') {
      count(tally, row.status ?? 0, row.problemType ?? '', row.upstream ?? '', row.n)
      count(totals, row.status ?? 0, row.problemType ?? '', row.upstream ?? '', row.n)
    } else {
      addAt(tally.histogram, row.bucket ?? 0, row.n)
      addAt(totals.histogram, row.bucket ?? 0, row.n)
    }
  }
  const groups = [...tallies.entries()]
    .sort(([a], [b]) => compareKeys(a, b))
    .map(([key, tally]) => ({ key, ...figuresOf(tally) }))
  return { ...query, utcOffset: REPORT_OFFSET, rolledUpTo, groups, totals: figuresOf(totals) }
}
