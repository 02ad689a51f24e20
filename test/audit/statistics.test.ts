import t, { type Test } from 'tap'
import type { AuditEntry } from '../../src/audit/record.js'
import { rollUp, statisticsReport, type GroupBy, type StatisticsReport } from '../../src/audit/statistics.js'
import { createAuditWriter } from '../../src/audit/writer.js'
import type { Db } from '../../src/store/db.js'
import { auditEntry } from '../support/audit-entries.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'
import { storeDrivers } from '../store/store-drivers.js'

/**
 * Statistics from the daily aggregates must equal what the raw audit records say: counted here straight from
 * audit_records, by the rules the API documents, never through the roll-up.
 */

// what a call can end as: status, problem type, upstream (null: none)
const OUTCOMES: Array<[number, string | null, string | null]> = [
  [200, null, 'population'], [200, null, null], [304, null, null],
  [400, 'validation', null], [403, 'purpose-not-granted', 'population'], [429, 'rate-limited', 'population'],
  [502, 'upstream-error', 'population'], [503, 'upstream-unavailable', 'procedures'], [504, 'upstream-timeout', 'population'],
  [503, 'store-unavailable', 'population'], [500, null, 'population'], [500, null, null]
]
const CLIENTS = ['VN.H23.MOTCUA', 'VN.H23.YTE', 'VN.H23.ADMIN', null]
const SERVICES = ['citizens.read', 'dossiers.read', null]

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** n varied records over days starting at `firstDay` (UTC), times near the +07:00 midnight (17:00 UTC) included. */
function entries (n: number, firstDay: number, seed: number): AuditEntry[] {
  const next = random(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)] as T
  return Array.from({ length: n }, (_, i) => {
    const [status, problemType, upstream] = pick(OUTCOMES)
    const minute = pick([0, 16 * 60 + 59, 17 * 60, 17 * 60 + 1, Math.floor(next() * 1440)])
    const recordedAt = new Date(Date.UTC(2025, 0, firstDay + Math.floor(next() * 40), 0, minute, Math.floor(next() * 60), i % 1000)).toISOString()
    // 0 ms, sub-millisecond, up to ~20 s, log-uniform
    const latencyMs = next() < 0.05 ? 0 : Math.round(10 ** (next() * 5.3 - 1) * 1000) / 1000
    const base = auditEntry(i, { recordedAt, messageId: `m-${seed}-${i}`, clientId: pick(CLIENTS), service: pick(SERVICES), status, problemType, upstream, latencyMs })
    if (next() >= 0.08) return base
    // a summary of refusals of unidentified callers: no problem type, no latency of its own
    return { ...base, messageId: null, clientId: null, status: pick([401, 429]), problemType: null, latencyMs: 0, summary: { count: 1 + Math.floor(next() * 50), address: '203.0.113.7', reason: 'malformed', windowStart: recordedAt } }
  })
}

async function write (db: Db, list: AuditEntry[]): Promise<void> {
  const writer = createAuditWriter(db, { maxBatch: 64 })
  await Promise.all(list.map(async (entry) => { await writer.append(entry) }))
}

interface Raw { recordedAt: Date, clientId: string | null, service: string | null, status: number, problemType: string | null, upstream: string | null, latencyMs: number, refusalCount: number | null }

/** The report as counted from audit_records directly: the documented rules, written out again. */
async function expected (db: Db, from: string, to: string, groupBy: GroupBy): Promise<Map<string | null, { calls: number, disclosed: number, refused: number, failed: number, upstreamErrors: number, other: number, refusedByType: Record<string, number>, failedByType: Record<string, number>, latencies: number[] }>> {
  const rows = await db.query<Raw>(`SELECT recorded_at AS "recordedAt", client_id AS "clientId", service, status, problem_type AS "problemType",
    upstream, latency_ms AS "latencyMs", refusal_count AS "refusalCount" FROM audit_records`)
  const groups = new Map()
  for (const row of rows) {
    const day = new Date(row.recordedAt.getTime() + 7 * 3600_000).toISOString().slice(0, 10)
    if (day < from || day >= to) continue
    const key = groupBy === 'day' ? day : groupBy === 'client' ? row.clientId : row.service
    const group = groups.get(key) ?? { calls: 0, disclosed: 0, refused: 0, failed: 0, upstreamErrors: 0, other: 0, refusedByType: {}, failedByType: {}, latencies: [] }
    groups.set(key, group)
    const n = row.refusalCount ?? 1
    const type = row.problemType ?? 'unspecified'
    group.calls += n
    if (row.status < 300 && row.status >= 200) group.disclosed += n
    else if (row.status >= 400 && row.status < 500) {
      group.refused += n
      group.refusedByType[type] = (group.refusedByType[type] ?? 0) + n
    } else if (row.status >= 500) {
      group.failed += n
      group.failedByType[type] = (group.failedByType[type] ?? 0) + n
      if (row.problemType?.startsWith('upstream-') === true || (row.problemType === null && row.upstream !== null)) group.upstreamErrors += n
    } else group.other += n
    if (row.refusalCount === null) group.latencies.push(row.latencyMs)
  }
  return groups
}

/** The exact nearest-rank percentile; the report's must be within 4.5 % of it (0.125 ms for anything below). */
function within (t: Test, reported: number | null, latencies: number[], p: number, what: string): void {
  if (latencies.length === 0) {
    t.equal(reported, null, what)
    return
  }
  const exact = [...latencies].sort((a, b) => a - b)[Math.max(1, Math.ceil(p * latencies.length)) - 1] as number
  if (exact < 0.125) t.equal(reported, 0.125, what)
  else t.ok(reported !== null && Math.abs(reported - exact) / exact <= 0.045, `${what}: ${String(reported)} for ${exact}`)
}

async function check (t: Test, db: Db, report: StatisticsReport): Promise<void> {
  const want = await expected(db, report.from, report.to, report.groupBy)
  t.same(report.groups.map((group) => group.key), [...want.keys()].sort((a, b) => a === null ? 1 : b === null ? -1 : a < b ? -1 : 1), `${report.groupBy}: the same groups`)
  let calls = 0
  for (const group of report.groups) {
    const { latencies, ...counts } = want.get(group.key) ?? { latencies: [] }
    const { key, latencyMs, ...figures } = group
    t.same(figures, counts, `${report.groupBy} ${String(key)}: counts`)
    within(t, latencyMs.p50, latencies, 0.5, `${report.groupBy} ${String(key)}: p50`)
    within(t, latencyMs.p95, latencies, 0.95, `${report.groupBy} ${String(key)}: p95`)
    calls += figures.calls
  }
  t.equal(report.totals.calls, calls, 'totals add the groups up')
  within(t, report.totals.latencyMs.p95, [...want.values()].flatMap((group) => group.latencies), 0.95, 'totals p95')
}

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: the roll-up's figures equal the raw records', per client, service and day`, async (t) => {
    const db = await driver.open(t)
    await write(db, entries(400, 0, 7))
    t.equal(await rollUp(db, { chunk: 37 }), 400, 'in chunks, up to the head')
    for (const groupBy of ['client', 'service', 'day'] as const) await check(t, db, await statisticsReport(db, { from: '2024-12-01', to: '2025-03-01', groupBy }))
    await check(t, db, await statisticsReport(db, { from: '2025-01-10', to: '2025-01-20', groupBy: 'client' }))

    const before = await statisticsReport(db, { from: '2024-12-01', to: '2025-03-01', groupBy: 'day' })
    t.equal(await rollUp(db, { chunk: 37 }), 400, 'a second roll-up finds nothing new')
    t.same(await statisticsReport(db, { from: '2024-12-01', to: '2025-03-01', groupBy: 'day' }), before, '…and adds nothing')

    await write(db, entries(60, 20, 8))
    t.equal(await rollUp(db, { chunk: 1000 }), 460)
    const after = await statisticsReport(db, { from: '2024-12-01', to: '2025-03-01', groupBy: 'service' })
    t.ok(after.totals.calls > before.totals.calls)
    t.equal(after.rolledUpTo, 460, 'records after a roll-up are in the next one')
    await check(t, db, after)
  })

  t.test(`${driver.name}: concurrent roll-ups count each record once`, async (t) => {
    const db = await driver.open(t)
    await write(db, entries(300, 0, 9))
    const reached = await Promise.all([rollUp(db, { chunk: 10 }), rollUp(db, { chunk: 10 }), rollUp(db, { chunk: 25 })])
    t.same(reached, [300, 300, 300])
    for (const groupBy of ['client', 'day'] as const) await check(t, db, await statisticsReport(db, { from: '2024-12-01', to: '2025-03-01', groupBy }))
  })
}

t.test('GET /admin/v1/statistics: current figures, as JSON or CSV, for administrators only', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
  // around today in Asia/Ho_Chi_Minh, a day either side: a test running at midnight still finds its calls
  const day = (offsetDays: number): string => new Date(Date.now() + (7 + 24 * offsetDays) * 3600_000).toISOString().slice(0, 10)
  const [today, tomorrow] = [day(0), day(2)]
  const url = `/admin/v1/statistics?from=${day(-1)}&to=${tomorrow}&groupBy=client`
  const citizen = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`

  t.equal((await app.inject({ method: 'GET', url })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url, headers: await headers() })).statusCode, 403, 'a client without the admin scope')
  for (const query of [`from=${today}&to=${today}`, 'from=2025-01-01&to=2026-01-03', 'from=2025-02-30&to=2025-03-01', `to=${tomorrow}`, `from=${today}&to=${tomorrow}&groupBy=week`]) {
    const res = await app.inject({ method: 'GET', url: `/admin/v1/statistics?${query}`, headers: admin })
    t.equal(res.statusCode, 400, query)
    t.match(res.json(), { type: 'https://errors.gateway.local/validation' })
  }
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/statistics?from=2025-01-01&to=2026-01-02', headers: admin })).statusCode, 200, '366 days is the most')

  for (const purpose of ['TTHC', 'TTHC', 'KCB']) await app.inject({ method: 'GET', url: citizen, headers: await headers({ purpose }) })
  const first = (await app.inject({ method: 'GET', url, headers: admin })).json<StatisticsReport>()
  t.match(first.groups.find((group) => group.key === 'VN.TEST.FULL'), { calls: 4, disclosed: 2, refused: 2, refusedByType: { forbidden: 1, 'purpose-not-granted': 1 } })
  t.match(first.groups.at(-1), { key: null, calls: 1, refused: 1, refusedByType: { unauthorized: 1 } }, 'calls of no identified client, last')
  await app.inject({ method: 'GET', url: citizen, headers: await headers() })
  const second = (await app.inject({ method: 'GET', url, headers: admin })).json<StatisticsReport>()
  t.match(second.groups.find((group) => group.key === 'VN.TEST.FULL'), { calls: 5, disclosed: 3 }, 'a call after the last report is in the next')
  t.match(second.groups.find((group) => group.key === 'VN.TEST.ADMIN'), { calls: 7, disclosed: 2, refused: 5 }, 'the statistics calls are audited too')

  const csv = await app.inject({ method: 'GET', url, headers: { ...admin, accept: 'text/csv' } })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/)
  const [header, ...lines] = csv.body.split('\r\n')
  t.equal(lines.pop(), '', 'each row ends with CRLF')
  t.same(header?.split(','), ['client', 'calls', 'disclosed', 'refused', 'failed', 'upstream_errors', 'other', 'p50_ms', 'p95_ms', 'refused:forbidden', 'refused:purpose-not-granted', 'refused:unauthorized', 'refused:validation'])
  const rows = lines.map((line) => line.split(','))
  t.same(rows.map((row) => row[0]), ['VN.TEST.ADMIN', 'VN.TEST.FULL', ''], 'one row per group, an empty key for no identified client')
  const json = (await app.inject({ method: 'GET', url, headers: admin })).json<StatisticsReport>()
  t.equal(rows.reduce((sum, row) => sum + Number(row[1]), 0) + 1, json.totals.calls, 'a column sum is the total (but for the CSV call itself, audited after it answered)')
  t.same(rows.find((row) => row[0] === 'VN.TEST.FULL')?.slice(1, 7), ['5', '3', '2', '0', '0', '0'])
})
