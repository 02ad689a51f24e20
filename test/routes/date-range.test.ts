import t from 'tap'
import { filterChecker } from '../../adapters/sector/filters.js'
import { loadDatasets } from '../../adapters/sector/loader.js'
import type { Client } from '../../src/auth/grants.js'
import { DEFAULT_DATASETS_DIR, schemasDir } from '../../src/paths.js'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken, TEST_CLIENTS } from '../support/identity.js'

/**
 * Dates a caller gives are bounded to the years 1900–2100 (domain/calendar.ts): outside them a date is a
 * 400 naming the field, never a 500 from the database or a 502 blamed on an upstream.
 */

const LAND = 'sector.land.parcels.read'
const SECTOR_CLIENT: Client = { clientId: 'VN.TEST.SECTOR', name: 'Land office app', status: 'active', grants: [{ service: LAND, purposes: ['TTHC'] }] }
const MOTCUA = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read', 'dossiers.read', 'dossiers.write'] }

interface Refusal { status: number, type: string, pointers: string[] }

function refusal (res: { statusCode: number, json: () => any }): Refusal {
  const body = res.json()
  return { status: res.statusCode, type: body.type, pointers: (body.errors ?? []).map((error: { pointer: string }) => error.pointer).sort() }
}

const VALIDATION = 'https://errors.gateway.local/validation'

t.test('dates outside 1900–2100 are a 400 on every route that takes one', async (t) => {
  const { app, headers } = await buildTestGateway(t, { clients: [...TEST_CLIENTS, SECTOR_CLIENT], seedSector: true })
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }

  const audit = async (query: Record<string, string>): Promise<Refusal> => refusal(await app.inject({ method: 'GET', url: '/admin/v1/audit', query, headers: admin }))
  t.same(await audit({ from: '0000-01-01T00:00:00Z' }), { status: 400, type: VALIDATION, pointers: ['/from'] }, 'audit from in year 0')
  t.same(await audit({ to: '9999-12-31T23:59:59Z' }), { status: 400, type: VALIDATION, pointers: ['/to'] }, 'audit to in year 9999')
  t.same(await audit({ from: '1899-12-31T23:59:59Z', to: '2101-01-01T00:00:00Z' }), { status: 400, type: VALIDATION, pointers: ['/from', '/to'] })
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/audit', query: { from: '1900-01-01T00:00:00Z', to: '2100-12-31T23:59:59+07:00' }, headers: admin })).statusCode, 200, 'the bounds themselves are accepted')

  const land = async (query: Record<string, string>): Promise<Refusal> => refusal(await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query, headers: await headers({ clientId: SECTOR_CLIENT.clientId, scopes: [LAND] }) }))
  t.same(await land({ registeredFrom: '0000-01-01' }), { status: 400, type: VALIDATION, pointers: ['/registeredFrom'] }, 'a sector date filter in year 0')
  t.same(await land({ registeredTo: '2200-01-01' }), { status: 400, type: VALIDATION, pointers: ['/registeredTo'] })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/sectors/land/parcels', query: { registeredFrom: '1900-01-01', registeredTo: '2100-12-31' }, headers: await headers({ clientId: SECTOR_CLIENT.clientId, scopes: [LAND] }) })).statusCode, 200)

  const dossiers = async (query: Record<string, string>): Promise<Refusal> => refusal(await app.inject({ method: 'GET', url: '/api/v1/dossiers', query, headers: await headers(MOTCUA) }))
  t.same(await dossiers({ from: '0000-01-01' }), { status: 400, type: VALIDATION, pointers: ['/from'] }, 'a dossier period in year 0')
  t.same(await dossiers({ from: '2025-02-30', to: '0001-01-01T00:00+07:00' }), { status: 400, type: VALIDATION, pointers: ['/from', '/to'] }, 'no 30 February, no year 1')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/dossiers', query: { from: '1900-01-01', to: '2100-12-31T17:00+07:00' }, headers: await headers(MOTCUA) })).statusCode, 200)
})

t.test('the sector adapter\'s own filter check holds the same bounds', async (t) => {
  const land = (await loadDatasets(DEFAULT_DATASETS_DIR, schemasDir)).find((declaration) => declaration.sector === 'land' && declaration.dataset === 'parcels')
  if (land === undefined) throw new Error('no land parcels declaration')
  const checker = filterChecker(land)
  t.throws(() => checker.check({ registeredFrom: '0000-01-01' }), { errors: [{ in: 'query', pointer: '/registeredFrom' }] })
  t.same(checker.check({ registeredFrom: '1900-01-01' }).map((filter) => filter.value), ['1900-01-01'])
})
