import t, { type Test } from 'tap'
import { sectorSeedData } from '../../adapters/sector/seed.js'
import type { Client } from '../../src/auth/grants.js'
import { buildTestGateway, type TestGateway } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'

const LAND = 'sector.land.parcels.read'
const ENTERPRISE = 'sector.enterprise.registrations.read'
const HEALTH = 'sector.health.facilities.read'
const SECTOR_CLIENT: Client = {
  clientId: 'VN.TEST.SECTOR',
  name: 'Land office app',
  status: 'active',
  grants: [
    { service: LAND, purposes: ['TTHC'] },
    // capital disclosed: its filter (capitalMin) may be used; a filter on a hidden field is refused (test/privacy)
    { service: ENTERPRISE, purposes: ['TTHC'], fields: ['name', 'status', 'communeCode', 'registeredCapitalVnd'] },
    { service: HEALTH }
  ]
}
const SECTOR = { clientId: SECTOR_CLIENT.clientId, scopes: [LAND, ENTERPRISE, HEALTH] }
const seed = sectorSeedData()

async function gateway (t: Test): Promise<TestGateway> {
  return await buildTestGateway(t, { clients: [...TEST_CLIENTS, SECTOR_CLIENT], seedSector: true })
}

t.test('a land parcel needs the grant and a purpose; the audit names its owner', async (t) => {
  const { app, headers } = await gateway(t)
  const parcel = seed.landParcels[0]
  if (parcel === undefined) throw new Error('no parcels seeded')
  const url = `/api/v1/sectors/land/parcels/${parcel.parcelId}`

  t.equal((await app.inject({ method: 'GET', url, headers: await headers({ ...SECTOR, purpose: null }) })).json().type, 'https://errors.gateway.local/purpose-required')
  t.equal((await app.inject({ method: 'GET', url, headers: await headers({ ...SECTOR, purpose: 'KCB' }) })).json().type, 'https://errors.gateway.local/purpose-not-granted')
  const notGranted = await app.inject({ method: 'GET', url, headers: await headers({ clientId: 'VN.TEST.FULL', scopes: [LAND] }) })
  t.equal(notGranted.statusCode, 403, 'no grant is a 403, not a 404')

  const res = await app.inject({ method: 'GET', url, headers: { ...await headers(SECTOR), 'x-request-id': 'land-read-0001' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), parcel)
  const [record] = await app.store.query<{ subjects: string[], service: string, upstream: string }>("SELECT subjects, service, upstream FROM audit_records WHERE request_id = 'land-read-0001'")
  t.same(record, { subjects: [parcel.ownerPersonalId], service: LAND, upstream: 'sector:land/parcels' })

  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels/25-07900-9999-99999', headers: await headers(SECTOR) })).statusCode, 404)
  const bad = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels/1;DROP TABLE land_parcels', headers: await headers(SECTOR) })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].pointer, '/id')
})

t.test('searching by a person is audited as an access to that person, found or not', async (t) => {
  const { app, headers } = await gateway(t)
  const owner = seed.landParcels[0]?.ownerPersonalId as string
  const owned = seed.landParcels.filter((parcel) => parcel.ownerPersonalId === owner)
  const res = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { ownerPersonalId: owner }, headers: await headers(SECTOR) })
  t.equal(res.statusCode, 200)
  t.same(res.json().items.map((item: { parcelId: string }) => item.parcelId), owned.map((parcel) => parcel.parcelId).sort())

  const nobody = '001099000001'
  const none = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { ownerPersonalId: nobody }, headers: { ...await headers(SECTOR), 'x-request-id': 'land-search-0001' } })
  t.same(none.json(), { items: [] })
  const [record] = await app.store.query<{ subjects: string[] }>("SELECT subjects FROM audit_records WHERE request_id = 'land-search-0001'")
  t.same(record?.subjects, [nobody])
})

t.test('a filtered list pages through every match once, in id order', async (t) => {
  const { app, headers } = await gateway(t)
  const commune = seed.landParcels[0]?.communeCode as string
  const expected = seed.landParcels.filter((parcel) => parcel.communeCode === commune && parcel.areaM2 >= 100).map((parcel) => parcel.parcelId).sort()
  t.ok(expected.length > 7, `${expected.length} parcels match`)
  const seen: string[] = []
  let cursor: string | undefined
  do {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { communeCode: commune, areaMin: '100', limit: '7', ...(cursor === undefined ? {} : { cursor }) }, headers: await headers(SECTOR) })
    t.equal(res.statusCode, 200)
    seen.push(...res.json().items.map((item: { parcelId: string }) => item.parcelId))
    cursor = res.json().nextCursor
  } while (cursor !== undefined)
  t.same(seen, expected)

  const tooMany = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { limit: '101' }, headers: await headers(SECTOR) })
  t.equal(tooMany.json().errors[0].pointer, '/limit')
  const unknown = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { ownerName: 'Nguyễn' }, headers: await headers(SECTOR) })
  t.equal(unknown.statusCode, 400, 'only declared filters')
  // 00004 (Phường Ba Đình, Hà Nội) is a commune of the 2025 register other than the first page's
  const otherFilters = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { communeCode: '00004', cursor: cursor ?? 'x' }, headers: await headers(SECTOR) })
  t.equal(otherFilters.statusCode, 400)
  t.equal(otherFilters.json().errors[0].pointer, '/cursor', 'a cursor is bound to its filters')
  // a unit code outside the register in force (00001 was never a commune code) is refused, naming the category
  const notACommune = await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { communeCode: '00001' }, headers: await headers(SECTOR) })
  t.equal(notACommune.statusCode, 400)
  t.match(notACommune.json().errors, [{ in: 'query', pointer: '/communeCode', detail: /category communes in force/ }])
})

t.test('injection attempts in filter values are refused or match nothing, and the tables stay', async (t) => {
  const { app, headers } = await gateway(t)
  const hostile = ["' OR 1=1 --", "'; DROP TABLE enterprise_registrations; --", '%', '_', '\\', 'a%\' UNION SELECT * FROM audit_records --']
  for (const value of hostile) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sectors/enterprise/registrations', query: { namePrefix: value }, headers: await headers(SECTOR) })
    t.ok(res.statusCode === 400 || (res.statusCode === 200 && res.json().items.length === 0), `${JSON.stringify(value)} → ${res.statusCode}`)
    t.notMatch(res.body, /syntax|SELECT|relation/i, 'no SQL in the answer')
    const status = await app.inject({ method: 'GET', url: '/api/v1/sectors/enterprise/registrations', query: { status: value }, headers: await headers(SECTOR) })
    t.equal(status.statusCode, 400, 'an enum filter refuses it')
  }
  const [row] = await app.store.query<{ n: number }>('SELECT count(*)::integer AS n FROM enterprise_registrations')
  t.equal(row?.n, seed.enterpriseRegistrations.length)
})

t.test('a number filter beyond what its column holds is refused, naming the filter', async (t) => {
  const { app, headers } = await gateway(t)
  const list = async (url: string, query: Record<string, string>) => await app.inject({ method: 'GET', url, query, headers: await headers(SECTOR) })
  const enterprises = '/api/v1/sectors/enterprise/registrations'
  for (const capitalMin of ['99999999999999999999999', '9007199254740993', '1e21', 'Infinity', '1e309']) {
    const res = await list(enterprises, { capitalMin })
    t.equal(res.statusCode, 400, `capitalMin=${capitalMin}`)
    t.match(res.json().errors, [{ in: 'query', pointer: '/capitalMin' }])
  }
  const largest = await list(enterprises, { capitalMin: String(Number.MAX_SAFE_INTEGER) })
  t.equal(largest.statusCode, 200, 'the largest safe integer is a value like any other')
  t.same(largest.json().items, [])
  for (const areaMin of ['Infinity', '-Infinity', '1e400']) {
    const res = await list('/api/v1/sectors/land/parcels', { areaMin })
    t.equal(res.statusCode, 400, `areaMin=${areaMin}`)
    t.match(res.json().errors, [{ in: 'query', pointer: '/areaMin' }])
  }
  t.equal((await list('/api/v1/sectors/land/parcels', { areaMin: '1e10' })).statusCode, 200, 'the largest area the filter takes matches nothing')
  t.equal((await list('/api/v1/sectors/land/parcels', { areaMin: '1e300' })).statusCode, 400, 'past the declared bound (every input bounded): refused')
})

t.test('a grant\'s field list holds for sector records too, the id always kept', async (t) => {
  const { app, headers } = await gateway(t)
  const enterprise = seed.enterpriseRegistrations[0]
  if (enterprise === undefined) throw new Error('no enterprises seeded')
  const res = await app.inject({ method: 'GET', url: `/api/v1/sectors/enterprise/registrations/${enterprise.enterpriseCode}`, headers: await headers(SECTOR) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { enterpriseCode: enterprise.enterpriseCode, name: enterprise.name, status: enterprise.status, communeCode: enterprise.communeCode, registeredCapitalVnd: enterprise.registeredCapitalVnd })
  t.notOk(res.body.includes(enterprise.legalRepresentativePersonalId), 'the representative stays out')
})

t.test('a REST-backed dataset: reference data without a purpose, its upstream\'s failures coded', async (t) => {
  const { app, headers, sectorRest } = await gateway(t)
  const facility = sectorRest.facilities[0]
  if (facility === undefined) throw new Error('no facilities')
  const one = await app.inject({ method: 'GET', url: `/api/v1/sectors/health/facilities/${facility.facilityCode}`, headers: await headers({ ...SECTOR, purpose: null }) })
  t.equal(one.statusCode, 200)
  t.same(one.json(), facility)
  const list = await app.inject({ method: 'GET', url: '/api/v1/sectors/health/facilities', query: { level: 'specialised', limit: '100' }, headers: await headers({ ...SECTOR, purpose: null }) })
  t.same(list.json().items.map((item: { facilityCode: string }) => item.facilityCode), sectorRest.facilities.filter((f) => f.level === 'specialised').map((f) => f.facilityCode))

  sectorRest.faults = { status: 503 }
  // another facility: the one read above is kept in the response cache (health/facilities is cacheable)
  const down = await app.inject({ method: 'GET', url: `/api/v1/sectors/health/facilities/${sectorRest.facilities[1]?.facilityCode ?? ''}`, headers: await headers(SECTOR) })
  t.equal(down.statusCode, 503)
  t.equal(down.headers['content-type'], 'application/problem+json; charset=utf-8')
  sectorRest.faults = { body: '{"DuLieu": [{"MaCoSo": 1}]}' }
  const broken = await app.inject({ method: 'GET', url: '/api/v1/sectors/health/facilities', headers: await headers(SECTOR) })
  t.equal(broken.statusCode, 502)
  t.notMatch(broken.body, /stack|at .*\.js/)
})

t.test('datasets are services: listed, grantable, in the API description and in /readyz', async (t) => {
  const { app, headers } = await gateway(t)
  const services = (await app.inject({ method: 'GET', url: '/api/v1/services', headers: await headers(SECTOR) })).json().services
  const byName = (name: string): unknown => services.find((service: { service: string }) => service.service === name)
  t.same(services.map((service: { service: string }) => service.service).sort(), ['categories.read', ENTERPRISE, HEALTH, LAND], 'its datasets, and the open categories')
  t.match(byName(LAND), { personalData: true, purposes: ['TTHC'], schema: '/openapi.json#/components/schemas/SectorLandParcels', operations: [{ method: 'GET', path: '/api/v1/sectors/land/parcels/{id}' }, { method: 'GET', path: '/api/v1/sectors/land/parcels' }] })
  t.match(byName(HEALTH), { personalData: false, schema: '/openapi.json#/components/schemas/SectorHealthFacilities' })

  const admin = await headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'], purpose: null })
  const granted = await app.inject({ method: 'PUT', url: `/admin/v1/clients/VN.TEST.FULL/grants/${HEALTH}`, headers: admin, payload: {} })
  t.equal(granted.statusCode, 200)
  const unknown = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.TEST.FULL/grants/sector.water.meters.read', headers: admin, payload: {} })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json().errors[0].detail, /sector\.land\.parcels\.read/)

  const document = app.swagger() as { paths: Record<string, unknown>, components: { schemas: Record<string, unknown> } }
  for (const path of ['/api/v1/sectors/land/parcels/{id}', '/api/v1/sectors/enterprise/registrations', '/api/v1/sectors/health/facilities']) t.ok(document.paths[path], path)
  t.ok(document.components.schemas.SectorEnterpriseRegistrationsPage)

  const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json()
  t.equal(ready.checks.sector.status, 'up')
  await app.store.exec('DROP TABLE land_parcels')
  const notReady = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(notReady.statusCode, 503)
  t.equal(notReady.json().checks.sector.status, 'down')
})
