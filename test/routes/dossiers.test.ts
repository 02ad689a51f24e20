import t from 'tap'
import type { Dossier } from '../../adapters/procedures/port.js'
import { buildTestGateway, type TestGateway } from '../support/gateway.js'
import { signTestToken, TEST_CLIENTS } from '../support/identity.js'

const MOTCUA = { clientId: 'VN.TEST.MOTCUA', scopes: ['procedures.read', 'dossiers.read', 'dossiers.write'] }

function openDossier (gateway: TestGateway, status: Dossier['status']): Dossier {
  const dossier = gateway.procedures.register.dossiers().find((candidate) => candidate.status === status && candidate.applicant.kind === 'citizen')
  if (dossier === undefined) throw new Error(`no ${status} dossier in the simulator`)
  return dossier
}

t.test('a dossier needs a purpose, and the audit names its applicant', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, headers } = gateway
  const dossier = openDossier(gateway, 'processing')
  let res = await app.inject({ method: 'GET', url: `/api/v1/dossiers/${dossier.dossierCode}`, headers: await headers({ ...MOTCUA, purpose: null }) })
  t.equal(res.json().type, 'https://errors.gateway.local/purpose-required')
  res = await app.inject({ method: 'GET', url: `/api/v1/dossiers/${dossier.dossierCode}`, headers: { ...await headers(MOTCUA), 'x-request-id': 'dossier-read-0001' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), dossier)
  const [record] = await app.store.query<{ subjects: string[] }>("SELECT subjects FROM audit_records WHERE request_id = 'dossier-read-0001'")
  t.same(record?.subjects, [dossier.applicant.id], 'the applicant is a data subject of the call')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/dossiers/000.00.20.H23-250101-9999', headers: await headers(MOTCUA) })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/dossiers/not-a-code', headers: await headers(MOTCUA) })).statusCode, 400)
})

t.test('a person\'s dossiers, filtered by status and period, reduced to the grant\'s fields', async (t) => {
  const clients = TEST_CLIENTS.map((client) => client.clientId !== 'VN.TEST.MOTCUA'
    ? client
    : { ...client, grants: client.grants.map((grant) => grant.service === 'dossiers.read' ? { ...grant, fields: ['procedureCode', 'status', 'receivedAt'], rows: { subject: 'allowed' as const } } : grant) })
  const gateway = await buildTestGateway(t, { clients })
  const applicant = gateway.simulator.population.citizenAt(0)
  const expected = gateway.procedures.register.dossiers().filter((dossier) => dossier.applicant.id === applicant.personalId)
  t.ok(expected.length > 1, `citizen 0 has ${expected.length} dossiers`)
  const res = await gateway.app.inject({ method: 'GET', url: '/api/v1/dossiers', query: { personalId: applicant.personalId, limit: '100' }, headers: await gateway.headers(MOTCUA) })
  t.equal(res.statusCode, 200)
  t.same(res.json().items.map((item: { dossierCode: string }) => item.dossierCode).sort(), expected.map((dossier) => dossier.dossierCode).sort())
  for (const item of res.json().items) t.same(Object.keys(item).sort(), ['dossierCode', 'procedureCode', 'receivedAt', 'status'], 'no applicant, history or agency')
  t.notOk(res.body.includes(applicant.fullName), 'the applicant\'s name is not in the grant')

  const first = expected[0] as Dossier
  const filtered = await gateway.app.inject({ method: 'GET', url: '/api/v1/dossiers', query: { personalId: applicant.personalId, status: first.status, from: first.receivedAt.slice(0, 10), to: first.receivedAt.slice(0, 10) }, headers: await gateway.headers(MOTCUA) })
  t.ok(filtered.json().items.some((item: { dossierCode: string }) => item.dossierCode === first.dossierCode))
  t.ok(filtered.json().items.every((item: { status: string }) => item.status === first.status))
  const bad = await gateway.app.inject({ method: 'GET', url: '/api/v1/dossiers', query: { status: 'lost', from: 'yesterday' }, headers: await gateway.headers(MOTCUA) })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().errors.map((error: { pointer: string }) => error.pointer).sort(), ['/from', '/status'])
})

t.test('a status change applies once per Idempotency-Key; a reuse for another change is a 409', async (t) => {
  const gateway = await buildTestGateway(t)
  const { app, headers } = gateway
  const dossier = openDossier(gateway, 'processing')
  const post = async (key: string | undefined, payload: object) => await app.inject({
    method: 'POST',
    url: `/api/v1/dossiers/${dossier.dossierCode}/status`,
    headers: { ...await headers(MOTCUA), 'x-user-id': 'le.van.c', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload
  })
  const change = { status: 'resolved', note: 'Đã giải quyết xong', expectedSequence: dossier.sequence }

  t.equal((await post(undefined, change)).statusCode, 400, 'the key is required')
  const first = await post('change-0001-abcdef', change)
  t.equal(first.statusCode, 200)
  t.match(first.json(), { status: 'resolved', sequence: dossier.sequence + 1 })
  t.match(first.json().statusHistory.at(-1), { status: 'resolved', officialId: 'le.van.c', note: 'Đã giải quyết xong' })
  const again = await post('change-0001-abcdef', change)
  t.equal(again.statusCode, 200)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(again.json(), first.json(), 'the first answer, replayed')
  t.equal(gateway.procedures.register.dossier(dossier.dossierCode)?.statusHistory.length, dossier.statusHistory.length + 1, 'applied once')

  const reused = await post('change-0001-abcdef', { ...change, note: 'khác' })
  t.equal(reused.statusCode, 409)
  t.match(reused.json().detail, /used for a different request/)

  const illegal = await post('change-0002-abcdef', { status: 'received' })
  t.equal(illegal.statusCode, 409)
  t.match(illegal.json(), { type: 'https://errors.gateway.local/conflict', allowedStatuses: ['returned'] })
  const illegalAgain = await post('change-0002-abcdef', { status: 'received' })
  t.equal(illegalAgain.statusCode, 409, 'a definite refusal is replayed too')
  t.equal(illegalAgain.headers['idempotent-replayed'], 'true')
  t.same(illegalAgain.json().allowedStatuses, ['returned'])

  const stale = await post('change-0003-abcdef', { status: 'returned', expectedSequence: dossier.sequence })
  t.equal(stale.statusCode, 409, 'a stale expectedSequence is refused')
})

t.test('the same change sent twice at once is applied once', async (t) => {
  const gateway = await buildTestGateway(t)
  const dossier = openDossier(gateway, 'received')
  const send = async () => await gateway.app.inject({
    method: 'POST',
    url: `/api/v1/dossiers/${dossier.dossierCode}/status`,
    headers: { ...await gateway.headers(MOTCUA), 'idempotency-key': 'concurrent-0001' },
    payload: { status: 'processing' }
  })
  const answers = await Promise.all([send(), send(), send()])
  const statuses = answers.map((answer) => answer.statusCode).sort()
  t.ok(statuses.every((status) => status === 200 || status === 409), `answers ${statuses.join(', ')}`)
  t.ok(statuses.includes(200))
  t.equal(gateway.procedures.register.dossier(dossier.dossierCode)?.statusHistory.length, dossier.statusHistory.length + 1, 'one change in the one-stop system')
})

t.test('an upstream failure frees the key, so the same change can be retried', async (t) => {
  const gateway = await buildTestGateway(t)
  const dossier = openDossier(gateway, 'received')
  const send = async () => await gateway.app.inject({
    method: 'POST',
    url: `/api/v1/dossiers/${dossier.dossierCode}/status`,
    headers: { ...await gateway.headers(MOTCUA), 'idempotency-key': 'retry-after-fail-01' },
    payload: { status: 'processing' }
  })
  gateway.procedures.faults = { status: 503 }
  t.equal((await send()).statusCode, 503)
  gateway.procedures.faults = {}
  const retried = await send()
  t.equal(retried.statusCode, 200)
  t.equal(retried.headers['idempotent-replayed'], undefined, 'applied now, not replayed')
  const admin = { authorization: `Bearer ${await signTestToken({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'] })}` }
  const audit = await gateway.app.inject({ method: 'GET', url: '/admin/v1/audit?service=dossiers.write', headers: admin })
  t.same(audit.json().items.map((record: { status: number }) => record.status), [200, 503], 'both attempts audited')
})

t.test('a note with control characters is refused before anything is kept; line breaks are not', async (t) => {
  const gateway = await buildTestGateway(t)
  const dossier = openDossier(gateway, 'processing')
  const post = async (key: string, payload: object) => await gateway.app.inject({
    method: 'POST',
    url: `/api/v1/dossiers/${dossier.dossierCode}/status`,
    headers: { ...await gateway.headers(MOTCUA), 'idempotency-key': key },
    payload
  })
  for (const [index, note] of ['a\u0000b', 'bell\u0007', 'esc\u001b[0m'].entries()) {
    const res = await post(`control-note-000${index}`, { status: 'additional-documents-requested', note })
    t.equal(res.statusCode, 400, JSON.stringify(note))
    t.match(res.json().errors, [{ in: 'body', pointer: '/note', detail: /control characters/ }])
  }
  const coerced = await post('infinite-sequence-01', { status: 'additional-documents-requested', expectedSequence: 'Infinity' })
  t.equal(coerced.statusCode, 400, 'a sequence given as text that is not a finite number')
  t.match(coerced.json().errors, [{ in: 'body', pointer: '/expectedSequence' }])
  t.equal(gateway.procedures.register.dossier(dossier.dossierCode)?.statusHistory.length, dossier.statusHistory.length, 'nothing applied')

  const note = 'Yêu cầu bổ sung:\n\t- thiếu bản sao giấy khai sinh\r\n\t- ảnh chưa đúng quy cách'
  const res = await post('multiline-note-0001', { status: 'additional-documents-requested', note })
  t.equal(res.statusCode, 200)
  t.equal(res.json().statusHistory.at(-1).note, note)
})

t.test('a replayed refusal is addressed to the request that gets it, not to the first', async (t) => {
  const gateway = await buildTestGateway(t)
  const dossier = openDossier(gateway, 'processing')
  const post = async (requestId: string) => await gateway.app.inject({
    method: 'POST',
    url: `/api/v1/dossiers/${dossier.dossierCode}/status`,
    headers: { ...await gateway.headers(MOTCUA), 'idempotency-key': 'replayed-refusal-01', 'x-request-id': requestId },
    payload: { status: 'received' }
  })
  const first = await post('first-attempt-0001')
  t.equal(first.statusCode, 409)
  t.equal(first.json().requestId, 'first-attempt-0001')
  const replayed = await post('retried-attempt-01')
  t.equal(replayed.statusCode, 409)
  t.equal(replayed.headers['idempotent-replayed'], 'true')
  t.equal(replayed.headers['x-request-id'], 'retried-attempt-01')
  t.match(replayed.headers['content-type'], /^application\/problem\+json/)
  t.same(replayed.json(), { ...first.json(), requestId: 'retried-attempt-01' }, 'the first answer, with this request\'s id')
  t.equal(replayed.json().instance, `/api/v1/dossiers/${dossier.dossierCode}/status`)
})
