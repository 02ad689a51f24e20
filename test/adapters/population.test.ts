import t from 'tap'
import { request } from 'undici'
import { createPopulationClient } from '../../adapters/population/client.js'
import type { VerificationRecord } from '../../adapters/population/port.js'
import { identityMismatches } from '../../domain/identity.js'
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
      },
      batches: {
        citizens: [10, 11, 12, 13, 14, 15].map((index) => simulator.population.citizenAt(index)),
        maxRecords: 1000
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

t.test('batch verification on the simulator, its clock driven by the test', async (t) => {
  // One simulator for these steps: 10 records a second, batches kept a minute, at most 4 held, 20 records a batch.
  let now = Date.UTC(2025, 6, 1, 1, 0, 0)
  const simulator = await startSimulator(t, { size: 400, batches: { ratePerSecond: 10, retentionMs: 60_000, maxBatches: 4, maxRecords: 20, clock: () => now } })
  const port = createPopulationClient(testConfig(simulator.url).population)
  t.teardown(() => port.close())
  const ctx = (requestId: string): { requestId: string } => ({ requestId })
  const exact = (index: number, reference = `ho-so-${index}`): VerificationRecord => ({ reference, ...simulator.population.citizenAt(index) })

  t.test('progress follows the clock, one batch after another; results come as records are processed', async (t) => {
    const first = await port.submitVerificationBatch(Array.from({ length: 20 }, (_, i) => exact(i)), ctx('clock-first'))
    const second = await port.submitVerificationBatch(Array.from({ length: 5 }, (_, i) => exact(100 + i)), ctx('clock-second'))
    t.match(await port.verificationBatchStatus(first.batchId, ctx('clock-1')), { state: 'processing', total: 20, processed: 0 })
    const empty = await port.verificationBatchResults(first.batchId, undefined, 10, ctx('clock-2'))
    t.same(empty.items, [], 'nothing processed yet: an empty page')
    t.type(empty.nextCursor, 'string', 'that says where to resume')

    now += 1500
    t.match(await port.verificationBatchStatus(first.batchId, ctx('clock-3')), { state: 'processing', processed: 15 })
    t.match(await port.verificationBatchStatus(second.batchId, ctx('clock-4')), { state: 'processing', processed: 0 }, 'the second waits for the first')
    const early = await port.verificationBatchResults(first.batchId, undefined, 20, ctx('clock-5'))
    t.equal(early.items.length, 15, 'only what is processed')
    t.type(early.nextCursor, 'string', 'and where to resume')

    now += 700
    t.same(await port.verificationBatchStatus(first.batchId, ctx('clock-6')), { batchId: first.batchId, state: 'completed', total: 20, processed: 20 })
    t.match(await port.verificationBatchStatus(second.batchId, ctx('clock-7')), { state: 'processing', processed: 2 }, 'the second began when the first ended')
    const rest = await port.verificationBatchResults(first.batchId, early.nextCursor, 20, ctx('clock-8'))
    t.same(rest.items.map((item) => item.reference), Array.from({ length: 5 }, (_, i) => `ho-so-${15 + i}`))
    t.equal(rest.nextCursor, undefined)
    t.ok([...early.items, ...rest.items].every((item) => item.match), 'exact copies all match')
  })

  t.test('a mixed batch equals the truth worked out from the population\'s own records', async (t) => {
    now += 60_000
    // Seeded perturbations: every third name, every fifth birth date, every seventh gender, every eleventh id.
    const records: VerificationRecord[] = Array.from({ length: 20 }, (_, i) => {
      const citizen = simulator.population.citizenAt(200 + i * 7)
      return {
        reference: `so-ho-${i}`,
        personalId: i % 11 === 4 ? citizen.personalId.slice(0, 6) + '999999' : citizen.personalId,
        fullName: i % 3 === 0 ? citizen.fullName.normalize('NFD').replace(/\p{M}/gu, '') : citizen.fullName,
        dateOfBirth: i % 5 === 1 ? `${citizen.dateOfBirth.slice(0, 8)}${citizen.dateOfBirth.endsWith('01') ? '02' : '01'}` : citizen.dateOfBirth,
        ...(i % 2 === 0 ? { gender: i % 7 === 0 ? (citizen.gender === 'male' ? 'female' : 'male') : citizen.gender } : {})
      }
    })
    const truth = records.map((record) => {
      const citizen = simulator.population.findByPersonalId(record.personalId)
      const mismatches = citizen === undefined ? [] : identityMismatches(citizen, record)
      return { reference: record.reference, found: citizen !== undefined, match: citizen !== undefined && mismatches.length === 0, mismatches }
    })
    const batch = await port.submitVerificationBatch(records, ctx('truth-submit'))
    now += 60_000 - 1 // the queue is empty again; 20 records take two seconds, and retention is a minute
    t.match(await port.verificationBatchStatus(batch.batchId, ctx('truth-status')), { state: 'completed' })
    const page = await port.verificationBatchResults(batch.batchId, undefined, 20, ctx('truth-results'))
    t.same(page.items, truth)
    const { counts } = simulator.expectedVerification(records)
    t.same(counts, {
      matched: truth.filter((r) => r.match).length,
      mismatched: truth.filter((r) => r.found && !r.match).length,
      notFound: truth.filter((r) => !r.found).length,
      byField: {
        fullName: truth.filter((r) => r.mismatches.includes('fullName')).length,
        dateOfBirth: truth.filter((r) => r.mismatches.includes('dateOfBirth')).length,
        gender: truth.filter((r) => r.mismatches.includes('gender')).length
      }
    }, 'the simulator\'s counts for tests agree')
    t.ok(counts.matched > 0 && counts.notFound > 0 && Object.values(counts.byField).every((n) => n > 0), `every kind present: ${JSON.stringify(counts)}`)
  })

  t.test('a failing call is answered 503 and the retry works; a failed batch ends at what it processed', async (t) => {
    now += 120_000
    const batch = await port.submitVerificationBatch([exact(1), exact(2)], ctx('fault-submit'))
    simulator.faults = { failNextBatchCalls: 1 }
    await t.rejects(port.verificationBatchStatus(batch.batchId, ctx('fault-1')), { code: 'UPSTREAM_UNAVAILABLE' })
    t.match(await port.verificationBatchStatus(batch.batchId, ctx('fault-2')), { batchId: batch.batchId }, 'the retry is answered')
    simulator.faults = { failNextBatchCalls: 1 }
    await t.rejects(port.verificationBatchResults(batch.batchId, undefined, 5, ctx('fault-3')), { code: 'UPSTREAM_UNAVAILABLE' })
    await t.resolves(port.verificationBatchResults(batch.batchId, undefined, 5, ctx('fault-4')))

    simulator.faults = { failNextBatches: 1 }
    const failing = await port.submitVerificationBatch(Array.from({ length: 10 }, (_, i) => exact(300 + i)), ctx('fault-batch'))
    now += 10_000
    t.same(await port.verificationBatchStatus(failing.batchId, ctx('fault-5')), { batchId: failing.batchId, state: 'failed', total: 10, processed: 5 })
    const page = await port.verificationBatchResults(failing.batchId, undefined, 10, ctx('fault-6'))
    t.equal(page.items.length, 5)
    t.equal(page.nextCursor, undefined, 'nothing more will come')
  })

  t.test('batches are kept a bounded time and number, and only for the gateway that submitted them', async (t) => {
    now += 120_000
    const kept = await port.submitVerificationBatch([exact(5)], ctx('keep-1'))
    const stranger = createPopulationClient({ ...testConfig(simulator.url).population, integrationCode: 'KHAC' })
    t.teardown(() => stranger.close())
    await t.rejects(stranger.verificationBatchStatus(kept.batchId, ctx('keep-2')), { code: 'NO_SUCH_RECORD' }, 'another integration code sees no such batch')
    now += 60_000 + 1000
    await t.rejects(port.verificationBatchStatus(kept.batchId, ctx('keep-3')), { code: 'NO_SUCH_RECORD' }, 'gone after its retention')

    const held = []
    for (const n of [1, 2, 3, 4]) held.push(await port.submitVerificationBatch([exact(n)], ctx(`keep-full-${n}`)))
    await t.rejects(port.submitVerificationBatch([exact(9)], ctx('keep-refused')), { code: 'UPSTREAM_UNAVAILABLE' }, 'full of unfinished batches: try later')
    now += 1000
    const next = await port.submitVerificationBatch([exact(9)], ctx('keep-after'))
    await t.rejects(port.verificationBatchStatus(held[0]?.batchId ?? '', ctx('keep-4')), { code: 'NO_SUCH_RECORD' }, 'the oldest finished batch made room')
    t.match(await port.verificationBatchStatus(next.batchId, ctx('keep-5')), { total: 1 })
    t.equal(simulator.batchesHeld, 4)
  })
})
