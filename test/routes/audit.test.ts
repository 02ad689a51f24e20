import t from 'tap'
import type { AuditRecord } from '../../src/audit/record.js'
import { buildTestGateway, type TestGateway } from '../support/gateway.js'
import { signTestToken } from '../support/identity.js'

async function adminHeaders (): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
}

async function auditOf (gateway: TestGateway, query: string): Promise<AuditRecord[]> {
  const res = await gateway.app.inject({ method: 'GET', url: `/admin/v1/audit?${query}`, headers: await adminHeaders() })
  if (res.statusCode !== 200) throw new Error(`audit search answered ${res.statusCode}: ${res.body}`)
  return res.json().items as AuditRecord[]
}

t.test('every call, allowed or refused, leaves one record with who, what, why and the outcome', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, simulator, headers } = gateway
  const citizen = simulator.population.citizenAt(4)
  const url = `/api/v1/citizens/${citizen.personalId}`
  const calls = [
    { headers: { ...await headers({ purpose: 'TTHC:000.00.20.H23-250701-0001' }), 'x-user-id': 'nguyen.van.a', 'x-request-id': 'audit-allowed-0001' }, status: 200 },
    { headers: { ...await headers({ purpose: 'KCB' }), 'x-request-id': 'audit-purpose-0001' }, status: 403 },
    { headers: { authorization: 'Bearer not.a.token', 'x-request-id': 'audit-badtoken-01' }, status: 401 }
  ]
  for (const call of calls) t.equal((await app.inject({ method: 'GET', url, headers: call.headers })).statusCode, call.status)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/citizens/12345', headers: { ...await headers(), 'x-request-id': 'audit-malformed-1' } })).statusCode, 400)

  const records = await auditOf(gateway, 'limit=10')
  const byRequest = new Map(records.map((record) => [record.requestId, record]))
  t.match(byRequest.get('audit-allowed-0001'), {
    clientId: 'VN.TEST.FULL',
    officialId: 'nguyen.van.a',
    service: 'citizens.read',
    method: 'GET',
    route: '/api/v1/citizens/:personalId',
    purpose: 'TTHC',
    purposeReference: '000.00.20.H23-250701-0001',
    subjects: [citizen.personalId],
    status: 200,
    upstream: 'population',
    latencyMs: Number,
    hash: /^[0-9a-f]{64}$/
  })
  t.match(byRequest.get('audit-purpose-0001'), { clientId: 'VN.TEST.FULL', purpose: 'KCB', subjects: [citizen.personalId], status: 403 })
  t.match(byRequest.get('audit-badtoken-01'), { clientId: null, subjects: [citizen.personalId], status: 401 })
  t.match(byRequest.get('audit-malformed-1'), { status: 400, subjects: [] }, 'a malformed id is not recorded as a subject')
  t.equal(records.length, 4, 'one record per call; the audit search itself is recorded after it answers')
  const auditCall = (await auditOf(gateway, 'limit=1'))[0]
  t.match(auditCall, { clientId: 'VN.TEST.ADMIN', route: '/admin/v1/audit', status: 200 }, 'reading the audit is audited')

  const stored = JSON.stringify(await app.store.query('SELECT * FROM audit_records'))
  t.notOk(stored.includes(citizen.fullName), 'no personal data in the audit, only the personal id')
  t.notOk(stored.includes(citizen.permanentAddress.communeName), 'no address in the audit')
})

t.test('search filters by client, service, subject and time, newest first, page by page', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, simulator, headers } = gateway
  const [a, b] = [simulator.population.citizenAt(1), simulator.population.citizenAt(2)]
  const started = new Date().toISOString()
  for (const citizen of [a, b, a]) await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers() })
  await app.inject({ method: 'GET', url: `/api/v1/citizens/${a.personalId}`, headers: await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'] }) })

  t.equal((await auditOf(gateway, `subject=${a.personalId}`)).length, 3)
  t.equal((await auditOf(gateway, `subject=${a.personalId}&client=VN.TEST.LIMITED`)).length, 1)
  t.equal((await auditOf(gateway, 'service=citizens.read')).length, 4)
  t.equal((await auditOf(gateway, `service=citizens.read&from=${started}&to=${new Date(Date.now() + 1000).toISOString()}`)).length, 4)
  t.equal((await auditOf(gateway, 'service=citizens.read&to=2020-01-01T00:00:00Z')).length, 0)

  const seen: number[] = []
  let cursor: string | undefined
  do {
    const res = await app.inject({ method: 'GET', url: `/admin/v1/audit?service=citizens.read&limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`, headers: await adminHeaders() })
    seen.push(...(res.json().items as AuditRecord[]).map((record) => record.seq))
    cursor = res.json().nextCursor
  } while (cursor !== undefined)
  t.equal(seen.length, 4)
  t.same(seen, [...seen].sort((x, y) => y - x), 'newest first, each once')

  const bad = await app.inject({ method: 'GET', url: '/admin/v1/audit?cursor=bm90LWEtY3Vyc29y', headers: await adminHeaders() })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { errors: [{ in: 'query', pointer: '/cursor' }] })
  const injection = await app.inject({ method: 'GET', url: `/admin/v1/audit?client=${encodeURIComponent("x' OR '1'='1")}`, headers: await adminHeaders() })
  t.equal(injection.statusCode, 400, 'a filter value outside its pattern never reaches SQL')
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/audit', headers: await gateway.headers() })).statusCode, 403, 'not for non-admin clients')
})

t.test('the data subject\'s report: which client, which official, when, why, and whether data left', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, simulator, headers } = gateway
  const person = simulator.population.citizenAt(6)
  const other = simulator.population.citizenAt(7)
  await app.inject({ method: 'GET', url: `/api/v1/citizens/${person.personalId}`, headers: { ...await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'], purpose: 'BHXH' }), 'x-user-id': 'tran.thi.b' } })
  await app.inject({ method: 'POST', url: '/api/v1/citizens/verify', headers: await headers({ clientId: 'VN.TEST.VERIFY', scopes: ['citizens.verify'], purpose: 'KCB' }), payload: { personalId: person.personalId, fullName: person.fullName, dateOfBirth: person.dateOfBirth } })
  await app.inject({ method: 'GET', url: `/api/v1/citizens/${person.personalId}`, headers: await headers({ clientId: 'VN.TEST.SUSPENDED', scopes: ['citizens.read'] }) })
  await app.inject({ method: 'GET', url: `/api/v1/citizens/${other.personalId}`, headers: await headers() })

  const res = await app.inject({ method: 'GET', url: `/admin/v1/audit/subjects/${person.personalId}`, headers: await adminHeaders() })
  t.equal(res.statusCode, 200)
  const report = res.json()
  t.equal(report.personalId, person.personalId)
  t.match(report.items, [
    { clientId: 'VN.TEST.SUSPENDED', clientName: 'Retired system', status: 403, disclosed: false },
    { clientId: 'VN.TEST.VERIFY', clientName: 'Health app', service: 'citizens.verify', purpose: 'KCB', status: 200, disclosed: true },
    { clientId: 'VN.TEST.LIMITED', officialId: 'tran.thi.b', service: 'citizens.read', purpose: 'BHXH', status: 200, disclosed: true, at: String }
  ])
  t.equal(report.items.length, 3, 'the other person\'s access is not in this report')

  const first = await app.inject({ method: 'GET', url: `/admin/v1/audit/subjects/${person.personalId}?limit=2`, headers: await adminHeaders() })
  const rest = await app.inject({ method: 'GET', url: `/admin/v1/audit/subjects/${person.personalId}?limit=2&cursor=${first.json().nextCursor as string}`, headers: await adminHeaders() })
  // the first report call is now itself an access to this person's data
  t.same([...first.json().items, ...rest.json().items].map((item: { requestId: string }) => item.requestId).slice(1), report.items.map((item: { requestId: string }) => item.requestId))
  t.equal((await app.inject({ method: 'GET', url: '/admin/v1/audit/subjects/12345', headers: await adminHeaders() })).statusCode, 400)
})

t.test('a limit that is not a finite number is refused on both searches, never reaching SQL', async (t) => {
  const { app } = await buildTestGateway(t)
  for (const path of ['/admin/v1/audit', '/admin/v1/audit/subjects/025090001234']) {
    for (const limit of ['Infinity', '-Infinity', '1e309', '-1e309', 'NaN']) {
      const res = await app.inject({ method: 'GET', url: `${path}?limit=${limit}`, headers: await adminHeaders() })
      t.equal(res.statusCode, 400, `${path} limit=${limit}`)
      t.match(res.json(), { type: 'https://errors.gateway.local/validation', errors: [{ in: 'query', pointer: '/limit' }] })
    }
    t.equal((await app.inject({ method: 'GET', url: `${path}?limit=1e2`, headers: await adminHeaders() })).statusCode, 200, 'a finite limit written with an exponent is still a limit')
  }
})

t.test('verify passes on the untouched chain and names the record edited in SQL', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, simulator, headers } = gateway
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: `/api/v1/citizens/${simulator.population.citizenAt(i).personalId}`, headers: await headers() })
  let res = await app.inject({ method: 'GET', url: '/admin/v1/audit/verify', headers: await adminHeaders() })
  t.same(res.json(), { intact: true, checked: 5, headSeq: 5, checkpoints: 0 })

  await app.store.exec('ALTER TABLE audit_records DISABLE TRIGGER USER')
  await app.store.query("UPDATE audit_records SET purpose = 'KCB' WHERE seq = 3")
  res = await app.inject({ method: 'GET', url: '/admin/v1/audit/verify', headers: await adminHeaders() })
  t.match(res.json(), { intact: false, checked: 2, firstBroken: { seq: 3, reason: /contents changed/, requestId: String } })
})

t.test('with the store down, nothing is disclosed unaudited; refusals still answer', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, simulator, headers } = gateway
  const citizen = simulator.population.citizenAt(5)
  // one call first, so the client's grants are cached and the refusal below needs no store
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers() })).statusCode, 200)
  const hitsBefore = simulator.hits
  await app.store.close()
  const res = await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers() })
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { type: 'https://errors.gateway.local/audit-unavailable', status: 503, requestId: String })
  t.notOk(res.body.includes(citizen.fullName), 'the record did not leave')
  t.equal(simulator.hits, hitsBefore + 1, 'the upstream answered; the gateway withheld it')
  const refused = await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers({ purpose: 'KCB' }) })
  t.equal(refused.statusCode, 403, 'a refusal discloses nothing and is still sent')
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().checks.store.status, 'down')
  const uncached = await app.inject({ method: 'GET', url: `/api/v1/citizens/${citizen.personalId}`, headers: await headers({ clientId: 'VN.TEST.LIMITED', scopes: ['citizens.read'] }) })
  t.match(uncached.json(), { status: 503, type: 'https://errors.gateway.local/store-unavailable' }, 'grants that cannot be read refuse with 503, not 500')
  t.notMatch(uncached.body, /PGlite|pool|stack/i, 'no driver internals in the answer')
})

t.test('an administrator searching the audit by a person is in that person\'s access report', async (t) => {
  const { app, simulator } = await buildTestGateway(t)
  const person = simulator.population.citizenAt(8)
  const search = await app.inject({ method: 'GET', url: `/admin/v1/audit?subject=${person.personalId}`, headers: { ...await adminHeaders(), 'x-request-id': 'audit-by-subject-1' } })
  t.equal(search.statusCode, 200)
  const report = await app.inject({ method: 'GET', url: `/admin/v1/audit/subjects/${person.personalId}`, headers: await adminHeaders() })
  t.match(report.json().items, [{ requestId: 'audit-by-subject-1', clientId: 'VN.TEST.ADMIN', status: 200 }], 'the search names the person it looked for')
  const refused = await app.inject({ method: 'GET', url: `/admin/v1/audit?subject=${person.personalId}`, headers: { authorization: 'Bearer not.a.token', 'x-request-id': 'audit-by-subject-2' } })
  t.equal(refused.statusCode, 401)
  const [record] = await app.store.query<{ subjects: string[] }>("SELECT subjects FROM audit_records WHERE request_id = 'audit-by-subject-2'")
  t.same(record?.subjects, [person.personalId], 'a refused search names the person too')
})
