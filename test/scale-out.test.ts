import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Agent, request, type Dispatcher } from 'undici'
import type { Dossier } from '../adapters/procedures/port.js'
import { startProceduresSimulator } from '../adapters/procedures/simulator.js'
import { GENESIS_HASH } from '../src/audit/record.js'
import { verifyChain } from '../src/audit/reader.js'
import type { Client } from '../src/auth/grants.js'
import { openDb, type Db } from '../src/store/db.js'
import { gatewayProcessEnv } from './support/gateway.js'
import { signTestToken, TEST_CLIENTS } from './support/identity.js'
import { testRedisUrl } from './support/redis.js'
import { tempFiles } from './support/teardown.js'
import { TEST_PROCEDURES_KEY } from './support/upstreams.js'
import { processesConnectedTo, startBuiltGateway, startBuiltWorker, type GatewayProcess, type NodeProcess } from './support/processes.js'
import { waitFor } from './support/wait.js'
import { destinationCitizens, expectedCitizens, populationFeed, workerEnv } from './sync/fixtures.js'

/**
 * Issue #9, scale-out: the gateway keeps no state of its own. Two gateway processes and two sync worker processes
 * share one Redis key prefix and one PostgreSQL schema (both unique to this run); whatever a client does through
 * either gateway — rate limits, audit, syncs, idempotent writes, grant changes — comes out as if there were one.
 */

const SYNC = 'population-changes'
const RATE_LIMIT = 10
const GRANTS_CACHE_TTL_MS = 500
const CHANGES = 20_000
const INVALID_EVERY = 50

// clients of this test besides the usual ones: a low per-minute limit, and a grant to revoke
const SCALE_CLIENTS: Client[] = [
  { clientId: 'VN.SCALE.RATE', name: 'Rate-limited system', status: 'active', grants: [{ service: 'citizens.read', purposes: ['TTHC'], rateLimitPerMinute: RATE_LIMIT }] },
  { clientId: 'VN.SCALE.BURST', name: 'Rate-limited system, burst', status: 'active', grants: [{ service: 'citizens.read', purposes: ['TTHC'], rateLimitPerMinute: RATE_LIMIT }] },
  { clientId: 'VN.SCALE.REVOKED', name: 'System losing its grant', status: 'active', grants: [{ service: 'citizens.read', purposes: ['TTHC'] }] }
]
const MOTCUA = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read', 'dossiers.read', 'dossiers.write'] }

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: () => any
}

const databaseUrl = process.env.TEST_DATABASE_URL

t.test('two gateways and two workers on one Redis and one PostgreSQL schema behave as one gateway', {
  skip: databaseUrl === undefined ? 'gateways and workers in separate processes share a store only on PostgreSQL (set TEST_DATABASE_URL)' : false
}, async (t) => {
  const started = Date.now()
  const redisUrl = await testRedisUrl(t)
  // one population simulator behind everything: lookups for the gateways, a change feed for the workers
  const { simulator } = await populationFeed(t, { changes: CHANGES, invalidEvery: INVALID_EVERY })
  const procedures = await startProceduresSimulator({ apiKey: TEST_PROCEDURES_KEY, population: simulator.population })
  t.teardown(() => procedures.close())

  // one set of prefixes and one schema for all four processes (gatewayProcessEnv makes them unique to this run)
  const shared = await gatewayProcessEnv(t, { populationUrl: simulator.url, proceduresUrl: procedures.url })
  const files = await tempFiles(t, { 'grants.json': JSON.stringify({ clients: [...TEST_CLIENTS, ...SCALE_CLIENTS] }) })
  const store = { DATABASE_URL: shared.DATABASE_URL as string, DATABASE_SCHEMA: shared.DATABASE_SCHEMA as string }
  const syncSettings = {
    SYNC_BATCH_SIZE: '500',
    SYNC_LOCK_MS: '2000',
    SYNC_BACKOFF_MS: '200',
    // the nightly schedule must not start a run of its own during the test: once a year
    SYNC_CRON: '0 1 1 1 *'
  }
  const gatewayEnv: Record<string, string> = { ...shared, GRANTS_FILE: files['grants.json'] as string, GRANTS_CACHE_TTL_MS: String(GRANTS_CACHE_TTL_MS), ...syncSettings }
  const workerSettings = workerEnv({
    populationUrl: simulator.url,
    redisUrl,
    prefix: shared.SYNC_QUEUE_PREFIX as string,
    store,
    extra: { ...syncSettings, PROCEDURES_URL: procedures.url }
  })
  t.equal(gatewayEnv.SYNC_QUEUE_PREFIX, workerSettings.SYNC_QUEUE_PREFIX, 'gateways and workers share the queues')

  // all four start together: migrations, client seeding and schedules race here too
  const spawning = Date.now()
  const upAfter: string[] = []
  const up = async <P extends NodeProcess>(starting: Promise<P>): Promise<P> => {
    const child = await starting
    upAfter.push(`${child.name} ${Date.now() - spawning} ms`)
    return child
  }
  const [a, b, ...workers] = await Promise.all([
    up(startBuiltGateway(t, 'gateway A', gatewayEnv)),
    up(startBuiltGateway(t, 'gateway B', gatewayEnv)),
    up(startBuiltWorker(t, 'worker 1', workerSettings)),
    up(startBuiltWorker(t, 'worker 2', workerSettings))
  ]) as [GatewayProcess, GatewayProcess, NodeProcess, NodeProcess]
  t.comment(`simulators ready after ${spawning - started} ms; then up: ${upAfter.join(', ')} (${a.url}, ${b.url})`)

  const dispatcher = new Agent({ connections: 64 })
  t.teardown(() => dispatcher.close())
  const db: Db = await openDb({ driver: 'postgres', url: store.DATABASE_URL, schema: store.DATABASE_SCHEMA, poolSize: 2 })
  t.teardown(() => db.close())

  const call = async (gateway: GatewayProcess, path: string, options: { method?: Dispatcher.HttpMethod, headers?: Record<string, string>, body?: unknown } = {}): Promise<Answer> => {
    const res = await request(`${gateway.url}${path}`, {
      method: options.method ?? 'GET',
      headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      dispatcher
    })
    const body = await res.body.text()
    return { status: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) }
  }
  // A gateway that has just started counts its own start-up as event-loop delay and sheds load (503 overloaded)
  // until its next pressure sample; a load balancer would see the same. Wait for both to take ordinary requests.
  const allUp = Date.now()
  for (const gateway of [a, b]) {
    let shed = 0
    await waitFor(`${gateway.name} to take requests`, async () => {
      const { status } = await call(gateway, '/openapi.json')
      if (status === 503) shed++
      return status === 200 ? true : undefined
    }, 15_000, 100)
    t.comment(`${gateway.name} takes ordinary requests ${Date.now() - allUp} ms after all four were up (${shed} shed before)`)
  }
  const bearer = async (clientId: string, scopes: string[]): Promise<Record<string, string>> => ({ authorization: `Bearer ${await signTestToken({ clientId, scopes })}` })
  const admin = await bearer('VN.TEST.ADMIN', ['admin'])
  const citizenPath = (index: number): string => `/api/v1/citizens/${simulator.population.citizenAt(index).personalId}`

  await t.test('(a) a client\'s rate limit is one limit across both gateways', async (t) => {
    const headers = { ...await bearer('VN.SCALE.RATE', ['citizens.read']), 'x-purpose': 'TTHC' }
    const hitsBefore = simulator.hits
    const answers: Array<{ gateway: string, status: number }> = []
    // one at a time, alternating: a per-process counter would let 2 × the limit through
    for (let i = 0; i < 3 * RATE_LIMIT; i++) {
      const gateway = i % 2 === 0 ? a : b
      const res = await call(gateway, citizenPath(i), { headers })
      answers.push({ gateway: gateway.name, status: res.status })
      if (res.status === 429) {
        t.match(res.headers['content-type'], /^application\/problem\+json/)
        t.match(res.json(), { type: 'https://errors.gateway.local/rate-limited', status: 429 })
        const retryAfter = Number(res.headers['retry-after'])
        t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${String(res.headers['retry-after'])} from ${gateway.name}`)
      } else {
        t.equal(res.status, 200, `${gateway.name}: ${res.status === 200 ? 'served' : res.body}`)
      }
    }
    const passed = answers.filter((answer) => answer.status === 200)
    t.equal(passed.length, RATE_LIMIT, `exactly ${RATE_LIMIT} of ${answers.length} passed in total`)
    t.same(answers.map((answer) => answer.status), [...Array(RATE_LIMIT).fill(200), ...Array(2 * RATE_LIMIT).fill(429)], 'the first ones pass, all after are refused')
    for (const gateway of [a, b]) {
      t.ok(answers.some((answer) => answer.gateway === gateway.name && answer.status === 429), `${gateway.name} refuses once the shared limit is spent`)
    }
    t.equal(simulator.hits - hitsBefore, RATE_LIMIT, 'refused calls never reached the upstream')

    // all at once, half to each gateway: the shared counter is atomic
    const burst = { ...await bearer('VN.SCALE.BURST', ['citizens.read']), 'x-purpose': 'TTHC' }
    const statuses = await Promise.all(Array.from({ length: 4 * RATE_LIMIT }, async (_, i) => (await call(i % 2 === 0 ? a : b, citizenPath(i), { headers: burst })).status))
    t.equal(statuses.filter((status) => status === 200).length, RATE_LIMIT, `a burst of ${statuses.length} at once: exactly ${RATE_LIMIT} pass`)
    t.equal(statuses.filter((status) => status === 429).length, 3 * RATE_LIMIT, 'the rest are 429')
  })

  await t.test('(b) audit written by both gateways at once is one hash chain', async (t) => {
    const headers = { authorization: `Bearer ${await signTestToken()}`, 'x-purpose': 'TTHC' }
    const disclosed: string[] = []
    const others: number[] = []
    const PER_CALLER = 30
    const caller = async (gateway: GatewayProcess, letter: string, worker: number): Promise<void> => {
      for (let n = 0; n < PER_CALLER; n++) {
        const requestId = `scale-${letter}-${worker}-${n}-${Date.now()}`
        const res = await call(gateway, citizenPath(worker * PER_CALLER + n), { headers: { ...headers, 'x-request-id': requestId } })
        if (res.status === 200 && res.body.includes('fullName')) disclosed.push(requestId)
        else others.push(res.status)
      }
    }
    const loadStarted = Date.now()
    await Promise.all([
      ...Array.from({ length: 8 }, async (_, worker) => await caller(a, 'a', worker)),
      ...Array.from({ length: 8 }, async (_, worker) => await caller(b, 'b', worker))
    ])
    t.same(others, [], 'every call answered with data')
    t.comment(`${disclosed.length} calls with data through both gateways in ${Date.now() - loadStarted} ms`)

    const [{ n: recorded } = { n: 0 }] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_records')
    const fromA = await call(a, '/admin/v1/audit/verify', { headers: admin })
    t.equal(fromA.status, 200)
    t.match(fromA.json(), { intact: true, checked: recorded, headSeq: recorded }, `gateway A: the chain of ${recorded} records verifies`)
    const fromB = await call(b, '/admin/v1/audit/verify', { headers: admin })
    t.equal(fromB.status, 200)
    // A's verify call was audited before its answer: one record more
    t.match(fromB.json(), { intact: true, checked: recorded + 1, headSeq: recorded + 1 }, 'gateway B: the same chain, one record longer')

    const records = await db.query<{ seq: number, requestId: string, status: number, prevHash: string, hash: string }>(
      'SELECT seq, request_id AS "requestId", status, prev_hash AS "prevHash", hash FROM audit_records ORDER BY seq')
    t.ok(records.every((record, index) => record.seq === index + 1), `seq runs 1..${records.length} without a gap`)
    const unlinked = records.filter((record, index) => record.prevHash !== (index === 0 ? GENESIS_HASH : records[index - 1]?.hash))
    t.same(unlinked.map((record) => record.seq), [], 'every record links to the one before it')
    const prevHashes = new Set(records.map((record) => record.prevHash))
    t.equal(prevHashes.size, records.length, 'no two records follow the same one: no fork')
    const [head] = await db.query<{ seq: number, hash: string }>('SELECT seq, hash FROM audit_head')
    t.same(head, { seq: records.at(-1)?.seq, hash: records.at(-1)?.hash }, 'the head is the last record')
    const audited = new Set(records.filter((record) => record.status === 200).map((record) => record.requestId))
    t.same(disclosed.filter((requestId) => !audited.has(requestId)), [], `all ${disclosed.length} responses with data have their record`)

    // the two gateways' records are interleaved in the one chain, not two chains one after the other
    const origins = records.flatMap((record) => /^scale-([ab])-/.exec(record.requestId)?.[1] ?? [])
    const switches = origins.filter((origin, index) => index > 0 && origin !== origins[index - 1]).length
    t.ok(origins.includes('a') && origins.includes('b') && switches > 2, `the chain passes ${switches} times from one gateway's records to the other's`)
    t.comment(`chain: ${records.length} records; load records ${origins.filter((o) => o === 'a').length} from A, ${origins.filter((o) => o === 'b').length} from B, ${switches} switches`)
  })

  await t.test('(d) the same status change sent to both gateways at once is applied once upstream', async (t) => {
    const dossier = procedures.register.dossiers().find((candidate) => candidate.status === 'received' && candidate.applicant.kind === 'citizen') as Dossier
    t.ok(dossier, 'a received dossier')
    const historyBefore = dossier.statusHistory.length
    const headers = { ...await bearer(MOTCUA.clientId, MOTCUA.scopes), 'x-purpose': 'TTHC', 'idempotency-key': `scale-out-${Date.now()}` }
    const change = { status: 'processing', note: 'Tiếp nhận xử lý' }
    const post = async (gateway: GatewayProcess): Promise<Answer> => await call(gateway, `/api/v1/dossiers/${dossier.dossierCode}/status`, { method: 'POST', headers, body: change })
    // the one-stop system answers slowly, so the second request arrives while the first is being answered
    procedures.faults = { delayMs: 300 }
    let answers: [Answer, Answer]
    try {
      answers = await Promise.all([post(a), post(b)])
    } finally {
      procedures.faults = {}
    }
    const applied = answers.filter((answer) => answer.status === 200 && answer.headers['idempotent-replayed'] === undefined)
    t.equal(applied.length, 1, `one of them applied the change (answers ${answers.map((answer) => answer.status).join(', ')})`)
    const first = applied[0] as Answer
    t.match(first.json(), { dossierCode: dossier.dossierCode, status: 'processing', sequence: dossier.sequence + 1 })
    const other = answers.find((answer) => answer !== first) as Answer
    const otherGateway = answers.indexOf(other) === 0 ? a : b
    // the contract (routes/api/v1/dossiers.ts): the other caller gets the first answer replayed, or, while the first
    // is still being answered, a 409 telling it to retry — and the retry gets the first answer
    if (other.status === 409) {
      t.match(other.headers['content-type'], /^application\/problem\+json/)
      t.match(other.json(), { type: 'https://errors.gateway.local/conflict', status: 409, detail: /still being answered/ })
      t.equal(other.headers['retry-after'], '1')
      await sleep(Number(other.headers['retry-after']) * 1000)
      const retried = await post(otherGateway)
      t.equal(retried.status, 200, `${otherGateway.name}'s retry is answered`)
      t.equal(retried.headers['idempotent-replayed'], 'true', 'replayed, not applied again')
      t.same(retried.json(), first.json(), 'the same answer as the first caller got')
    } else {
      t.equal(other.status, 200)
      t.equal(other.headers['idempotent-replayed'], 'true', 'replayed, not applied again')
      t.same(other.json(), first.json(), 'the same answer as the first caller got')
    }
    // and once more through each gateway: still the first answer
    for (const gateway of [a, b]) {
      const again = await post(gateway)
      t.equal(again.headers['idempotent-replayed'], 'true')
      t.same(again.json(), first.json(), `${gateway.name} replays the first answer`)
    }
    const upstream = procedures.register.dossier(dossier.dossierCode)
    t.equal(upstream?.statusHistory.length, historyBefore + 1, 'one status change in the one-stop system')
    t.equal(upstream?.status, 'processing')
    const [keys] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM idempotency_keys WHERE idempotency_key = $1', [headers['idempotency-key']])
    t.equal(keys?.n, 1, 'one claim of the key in the shared store')
  })

  await t.test('(e) a grant revoked through gateway A is refused by gateway B within GRANTS_CACHE_TTL_MS', async (t) => {
    const headers = { ...await bearer('VN.SCALE.REVOKED', ['citizens.read']), 'x-purpose': 'TTHC' }
    const path = citizenPath(7)
    t.equal((await call(a, path, { headers })).status, 200, 'A serves the client')
    t.equal((await call(b, path, { headers })).status, 200, 'B serves the client')

    // the worst case for B: it loads the client's grants just before the revocation lands, and keeps them a whole TTL
    await sleep(GRANTS_CACHE_TTL_MS + 100) // B's copy has expired
    t.equal((await call(b, path, { headers })).status, 200, 'B serves the client from a fresh copy of its grants')
    const reloadedAt = performance.now()
    const polls: Array<{ sentAt: number, answeredAt: number, status: number }> = []
    let revokedAt: number | undefined
    const deadline = Date.now() + GRANTS_CACHE_TTL_MS * 6
    const poller = (async () => {
      while (Date.now() < deadline) {
        const sentAt = performance.now()
        const { status } = await call(b, path, { headers })
        polls.push({ sentAt, answeredAt: performance.now(), status })
        if (revokedAt !== undefined && polls.filter((poll) => poll.sentAt > (revokedAt as number) && poll.status === 403).length >= 5) return
        await sleep(10)
      }
    })()
    const sentRevocation = performance.now()
    const revoked = await call(a, '/admin/v1/clients/VN.SCALE.REVOKED/grants/citizens.read', { method: 'DELETE', headers: admin })
    revokedAt = performance.now()
    t.equal(revoked.status, 204, `revoked through A (${Math.round(revokedAt - sentRevocation)} ms)`)
    const onA = await call(a, path, { headers })
    t.equal(onA.status, 403, 'A refuses at once')
    await poller

    const after = polls.filter((poll) => poll.sentAt > (revokedAt as number))
    const firstRefusal = after.find((poll) => poll.status === 403)
    t.ok(firstRefusal, 'B refuses')
    if (firstRefusal === undefined) return
    const delay = firstRefusal.answeredAt - revokedAt
    const lastServed = polls.filter((poll) => poll.status === 200).at(-1)
    t.comment(`B refused ${Math.round(delay)} ms after the revocation was answered (GRANTS_CACHE_TTL_MS ${GRANTS_CACHE_TTL_MS}, ` +
      `B's copy loaded ${Math.round(revokedAt - reloadedAt)} ms before); its last 200 answered a call sent ${Math.round((lastServed?.sentAt ?? 0) - revokedAt)} ms after the revocation; ${polls.length} polls`)
    // The bound, whatever the machine's load: B may serve from its copy for GRANTS_CACHE_TTL_MS after loading it
    // (at the latest when the fresh call answered), and not one call sent after that
    const servedLate = polls.filter((poll) => poll.status === 200 && poll.sentAt > reloadedAt + GRANTS_CACHE_TTL_MS)
    t.same(servedLate, [], `no call sent over ${GRANTS_CACHE_TTL_MS} ms after B loaded the grants was served`)
    t.same(after.slice(after.indexOf(firstRefusal)).map((poll) => poll.status).filter((status) => status !== 403), [], 'and refused from then on')
    t.same(polls.filter((poll) => poll.sentAt < sentRevocation).map((poll) => poll.status).filter((status) => status !== 200), [], 'served until the revocation')
    const refused = await call(b, path, { headers })
    t.match(refused.headers['content-type'], /^application\/problem\+json/)
    t.match(refused.json(), { status: 403, detail: /not granted citizens\.read/ })
  })

  // (c) comes last: it slows the population simulator down and leaves one worker
  await t.test('(c) a sync triggered through both gateways runs once; killing its worker loses and doubles nothing', async (t) => {
    const runPath = (runId: string): string => `/admin/v1/syncs/${SYNC}/runs/${encodeURIComponent(runId)}`
    const readiness = await call(a, '/readyz')
    t.match(readiness.json(), { checks: { syncs: { detail: '2 sync worker(s) connected' } } }, 'both workers serve the queues')
    const feedPort = Number(new URL(simulator.url).port)
    t.same(await processesConnectedTo(workers, feedPort), [], 'no worker reads the feed yet')

    simulator.faults = { delayMs: 40 } // a page every ~50 ms: the run lasts seconds, so the kill lands mid-run
    t.teardown(() => { simulator.faults = {} })
    const triggers = await Promise.all([a, b].map(async (gateway) => await call(gateway, `/admin/v1/syncs/${SYNC}/runs`, { method: 'POST', headers: admin })))
    t.same(triggers.map((trigger) => trigger.status), [202, 202])
    const [fromA, fromB] = triggers.map((trigger) => trigger.json()) as [{ runId: string, deduplicated: boolean }, { runId: string, deduplicated: boolean }]
    const runId = fromA.runId
    t.equal(fromB.runId, runId, `both gateways answer the same run ${runId}`)
    t.equal(triggers[1]?.headers.location, runPath(runId))
    t.same([fromA.deduplicated, fromB.deduplicated].sort(), [false, true],
      `one trigger queued the run, the other was told it was deduplicated (A: ${String(fromA.deduplicated)}, B: ${String(fromB.deduplicated)})`)

    const running = await waitFor('a few pages', async () => {
      const run = (await call(b, runPath(runId), { headers: admin })).json()
      return run.status === 'running' && run.progress.done >= 3000 ? run : undefined
    }, 30_000, 50)
    const again = await call(b, `/admin/v1/syncs/${SYNC}/runs`, { method: 'POST', headers: admin })
    t.same(again.json(), { runId, sync: SYNC, status: 'queued', deduplicated: true }, 'a trigger while it runs answers the same run, deduplicated')

    const holders = await processesConnectedTo(workers, feedPort)
    t.equal(holders.length, 1, `one worker reads the feed (${holders.map((holder) => holder.name).join(', ')})`)
    const victim = holders[0] as NodeProcess
    const survivor = workers.find((worker) => worker !== victim) as NodeProcess
    await victim.kill()
    const atKill = (await call(a, runPath(runId), { headers: admin })).json()
    t.comment(`SIGKILL ${victim.name} (pid ${victim.pid}) at ${atKill.progress.done}/${atKill.progress.estimated ?? '?'} records read (${atKill.counts.batches} pages committed; ${running.progress.done} when seen running)`)

    const tookOver = Date.now()
    const run = await waitFor('the run to finish on the other worker', async () => {
      const found = (await call(a, runPath(runId), { headers: admin })).json()
      return found.status === 'completed' ? found : undefined
    }, 45_000, 100)
    t.comment(`${survivor.name} finished the run ${Date.now() - tookOver} ms after the kill`)
    t.match(run, { runId, status: 'completed', counts: { read: CHANGES, invalid: CHANGES / INVALID_EVERY, written: CHANGES - CHANGES / INVALID_EVERY }, deadLetterCount: CHANGES / INVALID_EVERY })
    t.ok(run.attempts >= 2, `taken over: ${run.attempts} starts of the same run`)
    t.same(await processesConnectedTo([survivor], feedPort), [survivor], `${survivor.name} read the rest of the feed`)

    const expected = expectedCitizens(simulator)
    const destination = await destinationCitizens(db)
    t.same(destination, { count: expected.count, digest: expected.digest }, `the destination holds the source's ${expected.count} citizens, digest ${expected.digest}`)
    const runs = await db.query<{ runId: string, status: string }>('SELECT run_id AS "runId", status FROM sync_runs WHERE sync_name = $1', [SYNC])
    t.same(runs, [{ runId, status: 'completed' }], 'one run recorded, completed')
    const [letters] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM sync_dead_letters')
    t.equal(letters?.n, expected.invalid, `${expected.invalid} dead letters, none twice`)

    // the finished run no longer holds the trigger: the next one is a new run, and finds nothing new
    const next = await call(b, `/admin/v1/syncs/${SYNC}/runs`, { method: 'POST', headers: admin })
    t.match(next.json(), { deduplicated: false })
    t.not(next.json().runId, runId, 'a new run')
    const nextRun = await waitFor('the next run', async () => {
      const found = (await call(a, runPath(next.json().runId as string), { headers: admin })).json()
      return found.status === 'completed' ? found : undefined
    })
    t.match(nextRun, { counts: { read: 0 } })
  })

  // everything above went through both gateways: still one chain
  const final = await call(b, '/admin/v1/audit/verify', { headers: admin })
  const [{ n: total } = { n: 0 }] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_records')
  t.match(final.json(), { intact: true, checked: total - 1 }, `after all of it the chain verifies (${total} records)`)
  t.match(await verifyChain(db), { intact: true, checked: total })
  t.comment(`whole run: ${Date.now() - started} ms`)
})
