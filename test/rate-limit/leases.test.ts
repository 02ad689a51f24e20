import t from 'tap'
import { createLeases, leaseSize, type Leases } from '../../src/rate-limit/leases.js'
import { memoryQuota } from '../../src/rate-limit/memory-quota.js'
import type { QuotaStore } from '../../src/rate-limit/quota.js'

const WINDOW_MS = 60_000

/** The in-memory budget on a clock the test moves, with every take counted (a take is a Redis round trip). */
function countedStore (clock: { t: number }): QuotaStore & { takes: number[] } {
  const inner = memoryQuota(() => clock.t)
  const takes: number[] = []
  return {
    takes,
    async take (key, want, limit, windowMs) {
      takes.push(want)
      return await inner.take(key, want, limit, windowMs)
    },
    available: () => true
  }
}

function leasesOn (store: QuotaStore, clock: { t: number }, size: number): Leases {
  return createLeases({ store, windowMs: WINDOW_MS, sizeOf: () => size, onTopUpError: (err) => { throw err }, now: () => clock.t })
}

t.test('the lease size rule: a share of the limit, capped, never under 1', async (t) => {
  const defaults = { max: 20, percent: 2 }
  t.equal(leaseSize(3, defaults), 1, 'small limits are checked on every call')
  t.equal(leaseSize(99, defaults), 1)
  t.equal(leaseSize(100, defaults), 2)
  t.equal(leaseSize(600, defaults), 12)
  t.equal(leaseSize(100_000, defaults), 20, 'capped by max')
  t.equal(leaseSize(100_000, { max: 1, percent: 50 }), 1, 'max 1: no leases')
})

t.test('calls are admitted from the lease; the store is asked once per half lease, never per call', async (t) => {
  const clock = { t: 0 }
  const store = countedStore(clock)
  const leases = leasesOn(store, clock, 10)
  for (let i = 0; i < 4; i++) t.ok((await leases.admit('k', 1000)).allowed)
  t.same(store.takes, [10], 'one take of a whole lease for the first call; none for the next three')
  t.ok((await leases.admit('k', 1000)).allowed)
  await Promise.resolve()
  t.same(store.takes, [10, 5], 'down to half, it is topped up to the lease size in the background')
  for (let i = 0; i < 100; i++) t.ok((await leases.admit('k', 1000)).allowed)
  t.ok(store.takes.length <= 1 + Math.ceil(105 / 5), `${store.takes.length} takes for 105 calls`)
})

t.test('never more than the limit in a window, whatever the lease size; refusals then cost no take', async (t) => {
  for (const size of [1, 3, 7, 20]) {
    const clock = { t: 0 }
    const store = countedStore(clock)
    const leases = leasesOn(store, clock, size)
    const verdicts = await Promise.all(Array.from({ length: 60 }, async () => await leases.admit('k', 25)))
    t.equal(verdicts.filter((v) => v.allowed).length, 25, `lease ${size}: exactly the limit admitted`)
    const takes = store.takes.length
    const refused = await leases.admit('k', 25)
    t.match(refused, { allowed: false, limit: 25, remaining: 0 })
    t.ok(refused.resetMs > 0 && refused.resetMs <= WINDOW_MS)
    t.equal(store.takes.length, takes, `lease ${size}: a refusal in an exhausted window asks nothing`)
    clock.t += WINDOW_MS
    t.ok((await leases.admit('k', 25)).allowed, 'the next window has a budget again')
  }
})

t.test('two gateways on one budget: at most the limit, and exactly it while both keep calling', async (t) => {
  const clock = { t: 0 }
  const shared = countedStore(clock)
  const gateways = [leasesOn(shared, clock, 8), leasesOn(shared, clock, 8)]
  const verdicts = await Promise.all(Array.from({ length: 200 }, async (_, i) => await (gateways[i % 2] as Leases).admit('k', 50)))
  t.equal(verdicts.filter((v) => v.allowed).length, 50)
})

t.test('tokens of a window that ended are not spent in the next one', async (t) => {
  const clock = { t: 0 }
  const store = countedStore(clock)
  const leases = leasesOn(store, clock, 10)
  t.ok((await leases.admit('k', 1000)).allowed)
  clock.t = WINDOW_MS - 1
  t.match(await leases.admit('k', 1000), { allowed: true, resetMs: 1 }, 'still the first window')
  clock.t = WINDOW_MS
  t.ok((await leases.admit('k', 1000)).allowed)
  t.equal(store.takes.length, 2, 'the second window took a lease of its own')
  t.match(await leases.admit('k', 1000), { resetMs: WINDOW_MS })
})

t.test('a lease ends no later than its window in the store: counted from when the take was sent', async (t) => {
  const clock = { t: 0 }
  const inner = memoryQuota(() => clock.t)
  // the store answers 30 ms after it read its clock, which the network took 20 ms to reach
  const slow: QuotaStore = {
    async take (key, want, limit, windowMs) {
      clock.t += 20
      const grant = await inner.take(key, want, limit, windowMs)
      clock.t += 30
      return grant
    },
    available: () => true
  }
  const leases = leasesOn(slow, clock, 10)
  t.ok((await leases.admit('k', 1000)).allowed)
  // the store's window ends at 20 + 60 000; the lease at 0 + (60 000): 20 ms earlier, never later
  clock.t = WINDOW_MS - 1
  t.ok((await leases.admit('k', 1000)).allowed)
  const before = clock.t
  clock.t = WINDOW_MS
  await leases.admit('k', 1000)
  t.ok(clock.t > before + 1, 'at the lease\'s end the store was asked again')
})

t.test('a changed limit starts over; a failed take reaches the calls waiting for it', async (t) => {
  const clock = { t: 0 }
  const store = countedStore(clock)
  const leases = leasesOn(store, clock, 5)
  t.ok((await leases.admit('k', 10)).allowed)
  t.equal((await leases.admit('k', 20)).limit, 20)
  t.equal(store.takes.length, 2, 'the new limit took a lease of its own')

  const failing = createLeases({
    store: { take: async () => { throw new Error('down') }, available: () => true },
    windowMs: WINDOW_MS,
    sizeOf: () => 5,
    onTopUpError: () => {}
  })
  await t.rejects(Promise.all([failing.admit('k', 10), failing.admit('k', 10)]), /down/)
})
