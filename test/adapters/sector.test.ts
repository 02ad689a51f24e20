import { dirname } from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { ENTERPRISE_TYPES } from '../../adapters/sector/codes.js'
import { createSectorClient, type SectorClientOptions } from '../../adapters/sector/client.js'
import { datasetKey, serviceName, type DatasetDeclaration, type SectorRecord } from '../../adapters/sector/declaration.js'
import { DatasetDeclarationError, loadDatasets, parseDeclaration } from '../../adapters/sector/loader.js'
import type { SectorPort } from '../../adapters/sector/port.js'
import { sectorSeedData, seedSectorTables } from '../../adapters/sector/seed.js'
import { facilityToUpstream, startSectorRestSimulator, type SectorRestSimulator } from '../../adapters/sector/simulator.js'
import { DEFAULT_DATASETS_DIR, schemasDir } from '../../src/paths.js'
import type { Db } from '../../src/store/db.js'
import { tempFiles } from '../support/teardown.js'
import { sectorContract, type SectorFixture } from '../contracts/sector.js'
import { storeDrivers } from '../store/store-drivers.js'

const API_KEY = 'sector-test-key-not-for-production'
const ctx = { requestId: 'sector-test-0001' }
const datasets = await loadDatasets(DEFAULT_DATASETS_DIR, schemasDir)
const declared = (key: string): DatasetDeclaration => {
  const found = datasets.find((d) => datasetKey(d) === key)
  if (found === undefined) throw new Error(`no declaration ${key}`)
  return found
}
const PARCELS = declared('land/parcels')
const ENTERPRISES = declared('enterprise/registrations')
const FACILITIES = declared('health/facilities')
const seedData = sectorSeedData()
const asRecords = (rows: readonly object[]): SectorRecord[] => rows as unknown as SectorRecord[]

function sqlPort (t: Test, db: Db, options: Partial<SectorClientOptions> = {}): SectorPort {
  const port = createSectorClient({ datasets: [PARCELS, ENTERPRISES], databases: { default: db }, ...options })
  t.teardown(() => port.close())
  return port
}

async function startSimulator (t: Test, options: { count?: number, seed?: number } = {}): Promise<SectorRestSimulator> {
  const simulator = await startSectorRestSimulator({ apiKey: API_KEY, ...options })
  t.teardown(() => simulator.close())
  return simulator
}

function restPort (t: Test, simulator: SectorRestSimulator, options: { apiKey?: string, timeoutMs?: number, url?: string } = {}): SectorPort {
  const port = createSectorClient({
    datasets: [FACILITIES],
    upstreams: { health: { url: options.url ?? simulator.url, apiKey: options.apiKey ?? API_KEY, timeoutMs: options.timeoutMs ?? 2000, connectTimeoutMs: 500 } }
  })
  t.teardown(() => port.close())
  return port
}

const count = async (db: Db, table: string): Promise<number> => (await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${table}`))[0]?.n ?? -1

/** A digest of every row, in id order: the same seed must give the same one on every driver. */
async function checksum (db: Db): Promise<string> {
  const [row] = await db.query<{ parcels: string, enterprises: string }>(`SELECT
    (SELECT md5(string_agg(row_to_json(p)::text, '|' ORDER BY parcel_id)) FROM land_parcels p) AS parcels,
    (SELECT md5(string_agg(row_to_json(e)::text, '|' ORDER BY enterprise_code)) FROM enterprise_registrations e) AS enterprises`)
  return `${row?.parcels ?? ''}/${row?.enterprises ?? ''}`
}

t.test('the shipped declarations load and name their services', async (t) => {
  t.same(datasets.map(datasetKey).sort(), ['enterprise/registrations', 'health/facilities', 'land/parcels'])
  t.equal(serviceName(PARCELS), 'sector.land.parcels.read')
  t.equal(serviceName(FACILITIES), 'sector.health.facilities.read')
  t.same(PARCELS.personalData, { fields: ['ownerPersonalId', 'ownerName'], subjectIdField: 'ownerPersonalId' })
  t.equal(FACILITIES.cacheable, true)
  t.equal(FACILITIES.ttlSeconds, 3600)
})

// ---- the contract, on every source ----

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: SQL datasets`, async (t) => {
    const db = await driver.open(t)
    await seedSectorTables(db)
    const port = sqlPort(t, db)
    const fixtures: Array<[DatasetDeclaration, SectorRecord[], string, string]> = [
      [PARCELS, asRecords(seedData.landParcels), 'land_parcels', '25-07900-9999-99999'],
      [ENTERPRISES, asRecords(seedData.enterpriseRegistrations), 'enterprise_registrations', '9999999999']
    ]
    for (const [dataset, records, table, unknownId] of fixtures) {
      t.test(datasetKey(dataset), async (t) => {
        // read-only suite: one seeded database serves every test of it
        sectorContract(t, async (): Promise<SectorFixture> => ({ port, dataset, records, unknownId, countSource: async () => await count(db, table) }))
      })
    }
  })
}

t.test('REST dataset health/facilities against its simulator', async (t) => {
  sectorContract(t, async (t) => {
    const simulator = await startSimulator(t)
    return {
      port: restPort(t, simulator),
      dataset: FACILITIES,
      records: asRecords(simulator.facilities),
      unknownId: '25999',
      countSource: async () => simulator.facilities.length
    }
  })
})

// ---- declarations ----

const base = PARCELS as unknown as Record<string, unknown>
const baseSource = PARCELS.source as unknown as Record<string, unknown>
const restBase = FACILITIES as unknown as Record<string, unknown>

const BAD_DECLARATIONS: Array<[string, unknown, string, RegExp?]> = [
  ['missing id field', { ...base, idField: undefined }, '/idField', /is required/],
  ['table name with SQL in it', { ...base, source: { ...baseSource, table: 'land_parcels; DROP TABLE land_parcels; --' } }, '/source/table', /must match pattern/],
  ['quoted table name', { ...base, source: { ...baseSource, table: 'land"parcels' } }, '/source/table'],
  ['three-part table name', { ...base, source: { ...baseSource, table: 'a.b.c' } }, '/source/table'],
  ['upper-case table name', { ...base, source: { ...baseSource, table: 'Land_Parcels' } }, '/source/table'],
  ['column with SQL in it', { ...base, source: { ...baseSource, columns: { parcelId: 'parcel_id" OR 1=1 --' } } }, '/source/columns/parcelId'],
  ['column for no field', { ...base, source: { ...baseSource, columns: { nothing: 'x' } } }, '/source/columns/nothing', /not a field/],
  ['unknown source kind', { ...base, source: { kind: 'ftp', table: 'x' } }, '/source/kind'],
  ['SQL source with a REST property', { ...base, source: { ...baseSource, path: '/x' } }, '/source/path', /not a property/],
  ['sector in capitals', { ...base, sector: 'Land' }, '/sector'],
  ['sector with a dot', { ...base, sector: 'land.x' }, '/sector'],
  ['field not camelCase', { ...base, recordSchema: { ...PARCELS.recordSchema, properties: { ...PARCELS.recordSchema.properties, parcel_no: { type: 'integer' } } } }, '/recordSchema/properties/parcel_no', /camelCase/],
  ['nested record field', { ...base, recordSchema: { ...PARCELS.recordSchema, properties: { ...PARCELS.recordSchema.properties, owner: { type: 'object' } } } }, '/recordSchema/properties/owner/type'],
  ['invalid field pattern', { ...base, recordSchema: { ...PARCELS.recordSchema, properties: { ...PARCELS.recordSchema.properties, parcelNo: { type: 'integer', pattern: '(' } } } }, '/recordSchema/properties/parcelNo/pattern'],
  ['required field that does not exist', { ...base, recordSchema: { ...PARCELS.recordSchema, required: ['parcelId', 'ghost'] } }, '/recordSchema/required/1'],
  ['id field not required', { ...base, recordSchema: { ...PARCELS.recordSchema, required: ['communeCode'] } }, '/idField'],
  ['filter on an unknown field', { ...base, filters: [{ name: 'x', field: 'ghost', operator: 'eq', schema: { type: 'string', maxLength: 50 } }] }, '/filters/0/field'],
  ['filter with an unknown operator', { ...base, filters: [{ name: 'x', field: 'ownerName', operator: 'like', schema: { type: 'string', maxLength: 50 } }] }, '/filters/0/operator', /must be one of/],
  ['filter named cursor', { ...base, filters: [{ name: 'cursor', field: 'ownerName', operator: 'eq', schema: { type: 'string', maxLength: 50 } }] }, '/filters/0/name'],
  ['filter without a bound', { ...base, filters: [{ name: 'x', field: 'ownerName', operator: 'eq', schema: { type: 'string' } }] }, '/filters/0/schema'],
  ['number filter without a maximum', { ...base, filters: [{ name: 'x', field: 'areaM2', operator: 'gte', schema: { type: 'number', minimum: 0 } }] }, '/filters/0/schema'],
  ['filter declared twice', { ...base, filters: [PARCELS.filters[0], PARCELS.filters[0]] }, '/filters/1/name', /twice/],
  ['prefix on a number', { ...base, filters: [{ name: 'x', field: 'areaM2', operator: 'prefix', schema: { type: 'string', maxLength: 50 } }] }, '/filters/0', /prefix/],
  ['range on free text', { ...base, filters: [{ name: 'x', field: 'ownerName', operator: 'gte', schema: { type: 'string', maxLength: 50 } }] }, '/filters/0'],
  ['personal data field that does not exist', { ...base, personalData: { fields: ['ghost'] } }, '/personalData/fields/0'],
  ['subject id that is not personal data', { ...base, personalData: { fields: ['ownerName'], subjectIdField: 'ownerPersonalId' } }, '/personalData/subjectIdField'],
  ['personal data cached', { ...base, cacheable: true, ttlSeconds: 60 }, '/cacheable'],
  ['cacheable without a ttl', { ...restBase, ttlSeconds: undefined }, '/ttlSeconds'],
  ['REST path climbing out', { ...restBase, source: { ...FACILITIES.source, path: '/api/../admin' } }, '/source/path'],
  ['REST filter without an upstream parameter', { ...restBase, source: { ...FACILITIES.source, params: { level: 'cap' } } }, '/filters/0', /upstream parameter/],
  ['REST field without a source', { ...restBase, source: { ...FACILITIES.source, fields: { facilityCode: 'MaCoSo' } } }, '/source/fields', /where field name comes from/],
  ['REST code table of the wrong type', { ...restBase, source: { ...FACILITIES.source, fields: { ...(FACILITIES.source as { fields: object }).fields, beds: { from: 'SoGiuongBenh', values: { 1: 'one' } } } } }, '/source/fields/beds/values/1'],
  ['unknown property', { ...base, sql: 'SELECT 1' }, '/sql', /not a property/]
]

t.test('the loader refuses a bad declaration, naming the file and the field', async (t) => {
  for (const [what, declaration, field, detail] of BAD_DECLARATIONS) {
    const files = await tempFiles(t, { 'dataset.json': JSON.stringify(declaration) })
    const file = files['dataset.json'] as string
    const error = await loadDatasets(dirname(file), schemasDir).then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof DatasetDeclarationError, `${what}: refused`)
    t.match(error, { file, field }, `${what}: names ${field}`)
    t.match((error as Error).message, `${file}: ${field}`, `${what}: the message says where`)
    if (detail !== undefined) t.match((error as Error).message, detail, `${what}: says why`)
  }

  const notJson = await tempFiles(t, { 'broken.json': '{ "sector": "land", ' })
  await t.rejects(loadDatasets(dirname(notJson['broken.json'] as string), schemasDir), { name: 'DatasetDeclarationError', file: notJson['broken.json'], field: '', message: /not valid JSON/ })

  const twice = await tempFiles(t, { 'a.json': JSON.stringify(PARCELS), 'b.json': JSON.stringify(PARCELS), 'notes.txt': 'ignored' })
  await t.rejects(loadDatasets(dirname(twice['a.json'] as string), schemasDir), { file: twice['b.json'], field: '/dataset', message: /land\/parcels is already declared in .*a\.json/ })

  const good = await tempFiles(t, { 'land.json': JSON.stringify(PARCELS), 'README.md': '# not a declaration' })
  t.same((await loadDatasets(dirname(good['land.json'] as string), schemasDir)).map(datasetKey), ['land/parcels'], 'a good file loads; other files are ignored')
  t.same(parseDeclaration(JSON.parse(JSON.stringify(FACILITIES)), 'inline', schemasDir), FACILITIES)
})

// ---- SQL specifics ----

for (const driver of storeDrivers()) {
  t.test(`${driver.name}: schema-qualified views with their own column names`, async (t) => {
    const db = await driver.open(t)
    await seedSectorTables(db, { parcels: 300, enterprises: 10 })
    const [{ schema } = { schema: '' }] = await db.query<{ schema: string }>('SELECT current_schema() AS schema')
    await db.exec(`CREATE VIEW thua_dat AS SELECT parcel_id AS ma_thua, commune_code AS ma_xa, area_m2 AS dien_tich, owner_name AS chu_su_dung,
      registered_date::timestamptz AS thoi_diem_dang_ky FROM land_parcels`)
    const declaration = parseDeclaration({
      sector: 'land',
      dataset: 'parcel-view',
      title: 'Thửa đất (view)',
      source: { kind: 'sql', table: `${schema}.thua_dat`, columns: { parcelId: 'ma_thua', communeCode: 'ma_xa', areaM2: 'dien_tich', ownerName: 'chu_su_dung', registeredAt: 'thoi_diem_dang_ky' } },
      idField: 'parcelId',
      recordSchema: {
        type: 'object',
        required: ['parcelId', 'communeCode', 'areaM2', 'ownerName', 'registeredAt'],
        properties: { parcelId: { type: 'string' }, communeCode: { type: 'string' }, areaM2: { type: 'number' }, ownerName: { type: 'string' }, registeredAt: { type: 'string', format: 'date-time' } }
      },
      filters: [{ name: 'ownerName', field: 'ownerName', operator: 'eq', schema: { type: 'string', maxLength: 100 } }],
      personalData: { fields: ['ownerName'] },
      cacheable: false
    }, 'inline', schemasDir)
    const port = createSectorClient({ datasets: [declaration], databases: { default: db } })
    t.teardown(() => port.close())
    const parcels = sectorSeedData({ parcels: 300, enterprises: 10 }).landParcels
    const parcel = parcels[7] as typeof parcels[number]
    const record = await port.getRecord('land/parcel-view', parcel.parcelId, ctx)
    t.match(record, { parcelId: parcel.parcelId, communeCode: parcel.communeCode, areaM2: parcel.areaM2, ownerName: parcel.ownerName })
    t.equal(Date.parse(String(record?.registeredAt)), Date.parse(`${parcel.registeredDate}T00:00:00Z`), 'a timestamptz comes back as ISO 8601 text')
    const page = await port.listRecords('land/parcel-view', { filters: { ownerName: parcel.ownerName }, limit: 100 }, ctx)
    t.same(page.items.map((r) => r.parcelId), parcels.filter((p) => p.ownerName === parcel.ownerName).map((p) => p.parcelId))
    await t.resolves(port.checkHealth())
  })

  t.test(`${driver.name}: a table that is missing, or a database that is gone, is an upstream failure`, async (t) => {
    const db = await driver.open(t)
    const missing = { ...PARCELS, dataset: 'missing', source: { kind: 'sql' as const, table: 'no_such_table' } }
    const port = createSectorClient({ datasets: [missing], databases: { default: db } })
    t.teardown(() => port.close())
    const refused = { code: 'UPSTREAM_FAULT', message: /land sector database.*SQLSTATE 42P01/ }
    await t.rejects(port.getRecord('land/missing', '25-07900-1-1', ctx), refused)
    await t.rejects(port.listRecords('land/missing', { limit: 5 }, ctx), refused)
    await t.rejects(port.checkHealth(), refused, 'readiness sees it')

    await seedSectorTables(db, { parcels: 20, enterprises: 5 })
    const live = sqlPort(t, db)
    await t.resolves(live.checkHealth())
    await db.close()
    await t.rejects(live.getRecord(PARCELS, '25-07900-1-1', ctx), { code: 'UPSTREAM_UNAVAILABLE' })
    await t.rejects(live.checkHealth(), { code: 'UPSTREAM_UNAVAILABLE' })
  })

  t.test(`${driver.name}: a declared dataset whose rows break its schema is an upstream error, not a crash`, async (t) => {
    const db = await driver.open(t)
    await seedSectorTables(db, { parcels: 20, enterprises: 5 })
    const first = sectorSeedData({ parcels: 20, enterprises: 5 }).landParcels[0] as { parcelId: string }
    await db.query('UPDATE land_parcels SET land_use_type = $1 WHERE parcel_id = $2', ['lowercase', first.parcelId])
    const port = sqlPort(t, db)
    await t.rejects(port.getRecord(PARCELS, first.parcelId, ctx), { code: 'UPSTREAM_FAULT', message: /does not match its declared schema.*landUseType/ })
    await t.rejects(port.listRecords(PARCELS, { limit: 5 }, ctx), { code: 'UPSTREAM_FAULT' })
  })
}

const postgres = storeDrivers().find((driver) => driver.name === 'postgres')
t.test('a statement past its deadline is an upstream timeout (PostgreSQL)', { skip: postgres === undefined ? 'TEST_DATABASE_URL not set' : false }, async (t) => {
  const db = await (postgres as NonNullable<typeof postgres>).open(t)
  await seedSectorTables(db, { parcels: 20, enterprises: 5 })
  // pg_sleep in the WHERE clause runs for every row: 20 rows × 50 ms
  await db.exec('CREATE VIEW slow_parcels AS SELECT * FROM land_parcels WHERE length(pg_sleep(0.05)::text) >= 0')
  const slow = { ...PARCELS, dataset: 'slow', source: { kind: 'sql' as const, table: 'slow_parcels' } }
  const port = createSectorClient({ datasets: [slow, PARCELS], databases: { default: db }, statementTimeoutMs: 200 })
  t.teardown(() => port.close())
  await t.rejects(port.listRecords('land/slow', { limit: 10 }, ctx), { code: 'UPSTREAM_TIMEOUT' })
  t.equal((await port.listRecords('land/parcels', { limit: 2 }, ctx)).items.length, 2, 'a statement within the deadline answers')
  t.equal((await db.query<{ timeout: string }>("SELECT current_setting('statement_timeout') AS timeout"))[0]?.timeout, '0', 'the deadline is SET LOCAL: it does not stay on the pooled connection')
})

t.test('the seed is deterministic and fast', async (t) => {
  const [driver] = storeDrivers()
  const first = await (driver as NonNullable<typeof driver>).open(t)
  const second = await (driver as NonNullable<typeof driver>).open(t)
  const started = performance.now()
  t.same(await seedSectorTables(first), { landParcels: 3000, enterpriseRegistrations: 2000 })
  const elapsed = performance.now() - started
  t.ok(elapsed < 2000, `3000 parcels and 2000 enterprises seeded in ${Math.round(elapsed)} ms on ${driver?.name ?? ''}`)
  await seedSectorTables(second)
  t.equal(await checksum(first), await checksum(second), 'same seed, same rows')
  t.same(await seedSectorTables(first), { landParcels: 0, enterpriseRegistrations: 0 }, 'seeding again adds nothing')
  t.same(sectorSeedData(), seedData, 'the rows are a function of the seed')

  const third = await (driver as NonNullable<typeof driver>).open(t)
  await seedSectorTables(third, { seed: 7 })
  t.not(await checksum(third), await checksum(first), 'another seed, other rows')
})

t.test('seeded rows look like the registers they imitate', async (t) => {
  const { landParcels, enterpriseRegistrations } = seedData
  t.equal(new Set(landParcels.map((p) => p.parcelId)).size, landParcels.length, 'parcel ids are unique')
  t.ok(landParcels.every((p) => p.parcelId === `25-${p.communeCode}-${p.mapSheetNo}-${p.parcelNo}`), 'parcel id = province-commune-sheet-parcel')
  t.ok(landParcels.every((p) => /^[0-9]{12}$/.test(p.ownerPersonalId)), 'owners have personal ids')
  t.ok(landParcels.some((p) => p.certificateNo === undefined) && landParcels.some((p) => p.certificateNo !== undefined), 'some parcels await their certificate')
  t.ok(landParcels.filter((p) => p.communeName.startsWith('Phường')).filter((p) => p.landUseType === 'ODT').length > 100, 'urban residential land in wards')
  t.equal(new Set(enterpriseRegistrations.map((e) => e.name)).size, enterpriseRegistrations.length, 'no two enterprises share a name')
  t.ok(enterpriseRegistrations.every((e) => /^[0-9]{10}$/.test(e.enterpriseCode)), 'enterprise codes have 10 digits')
  t.ok(enterpriseRegistrations.every((e) => e.name.startsWith(`${ENTERPRISE_TYPES.find((type) => type.code === e.enterpriseType)?.prefix ?? '?'} `)), 'the name shows the enterprise type')
  t.ok(enterpriseRegistrations.some((e) => e.status === 'dissolved') && enterpriseRegistrations.some((e) => e.status === 'suspended'))
  t.ok(enterpriseRegistrations.every((e) => e.headOfficeAddress.endsWith(`${e.communeName}, ${e.provinceName}`)))
})

// ---- cross-dataset and configuration ----

t.test('cursors and datasets do not mix', async (t) => {
  const [driver] = storeDrivers()
  const db = await (driver as NonNullable<typeof driver>).open(t)
  await seedSectorTables(db, { parcels: 50, enterprises: 50 })
  const port = sqlPort(t, db)
  const page = await port.listRecords('land/parcels', { limit: 5 }, ctx)
  await t.rejects(port.listRecords('enterprise/registrations', { cursor: page.nextCursor as string, limit: 5 }, ctx), { code: 'INVALID_INPUT', errors: [{ pointer: '/cursor' }] })
  const other = sqlPort(t, db, { cursorSecret: 'another-gateway-secret-0123456789' })
  await t.rejects(other.listRecords('land/parcels', { cursor: page.nextCursor as string, limit: 5 }, ctx), { code: 'INVALID_INPUT' }, 'a cursor signed under another secret')
  const shared = [sqlPort(t, db, { cursorSecret: 'shared-secret-0123456789abcdef' }), sqlPort(t, db, { cursorSecret: 'shared-secret-0123456789abcdef' })]
  const cursor = (await shared[0]?.listRecords(PARCELS, { limit: 5 }, ctx))?.nextCursor as string
  t.equal((await shared[1]?.listRecords(PARCELS, { cursor, limit: 5 }, ctx))?.items.length, 5, 'gateways sharing a secret accept each other\'s cursors')

  const some = await port.listRecords(PARCELS, { filters: { communeCode: undefined, landUseType: 'ODT' }, limit: 100 }, ctx)
  t.ok(some.items.length > 0 && some.items.every((r) => r.landUseType === 'ODT'), 'an undefined filter value is no filter')

  await t.rejects(port.getRecord('land/nothing', '1', ctx), { code: 'UNKNOWN_RESOURCE' })
  await t.rejects(port.listRecords('nothing', { limit: 1 }, ctx), { code: 'UNKNOWN_RESOURCE' })
  t.equal(port.dataset('land/parcels'), PARCELS)
  t.equal(port.dataset('land/nothing'), undefined)
  t.same(port.datasets.map(datasetKey), ['land/parcels', 'enterprise/registrations'])
})

t.test('a dataset whose source is not configured fails at construction, naming it', async (t) => {
  t.throws(() => createSectorClient({ datasets: [PARCELS] }), /dataset land\/parcels reads database "default", which is not configured/)
  t.throws(() => createSectorClient({ datasets: [FACILITIES], upstreams: {} }), /dataset health\/facilities reads REST upstream "health", which is not configured/)
})

// ---- REST specifics ----

const headers = { 'x-api-key': API_KEY, accept: 'application/json' }

t.test('the simulator answers hand-written HTTP in its own shape', async (t) => {
  const simulator = await startSimulator(t, { count: 60 })
  const facility = simulator.facilities.find((f) => f.phone !== undefined && f.level === 'primary') as typeof simulator.facilities[number]
  const one = await request(`${simulator.url}/cosokcb/${facility.facilityCode}`, { headers })
  t.equal(one.statusCode, 200)
  t.same(await one.body.json(), facilityToUpstream(facility))
  t.match(facilityToUpstream(facility), { MaCoSo: facility.facilityCode, CapChuyenMon: 1, NgayCapPhep: /^[0-9]{8}$/ })

  const list = await request(`${simulator.url}/cosokcb?tiento_ten=${encodeURIComponent('Trạm Y tế')}&sobanghi=5`, { headers })
  const body = await list.body.json() as { DuLieu: Array<Record<string, unknown>>, ConTro?: string }
  t.equal(body.DuLieu.length, 5)
  t.ok(body.DuLieu.every((f) => String(f.TenCoSo).startsWith('Trạm Y tế')))
  t.type(body.ConTro, 'string')

  const missing = await request(`${simulator.url}/cosokcb/25999`, { headers })
  t.equal(missing.statusCode, 404)
  t.match(await missing.body.json(), { MaLoi: 'KHONG_TIM_THAY' })
  const badCursor = await request(`${simulator.url}/cosokcb?con_tro=bm9wZQ`, { headers })
  t.equal(badCursor.statusCode, 400)
  t.match(await badCursor.body.json(), { MaLoi: 'CON_TRO_KHONG_HOP_LE' })
  const noKey = await request(`${simulator.url}/cosokcb/${facility.facilityCode}`)
  t.equal(noKey.statusCode, 401)
  t.match(await noKey.body.json(), { MaLoi: 'KHONG_XAC_THUC' })
})

t.test('REST faults map to the coded upstream errors', async (t) => {
  const simulator = await startSimulator(t, { count: 60 })
  const port = restPort(t, simulator, { timeoutMs: 300 })
  const code = (simulator.facilities[0] as { facilityCode: string }).facilityCode

  simulator.faults = { status: 500 }
  await t.rejects(port.getRecord(FACILITIES, code, ctx), { code: 'UPSTREAM_FAULT', message: /HTTP 500 HE_THONG_BAN/ })
  await t.rejects(port.listRecords(FACILITIES, { limit: 5 }, ctx), { code: 'UPSTREAM_FAULT' })
  await t.rejects(port.checkHealth(), { code: 'UPSTREAM_FAULT' })

  simulator.faults = { status: 503 }
  await t.rejects(port.getRecord(FACILITIES, code, ctx), { code: 'UPSTREAM_UNAVAILABLE' })

  simulator.faults = { reset: true }
  await t.rejects(port.getRecord(FACILITIES, code, ctx), { code: 'UPSTREAM_UNAVAILABLE' })
  await t.rejects(port.listRecords(FACILITIES, { limit: 5 }, ctx), { code: 'UPSTREAM_UNAVAILABLE' })

  simulator.faults = { delayMs: 1500 }
  await t.rejects(port.getRecord(FACILITIES, code, ctx), { code: 'UPSTREAM_TIMEOUT' })
  await t.rejects(port.listRecords(FACILITIES, { limit: 5 }, ctx), { code: 'UPSTREAM_TIMEOUT' })

  simulator.faults = {}
  t.equal((await port.getRecord(FACILITIES, code, ctx))?.facilityCode, code, 'healthy again once the upstream is')
  await t.resolves(port.checkHealth())
})

t.test('malformed upstream answers become coded upstream errors', async (t) => {
  const simulator = await startSimulator(t, { count: 60 })
  const port = restPort(t, simulator)
  const facility = simulator.facilities.find((f) => f.level === 'primary') as typeof simulator.facilities[number]
  const upstream = facilityToUpstream(facility)
  const malformed = { code: 'UPSTREAM_FAULT' }
  const get = async (): Promise<unknown> => await port.getRecord(FACILITIES, facility.facilityCode, ctx)

  simulator.faults = { body: '<html>Service Unavailable</html>' }
  await t.rejects(get(), { ...malformed, message: /without a JSON body/ })
  simulator.faults = { body: '[1, 2]' }
  await t.rejects(get(), { ...malformed, message: /is not an object/ })
  simulator.faults = { body: JSON.stringify({ ...upstream, CapChuyenMon: 9 }) }
  await t.rejects(get(), { ...malformed, message: /CapChuyenMon has an unknown value 9/ })
  simulator.faults = { body: JSON.stringify({ ...upstream, NgayCapPhep: '20251345' }) }
  await t.rejects(get(), { ...malformed, message: /NgayCapPhep is not a yyyyMMdd date/ })
  simulator.faults = { body: JSON.stringify({ ...upstream, SoGiuongBenh: '12' }) }
  await t.rejects(get(), { ...malformed, message: /does not match its declared schema.*beds/ })
  simulator.faults = { body: JSON.stringify({ ...upstream, TenCoSo: null }) }
  await t.rejects(get(), { ...malformed, message: /must have required property 'name'/ })
  simulator.faults = { body: JSON.stringify({ ...upstream, MaCoSo: '25998' }) }
  await t.rejects(get(), { ...malformed, message: /asked for/ }, 'another record than the one asked for')
  simulator.faults = { body: JSON.stringify({ DuLieu: 'none' }) }
  await t.rejects(port.listRecords(FACILITIES, { limit: 5 }, ctx), { ...malformed, message: /DuLieu is not an array/ })
  simulator.faults = { body: JSON.stringify({ DuLieu: [upstream], ConTro: 42 }) }
  await t.rejects(port.listRecords(FACILITIES, { limit: 5 }, ctx), { ...malformed, message: /ConTro is not a page token/ })
  simulator.faults = { body: JSON.stringify({ DuLieu: [upstream, upstream] }) }
  await t.rejects(port.listRecords(FACILITIES, { limit: 1 }, ctx), { ...malformed, message: /2 records for a page of 1/ })
  simulator.faults = { body: JSON.stringify({ DuLieu: [upstream] }) }
  await t.rejects(port.listRecords(FACILITIES, { filters: { communeCode: facility.communeCode === '07900' ? '07909' : '07900' }, limit: 5 }, ctx),
    { ...malformed, message: /does not match the filter communeCode/ }, 'an upstream that ignores a filter is caught')

  simulator.faults = {}
  t.same(await get(), facility)
})

t.test('the REST source authenticates, passes who asks, and maps filter values to the upstream\'s codes', async (t) => {
  const simulator = await startSimulator(t, { count: 80 })
  const port = restPort(t, simulator)
  await port.listRecords(FACILITIES, { filters: { level: 'specialised', licensedFrom: '2000-01-01' }, limit: 5 }, { requestId: 'req-sector-0042', officialId: 'canbo.yte' })
  t.match(simulator.lastRequest, { requestId: 'req-sector-0042', userId: 'canbo.yte' })
  const asked = new URL(simulator.lastRequest?.url ?? '', 'http://x').searchParams
  t.equal(asked.get('cap'), '3', 'level specialised is CapChuyenMon 3 upstream')
  t.equal(asked.get('capphep_tu'), '20000101', 'an ISO date is yyyyMMdd upstream')
  t.equal(asked.get('sobanghi'), '5')

  const hits = simulator.hits
  const capped = await port.listRecords(FACILITIES, { limit: 1000 }, ctx)
  t.equal(capped.items.length, 80)
  t.equal(new URL(simulator.lastRequest?.url ?? '', 'http://x').searchParams.get('sobanghi'), '200', 'pages no larger than the upstream serves')
  t.equal(simulator.hits, hits + 1)

  const wrongKey = restPort(t, simulator, { apiKey: 'wrong-key' })
  await t.rejects(wrongKey.getRecord(FACILITIES, '25001', ctx), { code: 'UPSTREAM_FAULT', message: /HTTP 401 KHONG_XAC_THUC/ })
  const wrongPath = restPort(t, simulator, { url: `${simulator.url}/v9` })
  await t.rejects(wrongPath.getRecord(FACILITIES, '25001', ctx), { code: 'UPSTREAM_FAULT', message: /404 DUONG_DAN_KHONG_TON_TAI/ }, 'a wrong path is not "no such record"')

  const gone = await startSectorRestSimulator({ count: 5 })
  const url = gone.url
  await gone.close()
  const unreachable = restPort(t, simulator, { url })
  await t.rejects(unreachable.getRecord(FACILITIES, '25001', ctx), { code: 'UPSTREAM_UNAVAILABLE' })
  await t.rejects(unreachable.checkHealth(), { code: 'UPSTREAM_UNAVAILABLE' })
})

t.test('a REST upstream without pagination is paged by the port', async (t) => {
  const simulator = await startSimulator(t, { count: 45 })
  const { cursorKey: _k, cursorParam: _p, limitParam: _l, ...unpaged } = FACILITIES.source as Extract<DatasetDeclaration['source'], { kind: 'rest' }>
  const declaration = parseDeclaration({ ...FACILITIES, dataset: 'facilities-unpaged', source: unpaged }, 'inline', schemasDir)
  const port = createSectorClient({ datasets: [declaration], upstreams: { health: { url: simulator.url, apiKey: API_KEY, timeoutMs: 2000 } } })
  t.teardown(() => port.close())
  // the simulator's default page (50) holds all 45: one upstream answer, paged here by id
  const seen: unknown[] = []
  let cursor: string | undefined
  do {
    const page = await port.listRecords(declaration, { limit: 10, ...(cursor === undefined ? {} : { cursor }) }, ctx)
    seen.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  t.same(seen, simulator.facilities)
})
