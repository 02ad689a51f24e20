import t from 'tap'
import { request } from 'undici'
import { createPopulationClient } from '../../adapters/population/client.js'
import { signRequest } from '../../adapters/population/signature.js'
import { isInvalidChange, startPopulationSimulator } from '../../adapters/population/simulator.js'
import { parseEnvelope } from '../../adapters/population/soap.js'
import { populationContract } from '../contracts/population.js'
import { testConfig } from '../support/gateway.js'
import { startSimulator, TEST_CREDENTIALS } from '../support/upstreams.js'

t.test('population client against the SOAP simulator', async (t) => {
  populationContract(t, async (t) => {
    // 60 people, 75 changes: everyone registered, then 15 updates; every 8th record malformed.
    const invalidEvery = 8
    const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, size: 60, changeFeed: { size: 75, invalidEvery } })
    t.teardown(() => simulator.close())
    const port = createPopulationClient(testConfig(simulator.url).population)
    t.teardown(() => port.close())
    const citizen = simulator.population.citizenAt(7)
    // Same birth data, another index: well-formed, yet nobody holds it.
    const unknownId = simulator.population.citizenAt(8).personalId.slice(0, 6) + '999999'
    return {
      port,
      known: citizen,
      unknownId,
      changes: {
        total: simulator.changeFeed.size,
        isInvalid: (seq: number) => isInvalidChange(seq, invalidEvery),
        append: async (count: number) => { simulator.appendChanges(count) }
      }
    }
  })
})

t.test('the simulator speaks SOAP 1.1 as written by hand, not only as our builder writes it', async (t) => {
  const simulator = await startSimulator(t)
  const citizen = simulator.population.citizenAt(3)
  const timestamp = String(Date.now())
  const envelope = `<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:dc="http://dancuquocgia.bca">
  <soapenv:Header/>
  <soapenv:Body>
    <dc:TraCuuThongTinCongDan>
      <dc:MaYeuCau>handwritten-0001</dc:MaYeuCau>
      <dc:MaDVC>1.001612</dc:MaDVC>
      <dc:MaTichHop>LGSP</dc:MaTichHop>
      <dc:MaCanBo>canbo.01</dc:MaCanBo>
      <dc:MaDonVi>H23</dc:MaDonVi>
      <dc:SoDinhDanh>${citizen.personalId}</dc:SoDinhDanh>
      <dc:HoVaTen>${citizen.fullName}</dc:HoVaTen>
      <dc:NgayThangNamSinh>${citizen.dateOfBirth.slice(0, 4)}</dc:NgayThangNamSinh>
    </dc:TraCuuThongTinCongDan>
  </soapenv:Body>
</soapenv:Envelope>`
  const response = await request(simulator.url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: '"http://dancuquocgia.bca/TraCuuThongTinCongDan"',
      timestamp,
      authorization: signRequest(simulator.url, TEST_CREDENTIALS.username, TEST_CREDENTIALS.secret, timestamp)
    },
    body: envelope
  })
  const xml = await response.body.text()
  t.equal(response.statusCode, 200)
  t.match(xml, /<TraCuuThongTinCongDanResponse xmlns="http:\/\/dancuquocgia.bca">/)
  t.match(xml, new RegExp(`<SoDinhDanh>${citizen.personalId}</SoDinhDanh>`))
  t.match(xml, new RegExp(`<NgayThangNamSinh>${citizen.dateOfBirth.replaceAll('-', '')}</NgayThangNamSinh>`))
})

t.test('the simulator refuses a bad signature with a SOAP fault, and the client reports it as an upstream error', async (t) => {
  const simulator = await startSimulator(t)
  const port = createPopulationClient({ ...testConfig(simulator.url).population, secret: 'wrong-secret-value' })
  t.teardown(() => port.close())
  await t.rejects(port.findCitizenByPersonalId(simulator.population.citizenAt(1).personalId, { requestId: 'bad-signature-01' }), {
    code: 'UPSTREAM_FAULT',
    message: /Client: Xác thực không thành công/
  })
})

t.test('a name that does not match the record is not disclosed by the database', async (t) => {
  const simulator = await startSimulator(t)
  const citizen = simulator.population.citizenAt(5)
  const timestamp = String(Date.now())
  const { buildEnvelope } = await import('../../adapters/population/soap.js')
  const response = await request(simulator.url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      timestamp,
      authorization: signRequest(simulator.url, TEST_CREDENTIALS.username, TEST_CREDENTIALS.secret, timestamp)
    },
    body: buildEnvelope('TraCuuThongTinCongDan', {
      MaYeuCau: 'mismatch-0001', MaTichHop: 'LGSP', MaDonVi: 'H23', SoDinhDanh: citizen.personalId, HoVaTen: 'Tên <Khác> & "lạ"'
    })
  })
  const parsed = parseEnvelope(await response.body.text())
  t.equal(parsed.kind, 'body')
  if (parsed.kind === 'body') {
    t.match(parsed.content, { TraCuuThongTinCongDanResult: { MaKetQua: '2' } })
    t.notOk(JSON.stringify(parsed.content).includes(citizen.fullName))
  }
})

t.test('synthetic population: deterministic, valid ids, O(1) lookup by id', async (t) => {
  const { syntheticPopulation } = await import('../../adapters/shared/synthetic-people.js')
  const { parsePersonalId } = await import('../../domain/personal-id.js')
  const a = syntheticPopulation({ seed: 42, size: 2000 })
  const b = syntheticPopulation({ seed: 42, size: 2000 })
  const ids = new Set<string>()
  for (let i = 0; i < a.size; i++) {
    const citizen = a.citizenAt(i)
    ids.add(citizen.personalId)
    const parts = parsePersonalId(citizen.personalId)
    if (parts === undefined || parts.birthYear !== Number(citizen.dateOfBirth.slice(0, 4)) || parts.gender !== citizen.gender) {
      t.fail(`citizen ${i} has an id inconsistent with birth data: ${citizen.personalId} ${citizen.dateOfBirth} ${citizen.gender}`)
    }
  }
  t.equal(ids.size, a.size, 'ids are unique')
  t.same(a.citizenAt(1234), b.citizenAt(1234), 'same seed, same citizen')
  t.same(a.findByPersonalId(a.citizenAt(1999).personalId), a.citizenAt(1999))
  t.notSame(syntheticPopulation({ seed: 43, size: 2000 }).citizenAt(1), a.citizenAt(1), 'another seed, other people')
  t.match(a.citizenAt(0).fullName, /^\p{Lu}\p{Ll}* \p{Lu}\p{Ll}* \p{Lu}\p{Ll}*$/u)
})
