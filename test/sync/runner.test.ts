import t from 'tap'
import { populationChangesSync } from '../../src/sync/syncs/population-changes.js'
import { recordRunFailure, runSync } from '../../src/sync/runner.js'
import { storeDrivers } from '../store/store-drivers.js'
import { destinationCitizens, expectedCitizens, populationFeed } from './fixtures.js'

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: a run copies the feed, dead-letters the invalid 2%, and the next run reads only what is new`, async (t) => {
    const db = await driver.open(t)
    const { simulator, port } = await populationFeed(t, { changes: 3000, invalidEvery: 50 })
    const sync = populationChangesSync(port, { batchSize: 700 })
    const progress: number[] = []
    const first = await runSync(sync, { db, runId: 'run-1', trigger: 'manual', progress: (p) => { progress.push(p.read) } })
    const expected = expectedCitizens(simulator)
    t.equal(expected.invalid, 60)
    t.match(first, { read: 3000, written: 2940, invalid: 60, batches: 5, estimatedTotal: 3000 })
    t.same(progress, [700, 1400, 2100, 2800, 3000])
    t.same(await destinationCitizens(db), { count: expected.count, digest: expected.digest })
    const letters = await db.query<{ record_key: string, reason: string }>("SELECT record_key, reason FROM sync_dead_letters WHERE sync_name = 'population-changes' ORDER BY id")
    t.equal(letters.length, 60)
    t.same(letters.map((letter) => Number(letter.record_key)).sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => (i + 1) * 50))
    t.ok(letters.every((letter) => letter.reason.length > 0))

    simulator.appendChanges(500)
    const second = await runSync(sync, { db, runId: 'run-2', trigger: 'schedule' })
    t.match(second, { read: 500, invalid: 10 }, 'only the new changes')
    const now = expectedCitizens(simulator)
    t.same(await destinationCitizens(db), { count: now.count, digest: now.digest })
    const [run] = await db.query<{ status: string, records_read: number }>("SELECT status, records_read FROM sync_runs WHERE run_id = 'run-2'")
    t.same(run, { status: 'completed', records_read: 500 })
  })

  t.test(`${driver.name}: an upstream failing mid-run loses and repeats nothing when the run is retried`, async (t) => {
    const db = await driver.open(t)
    const { simulator, port } = await populationFeed(t, { changes: 2000, invalidEvery: 40 })
    const sync = populationChangesSync(port, { batchSize: 300 })
    let pages = 0
    await t.rejects(runSync(sync, {
      db,
      runId: 'run-a',
      trigger: 'manual',
      progress: () => { if (++pages === 3) simulator.faults = { failNextChanges: 2 } }
    }), { code: 'UPSTREAM_UNAVAILABLE' })
    const [midway] = await db.query<{ records_read: number, status: string }>("SELECT records_read, status FROM sync_runs WHERE run_id = 'run-a'")
    t.equal(midway?.status, 'running')
    // three pages committed, or four when the page read ahead came back before the outage began
    t.ok(midway?.records_read === 900 || midway?.records_read === 1200, `${midway?.records_read ?? 0} records committed before the outage`)
    await t.rejects(runSync(sync, { db, runId: 'run-a', trigger: 'manual' }), { code: 'UPSTREAM_UNAVAILABLE' }, 'still failing')
    const done = await runSync(sync, { db, runId: 'run-a', trigger: 'manual' })
    t.match(done, { read: 2000, invalid: 50 }, 'the retried run counts from where it stopped')
    const expected = expectedCitizens(simulator)
    t.same(await destinationCitizens(db), { count: expected.count, digest: expected.digest })
    const [letters] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM sync_dead_letters')
    t.equal(letters?.n, 50)
    const [run] = await db.query<{ attempts: number, status: string }>("SELECT attempts, status FROM sync_runs WHERE run_id = 'run-a'")
    t.same(run, { attempts: 3, status: 'completed' })
  })
}

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: a failed attempt leaves the run running with its error; a final one fails it`, async (t) => {
    const db = await driver.open(t)
    const { simulator, port } = await populationFeed(t, { changes: 100 })
    simulator.faults = { failNextChanges: 1 }
    await t.rejects(runSync(populationChangesSync(port, { batchSize: 50 }), { db, runId: 'run-f', trigger: 'manual' }))
    await recordRunFailure(db, 'run-f', 'attempt 1: the population database cannot be reached', false)
    const read = async (): Promise<unknown> => (await db.query("SELECT status, error, finished_at IS NOT NULL AS finished FROM sync_runs WHERE run_id = 'run-f'"))[0]
    t.same(await read(), { status: 'running', error: 'attempt 1: the population database cannot be reached', finished: false })
    await recordRunFailure(db, 'run-f', 'gave up', true)
    t.same(await read(), { status: 'failed', error: 'gave up', finished: true })
  })
}
