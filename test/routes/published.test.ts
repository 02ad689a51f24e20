import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { test } from 'tap'
import { buildTestGateway } from '../support/gateway.js'
import { TEST_CLIENTS } from '../support/identity.js'

/**
 * A service that no code mentions — a construction-permit register, declared by two files written here — is
 * published by a test gateway and called through the whole pipeline against a real HTTP provider speaking HTTP
 * Basic: grant, operation narrowing, purpose, the provider's own validation, minimisation of a nested field, audit
 * subjects from a response pointer, Idempotency-Key for a write the provider does not key, a contract-breaking
 * answer, the breaker, and the lifecycle headers.
 */

const PROVIDER_DOCUMENT = `
openapi: 3.0.3
info: { title: Cổng cấp phép xây dựng, version: 2.1.0 }
paths:
  /giay-phep/{soGiayPhep}:
    get:
      operationId: layGiayPhep
      summary: Một giấy phép xây dựng
      parameters:
        - { name: soGiayPhep, in: path, required: true, schema: { type: string, pattern: '^GP[0-9]{6}$' } }
      responses:
        '200': { description: Giấy phép, content: { application/json: { schema: { $ref: '#/components/schemas/GiayPhep' } } } }
        '404': { description: Không có }
  /giay-phep:
    get:
      operationId: timGiayPhep
      parameters:
        - { name: soDinhDanh, in: query, required: true, schema: { type: string, pattern: '^[0-9]{12}$' } }
      responses:
        '200':
          description: Danh sách
          content:
            application/json:
              schema: { type: object, required: [items], properties: { items: { type: array, items: { $ref: '#/components/schemas/GiayPhep' } }, tongSo: { type: integer } } }
  /yeu-cau:
    post:
      operationId: nopYeuCau
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: '#/components/schemas/YeuCau' } } }
      responses:
        '201': { description: Đã nhận, content: { application/json: { schema: { type: object, required: [maYeuCau], properties: { maYeuCau: { type: string }, soDinhDanh: { type: string } } } } } }
  /thong-ke:
    get:
      operationId: thongKe
      responses:
        '200': { description: Số liệu, content: { application/json: { schema: { type: object, properties: { soGiayPhep: { type: integer, format: int32 } } } } } }
components:
  schemas:
    GiayPhep:
      type: object
      required: [soGiayPhep, chuDauTu, congTrinh]
      properties:
        soGiayPhep: { type: string, example: GP000001 }
        congTrinh: { type: object, properties: { ten: { type: string }, dienTich: { type: number, minimum: 0, exclusiveMinimum: true } } }
        chuDauTu:
          type: object
          required: [hoTen, soDinhDanh]
          properties: { hoTen: { type: string }, soDinhDanh: { type: string }, dienThoai: { type: string, nullable: true } }
    YeuCau:
      type: object
      required: [soDinhDanh, noiDung]
      additionalProperties: false
      properties: { soDinhDanh: { type: string, pattern: '^[0-9]{12}$' }, noiDung: { type: string, maxLength: 200 } }
`

const OWNER_ID = '025190000123'
const permit = (n: number): Record<string, unknown> => ({
  soGiayPhep: `GP${String(n).padStart(6, '0')}`,
  congTrinh: { ten: 'Nhà ở riêng lẻ', dienTich: 120.5 },
  chuDauTu: { hoTen: 'Nguyễn Thị Hoa', soDinhDanh: OWNER_ID, dienThoai: '0912345678' }
})

function declaration (service: string, lifecycle?: object): object {
  return {
    service,
    version: '1.0.0',
    title: 'Giấy phép xây dựng',
    owner: { agencyCode: 'H25.20', name: 'Sở Xây dựng tỉnh Phú Thọ' },
    legalBasis: [{ document: '50/2014/QH13', title: 'Luật Xây dựng' }],
    classification: 'restricted',
    ...(lifecycle === undefined ? {} : { lifecycle }),
    openapi: 'provider.yaml',
    upstream: { urls: ['http://127.0.0.1:9/'], credentials: { kind: 'basic' }, timeoutMs: 1000 },
    operations: [
      { operationId: 'layGiayPhep', purposes: ['TTHC'], keyFields: ['soGiayPhep'], personalData: { properties: ['/chuDauTu'], subjects: { response: ['/chuDauTu/soDinhDanh'] } } },
      { operationId: 'timGiayPhep', purposes: ['TTHC'], records: '/items', keyFields: ['soGiayPhep'], personalData: { properties: ['/chuDauTu'], subjects: { request: ['/query/soDinhDanh'], response: ['/chuDauTu/soDinhDanh'] } } },
      { operationId: 'nopYeuCau', purposes: ['TTHC'], keyFields: ['maYeuCau'], personalData: { properties: ['/soDinhDanh'], subjects: { request: ['/body/soDinhDanh'], response: ['/soDinhDanh'] } } },
      { operationId: 'thongKe' }
    ]
  }
}

test('a service declared by files is called through the whole pipeline', async (t) => {
  // the provider: a real HTTP server, HTTP Basic, counting what it is asked
  const provider = Fastify()
  const seen = { calls: 0, requests: 0, mode: 'ok' as 'ok' | 'fail' | 'broken', authorization: '' }
  provider.addHook('onRequest', async (request, reply) => {
    seen.calls++
    seen.authorization = request.headers.authorization ?? ''
    if (request.headers.authorization !== `Basic ${Buffer.from('gateway:mat-khau').toString('base64')}`) return await reply.code(401).send({ error: 'unauthorized' })
    if (seen.mode === 'fail') return await reply.code(500).send({ error: 'database down' })
  })
  provider.get<{ Params: { soGiayPhep: string } }>('/giay-phep/:soGiayPhep', async (request, reply) => {
    if (seen.mode === 'broken') return { soGiayPhep: 42 }
    return request.params.soGiayPhep === 'GP000404' ? await reply.code(404).send({}) : permit(Number(request.params.soGiayPhep.slice(2)))
  })
  provider.get('/giay-phep', async () => ({ items: [permit(1), permit(2)], tongSo: 2 }))
  provider.post<{ Body: { soDinhDanh: string } }>('/yeu-cau', async (request, reply) => {
    seen.requests++
    return await reply.code(201).send({ maYeuCau: `YC-${seen.requests}`, soDinhDanh: request.body.soDinhDanh })
  })
  provider.get('/thong-ke', async () => ({ soGiayPhep: 1234 }))
  const providerUrl = await provider.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => provider.close())

  const dir = await mkdtemp(join(tmpdir(), 'published-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const [service, lifecycle] of [['xaydung.cap-phep', undefined], ['xaydung.cap-phep-cu', { status: 'deprecated', deprecatedAt: '2026-01-01', sunset: '2027-06-30', successor: 'xaydung.cap-phep' }], ['xaydung.cap-phep-goc', { status: 'retired' }]] as const) {
    await mkdir(join(dir, service))
    await writeFile(join(dir, service, 'service.json'), JSON.stringify(declaration(service, lifecycle)))
    await writeFile(join(dir, service, 'provider.yaml'), PROVIDER_DOCUMENT)
  }
  const clients = [...TEST_CLIENTS, {
    clientId: 'VN.TEST.XAYDUNG',
    name: 'Consumer of construction permits',
    status: 'active' as const,
    grants: [
      { service: 'xaydung.cap-phep', purposes: ['TTHC', 'THONG_KE'], fields: ['congTrinh', 'chuDauTu.hoTen'] },
      { service: 'xaydung.cap-phep-cu', purposes: ['TTHC'], operations: ['thongKe'] }
    ]
  }]
  const env: Record<string, string> = { PUBLISHED_SERVICES_DIR: dir, UPSTREAM_BREAKER_FAILURES: '3', UPSTREAM_RETRIES: '0' }
  for (const key of ['XAYDUNG_CAP_PHEP', 'XAYDUNG_CAP_PHEP_CU', 'XAYDUNG_CAP_PHEP_GOC']) Object.assign(env, { [`PUBLISHED_${key}_URL`]: providerUrl, [`PUBLISHED_${key}_USERNAME`]: 'gateway', [`PUBLISHED_${key}_PASSWORD`]: 'mat-khau' })
  const gateway = await buildTestGateway(t, { clients, env })
  const { app } = gateway
  const scopes = ['xaydung.cap-phep', 'xaydung.cap-phep-cu', 'xaydung.cap-phep-goc']
  const headers = async (purpose: string | null = 'TTHC'): Promise<Record<string, string>> => await gateway.headers({ clientId: 'VN.TEST.XAYDUNG', scopes, purpose })
  const subjectsOf = async (requestId: string): Promise<string[]> =>
    (await app.store.query<{ subjects: string[] }>('SELECT subjects FROM audit_records WHERE request_id = $1', [requestId]))[0]?.subjects ?? []

  await t.test('a record: the grant\'s nested field only, the subject from the response recorded', async (t) => {
    const response = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/giay-phep/GP000007', headers: { ...await headers(), 'x-request-id': 'published-one' } })
    t.equal(response.statusCode, 200, response.body)
    t.same(response.json(), { soGiayPhep: 'GP000007', congTrinh: { ten: 'Nhà ở riêng lẻ', dienTich: 120.5 }, chuDauTu: { hoTen: 'Nguyễn Thị Hoa' } })
    t.equal(seen.authorization, `Basic ${Buffer.from('gateway:mat-khau').toString('base64')}`, 'the declared credentials reach the provider')
    t.same(await subjectsOf('published-one'), [OWNER_ID], 'the personal id the answer is about is audited, though not disclosed')
  })

  await t.test('a list: records at the declared pointer, each minimised', async (t) => {
    const response = await app.inject({ url: `/api/v1/services/xaydung.cap-phep/giay-phep?soDinhDanh=${OWNER_ID}`, headers: { ...await headers(), 'x-request-id': 'published-list' } })
    t.equal(response.statusCode, 200, response.body)
    const body = response.json()
    t.equal(body.tongSo, 2)
    t.same(body.items.map((item: { chuDauTu: object }) => item.chuDauTu), [{ hoTen: 'Nguyễn Thị Hoa' }, { hoTen: 'Nguyễn Thị Hoa' }])
    t.same(await subjectsOf('published-list'), [OWNER_ID])
  })

  await t.test('refusals: purpose, operation outside the grant, the provider\'s own validation, 404', async (t) => {
    const noPurpose = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/giay-phep/GP000007', headers: await headers(null) })
    t.equal(noPurpose.json().type, 'https://errors.gateway.local/purpose-required')
    const unserved = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/giay-phep/GP000007', headers: await headers('THONG_KE') })
    t.equal(unserved.statusCode, 403)
    t.match(unserved.json().detail, /not one this operation/)
    const outside = await app.inject({ url: '/api/v1/services/xaydung.cap-phep-cu/giay-phep/GP000007', headers: await headers() })
    t.equal(outside.statusCode, 403)
    t.match(outside.json().detail, /operation layGiayPhep/)
    const invalid = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/giay-phep/XX1', headers: await headers() })
    t.equal(invalid.statusCode, 400)
    t.equal(invalid.json().errors[0].pointer, '/soGiayPhep')
    const missing = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/giay-phep/GP000404', headers: await headers() })
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().type, 'https://errors.gateway.local/not-found')
    const stranger = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/thong-ke', headers: await gateway.headers() })
    t.equal(stranger.statusCode, 403, 'a client without the grant')
  })

  await t.test('a grant may only name operations and record fields the service has', async (t) => {
    const admin = await gateway.headers({ clientId: 'VN.TEST.ADMIN', scopes: ['admin'], purpose: null })
    const url = '/admin/v1/clients/VN.TEST.XAYDUNG/grants/xaydung.cap-phep'
    const bad = await app.inject({ method: 'PUT', url, headers: admin, payload: { purposes: ['TTHC'], operations: ['layGiayPhep', 'xoaGiayPhep'], fields: ['chuDauTu.hoTen', 'chuDauTu.queQuan'] } })
    t.equal(bad.statusCode, 400, bad.body)
    t.match(bad.json().errors, [{ pointer: '/fields/1', detail: /not a field/ }, { pointer: '/operations/1', detail: /not an operation/ }])
    const nested = await app.inject({ method: 'PUT', url, headers: admin, payload: { purposes: ['TTHC', 'THONG_KE'], fields: ['congTrinh', 'chuDauTu.hoTen', 'maYeuCau'] } })
    t.equal(nested.statusCode, 200, nested.body)
  })

  await t.test('a write the provider does not key needs Idempotency-Key and is applied once', async (t) => {
    const body = { soDinhDanh: OWNER_ID, noiDung: 'Xin cấp bản sao giấy phép' }
    const without = await app.inject({ method: 'POST', url: '/api/v1/services/xaydung.cap-phep/yeu-cau', headers: await headers(), payload: body })
    t.equal(without.statusCode, 400)
    t.equal(without.json().errors[0].pointer, '/idempotency-key')
    const badBody = await app.inject({ method: 'POST', url: '/api/v1/services/xaydung.cap-phep/yeu-cau', headers: { ...await headers(), 'idempotency-key': 'yeu-cau-0001' }, payload: { soDinhDanh: OWNER_ID } })
    t.equal(badBody.statusCode, 400, 'the provider\'s body schema, required fields included')
    const first = await app.inject({ method: 'POST', url: '/api/v1/services/xaydung.cap-phep/yeu-cau', headers: { ...await headers(), 'idempotency-key': 'yeu-cau-0002' }, payload: body })
    t.equal(first.statusCode, 201, first.body)
    t.same(first.json(), { maYeuCau: 'YC-1' }, 'the key field; the personal id outside the grant\'s fields is withheld')
    const again = await app.inject({ method: 'POST', url: '/api/v1/services/xaydung.cap-phep/yeu-cau', headers: { ...await headers(), 'idempotency-key': 'yeu-cau-0002' }, payload: body })
    t.equal(again.statusCode, 201)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.same(again.json(), first.json())
    t.equal(seen.requests, 1, 'the provider saw one request')
  })

  await t.test('a non-personal operation needs no purpose; deprecated services say so; retired ones are gone', async (t) => {
    const stats = await app.inject({ url: '/api/v1/services/xaydung.cap-phep-cu/thong-ke', headers: await headers(null) })
    t.equal(stats.statusCode, 200, stats.body)
    t.same(stats.json(), { soGiayPhep: 1234 })
    t.equal(stats.headers.deprecation, `@${Date.parse('2026-01-01') / 1000}`)
    t.equal(stats.headers.sunset, 'Wed, 30 Jun 2027 00:00:00 GMT')
    const retired = await app.inject({ url: '/api/v1/services/xaydung.cap-phep-goc/thong-ke' })
    t.equal(retired.statusCode, 410)
    t.equal(retired.json().type, 'https://errors.gateway.local/service-retired')
  })

  await t.test('an answer that breaks the provider\'s own contract is a 502, not a disclosure', async (t) => {
    seen.mode = 'broken'
    t.teardown(() => { seen.mode = 'ok' })
    const response = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/giay-phep/GP000007', headers: await headers() })
    t.equal(response.statusCode, 502)
    t.equal(response.json().type, 'https://errors.gateway.local/upstream-error')
  })

  await t.test('a failing provider opens its own breaker', async (t) => {
    seen.mode = 'fail'
    t.teardown(() => { seen.mode = 'ok' })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await app.inject({ url: '/api/v1/services/xaydung.cap-phep/thong-ke', headers: await headers(null) })).statusCode)
    t.same(statuses, [502, 502, 502, 503])
    const callsBefore = seen.calls
    const refused = await app.inject({ url: '/api/v1/services/xaydung.cap-phep/thong-ke', headers: await headers(null) })
    t.equal(refused.statusCode, 503)
    t.ok(Number(refused.headers['retry-after']) > 0)
    t.equal(seen.calls, callsBefore, 'the provider is left alone while the circuit is open')
  })
})
