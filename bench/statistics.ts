import { performance } from 'node:perf_hooks'
import { rollUp, statisticsReport } from '../src/audit/statistics.js'
import { openDb, type Db } from '../src/store/db.js'
import { migrate } from '../src/store/migrate.js'
import { benchStore } from './backends.js'
import { describeMachine, machineRows, markdownTable, median } from './report.js'
import { benchServiceUrls, runBenchScript, writeResults } from './script.js'

/**
 * How fast statistics answer for a year: a year of audit records (made in SQL, not through the chain writer, which
 * the roll-up does not need) is rolled up, then the year's report is asked for per client, service and day.
 *
 *   npm run bench:statistics [-- --records 1000000 --clients 40 --rounds 5]
 *   BENCH_DATABASE_URL=postgres://…  a schema bench_<random> there, instead of an embedded PGlite
 *
 * Each client calls three of eight services; outcomes and latencies vary as in the tests.
 */

const OUTCOMES = `(VALUES (200, NULL, 'population'), (200, NULL, 'population'), (200, NULL, 'population'), (200, NULL, 'population'),
  (403, 'purpose-not-granted', 'population'), (429, 'rate-limited', 'population'), (400, 'validation', NULL),
  (502, 'upstream-error', 'population'), (504, 'upstream-timeout', 'population')) AS o(status, problem_type, upstream)`

/** `records` records over 2025 (one per slot, in seq order), straight into audit_records, and the head moved to them. */
async function fill (db: Db, records: number, clients: number): Promise<void> {
  for (let month = 1; month <= 12; month++) await db.query('SELECT audit_ensure_partition($1::timestamptz)', [`2025-${String(month).padStart(2, '0')}-15T00:00:00Z`])
  const batch = 100_000
  for (let from = 1; from <= records; from += batch) {
    const to = Math.min(records, from + batch - 1)
    await db.query(`INSERT INTO audit_records (seq, recorded_at, request_id, client_id, service, method, route, status, problem_type, upstream,
        latency_ms, prev_hash, hash)
      SELECT s, timestamptz '2025-01-01T00:00:00Z' + ((s - 1)::double precision / $2) * interval '365 days', 'bench-' || s,
        'VN.BENCH.C' || (s % $3), 'service.s' || ((s % $3 + (s / 7) % 3) % 8), 'GET', '/bench', o.status, o.problem_type, o.upstream,
        exp(random() * 9 - 2), '', ''
      FROM generate_series($1::bigint, $4::bigint) AS s
      CROSS JOIN LATERAL (SELECT * FROM ${OUTCOMES} ORDER BY (s * 7919 + o.status) % 9 LIMIT 1) AS o`, [from, records, clients, to])
  }
  await db.query('UPDATE audit_head SET seq = $1', [records])
}

await runBenchScript({
  numbers: {
    records: { default: 1_000_000, min: 1000, max: 100_000_000 },
    clients: { default: 40, min: 1, max: 10_000 },
    rounds: { default: 5, min: 1, max: 100 }
  }
}, async (options, cleanup) => {
  const { databaseUrl } = benchServiceUrls()
  const store = await benchStore(cleanup, databaseUrl)
  const db = databaseUrl === undefined
    ? await openDb({ driver: 'pglite', dataDir: store.env.STORE_DIR ?? '' })
    : await openDb({ driver: 'postgres', url: databaseUrl, schema: store.env.DATABASE_SCHEMA ?? 'public', poolSize: 2 })
  cleanup.add('close the store', () => db.close())
  await migrate(db)

  process.stderr.write(`writing ${options.records} records…\n`)
  await fill(db, options.records, options.clients)
  let started = performance.now()
  await rollUp(db, { chunk: 20_000 })
  const rollUpSeconds = (performance.now() - started) / 1000
  const [{ rows } = { rows: 0 }] = await db.query<{ rows: number }>('SELECT count(*)::bigint AS rows FROM audit_daily_statistics')

  const timings: Array<[string, string, string]> = []
  for (const groupBy of ['client', 'service', 'day'] as const) {
    const times: number[] = []
    let groups = 0
    for (let round = 0; round < options.rounds; round++) {
      started = performance.now()
      groups = (await statisticsReport(db, { from: '2025-01-01', to: '2026-01-01', groupBy })).groups.length
      times.push(performance.now() - started)
    }
    timings.push([groupBy, String(groups), median(times).toFixed(0)])
  }
  await writeResults('results-statistics.md', [
    '# Statistics: a year\'s report from the daily aggregates',
    '',
    markdownTable(['', ''], [...machineRows(describeMachine()), ['store', store.description],
      ['audit records', String(options.records)], ['clients', String(options.clients)],
      ['roll-up of all records', `${rollUpSeconds.toFixed(1)} s (${Math.round(options.records / rollUpSeconds)} records/s)`],
      ['aggregate rows', String(rows)]]),
    '',
    `Report for 2025 (median of ${options.rounds}):`,
    '',
    markdownTable(['groupBy', 'groups', 'ms'], timings, ['l', 'r', 'r']),
    ''
  ].join('\n'))
})
