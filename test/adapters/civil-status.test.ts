import t, { type Test } from 'tap'
import { request } from 'undici'
import { CIVIL_STATUS_SERVICE, startCivilStatusSimulator } from '../../adapters/civil-status/simulator.js'
import { syntheticCivilStatus } from '../../adapters/civil-status/synthetic.js'
import { syntheticPopulation } from '../../adapters/shared/synthetic-people.js'
import { declarationMismatches, declarationSchemaErrors, openApiErrors, operations, readPublishedService, responseChecker } from '../support/published-service.js'

// A secret with the characters RFC 6749 §2.3.1 form-encodes before Basic: a client that forgets to encode fails.
const CLIENT = { clientId: 'lgsp-test', clientSecret: 'civil:status/secret+not for production' }
const TTL = 60
const published = await readPublishedService(CIVIL_STATUS_SERVICE)
const check = responseChecker(published.document)
let clock = Date.parse('2025-12-05T09:00:00+07:00') // a Friday: an extract is ready on Monday
const simulator = await startCivilStatusSimulator({ credentials: CLIENT, tokenTtlSeconds: TTL, now: () => clock })
t.teardown(() => simulator.close())
const { examples } = simulator

const form = 'application/x-www-form-urlencoded'
const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

async function tokenCall (body: string, headers: Record<string, string> = { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) }): Promise<{ status: number, headers: Record<string, unknown>, body: Record<string, unknown> }> {
  const answer = await request(simulator.tokenUrl, { method: 'POST', headers: { 'content-type': form, ...headers }, body })
  return { status: answer.statusCode, headers: answer.headers, body: await answer.body.json() as Record<string, unknown> }
}

async function newToken (scope?: string): Promise<string> {
  const answer = await tokenCall(`grant_type=client_credentials${scope === undefined ? '' : `&scope=${encodeURIComponent(scope)}`}`)
  if (answer.status !== 200) throw new Error(`no token: ${JSON.stringify(answer.body)}`)
  return answer.body.access_token as string
}

const exercised = new Set<string>()
/** Calls an operation and checks the answer against the document's schema for its status. */
async function call (t: Test, operationId: string, path: string, options: { token?: string, method?: 'GET' | 'POST', body?: unknown } = {}): Promise<{ status: number, headers: Record<string, unknown>, body: any }> {
  const answer = await request(`${simulator.url}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' })
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
  })
  const body = await answer.body.json()
  t.same(check(operationId, answer.statusCode, body), [], `${operationId} ${answer.statusCode} fits the document`)
  exercised.add(operationId)
  return { status: answer.statusCode, headers: answer.headers, body }
}

t.test('the document is valid OpenAPI 3.0, served as written', async (t) => {
  t.same(await openApiErrors(published.document), [])
  t.equal(published.document.openapi, '3.0.3')
  const yaml = await request(`${simulator.url}/openapi.yaml`)
  t.equal(await yaml.body.text(), published.yaml)
  const json = await request(`${simulator.url}/openapi.json`)
  t.same(await json.body.json(), published.document)
})

t.test('the declaration is valid and points at operations and properties of the document', async (t) => {
  t.same(await declarationSchemaErrors(published.declaration), [])
  t.same(declarationMismatches(published.declaration, published.document), [])
  const declared = published.declaration.operations.map((operation) => operation.operationId)
  const reads = [...operations(published.document)].filter(([id, { method }]) => method === 'get' && id !== 'kiemTraTrangThai').map(([id]) => id)
  t.same(declared.filter((id) => reads.includes(id)).sort(), reads.sort(), 'every read is published')
  t.match(published.declaration.operations.find((operation) => operation.operationId === 'yeuCauTrichLuc'), { idempotent: false })
  // the mismatch check finds a broken pointer
  const broken = structuredClone(published.declaration)
  broken.operations[0]?.personalData?.subjects.response?.push('/cha/soCmnd')
  t.match(declarationMismatches(broken, published.document), [/traCuuKhaiSinh: \/cha\/soCmnd/])
})

t.test('OAuth 2.0 client credentials at the token endpoint', async (t) => {
  const issued = simulator.tokensIssued
  const wrong = await tokenCall('grant_type=client_credentials', { authorization: basic(CLIENT.clientId, 'wrong') })
  t.equal(wrong.status, 401)
  t.equal(wrong.body.error, 'invalid_client')
  t.match(wrong.headers['www-authenticate'], /^Basic realm=/)
  t.equal((await tokenCall('grant_type=client_credentials', {})).body.error, 'invalid_client', 'no client authentication')
  const unencoded = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`
  t.equal((await tokenCall('grant_type=client_credentials', { authorization: unencoded })).status, 401, 'Basic credentials are form-encoded first (§2.3.1)')

  t.match(await tokenCall('grant_type=password&username=a&password=b'), { status: 400, body: { error: 'unsupported_grant_type' } })
  t.match(await tokenCall('scope=hotich.doc'), { status: 400, body: { error: 'invalid_request' } }, 'no grant_type')
  t.match(await tokenCall('grant_type=client_credentials&grant_type=client_credentials'), { status: 400, body: { error: 'invalid_request' } }, 'a parameter twice')
  t.match(await tokenCall('grant_type=client_credentials&scope=hotich.xoa'), { status: 400, body: { error: 'invalid_scope' } })
  t.match(await tokenCall(`grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=x`), { status: 400, body: { error: 'invalid_request' } }, 'two authentication methods')
  const json = await request(simulator.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' })
  t.match({ status: json.statusCode, body: await json.body.json() }, { status: 400, body: { error: 'invalid_request' } }, 'JSON is not the token request')
  t.equal(simulator.tokensIssued, issued, 'no refused request got a token')

  const granted = await tokenCall('grant_type=client_credentials')
  t.equal(granted.status, 200)
  t.match(granted.body, { access_token: /^[A-Za-z0-9_-]{43}$/, token_type: 'Bearer', expires_in: TTL, scope: 'hotich.doc hotich.trichluc' })
  t.equal(granted.headers['cache-control'], 'no-store')
  const inForm = await tokenCall(`grant_type=client_credentials&scope=hotich.doc&client_id=${CLIENT.clientId}&client_secret=${encodeURIComponent(CLIENT.clientSecret)}`, {})
  t.match(inForm, { status: 200, body: { scope: 'hotich.doc' } }, 'credentials in the form body')
  t.not(inForm.body.access_token, granted.body.access_token, 'every token is new')
  t.equal(simulator.tokensIssued, issued + 2, 'the counter counts issued tokens')
})

t.test('the API wants a live bearer token with the right scope', async (t) => {
  const none = await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`)
  t.equal(none.status, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="ho-tich"', 'no error code when no token was sent (RFC 6750 §3.1)')
  const bogus = await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token: 'not-a-token' })
  t.match({ status: bogus.status, challenge: bogus.headers['www-authenticate'] }, { status: 401, challenge: /error="invalid_token"/ })

  const token = await newToken()
  t.equal((await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token })).status, 200)
  clock += (TTL - 1) * 1000
  t.equal((await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token })).status, 200, 'still live just before it expires')
  clock += 1000
  const expired = await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token })
  t.match({ status: expired.status, challenge: expired.headers['www-authenticate'], body: expired.body }, { status: 401, challenge: /error="invalid_token"/, body: { maLoi: 'KHONG_XAC_THUC' } })

  const readOnly = await newToken('hotich.doc')
  const refused = await call(t, 'yeuCauTrichLuc', '/trich-luc', { token: readOnly, method: 'POST', body: { loaiSuKien: 'khai-sinh', soDangKy: examples.birth, soBanSao: 1, lyDo: 'Kiểm tra' } })
  t.match({ status: refused.status, challenge: refused.headers['www-authenticate'] }, { status: 403, challenge: /error="insufficient_scope", scope="hotich.trichluc"/ })
  t.equal(simulator.extractRequests.length, 0)

  const health = await call(t, 'kiemTraTrangThai', '/health')
  t.equal(health.status, 200, 'health needs no token')
})

t.test('every operation answers as its document says', async (t) => {
  const token = await newToken()
  const population = syntheticPopulation()

  const birth = await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token })
  t.match(birth.body, { soDangKy: examples.birth, soDinhDanh: examples.child })
  t.equal(birth.body.hoTen, population.findByPersonalId(examples.child)?.fullName, 'the registered person is the population\'s citizen')
  t.equal(population.findByPersonalId(birth.body.cha.soDinhDanh)?.fullName, birth.body.cha.hoTen, 'so is the father')
  t.match(await call(t, 'traCuuKhaiSinh', '/khai-sinh/KS-1999-00000-00001', { token }), { status: 404, body: { maLoi: 'KHONG_TIM_THAY' } })
  t.match(await call(t, 'traCuuKhaiSinh', '/khai-sinh/KH-1999-00000-00001', { token }), { status: 400, body: { maLoi: 'THAM_SO_KHONG_HOP_LE' } })

  const children = await call(t, 'timKiemKhaiSinh', `/khai-sinh?soDinhDanh=${examples.parent}`, { token })
  t.ok(children.body.items.length >= 2, 'a parent finds their children\'s births')
  t.ok(children.body.items.every((item: any) => item.cha.soDinhDanh === examples.parent || item.me.soDinhDanh === examples.parent))
  const page = await call(t, 'timKiemKhaiSinh', '/khai-sinh?tuNgay=2015-01-01&denNgay=2015-12-31&trang=2&kichThuoc=5', { token })
  const in2015 = simulator.data.births.filter((record) => record.ngayDangKy.startsWith('2015'))
  t.same(page.body, { items: in2015.slice(5, 10), tongSo: in2015.length, trang: 2, kichThuoc: 5 })
  t.match(await call(t, 'timKiemKhaiSinh', '/khai-sinh?tuNgay=2016-01-01&denNgay=2015-01-01', { token }), { status: 400 })
  t.match(await call(t, 'timKiemKhaiSinh', '/khai-sinh?kichThuoc=101', { token }), { status: 400 })

  const marriage = await call(t, 'traCuuKetHon', `/ket-hon/${examples.marriage}`, { token })
  t.equal(marriage.body.soDangKy, examples.marriage)
  t.equal((await call(t, 'traCuuKetHon', '/ket-hon/KH-1999-00000-00001', { token })).status, 404)
  const married = await call(t, 'timKiemKetHon', `/ket-hon?soDinhDanh=${examples.parent}`, { token })
  t.ok(married.body.items.some((item: any) => item.chong.soDinhDanh === examples.parent || item.vo.soDinhDanh === examples.parent))
  t.same((await call(t, 'timKiemKetHon', `/ket-hon?soDinhDanh=${examples.unknownPerson}`, { token })).body, { items: [] })
  t.equal((await call(t, 'timKiemKetHon', '/ket-hon', { token })).status, 400, 'soDinhDanh is required')

  const death = await call(t, 'traCuuKhaiTu', `/khai-tu/${examples.death}`, { token })
  t.equal(death.body.soDinhDanh, examples.deceased)
  t.equal(population.findByPersonalId(examples.deceased), undefined, 'the deceased are not in the population register')
  t.ok(population.findByPersonalId(death.body.nguoiDiKhai.soDinhDanh), 'the declarant is')
  t.equal((await call(t, 'traCuuKhaiTu', '/khai-tu/KT-1999-00000-00001', { token })).status, 404)
  t.equal((await call(t, 'timKiemKhaiTu', `/khai-tu?soDinhDanh=${examples.deceased}`, { token })).body.items[0]?.soDangKy, examples.death)
  t.equal((await call(t, 'timKiemKhaiTu', '/khai-tu?soDinhDanh=12345', { token })).status, 400)

  const asked = { loaiSuKien: 'ket-hon', soDangKy: examples.marriage, soBanSao: 2, lyDo: 'Bổ sung hồ sơ', nguoiYeuCau: { hoTen: marriage.body.vo.hoTen, soDinhDanh: marriage.body.vo.soDinhDanh } }
  const first = await call(t, 'yeuCauTrichLuc', '/trich-luc', { token, method: 'POST', body: asked })
  const second = await call(t, 'yeuCauTrichLuc', '/trich-luc', { token, method: 'POST', body: asked })
  t.match(first, { status: 201, body: { trangThai: 'DA_TIEP_NHAN', soDangKy: examples.marriage, lePhi: 16000, ngayHenTra: '2025-12-08', nguoiYeuCau: asked.nguoiYeuCau } })
  t.not(second.body.maYeuCau, first.body.maYeuCau, 'not idempotent: the same request twice is two requests')
  t.equal(simulator.extractRequests.length, 2)
  t.match(await call(t, 'yeuCauTrichLuc', '/trich-luc', { token, method: 'POST', body: { ...asked, loaiSuKien: 'khai-tu' } }), { status: 400 }, 'the number is of another kind of event')
  t.match(await call(t, 'yeuCauTrichLuc', '/trich-luc', { token, method: 'POST', body: { ...asked, soDangKy: 'KH-1999-00000-00001' } }), { status: 404 })
  t.match(await call(t, 'yeuCauTrichLuc', '/trich-luc', { token, method: 'POST', body: { ...asked, soBanSao: 0 } }), { status: 400 })

  t.same([...operations(published.document).keys()].filter((id) => !exercised.has(id)), [], 'every operation was called')
})

t.test('faults: 500, 503, delay and reset on the API; the token endpoint has its own', async (t) => {
  t.teardown(() => { simulator.faults = {}; simulator.tokenFaults = {} })
  const token = await newToken()
  for (const status of [500, 503]) {
    simulator.faults = { status }
    t.match(await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token }), { status, body: { maLoi: 'HE_THONG_BAN' } })
  }
  t.equal((await call(t, 'kiemTraTrangThai', '/health')).status, 503, 'health answers the fault too')
  t.equal((await tokenCall('grant_type=client_credentials')).status, 200, 'API faults leave the token endpoint alone')

  simulator.faults = { delayMs: 150 }
  const started = Date.now()
  t.equal((await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token })).status, 200)
  t.ok(Date.now() - started >= 140, 'answered late')
  simulator.faults = { reset: true }
  await t.rejects(request(`${simulator.url}/khai-sinh/${examples.birth}`, { headers: { authorization: `Bearer ${token}` } }))

  simulator.faults = {}
  simulator.tokenFaults = { status: 503 }
  t.match(await tokenCall('grant_type=client_credentials'), { status: 503, body: { error: 'temporarily_unavailable' } })
  t.equal((await call(t, 'traCuuKhaiSinh', `/khai-sinh/${examples.birth}`, { token })).status, 200, 'a token already held still works')
})

t.test('the same seed gives the same registry', async (t) => {
  const again = syntheticCivilStatus({ seed: simulator.data.seed })
  t.same(again, simulator.data)
  const parents = (data: typeof again): string[] => data.births.slice(0, 50).map((record) => record.cha.soDinhDanh)
  t.notSame(parents(syntheticCivilStatus({ seed: 7, deaths: 1 })), parents(again), 'another seed, other families')
  t.ok(simulator.data.births.length > 1000 && simulator.data.marriages.length > 500 && simulator.data.deaths.length === 150)
  t.equal(new Set(simulator.data.births.map((record) => record.soDangKy)).size, simulator.data.births.length, 'registration numbers are unique')
})
