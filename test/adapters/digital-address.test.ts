import t, { type Test } from 'tap'
import { request } from 'undici'
import { DIGITAL_ADDRESS_SERVICE, startDigitalAddressSimulator } from '../../adapters/digital-address/simulator.js'
import { isAddressCode, syntheticDigitalAddresses } from '../../adapters/digital-address/synthetic.js'
import { syntheticPopulation } from '../../adapters/shared/synthetic-people.js'
import { declarationMismatches, declarationSchemaErrors, openApiErrors, operations, readPublishedService, responseChecker } from '../support/published-service.js'

const API_KEY = 'digital-address-test-key-not-for-production'
const published = await readPublishedService(DIGITAL_ADDRESS_SERVICE)
const check = responseChecker(published.document)
const simulator = await startDigitalAddressSimulator({ apiKey: API_KEY })
t.teardown(() => simulator.close())
const { examples } = simulator

const exercised = new Set<string>()
/** Calls an operation and checks the answer against the document's schema for its status. */
async function call (t: Test, operationId: string, path: string, apiKey: string | null = API_KEY): Promise<{ status: number, body: any }> {
  const answer = await request(`${simulator.url}${path}`, { headers: apiKey === null ? {} : { 'x-api-key': apiKey } })
  const body = await answer.body.json()
  t.same(check(operationId, answer.statusCode, body), [], `${operationId} ${answer.statusCode} fits the document`)
  exercised.add(operationId)
  return { status: answer.statusCode, body }
}

t.test('the document is valid OpenAPI 3.0, served as written', async (t) => {
  t.same(await openApiErrors(published.document), [])
  t.equal(published.document.openapi, '3.0.3')
  t.equal(await (await request(`${simulator.url}/openapi.yaml`)).body.text(), published.yaml)
  t.same(await (await request(`${simulator.url}/openapi.json`)).body.json(), published.document)
})

t.test('the declaration is valid and points at operations and properties of the document', async (t) => {
  t.same(await declarationSchemaErrors(published.declaration), [])
  t.same(declarationMismatches(published.declaration, published.document), [])
  const statistics = published.declaration.operations.find((operation) => operation.operationId === 'thongKeDiaChiSoTheoXa')
  t.equal(statistics?.personalData, undefined, 'statistics hold no personal data')
})

t.test('the API key is required', async (t) => {
  t.match(await call(t, 'traCuuDiaChiSo', `/dia-chi/${examples.address}`, null), { status: 401, body: { maLoi: 'KHONG_XAC_THUC' } })
  t.match(await call(t, 'traCuuDiaChiSo', `/dia-chi/${examples.address}`, 'wrong-key'), { status: 401 })
  t.match(await call(t, 'kiemTraTrangThai', '/health', null), { status: 200, body: { trangThai: 'HOAT_DONG' } }, 'health needs no key')
})

t.test('every operation answers as its document says', async (t) => {
  const address = await call(t, 'traCuuDiaChiSo', `/dia-chi/${examples.address}`)
  t.match(address.body, { maDiaChi: examples.address, chuHo: { soDinhDanh: examples.head } })
  const head = syntheticPopulation().findByPersonalId(examples.head)
  t.equal(address.body.chuHo.hoTen, head?.fullName, 'the head is the population\'s citizen')
  t.equal(address.body.xaPhuong.ma, head?.permanentAddress.communeCode, 'living at their permanent address')
  t.match(await call(t, 'traCuuDiaChiSo', `/dia-chi/${examples.unknownAddress}`), { status: 404, body: { maLoi: 'KHONG_TIM_THAY' } })
  t.match(await call(t, 'traCuuDiaChiSo', '/dia-chi/07900-abc'), { status: 400, body: { maLoi: 'THAM_SO_KHONG_HOP_LE' } })

  const ofHead = await call(t, 'timKiemDiaChiSo', `/dia-chi?soDinhDanhChuHo=${examples.head}`)
  t.ok(ofHead.body.items.some((item: any) => item.maDiaChi === examples.address))
  const inCommune = simulator.data.addresses.filter((item) => item.xaPhuong.ma === examples.commune)
  const page = await call(t, 'timKiemDiaChiSo', `/dia-chi?maXa=${examples.commune}&trang=2&kichThuoc=1`)
  t.same(page.body, { items: inCommune.slice(1, 2), tongSo: inCommune.length, trang: 2, kichThuoc: 1 })
  t.match(await call(t, 'timKiemDiaChiSo', '/dia-chi?maXa=7900'), { status: 400 })
  t.match(await call(t, 'timKiemDiaChiSo', '/dia-chi?soDinhDanhChuHo=025190000000'), { status: 200, body: { items: [], tongSo: 0 } })

  const statistics = await call(t, 'thongKeDiaChiSoTheoXa', `/xa-phuong/${examples.commune}/thong-ke`)
  t.match(statistics.body, { maXa: examples.commune, soDiaChi: inCommune.length })
  t.ok(statistics.body.soHoGiaDinh >= statistics.body.soDiaChi, 'an address holds one household or more')
  t.match(await call(t, 'thongKeDiaChiSoTheoXa', '/xa-phuong/99999/thong-ke'), { status: 404 })

  t.same([...operations(published.document).keys()].filter((id) => !exercised.has(id)), [], 'every operation was called')
})

t.test('faults: 500, 503, delay and reset', async (t) => {
  t.teardown(() => { simulator.faults = {} })
  for (const status of [500, 503]) {
    simulator.faults = { status }
    t.match(await call(t, 'traCuuDiaChiSo', `/dia-chi/${examples.address}`), { status, body: { maLoi: 'HE_THONG_BAN' } })
  }
  t.equal((await call(t, 'kiemTraTrangThai', '/health')).status, 503, 'health answers the fault too')
  simulator.faults = { delayMs: 150 }
  const started = Date.now()
  t.equal((await call(t, 'traCuuDiaChiSo', `/dia-chi/${examples.address}`)).status, 200)
  t.ok(Date.now() - started >= 140, 'answered late')
  simulator.faults = { reset: true }
  await t.rejects(request(`${simulator.url}/dia-chi/${examples.address}`, { headers: { 'x-api-key': API_KEY } }))
})

t.test('the same seed gives the same registry', async (t) => {
  t.same(syntheticDigitalAddresses({ seed: simulator.data.seed }), simulator.data)
  const codes = (seed: number): string[] => syntheticDigitalAddresses({ seed }).addresses.slice(0, 20).map((item) => item.maDiaChi)
  t.notSame(codes(7), codes(simulator.data.seed), 'another seed, other codes')
  t.ok(simulator.data.addresses.every((item) => isAddressCode(item.maDiaChi) && item.maDiaChi.startsWith(item.xaPhuong.ma)), 'codes are well formed, their check character right')
  t.equal(new Set(simulator.data.addresses.map((item) => item.maDiaChi)).size, simulator.data.addresses.length, 'codes are unique')
  t.ok(simulator.data.addresses.every(({ toaDo }) => toaDo.viDo > 20 && toaDo.viDo < 22.5 && toaDo.kinhDo > 104.5 && toaDo.kinhDo < 106.5), 'in northern Vietnam')
})
