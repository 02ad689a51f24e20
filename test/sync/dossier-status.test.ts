import t, { type Test } from 'tap'
import { createNationalPortalClient } from '../../adapters/national-portal/client.js'
import { startNationalPortalSimulator, type NationalPortalSimulator } from '../../adapters/national-portal/simulator.js'
import { DEFAULT_STATUS_MAPPING } from '../../adapters/national-portal/port.js'
import { createProceduresClient } from '../../adapters/procedures/client.js'
import { startProceduresSimulator, type ProceduresSimulator } from '../../adapters/procedures/simulator.js'
import type { Db } from '../../src/store/db.js'
import { runSync } from '../../src/sync/runner.js'
import { dossierStatusSync } from '../../src/sync/syncs/dossier-status.js'
import { storeDrivers } from '../store/store-drivers.js'

const PORTAL_LOGIN = { username: 'lgsp-sync-test', password: 'portal-password-for-tests' }

async function fixture (t: Test, db: Db): Promise<{ procedures: ProceduresSimulator, portal: NationalPortalSimulator, sync: ReturnType<typeof dossierStatusSync> }> {
  const procedures = await startProceduresSimulator({ apiKey: 'procedures-sync-test-key', dossierCount: 300 })
  t.teardown(() => procedures.close())
  const portal = await startNationalPortalSimulator({ credentials: PORTAL_LOGIN })
  t.teardown(() => portal.close())
  const proceduresPort = createProceduresClient({ url: procedures.url, apiKey: 'procedures-sync-test-key', connections: 8, connectTimeoutMs: 1000, timeoutMs: 5000 })
  t.teardown(() => proceduresPort.close())
  const portalPort = createNationalPortalClient({ url: portal.url, ...PORTAL_LOGIN, connections: 2, connectTimeoutMs: 1000, timeoutMs: 5000 })
  t.teardown(() => portalPort.close())
  return { procedures, portal, sync: dossierStatusSync(proceduresPort, portalPort, db, { batchSize: 250 }) }
}

/** (dossier, sequence) pairs the portal recorded as new, and how many times each arrived at all. */
function recorded (portal: NationalPortalSimulator): { unique: Set<string>, progressItems: number } {
  const progress = portal.received.filter((entry) => entry.service === 'CapNhatTienDoHoSoMC')
  return {
    unique: new Set(progress.map((entry) => `${String(entry.item.MaHoSo)}#${String(entry.item.SoThuTuTrangThai)}`)),
    progressItems: progress.length
  }
}

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: every status change reaches the national portal once, even when the portal fails midway`, async (t) => {
    const db = await driver.open(t)
    const { procedures, portal, sync } = await fixture(t, db)
    const changes = procedures.register.changes(0, 1_000_000).items
    t.ok(changes.length > 500, `${changes.length} status changes in the one-stop system`)

    let pages = 0
    await t.rejects(runSync(sync, { db, runId: 'dossier-run-1', trigger: 'manual', progress: () => { if (++pages === 2) portal.faults = { failNext: 1 } } }),
      { code: 'UPSTREAM_UNAVAILABLE' })
    const done = await runSync(sync, { db, runId: 'dossier-run-1', trigger: 'manual' })
    t.match(done, { read: changes.length, invalid: 0 })

    const { unique } = recorded(portal)
    t.equal(unique.size, changes.length, 'each (dossier, sequence) recorded')
    t.same([...unique].sort(), changes.map((change) => `${change.dossierCode}#${change.dossierSequence}`).sort())
    const [pushes] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM portal_status_pushes')
    t.equal(pushes?.n, changes.length)
    const [versions] = await db.query<{ mapping_versions: unknown }>('SELECT mapping_versions FROM portal_status_pushes LIMIT 1')
    t.same(versions?.mapping_versions, { status: DEFAULT_STATUS_MAPPING.version, procedure: DEFAULT_STATUS_MAPPING.version })

    // new changes in the one-stop system: the next run pushes just those
    const open = procedures.register.dossiers().find((dossier) => dossier.status === 'received')
    if (open === undefined) throw new Error('no received dossier')
    procedures.register.changeStatus(open.dossierCode, { status: 'processing', officialId: 'canbo.test' }, Date.now())
    const next = await runSync(sync, { db, runId: 'dossier-run-2', trigger: 'schedule' })
    t.match(next, { read: 1, written: 1 })
    t.equal(recorded(portal).unique.size, changes.length + 1)
    t.match(portal.dossier(open.dossierCode)?.progress.at(-1), { NguoiXuLy: 'canbo.test' })
  })

  t.test(`${driver.name}: a status the mapping table in force does not know is a dead letter; the rest go through`, async (t) => {
    const db = await driver.open(t)
    const { procedures, portal, sync } = await fixture(t, db)
    const { processing: _dropped, ...entries } = DEFAULT_STATUS_MAPPING.entries
    await db.query("INSERT INTO portal_mappings (table_name, version, entries, created_at) VALUES ('status', '2026-01-01', $1, now() + interval '1 second')", [JSON.stringify(entries)])
    const changes = procedures.register.changes(0, 1_000_000).items
    const unmapped = changes.filter((change) => change.status === 'processing')
    t.ok(unmapped.length > 0)
    const done = await runSync(sync, { db, runId: 'dossier-run-3', trigger: 'manual' })
    t.match(done, { read: changes.length, invalid: unmapped.length, written: changes.length - unmapped.length })
    const letters = await db.query<{ record_key: string, reason: string }>('SELECT record_key, reason FROM sync_dead_letters ORDER BY record_key')
    t.same(letters.map((letter) => letter.record_key), unmapped.map((change) => `${change.dossierCode}#${change.dossierSequence}`).sort())
    t.match(letters[0]?.reason, /processing/)
    t.equal(recorded(portal).unique.size, changes.length - unmapped.length)
  })
}
