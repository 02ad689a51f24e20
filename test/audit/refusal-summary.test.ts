import t, { type Test } from 'tap'
import { verifyChain } from '../../src/audit/reader.js'
import { openDb, type Db } from '../../src/store/db.js'
import { buildTestGateway } from '../support/gateway.js'

/**
 * Issue 15 #6: a flood of calls without a valid token is refused cheaply — per caller address, before any token
 * is checked — and its refusals are summarised in the audit (a count per address, route, status and reason)
 * instead of one durable row each. Calls and refusals of an identified client keep one row each.
 */

interface Row { kind: string, status: number, clientId: string | null, count: number | null, address: string | null, reason: string | null }

/** The gateway's store, opened again after the gateway closed. */
async function reopen (t: Test, storeEnv: Record<string, string>): Promise<Db> {
  const db = storeEnv.DATABASE_URL !== undefined
    ? await openDb({ driver: 'postgres', url: storeEnv.DATABASE_URL, schema: storeEnv.DATABASE_SCHEMA ?? 'public', poolSize: 2 })
    : await openDb({ driver: 'pglite', dataDir: storeEnv.STORE_DIR ?? '' })
  t.teardown(() => db.close())
  return db
}

async function rows (db: Db): Promise<Row[]> {
  return await db.query<Row>(`SELECT CASE WHEN refusal_count IS NULL THEN 'call' ELSE 'refusal-summary' END AS kind, status, client_id AS "clientId",
    refusal_count AS count, caller_address AS address, refusal_reason AS reason FROM audit_records ORDER BY seq`)
}

t.test('an anonymous flood: refused per address before any token check, summarised in a few chained rows', async (t) => {
  const gateway = await buildTestGateway(t, { env: { ANON_RATE_LIMIT_PER_MINUTE: '20', TRUST_PROXY: 'true' } })
  const { app, simulator, headers } = gateway
  const url = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`
  const from = (address: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'x-forwarded-for': address, ...extra })

  // a client on the flooding address, whose token this gateway verified before the flood
  const known = await headers()
  t.equal((await app.inject({ method: 'GET', url, headers: from('203.0.113.7', known) })).statusCode, 200)

  const statuses = new Map<number, number>()
  let retryAfter: string | undefined
  for (let n = 0; n < 400; n++) {
    const res = await app.inject({ method: 'GET', url, headers: from('203.0.113.7', n % 2 === 0 ? {} : { authorization: 'Bearer not.a.token' }) })
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    if (res.statusCode === 429) {
      retryAfter = res.headers['retry-after'] as string
      if (n === 399) t.match(res.json(), { type: 'https://errors.gateway.local/rate-limited', status: 429 })
    }
  }
  t.same(Object.fromEntries(statuses), { 401: 20, 429: 380 }, '20 refusals heard, then refused unheard')
  t.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${String(retryAfter)}`)
  t.equal((await app.inject({ method: 'GET', url, headers: from('198.51.100.9') })).statusCode, 401, 'another address has its own budget')
  const again = await app.inject({ method: 'GET', url, headers: from('203.0.113.7', known) })
  t.equal(again.statusCode, 200, `a token already verified still gets through ${again.statusCode === 200 ? '' : again.body}`)
  t.equal((await app.inject({ method: 'GET', url, headers: from('203.0.113.7', await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'] })) })).statusCode, 429,
    'a token never seen is not checked from a flooding address')

  // an identified client's refusals: one row each
  for (let n = 0; n < 5; n++) t.equal((await app.inject({ method: 'GET', url, headers: from('192.0.2.1', await headers({ purpose: 'KCB' })) })).statusCode, 403)

  await app.close() // flushes the summaries of the minute
  const db = await reopen(t, gateway.storeEnv)
  const all = await rows(db)
  const anonymous = all.filter((row) => row.clientId === null)
  t.ok(anonymous.length <= 8, `${anonymous.length} audit rows for 402 anonymous refusals`)
  t.equal(anonymous.reduce((sum, row) => sum + (row.count ?? 1), 0), 402, 'which count every refusal')
  t.same(anonymous.filter((row) => row.kind === 'refusal-summary').map((row) => row.address).sort(), ['203.0.113.7', '203.0.113.7', '203.0.113.7'],
    'one summary per (route, status, reason) of the flooding address; the lone refusal of the other address is recorded on its own')
  t.same(new Set(anonymous.map((row) => `${row.status} ${row.reason ?? ''}`)), new Set(['401 ', '401 no-credentials', '401 malformed', '429 ', '429 anonymous-rate-limited']))
  t.equal(all.filter((row) => row.status === 403 && row.clientId === 'VN.TEST.FULL').length, 5, 'an identified client\'s refusals are one row each')
  t.match(await verifyChain(db), { intact: true, checked: all.length, headSeq: all.length }, 'the summaries are in the chain')
})
