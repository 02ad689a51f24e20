import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { createNationalPortalClient } from '../../adapters/national-portal/client.js'
import { DEFAULT_MAPPINGS, type PushContext } from '../../adapters/national-portal/port.js'
import { startNationalPortalSimulator } from '../../adapters/national-portal/simulator.js'
import { createPopulationClient } from '../../adapters/population/client.js'
import { startPopulationSimulator } from '../../adapters/population/simulator.js'
import { createProceduresClient } from '../../adapters/procedures/client.js'
import type { Dossier } from '../../adapters/procedures/port.js'
import { startProceduresSimulator } from '../../adapters/procedures/simulator.js'
import type { RestSource } from '../../adapters/sector/declaration.js'
import { loadDatasets } from '../../adapters/sector/loader.js'
import { restDatasetSource, restUpstream } from '../../adapters/sector/rest-source.js'
import { startSectorRestSimulator } from '../../adapters/sector/simulator.js'
import { retryBudget, upstreamPolicy, type ResilienceOptions, type UpstreamResilience } from '../../adapters/shared/resilience.js'
import type { TransportFaults } from '../../adapters/shared/simulator-server.js'
import { DEFAULT_DATASETS_DIR, schemasDir } from '../../src/paths.js'
import { dossierCode, samplePush } from '../contracts/national-portal.js'
import { testConfig } from '../support/gateway.js'
import { TEST_CREDENTIALS } from '../support/upstreams.js'

/**
 * Circuit breaker, retries, retry budget and the overall deadline, driven through each adapter against its real
 * simulator on loopback: one suite, a few lines per upstream (as test/contracts does for the ports).
 */

/** The faults every simulator takes; getters make them change from one request to the next. */
interface Faults extends TransportFaults {
  status?: number
}

interface Subject {
  /** An idempotent call that succeeds against a healthy upstream. */
  lookup (): Promise<unknown>
  health (): Promise<void>
  resilience (): UpstreamResilience
  /** HTTP requests the simulator received so far. */
  hits (): number
  setFaults (faults: Faults): void
}

interface Fixture {
  name: string
  upstream: string
  start (t: Test, options: { timeoutMs?: number, resilience?: ResilienceOptions }): Promise<Subject>
}

const ctx = { requestId: 'resilience-test-0001' }
const facilities = (await loadDatasets(DEFAULT_DATASETS_DIR, schemasDir)).find((d) => d.sector === 'health' && d.dataset === 'facilities')
if (facilities === undefined) throw new Error('no health/facilities declaration')

const fixtures: Fixture[] = [
  {
    name: 'population (SOAP lookup)',
    upstream: 'population database',
    async start (t, { timeoutMs = 2000, resilience }) {
      const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, size: 50 })
      t.teardown(() => simulator.close())
      const client = createPopulationClient({ ...testConfig(simulator.url).population, timeoutMs, ...(resilience === undefined ? {} : { resilience }) })
      t.teardown(() => client.close())
      const personalId = simulator.population.citizenAt(1).personalId
      return {
        lookup: async () => await client.findCitizenByPersonalId(personalId, ctx),
        health: async () => { await client.checkHealth() },
        resilience: () => client.resilience()[0] as UpstreamResilience,
        hits: () => simulator.hits,
        setFaults: (faults) => { simulator.faults = faults }
      }
    }
  },
  {
    name: 'procedures (GET)',
    upstream: 'administrative-procedure system',
    async start (t, { timeoutMs = 2000, resilience }) {
      const simulator = await startProceduresSimulator({ apiKey: 'k', dossierCount: 20 })
      t.teardown(() => simulator.close())
      const client = createProceduresClient({ url: simulator.url, apiKey: 'k', connections: 4, connectTimeoutMs: 1000, timeoutMs, ...(resilience === undefined ? {} : { resilience }) })
      t.teardown(() => client.close())
      return {
        lookup: async () => await client.getProcedure('1.001612', ctx),
        health: async () => { await client.checkHealth() },
        resilience: () => client.resilience()[0] as UpstreamResilience,
        hits: () => simulator.hits,
        setFaults: (faults) => { simulator.faults = faults }
      }
    }
  },
  {
    name: 'sector REST (GET)',
    upstream: 'health sector system',
    async start (t, { timeoutMs = 2000, resilience }) {
      const simulator = await startSectorRestSimulator({ apiKey: 'k', count: 20 })
      t.teardown(() => simulator.close())
      const upstream = restUpstream('health', { url: simulator.url, apiKey: 'k', timeoutMs, connectTimeoutMs: 1000, ...(resilience === undefined ? {} : { resilience }) })
      t.teardown(() => upstream.close())
      const source = restDatasetSource(facilities, facilities.source as RestSource, upstream)
      const code = (simulator.facilities[0] as { facilityCode: string }).facilityCode
      return {
        lookup: async () => await source.get(code, ctx),
        health: async () => { await source.check() },
        resilience: () => upstream.resilience(),
        hits: () => simulator.hits,
        setFaults: (faults) => { simulator.faults = faults }
      }
    }
  },
  {
    name: 'national portal (push, idempotent by dossier and sequence)',
    upstream: 'national public-service portal',
    async start (t, { timeoutMs = 2000, resilience }) {
      const credentials = { username: 'h23.dongbo', password: 'portal-test-password' }
      const simulator = await startNationalPortalSimulator({ credentials })
      t.teardown(() => simulator.close())
      const client = createNationalPortalClient({ url: simulator.url, ...credentials, connections: 4, connectTimeoutMs: 1000, timeoutMs, ...(resilience === undefined ? {} : { resilience }) })
      t.teardown(() => client.close())
      const push: PushContext = { ...ctx, mappings: DEFAULT_MAPPINGS }
      const change = samplePush(dossierCode(90, 1), '1.001193', 1)
      return {
        lookup: async () => await client.pushDossierStatus(change, push),
        health: async () => { await client.checkHealth() },
        resilience: () => client.resilience()[0] as UpstreamResilience,
        hits: () => simulator.calls.length,
        setFaults: (faults) => { simulator.faults = faults }
      }
    }
  }
]

/** Reset the connection of the first request after this is set, answer the others. */
function resetOnce (): Faults {
  let requests = 0
  return { get reset () { return requests++ === 0 } }
}

/** Reset the first request's connection, then hold every later one `delayMs`. */
function resetThenStall (delayMs: number): Faults {
  let requests = 0
  return {
    get delayMs () { return requests > 0 ? delayMs : undefined },
    get reset () { return requests++ === 0 }
  }
}

const unavailable = { code: 'UPSTREAM_UNAVAILABLE' }
const timedOut = { code: 'UPSTREAM_TIMEOUT' }
const circuitOpen = { ...unavailable, circuitOpen: true, message: /circuit open/ }

/** Calls `subject.lookup` once, healthy: the HTTP requests one call makes (the portal's push makes two). */
async function warmUp (subject: Subject): Promise<number> {
  await subject.lookup() // the portal logs in here
  const before = subject.hits()
  await subject.lookup()
  return subject.hits() - before
}

async function elapsed (work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work().catch(() => {})
  return performance.now() - started
}

for (const fixture of fixtures) {
  t.test(fixture.name, async (t) => {
    t.test('a timeout is a 504 within the deadline + 10%, retries included', async (t) => {
      const deadline = 1000
      const subject = await fixture.start(t, { timeoutMs: deadline })
      await warmUp(subject)

      subject.setFaults({ delayMs: 10_000 })
      const started = performance.now()
      await t.rejects(subject.lookup(), { ...timedOut, message: new RegExp(`within ${deadline} ms`) })
      const stalled = performance.now() - started
      t.ok(stalled >= deadline - 5 && stalled <= deadline * 1.1, `stalled upstream answered at ${Math.round(stalled)} ms`)

      // A reset first (retried at once), then a stall: the retry gets what is left of the deadline, no more.
      subject.setFaults(resetThenStall(10_000))
      const hits = subject.hits()
      const retried = await elapsed(async () => {
        await t.rejects(subject.lookup(), timedOut)
      })
      t.equal(subject.hits() - hits, 2, 'the reset was retried')
      t.ok(retried >= deadline - 5 && retried <= deadline * 1.1, `reset then stall answered at ${Math.round(retried)} ms`)
      subject.setFaults({})
    })

    t.test('the breaker opens after the configured failures, fails fast with Retry-After, and a probe closes it', async (t) => {
      const subject = await fixture.start(t, { resilience: { breakerFailures: 3, breakerHalfOpenAfterMs: 400 } })
      const perCall = await warmUp(subject)
      t.match(subject.resilience(), { upstream: fixture.upstream, state: 'closed', consecutiveFailures: 0 })

      subject.setFaults({ status: 503 })
      let hits = subject.hits()
      for (let i = 1; i <= 3; i++) {
        const err = await subject.lookup().catch((e: unknown) => e)
        t.match(err, unavailable, `failure ${i} reaches the caller`)
        t.notOk((err as { circuitOpen?: boolean }).circuitOpen, 'from the upstream itself')
      }
      t.equal(subject.hits() - hits, 3, 'a 503 answer is not retried')
      t.match(subject.resilience(), { state: 'open', consecutiveFailures: 3, retryAfterSeconds: 1, counters: { opened: 1 } })

      hits = subject.hits()
      for (let i = 0; i < 5; i++) {
        const err = await subject.lookup().catch((e: unknown) => e) as { retryAfterSeconds?: number }
        t.match(err, circuitOpen)
        t.equal(err.retryAfterSeconds, 1, 'the seconds until a probe (the gateway sends them as Retry-After)')
      }
      t.equal(subject.hits(), hits, 'the upstream is not called while the circuit is open')
      t.equal(subject.resilience().counters.rejected, 5)

      // The health check looks at the upstream itself, past the breaker (which would have refused it).
      subject.setFaults({})
      await t.resolves(subject.health(), 'the health check reaches the healed upstream')
      t.equal(subject.resilience().state, 'open', 'and does not close the circuit')

      // Still failing when the probe goes: open again, for another while.
      subject.setFaults({ status: 503 })
      await sleep(450)
      hits = subject.hits()
      await t.rejects(subject.lookup(), unavailable, 'the probe fails')
      t.equal(subject.hits(), hits + 1, 'one probe')
      await t.rejects(subject.lookup(), circuitOpen, 'and the circuit is open again')
      t.equal(subject.hits(), hits + 1)

      // Healed: one probe at a time goes through; the others are refused meanwhile; its success closes the circuit.
      subject.setFaults({ delayMs: 150 })
      await sleep(450)
      hits = subject.hits()
      const probe = subject.lookup()
      await sleep(20)
      t.equal(subject.resilience().state, 'half-open')
      await t.rejects(subject.lookup(), { ...circuitOpen, retryAfterSeconds: 1 }, 'refused while the probe is out')
      await t.resolves(probe)
      t.equal(subject.hits() - hits, perCall, 'only the probe reached the upstream')
      t.match(subject.resilience(), { state: 'closed', consecutiveFailures: 0 })
      subject.setFaults({})
      await t.resolves(subject.lookup())
    })

    t.test('5xx answers and timeouts count; the circuit opens on them too', async (t) => {
      const subject = await fixture.start(t, { timeoutMs: 300, resilience: { breakerFailures: 3, breakerHalfOpenAfterMs: 60_000 } })
      await warmUp(subject)
      subject.setFaults({ status: 500 })
      await t.rejects(subject.lookup(), { code: 'UPSTREAM_FAULT' })
      subject.setFaults({ delayMs: 1000 })
      await t.rejects(subject.lookup(), timedOut)
      subject.setFaults({ reset: true })
      await t.rejects(subject.lookup(), unavailable)
      t.match(subject.resilience(), { state: 'open', consecutiveFailures: 3, counters: { failures: 3 } })
      subject.setFaults({})
      await t.rejects(subject.lookup(), circuitOpen)
    })

    t.test('an idempotent call is retried after a connection reset, and succeeds', async (t) => {
      const subject = await fixture.start(t, {})
      const perCall = await warmUp(subject)
      subject.setFaults(resetOnce())
      const hits = subject.hits()
      await t.resolves(subject.lookup())
      t.equal(subject.hits() - hits, perCall + 1, 'one more request: the retry')
      t.match(subject.resilience(), { state: 'closed', consecutiveFailures: 0, counters: { retries: 1, failures: 0 } })
    })

    t.test('the retry budget caps retries under a sustained failure', async (t) => {
      const ratio = 0.1
      const min = 2
      const subject = await fixture.start(t, {
        resilience: { breakerFailures: 1000, retryBudgetRatio: ratio, retryBudgetMin: min, retryInitialDelayMs: 1, retryMaxDelayMs: 5 }
      })
      await warmUp(subject)
      subject.setFaults({ reset: true })
      const hits = subject.hits()
      for (let i = 0; i < 20; i++) await t.rejects(subject.lookup(), unavailable)
      const { counters } = subject.resilience()
      t.equal(subject.hits() - hits, 20 + counters.retries, 'every attempt reached the upstream')
      t.ok(counters.retries >= min, `retries while the budget lasts (${counters.retries})`)
      t.ok(counters.retries <= min + ratio * counters.calls, `${counters.retries} retries for ${counters.calls} calls: within ${min} + ${ratio} × calls`)
      t.ok(counters.retriesOverBudget > 0, `${counters.retriesOverBudget} retries refused by the budget (40 without it)`)
    })
  })
}

t.test('a status change (not idempotent) is never retried; the one-stop system applies it once', async (t) => {
  const simulator = await startProceduresSimulator({ apiKey: 'k', dossierCount: 40 })
  t.teardown(() => simulator.close())
  const client = createProceduresClient({ url: simulator.url, apiKey: 'k', connections: 2, connectTimeoutMs: 1000, timeoutMs: 2000 })
  t.teardown(() => client.close())
  const dossier = simulator.register.dossiers().find((d) => d.status === 'received') as Dossier
  await client.getProcedure('1.001612', ctx)

  simulator.faults = resetOnce()
  const hits = simulator.hits
  await t.rejects(client.changeDossierStatus(dossier.dossierCode, { status: 'processing', expectedSequence: dossier.sequence }, ctx), unavailable)
  t.equal(simulator.hits - hits, 1, 'one request: no retry')
  t.equal(simulator.register.dossier(dossier.dossierCode)?.sequence, dossier.sequence, 'nothing applied')
  t.equal(client.resilience()[0]?.counters.retries, 0)

  const changed = await client.changeDossierStatus(dossier.dossierCode, { status: 'processing', expectedSequence: dossier.sequence }, ctx)
  t.equal(changed?.sequence, dossier.sequence + 1, 'the caller\'s own retry applies it')
})

t.test('refusals of the caller\'s request and "not found" answers do not count towards opening', async (t) => {
  const simulator = await startProceduresSimulator({ apiKey: 'k', dossierCount: 20 })
  t.teardown(() => simulator.close())
  const client = createProceduresClient({ url: simulator.url, apiKey: 'k', connections: 2, connectTimeoutMs: 1000, timeoutMs: 2000, resilience: { breakerFailures: 3 } })
  t.teardown(() => client.close())
  const state = (): UpstreamResilience => client.resilience()[0] as UpstreamResilience

  for (let i = 0; i < 5; i++) {
    t.equal(await client.getProcedure('9.999999', ctx), undefined)
    await t.rejects(client.listDossiers({ cursor: 'not-a-cursor', limit: 5 }, ctx), { code: 'INVALID_INPUT' })
    await t.rejects(client.listDossiers({ limit: 0 }, ctx), { code: 'INVALID_INPUT' })
  }
  t.match(state(), { state: 'closed', consecutiveFailures: 0, counters: { failures: 0 } })

  simulator.faults = { status: 503 }
  await t.rejects(client.getProcedure('1.001612', ctx), unavailable)
  await t.rejects(client.getProcedure('1.001612', ctx), unavailable)
  simulator.faults = {}
  t.equal(await client.getProcedure('9.999999', ctx), undefined, 'a healthy answer, even "none"')
  t.equal(state().consecutiveFailures, 0, 'resets the count of failures in a row')
  simulator.faults = { status: 503 }
  await t.rejects(client.getProcedure('1.001612', ctx), unavailable)
  await t.rejects(client.getProcedure('1.001612', ctx), unavailable)
  t.equal(state().state, 'closed')
  await t.rejects(client.getProcedure('1.001612', ctx), unavailable)
  t.equal(state().state, 'open', 'three in a row')
})

t.test('each client instance has its own breaker', async (t) => {
  const simulator = await startProceduresSimulator({ apiKey: 'k', dossierCount: 20 })
  t.teardown(() => simulator.close())
  const options = { url: simulator.url, apiKey: 'k', connections: 2, connectTimeoutMs: 1000, timeoutMs: 2000, resilience: { breakerFailures: 1, breakerHalfOpenAfterMs: 60_000 } }
  const first = createProceduresClient(options)
  const second = createProceduresClient(options)
  t.teardown(() => Promise.all([first.close(), second.close()]))
  simulator.faults = { status: 503 }
  await t.rejects(first.getProcedure('1.001612', ctx), unavailable)
  simulator.faults = {}
  await t.rejects(first.getProcedure('1.001612', ctx), circuitOpen)
  t.equal((await second.getProcedure('1.001612', ctx))?.procedureCode, '1.001612')
  t.same([first.resilience()[0]?.state, second.resilience()[0]?.state], ['open', 'closed'])
})

t.test('a change-feed read is retried after a reset, inside the deadline', async (t) => {
  const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, size: 50 })
  t.teardown(() => simulator.close())
  const client = createPopulationClient(testConfig(simulator.url).population)
  t.teardown(() => client.close())
  const clean = await client.readChanges(undefined, 20, ctx)
  simulator.faults = resetOnce()
  const hits = simulator.changeHits
  t.same(await client.readChanges(undefined, 20, ctx), clean)
  t.equal(simulator.changeHits - hits, 2)
})

t.test('the retry budget: min + ratio × calls in the sliding window', async (t) => {
  const budget = retryBudget({ ratio: 0.2, min: 1, windowMs: 200 })
  t.ok(budget.withdraw(), 'the floor lets a quiet client retry')
  t.notOk(budget.withdraw())
  for (let i = 0; i < 10; i++) budget.deposit()
  t.ok(budget.withdraw())
  t.ok(budget.withdraw(), '1 + 0.2 × 10 = 3 retries in the window')
  t.notOk(budget.withdraw())
  await sleep(250)
  t.ok(budget.withdraw(), 'the window slid: retries allowed again')
})

t.test('options are checked', async (t) => {
  t.throws(() => upstreamPolicy('x', { breakerFailures: 0 }), RangeError)
  t.throws(() => upstreamPolicy('x', { retries: 1.5 }), RangeError)
  t.throws(() => upstreamPolicy('x', { retryBudgetRatio: -1 }), RangeError)
  t.match(upstreamPolicy('x').state(), { upstream: 'x', state: 'closed', consecutiveFailures: 0, counters: { calls: 0 } })
})
