import t from 'tap'
import { buildTestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'

async function admin (): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
}

const NEW_CLIENT = {
  name: 'Phần mềm một cửa huyện (cũ)',
  status: 'active',
  grants: [{ service: 'citizens.read', purposes: ['TTHC'], fields: ['fullName'] }]
}

t.test('an administrator registers a client, whose token then works with exactly its grants', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const url = `/api/v1/citizens/${simulator.population.citizenAt(3).personalId}`
  const caller = { clientId: 'VN.H25.MOTCUA2', scopes: ['citizens.read'] }
  t.equal((await app.inject({ method: 'GET', url, headers: await headers(caller) })).statusCode, 403, 'unknown before registration')

  let res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.H25.MOTCUA2', headers: await admin(), payload: NEW_CLIENT })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { clientId: 'VN.H25.MOTCUA2', admin: false, ...NEW_CLIENT })
  res = await app.inject({ method: 'GET', url, headers: await headers(caller) })
  t.equal(res.statusCode, 200, 'registered: allowed at once')
  t.same(Object.keys(res.json()).sort(), ['fullName', 'personalId'])

  res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.H25.MOTCUA2', headers: await admin(), payload: { ...NEW_CLIENT, status: 'suspended' } })
  t.equal(res.statusCode, 200, 'replaced')
  t.equal((await app.inject({ method: 'GET', url, headers: await headers(caller) })).statusCode, 403, 'suspended: refused at once')
  t.same((await app.inject({ method: 'GET', url: '/admin/v1/clients/VN.H25.MOTCUA2', headers: await admin() })).json().status, 'suspended')
})

t.test('grants are added, replaced and revoked one by one', async (t) => {
  const { app, simulator, headers } = await buildTestGateway(t)
  const citizen = simulator.population.citizenAt(2)
  const verify = { clientId: 'VN.TEST.VERIFY', scopes: ['citizens.read', 'citizens.verify'], purpose: 'KCB' }
  const read = async (): Promise<number> => (await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers(verify) })).statusCode

  t.equal(await read(), 403)
  let res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.TEST.VERIFY/grants/citizens.read', headers: await admin(), payload: { purposes: ['KCB'], fields: ['fullName', 'dateOfBirth'] } })
  t.equal(res.statusCode, 200)
  t.match(res.json().grants, [{ service: 'citizens.read', purposes: ['KCB'] }, { service: 'citizens.verify' }])
  t.equal(await read(), 200, 'granted')

  res = await app.inject({ method: 'DELETE', url: '/admin/v1/clients/VN.TEST.VERIFY/grants/citizens.read', headers: await admin() })
  t.equal(res.statusCode, 204)
  t.equal(await read(), 403, 'revoked: refused at once on this gateway')
  t.equal((await app.inject({ method: 'DELETE', url: '/admin/v1/clients/VN.TEST.VERIFY/grants/citizens.read', headers: await admin() })).statusCode, 404)
  t.equal((await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.NOBODY/grants/citizens.read', headers: await admin(), payload: {} })).statusCode, 404)
})

t.test('bad registrations are refused field by field, and only administrators may write', async (t) => {
  const { app, headers } = await buildTestGateway(t)
  let res = await app.inject({
    method: 'PUT',
    url: '/admin/v1/clients/VN.H25.X',
    headers: await admin(),
    payload: { ...NEW_CLIENT, grants: [{ service: 'citizens.write' }, { service: 'citizens.read' }, { service: 'citizens.read' }] }
  })
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ in: 'body', pointer: '/grants/0/service', detail: /not a service/ }, { in: 'body', pointer: '/grants/2/service', detail: /granted twice/ }])
  res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.H25.X', headers: await admin(), payload: { name: '', status: 'maybe', grants: [], extra: 1 } })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors.map((error: { pointer: string }) => error.pointer).sort(), ['/extra', '/name', '/status'])
  res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/bad%20id', headers: await admin(), payload: NEW_CLIENT })
  t.equal(res.statusCode, 400)
  res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.H25.X', headers: await headers(), payload: NEW_CLIENT })
  t.equal(res.statusCode, 403, 'a non-admin client cannot register clients')
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/clients/VN.H25.X', headers: await admin() })).statusCode, 404, 'nothing was written')
})

t.test('a name with a control character is refused, naming the field; Vietnamese text and punctuation are not', async (t) => {
  const { app } = await buildTestGateway(t)
  for (const name of ['a\u0000b', 'tab\there', 'line\nbreak', 'del\u007f']) {
    const res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.H25.CTRL', headers: await admin(), payload: { ...NEW_CLIENT, name } })
    t.equal(res.statusCode, 400, JSON.stringify(name))
    t.match(res.json().errors, [{ in: 'body', pointer: '/name', detail: /control characters/ }])
  }
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/clients/VN.H25.CTRL', headers: await admin() })).statusCode, 404, 'nothing was written')
  const name = 'Sở Tư pháp tỉnh Hưng Yên — "Một cửa" (bản 2), 100% điện tử'
  const res = await app.inject({ method: 'PUT', url: '/admin/v1/clients/VN.H25.CTRL', headers: await admin(), payload: { ...NEW_CLIENT, name } })
  t.equal(res.statusCode, 201)
  t.equal(res.json().name, name)
})

t.test('long client ids and grant names are validated, not cut off by the router', async (t) => {
  const { app } = await buildTestGateway(t)
  const longId = `VN.${'A'.repeat(125)}`
  let res = await app.inject({ method: 'GET', url: `/admin/v1/clients/${longId}`, headers: await admin() })
  t.equal(res.statusCode, 404, 'a client id of 128 characters is a well-formed id')
  t.match(res.headers['content-type'], /^application\/problem\+json/)

  res = await app.inject({ method: 'PUT', url: `/admin/v1/clients/VN.TEST.FULL/grants/sector.${'a'.repeat(120)}.read`, headers: await admin(), payload: {} })
  t.equal(res.statusCode, 400)
  t.match(res.json().errors, [{ in: 'params', pointer: '/service', detail: /must NOT have more than 128 characters/ }])

  res = await app.inject({ method: 'DELETE', url: `/admin/v1/clients/VN.TEST.FULL/grants/${'a.'.repeat(600)}b`, headers: { ...await admin(), 'x-request-id': 'very-long-grant-01' } })
  t.equal(res.statusCode, 400, 'past the router\'s limit')
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.json().requestId, 'very-long-grant-01')
})

t.test('a revocation sent with a body is a declared 415 or 413 problem', async (t) => {
  const { app } = await buildTestGateway(t, { env: { BODY_LIMIT_BYTES: '1024' } })
  const url = '/admin/v1/clients/VN.TEST.FULL/grants/citizens.read'
  let res = await app.inject({ method: 'DELETE', url, headers: { ...await admin(), 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(res.statusCode, 415)
  t.match(res.json(), { type: 'https://errors.gateway.local/unsupported-media-type', status: 415 })
  res = await app.inject({ method: 'DELETE', url, headers: { ...await admin(), 'content-type': 'application/json' }, payload: JSON.stringify({ filler: 'x'.repeat(2000) }) })
  t.equal(res.statusCode, 413)
  const declared = (app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> })
    .paths['/admin/v1/clients/{clientId}/grants/{service}']?.delete?.responses ?? {}
  t.ok('413' in declared && '415' in declared, 'both are in the API description')
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/clients/VN.TEST.FULL', headers: await admin() })).json().grants.length, 2, 'nothing was revoked')
})

t.test('a grant revoked through one gateway is refused by another sharing the store within GRANTS_CACHE_TTL_MS',
  { skip: process.env.TEST_DATABASE_URL === undefined ? 'two gateways share a store only on PostgreSQL (set TEST_DATABASE_URL)' : false },
  async (t) => {
    const first = await buildTestGateway(t, { env: { GRANTS_CACHE_TTL_MS: '300' } })
    const second = await buildTestGateway(t, { env: { GRANTS_CACHE_TTL_MS: '300', ...first.storeEnv } })
    const url = `/api/v1/citizens/${second.simulator.population.citizenAt(1).personalId}`
    const call = async (): Promise<number> => (await second.app.inject({ method: 'GET', url, headers: await second.headers() })).statusCode
    t.equal(await call(), 200, 'the other gateway has the grant cached')
    const cachedBy = Date.now() // the copy was loaded during that call, at the latest now
    const revokedAt = Date.now()
    t.equal((await first.app.inject({ method: 'DELETE', url: '/admin/v1/clients/VN.TEST.FULL/grants/citizens.read', headers: await admin() })).statusCode, 204)
    let sentAt = Date.now()
    let status = await call()
    while (status === 200 && Date.now() - revokedAt < 2000) {
      t.ok(sentAt <= cachedBy + 300, 'served only from a copy younger than GRANTS_CACHE_TTL_MS')
      await new Promise((resolve) => setTimeout(resolve, 20))
      sentAt = Date.now()
      status = await call()
    }
    t.equal(status, 403, `refused ${Date.now() - revokedAt} ms after the revocation`)
  })
