import t from 'tap'
import { createSectorClient } from '../../adapters/sector/client.js'
import { datasetKey } from '../../adapters/sector/declaration.js'
import { loadDatasets } from '../../adapters/sector/loader.js'
import { sectorSeedData, seedSectorTables } from '../../adapters/sector/seed.js'
import { startSectorRestSimulator } from '../../adapters/sector/simulator.js'
import { DEFAULT_DATASETS_DIR, schemasDir } from '../../src/paths.js'
import { runSync } from '../../src/sync/runner.js'
import { sectorDatasetSync, sectorSyncName } from '../../src/sync/syncs/sector-dataset.js'
import { storeDrivers } from '../store/store-drivers.js'

const datasets = await loadDatasets(DEFAULT_DATASETS_DIR, schemasDir)
const declared = (key: string) => datasets.find((d) => datasetKey(d) === key) ?? (() => { throw new Error(key) })()

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: a declared dataset is copied whole each run, only changed records rewritten`, async (t) => {
    const db = await driver.open(t)
    await seedSectorTables(db)
    const health = await startSectorRestSimulator({ apiKey: 'sector-sync-test-key' })
    t.teardown(() => health.close())
    const port = createSectorClient({
      datasets,
      databases: { default: db },
      upstreams: { health: { url: health.url, apiKey: 'sector-sync-test-key', timeoutMs: 5000 } },
      cursorSecret: 'a-cursor-secret-for-sync-tests'
    })
    t.teardown(() => port.close())
    const parcels = declared('land/parcels')
    const sync = sectorDatasetSync(port, parcels, { batchSize: 400 })
    t.equal(sync.name, sectorSyncName(parcels))
    const total = sectorSeedData().landParcels.length

    const first = await runSync(sync, { db, runId: 'sector-1', trigger: 'manual' })
    t.match(first, { read: total, written: total, invalid: 0 })
    const [copied] = await db.query<{ n: number, same: number }>(`SELECT count(*)::integer AS n,
      count(*) FILTER (WHERE s.record->>'ownerPersonalId' = p.owner_personal_id AND (s.record->>'areaM2')::numeric = p.area_m2)::integer AS same
      FROM shared_sector_records s JOIN land_parcels p ON p.parcel_id = s.record_id WHERE s.dataset = 'land/parcels'`)
    t.same(copied, { n: total, same: total })

    await db.query('UPDATE land_parcels SET area_m2 = area_m2 + 1 WHERE parcel_id = (SELECT min(parcel_id) FROM land_parcels)')
    const second = await runSync(sync, { db, runId: 'sector-2', trigger: 'schedule' })
    t.match(second, { read: total, written: 1 }, 'the whole dataset read again, the one changed record written')

    const facilities = await runSync(sectorDatasetSync(port, declared('health/facilities'), { batchSize: 100 }), { db, runId: 'sector-3', trigger: 'manual' })
    t.match(facilities, { read: health.facilities.length, written: health.facilities.length })

    // a checkpoint cursor the port no longer accepts (signed with another secret): the copy starts over
    await db.query("UPDATE sync_checkpoints SET position = 'not-a-cursor-of-this-port' WHERE sync_name = $1", [sync.name])
    const restarted = await runSync(sync, { db, runId: 'sector-4', trigger: 'manual' })
    t.match(restarted, { read: total, written: 0 })
  })
}
