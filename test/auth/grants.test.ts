import t from 'tap'
import { GrantsFileError, loadGrantsFile } from '../../src/auth/grants.js'
import { buildTestGateway } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'
import { tempFiles } from '../support/teardown.js'

t.test('a service needs both the stored grant and the token scope; otherwise 403, never 404', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`
  const cases: Array<[string, Parameters<typeof headers>[0], string]> = [
    ['no grant for the service', { clientId: 'VN.TEST.VERIFY', scopes: ['citizens.read'], purpose: 'KCB' }, 'forbidden'],
    ['granted, but not in the token scope', { clientId: 'VN.TEST.FULL', scopes: ['citizens.verify'] }, 'forbidden'],
    ['suspended client', { clientId: 'VN.TEST.SUSPENDED', scopes: ['citizens.read'] }, 'forbidden'],
    ['unregistered client', { clientId: 'VN.H99.UNKNOWN', scopes: ['citizens.read'] }, 'forbidden'],
    ['no X-Purpose on personal data', { purpose: null }, 'purpose-required'],
    ['a purpose outside the grant', { purpose: 'KCB' }, 'purpose-not-granted']
  ]
  for (const [label, options, type] of cases) {
    const res = await app.inject({ method: 'GET', url, headers: await headers(options) })
    t.equal(res.statusCode, 403, label)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().type, `https://errors.gateway.local/${type}`, label)
  }
  // unknown citizen and no grant: still 403, so a refused client learns nothing about who exists
  const unknown = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId.slice(0, 6)}999999`
  t.equal((await app.inject({ method: 'GET', url: unknown, headers: await headers({ clientId: 'VN.TEST.VERIFY', scopes: ['citizens.read'] }) })).statusCode, 403)
  t.equal(simulator.hits, 0, 'no refused call reached the population database')
})

t.test('X-Purpose: a granted code, optionally with a reference; malformed is a 400', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`
  t.equal((await app.inject({ method: 'GET', url, headers: await headers({ purpose: 'TTHC:000.00.20.H23-230223-0001' }) })).statusCode, 200)
  const res = await app.inject({ method: 'GET', url, headers: await headers({ purpose: 'tthc; DROP TABLE' }) })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { type: 'https://errors.gateway.local/validation', errors: [{ in: 'headers', pointer: '/x-purpose' }] })
})

t.test('a client granted fullName and dateOfBirth never receives anything else', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  for (const index of [1, 2, 3]) {
    const citizen = simulator.population.citizenAt(index)
    const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'], purpose: 'BHXH' }) })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { personalId: citizen.personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth })
    t.notMatch(res.body, /permanentAddress|currentAddress|motherFullName|ethnicity/)
  }
  const full = await app.inject({ method: 'GET', url: `/api/v1/citizens/${simulator.population.citizenAt(1).personalId}`, headers: await headers() })
  t.ok(full.json().permanentAddress, 'a client granted every field gets the address')
})

t.test('GET /api/v1/services lists what this caller may use now', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  let res = await app.inject({ method: 'GET', url: '/api/v1/services', headers: await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'] }) })
  t.equal(res.statusCode, 200)
  // open services (the shared categories) are every client's, granted or not
  const granted = (list: Array<{ service: string }>): Array<{ service: string }> => list.filter((s) => s.service !== 'categories.read')
  t.match(res.json().services.find((s: { service: string }) => s.service === 'categories.read'), { personalData: false, purposes: [] })
  t.same({ ...res.json(), services: granted(res.json().services) }, {
    clientId: 'VN.TEST.LIMITED',
    services: [{
      service: 'citizens.read',
      title: 'Look up a citizen in the national population database',
      personalData: true,
      purposes: ['TTHC', 'BHXH'],
      fields: ['fullName', 'dateOfBirth'],
      rateLimitPerMinute: 600,
      operations: [{ method: 'GET', path: '/api/v1/citizens/{personalId}', operationId: 'getCitizen' }],
      schema: '/openapi.json#/components/schemas/Citizen'
    }]
  })
  res = await app.inject({ method: 'GET', url: '/api/v1/services', headers: await headers({ clientId: 'VN.TEST.FULL', scopes: ['citizens.verify'] }) })
  t.same(granted(res.json().services).map((s) => s.service), ['citizens.verify'], 'the token scope narrows the list')
  res = await app.inject({ method: 'GET', url: '/api/v1/services' })
  t.equal(res.statusCode, 401)
})

t.test('admin routes need an admin client and the admin scope', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  let res = await app.inject({ method: 'GET', url: '/admin/v1/clients', headers: await headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] }) })
  t.equal(res.statusCode, 200)
  t.equal(res.json().length, TEST_CLIENTS.length)
  res = await app.inject({ method: 'GET', url: '/admin/v1/clients/VN.TEST.LIMITED', headers: await headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] }) })
  t.match(res.json(), { clientId: 'VN.TEST.LIMITED', grants: [{ service: 'citizens.read', fields: ['fullName', 'dateOfBirth'] }] })
  res = await app.inject({ method: 'GET', url: '/admin/v1/clients/VN.NOBODY', headers: await headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] }) })
  t.equal(res.statusCode, 404)
  res = await app.inject({ method: 'GET', url: '/admin/v1/clients', headers: await headers({ clientId: 'VN.TEST.ADMIN', scopes: [] }) })
  t.equal(res.statusCode, 403, 'admin client without the admin scope')
  res = await app.inject({ method: 'GET', url: '/admin/v1/clients', headers: await headers({ clientId: 'VN.TEST.FULL', scopes: ['admin'] }) })
  t.equal(res.statusCode, 403, 'admin scope on a non-admin client')
})

t.test('grants files are validated, in JSON or YAML', async (t) => {
  const files = await tempFiles(t, {
    'ok.yaml': 'clients:\n  - clientId: VN.H23.MOTCUA\n    name: Một cửa\n    status: active\n    grants:\n      - service: citizens.read\n        purposes: [TTHC]\n',
    'bad-service.json': JSON.stringify({ clients: [{ clientId: 'VN.X', name: 'x', status: 'active', grants: [{ service: 'Citizens Read' }] }] }),
    'duplicate.json': JSON.stringify({ clients: [{ clientId: 'VN.X', name: 'x', status: 'active', grants: [] }, { clientId: 'VN.X', name: 'y', status: 'active', grants: [] }] }),
    'broken.json': '{"clients": ['
  })
  t.match(await loadGrantsFile(files['ok.yaml'] as string), [{ clientId: 'VN.H23.MOTCUA', grants: [{ service: 'citizens.read', purposes: ['TTHC'] }] }])
  await t.rejects(loadGrantsFile(files['bad-service.json'] as string), GrantsFileError, 'service name pattern')
  await t.rejects(loadGrantsFile(files['bad-service.json'] as string), { message: /grants\/clients\/0\/grants\/0\/service must match pattern/ })
  await t.rejects(loadGrantsFile(files['duplicate.json'] as string), { message: /client VN.X appears twice/ })
  await t.rejects(loadGrantsFile(files['broken.json'] as string), { message: /not valid JSON/ })
})
