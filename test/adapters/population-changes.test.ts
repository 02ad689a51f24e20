import { createHash } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { changeFromFeed } from '../../adapters/population/changes.js'
import { createPopulationClient, type PopulationClientOptions } from '../../adapters/population/client.js'
import { decodeCursor, encodeCursor } from '../../adapters/population/feed.js'
import { citizenToXml } from '../../adapters/population/mapping.js'
import type { ChangeItem, PopulationPort } from '../../adapters/population/port.js'
import { signRequest } from '../../adapters/population/signature.js'
import {
  changeDefect, isInvalidChange, startPopulationSimulator, type PopulationSimulator, type PopulationSimulatorOptions
} from '../../adapters/population/simulator.js'
import { testConfig } from '../support/gateway.js'
import { TEST_CREDENTIALS } from '../support/upstreams.js'

const ctx = { requestId: 'changes-test-0001' }

async function startSimulator (t: Test, options: Omit<PopulationSimulatorOptions, 'credentials'> = {}): Promise<PopulationSimulator> {
  const simulator = await startPopulationSimulator({ credentials: TEST_CREDENTIALS, ...options })
  t.teardown(() => simulator.close())
  return simulator
}

function clientFor (t: Test, simulator: PopulationSimulator, options: Partial<PopulationClientOptions> = {}): PopulationPort {
  const port = createPopulationClient({ ...testConfig(simulator.url).population, ...options })
  t.teardown(() => port.close())
  return port
}

/** A signed GET of the feed, written by hand from the protocol in feed.ts. */
async function getFeed (simulator: PopulationSimulator, query: string, sign: string = `${simulator.changesUrl}${query}`): Promise<{ status: number, body: any }> {
  const timestamp = String(Date.now())
  const response = await request(`${simulator.changesUrl}${query}`, {
    headers: { timestamp, authorization: signRequest(sign, TEST_CREDENTIALS.username, TEST_CREDENTIALS.secret, timestamp) }
  })
  return { status: response.statusCode, body: await response.body.json() }
}

async function readAll (port: PopulationPort, limit: number): Promise<ChangeItem[]> {
  const items: ChangeItem[] = []
  let cursor: string | undefined
  do {
    const page = await port.readChanges(cursor, limit, ctx)
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return items
}

t.test('the feed answers a hand-written signed GET in its documented JSON', async (t) => {
  const simulator = await startSimulator(t, { size: 1500 })
  const first = await getFeed(simulator, '?limit=3')
  t.equal(first.status, 200)
  t.same(first.body.DuLieu.map((record: { SoThuTu: number }) => record.SoThuTu), [1, 2, 3])
  t.match(first.body.DuLieu[0], { LoaiThayDoi: 'THEM', ThoiDiem: /^2025[0-9]{10}$/ })
  t.same(first.body.DuLieu[1].CongDan, citizenToXml(simulator.population.citizenAt(1)), 'CongDan carries the SOAP record\'s fields')
  t.equal(first.body.TongSo, 1500)
  t.equal(decodeCursor(first.body.ConTro), 4, 'ConTro starts at the next SoThuTu')

  const next = await getFeed(simulator, `?since=${first.body.ConTro as string}&limit=2`)
  t.same(next.body.DuLieu.map((record: { SoThuTu: number }) => record.SoThuTu), [4, 5])
  t.equal((await getFeed(simulator, '')).body.DuLieu.length, 1000, 'limit defaults to 1000')
  const last = await getFeed(simulator, `?since=${encodeCursor(1001)}&limit=5000`)
  t.equal(last.body.DuLieu.length, 500)
  t.equal(last.body.ConTro, null, 'the end of the feed has no ConTro')

  t.match(await getFeed(simulator, '?limit=5001'), { status: 400, body: { MaLoi: 'THAM_SO_KHONG_HOP_LE' } })
  t.match(await getFeed(simulator, '?limit=0'), { status: 400, body: { MaLoi: 'THAM_SO_KHONG_HOP_LE' } })
  t.match(await getFeed(simulator, '?since=abc'), { status: 400, body: { MaLoi: 'CON_TRO_KHONG_HOP_LE' } })
  t.match(await getFeed(simulator, `?since=${encodeCursor(1502)}`), { status: 400, body: { MaLoi: 'CON_TRO_KHONG_HOP_LE' } }, 'past the end')
  t.match(await getFeed(simulator, `?since=${encodeCursor(1501)}`), { status: 200, body: { DuLieu: [], ConTro: null } }, 'the cursor that waits for more')
  t.match(await getFeed(simulator, '?limit=3', `${simulator.changesUrl}?limit=4`), { status: 401, body: { MaLoi: 'KHONG_XAC_THUC' } }, 'the signature covers the query')
  const unsigned = await request(simulator.changesUrl)
  t.match({ status: unsigned.statusCode, body: await unsigned.body.json() }, { status: 401, body: { MaLoi: 'KHONG_XAC_THUC' } })
})

t.test('cursors: only the exact text the feed issues', async (t) => {
  t.equal(decodeCursor(encodeCursor(1)), 1)
  t.equal(decodeCursor(encodeCursor(200_001)), 200_001)
  for (const text of ['', '1', 'eyJzIjowfQ', 'eyJzIjoxLjV9', 'eyJzIjoiMiJ9', 'eyJzIjoyLCJ4IjoxfQ', 'eyJzIjoyfQ==', `${encodeCursor(2)}.`, 'x'.repeat(100)]) {
    t.equal(decodeCursor(text), undefined, `"${text}" is not a cursor`)
  }
})

t.test('malformed records come back invalid exactly where isInvalidChange says, with the reason of their defect', async (t) => {
  const simulator = await startSimulator(t, { size: 40, changeFeed: { size: 40, invalidEvery: 4 } })
  const items = await readAll(clientFor(t, simulator), 13)
  t.equal(items.length, 40)
  const reasons = { 'personal-id': /^CongDan\.SoDinhDanh is not a valid personal id: [0-9]{11}$/, 'date-of-birth': /^CongDan\.NgayThangNamSinh is not a real date: [0-9]{4}1341$/, 'full-name': /^CongDan\.HoVaTen missing$/ }
  for (const item of items) {
    const defect = changeDefect(item.seq, 4)
    t.equal('invalid' in item, isInvalidChange(item.seq, 4), `change ${item.seq}`)
    if (defect !== undefined && 'invalid' in item) {
      t.match(item.invalid.reason, reasons[defect], `change ${item.seq}: ${defect}`)
      t.match(item.invalid.raw, { SoThuTu: item.seq, LoaiThayDoi: 'THEM' }, 'the raw record as sent')
    }
  }
  t.same(items.filter((item) => 'invalid' in item).map((item) => changeDefect(item.seq, 4)),
    ['personal-id', 'date-of-birth', 'full-name', 'personal-id', 'date-of-birth', 'full-name', 'personal-id', 'date-of-birth', 'full-name', 'personal-id'])
})

t.test('a record the gateway cannot vouch for is invalid with a reason; one without SoThuTu breaks the page', async (t) => {
  const simulator = await startSimulator(t, { size: 10 })
  const good = (await getFeed(simulator, '?limit=1')).body.DuLieu[0]
  const citizen = simulator.population.citizenAt(0)
  const genderFlipped = citizen.gender === 'male' ? '2' : '1'
  const cases: Array<[string, unknown, RegExp]> = [
    ['an unknown LoaiThayDoi', { ...good, LoaiThayDoi: 'XOA' }, /^LoaiThayDoi unknown: XOA$/],
    ['a ThoiDiem that is no time', { ...good, ThoiDiem: '20250230120000' }, /^ThoiDiem is not a yyyyMMddHHmmss time/],
    ['a number where text belongs', { ...good, CongDan: { ...good.CongDan, SoDinhDanh: 25123456789 } }, /^CongDan\.SoDinhDanh is a number, not text or a record$/],
    ['no CongDan', { ...good, CongDan: null }, /^CongDan is not an object$/],
    ['an address that is a list', { ...good, CongDan: { ...good.CongDan, ThuongTru: [] } }, /^CongDan\.ThuongTru is a list, not text or a record$/],
    ['a gender the id contradicts', { ...good, CongDan: { ...good.CongDan, GioiTinh: genderFlipped } }, /^CongDan\.GioiTinh .* contradicts SoDinhDanh/],
    ['a birth year the id contradicts', { ...good, CongDan: { ...good.CongDan, NgayThangNamSinh: `${Number(citizen.dateOfBirth.slice(0, 4)) - 1}0101` } }, /^CongDan\.NgayThangNamSinh .* contradicts SoDinhDanh/],
    ['an id of an unknown province', { ...good, CongDan: { ...good.CongDan, SoDinhDanh: '999' + citizen.personalId.slice(3) } }, /^CongDan\.SoDinhDanh is not a valid personal id/]
  ]
  for (const [name, record, reason] of cases) {
    const item = changeFromFeed(JSON.parse(JSON.stringify(record)), 'answer.DuLieu[0]')
    t.match(item, { seq: 1, invalid: { reason, raw: record } }, name)
  }
  t.match(changeFromFeed(JSON.parse(`{"SoThuTu":1,"LoaiThayDoi":"THEM","ThoiDiem":"${good.ThoiDiem as string}","CongDan":${JSON.stringify({ ...good.CongDan, HoTenCha: null })},"__proto__":{"x":1}}`), 'r'),
    { seq: 1, kind: 'created', citizen: { personalId: citizen.personalId, fullName: citizen.fullName } }, 'null is absent; __proto__ is ignored')
  t.notOk('fatherFullName' in (changeFromFeed({ ...good, CongDan: { ...good.CongDan, HoTenCha: null } }, 'r') as { citizen: object }).citizen)
  t.throws(() => changeFromFeed({ ...good, SoThuTu: '1' }, 'answer.DuLieu[0]'), /SoThuTu is not a positive integer/)
  t.throws(() => changeFromFeed('x', 'answer.DuLieu[0]'), /is not an object/)
})

t.test('everyone is registered once, then updated; the SOAP lookup answers the latest revision', async (t) => {
  const simulator = await startSimulator(t, { size: 10, changeFeed: { size: 25 } })
  const port = clientFor(t, simulator)
  const items = await readAll(port, 1000)
  t.same(items.map((item) => 'kind' in item ? item.kind : 'invalid'), [...Array(10).fill('created'), ...Array(15).fill('updated')])
  for (const item of items) {
    if (!('citizen' in item)) continue
    const index = (item.seq - 1) % 10
    t.same(item.citizen, simulator.population.citizenAt(index, Math.floor((item.seq - 1) / 10)), `change ${item.seq}: citizen ${index}`)
  }
  const times = items.map((item) => 'changedAt' in item ? Date.parse(item.changedAt) : NaN)
  t.ok(times.every((time, i) => i === 0 || time > (times[i - 1] as number)), 'changedAt increases along the feed')
  const updated = simulator.population.citizenAt(0, 2)
  t.notSame(updated.currentAddress, simulator.population.citizenAt(0).currentAddress, 'an update moves the residence')
  t.same(await port.findCitizenByPersonalId(updated.personalId, ctx), updated, 'SOAP answers the record as the feed left it')
  t.same(await port.findCitizenByPersonalId(simulator.population.citizenAt(9).personalId, ctx), simulator.population.citizenAt(9, 1))

  t.equal(simulator.appendChanges(3), 28)
  t.same((await port.readChanges(encodeCursor(26), 10, ctx)).items.map((item) => item.seq), [26, 27, 28])
  t.same(await port.findCitizenByPersonalId(updated.personalId, ctx), simulator.population.citizenAt(0, 2), 'citizen 0 not yet changed again')
  t.same(await port.findCitizenByPersonalId(simulator.population.citizenAt(5).personalId, ctx), simulator.population.citizenAt(5, 2), 'citizen 5 was')
})

t.test('an upstream failing for a while then recovering: 503 for the next N calls, then the page', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const port = clientFor(t, simulator)
  const clean = await port.readChanges(undefined, 20, ctx)
  simulator.faults = { failNextChanges: 3 }
  for (let i = 0; i < 3; i++) {
    await t.rejects(port.readChanges(undefined, 20, ctx), { code: 'UPSTREAM_UNAVAILABLE' }, `call ${i + 1} fails`)
  }
  t.same(await port.readChanges(undefined, 20, ctx), clean, 'then the same page as before')
  t.equal(simulator.faults.failNextChanges, 0)
  t.equal(simulator.changeHits, 5, 'every feed call is counted')
  t.equal(simulator.hits, 0, 'apart from SOAP calls')
})

t.test('transport faults and broken answers become coded upstream errors', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const port = clientFor(t, simulator, { timeoutMs: 300 })
  const read = async (): Promise<unknown> => await port.readChanges(undefined, 10, ctx)

  simulator.faults = { reset: true }
  await t.rejects(read(), { code: 'UPSTREAM_UNAVAILABLE' }, 'connection reset')
  simulator.faults = { delayMs: 2000 }
  await t.rejects(read(), { code: 'UPSTREAM_TIMEOUT' }, 'no answer within the deadline')
  simulator.faults = { status: 503 }
  await t.rejects(read(), { code: 'UPSTREAM_UNAVAILABLE' })
  simulator.faults = { status: 500 }
  await t.rejects(read(), { code: 'UPSTREAM_FAULT', message: /HTTP 500 HE_THONG_BAN/ })

  simulator.faults = {}
  const good = JSON.stringify((await getFeed(simulator, '?limit=2')).body.DuLieu[0])
  const broken: Array<[string, string, RegExp]> = [
    ['not JSON', '<html><body>502 Bad Gateway</body></html>', /without JSON/],
    ['truncated JSON', '{"DuLieu":[', /without JSON/],
    ['not an object', '[]', /answer is not an object/],
    ['DuLieu not a list', '{"DuLieu":5,"ConTro":null}', /answer\.DuLieu is not a list/],
    ['a record without SoThuTu', '{"DuLieu":[{"LoaiThayDoi":"THEM"}],"ConTro":null}', /SoThuTu is not a positive integer/],
    ['records out of order', `{"DuLieu":[${good.replace('"SoThuTu":1', '"SoThuTu":3')},${good}],"ConTro":null}`, /not in feed order/],
    ['more records than asked', `{"DuLieu":[${Array.from({ length: 11 }, (_, i) => good.replace('"SoThuTu":1', `"SoThuTu":${i + 1}`)).join(',')}]}`, /holds 11 changes, 10 asked/],
    ['a cursor that does not advance', `{"DuLieu":[${good}],"ConTro":"${encodeCursor(1)}"}`, /ConTro does not advance/],
    ['a cursor with nothing read', `{"DuLieu":[],"ConTro":"${encodeCursor(5)}"}`, /ConTro does not advance/],
    ['a cursor of another shape', `{"DuLieu":[${good}],"ConTro":42}`, /ConTro is not a cursor/],
    ['a count that is no count', `{"DuLieu":[${good}],"ConTro":null,"TongSo":"many"}`, /TongSo is not a count/]
  ]
  for (const [name, body, message] of broken) {
    simulator.faults = { changesBody: body }
    await t.rejects(read(), { code: 'UPSTREAM_FAULT', message }, name)
  }

  simulator.faults = {}
  t.equal((await port.readChanges(undefined, 10, ctx)).items.length, 10, 'recovers once the faults are gone')
})

t.test('refusals of the feed: a well-formed cursor past the end is a validation error, a bad signature an upstream error', async (t) => {
  const simulator = await startSimulator(t, { size: 50 })
  const port = clientFor(t, simulator)
  const before = simulator.changeHits
  await t.rejects(port.readChanges(encodeCursor(60), 10, ctx), { code: 'INVALID_INPUT', message: /since/ })
  t.equal(simulator.changeHits, before + 1, 'the feed itself refused it')
  await t.rejects(port.readChanges('garbage', 10, ctx), { code: 'INVALID_INPUT' })
  t.equal(simulator.changeHits, before + 1, 'a cursor that cannot be one is refused without a call')

  const wrongSecret = clientFor(t, simulator, { secret: 'wrong-secret-value' })
  await t.rejects(wrongSecret.readChanges(undefined, 10, ctx), { code: 'UPSTREAM_FAULT', message: /HTTP 401 KHONG_XAC_THUC/ })
})

function checksum (items: readonly ChangeItem[]): string {
  return createHash('sha256').update(JSON.stringify(items)).digest('hex')
}

t.test('the feed is the same for the same seed, and another for another seed', async (t) => {
  const options = { size: 1000, changeFeed: { size: 2500, invalidEvery: 97 } }
  const [a, b, c] = await Promise.all([
    startSimulator(t, { ...options, seed: 7 }),
    startSimulator(t, { ...options, seed: 7 }),
    startSimulator(t, { ...options, seed: 8 })
  ])
  const [itemsA, itemsB, itemsC] = await Promise.all([readAll(clientFor(t, a), 900), readAll(clientFor(t, b), 400), readAll(clientFor(t, c), 900)])
  t.equal(itemsA.length, 2500)
  t.equal(checksum(itemsA), checksum(itemsB), 'same seed, same feed, whatever the page size')
  t.not(checksum(itemsA), checksum(itemsC), 'another seed, another feed')
  t.same(itemsA.filter((item) => 'invalid' in item).map((item) => item.seq), Array.from({ length: 25 }, (_, i) => 97 * (i + 1)))
})

/** The heap in use once garbage is collected: what the process holds on to, not what it has yet to free. */
function retainedHeap (): number {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  return process.memoryUsage().heapUsed
}

t.test('200,000 changes in pages of 5000: all of them, in sequence, in flat memory', async (t) => {
  const simulator = await startSimulator(t, { size: 50_000, changeFeed: { size: 200_000, invalidEvery: 1000 } })
  // A generous deadline: this machine is shared, and a 5000-change page is a few megabytes.
  const port = clientFor(t, simulator, { timeoutMs: 30_000 })
  const baselineHeap = retainedHeap()
  const baselineRss = process.memoryUsage().rss
  let peakHeap = baselineHeap
  let peakRss = baselineRss
  let expected = 1
  let count = 0
  let invalid = 0
  let updates = 0
  let gaps = 0
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await port.readChanges(cursor, 5000, ctx)
    pages++
    for (const item of page.items) {
      if (item.seq !== expected) gaps++
      expected = item.seq + 1
      count++
      if ('invalid' in item) invalid++
      else if (item.kind === 'updated') updates++
    }
    cursor = page.nextCursor
    if (pages % 8 === 0) peakHeap = Math.max(peakHeap, retainedHeap())
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  } while (cursor !== undefined)

  t.equal(count, 200_000, 'every change')
  t.equal(gaps, 0, 'seq continues from 1 without a gap or a repeat')
  t.equal(expected, 200_001)
  t.equal(pages, 40)
  t.equal(simulator.changeHits, 40, 'one call per page')
  t.equal(invalid, 200)
  t.equal(updates, 150_000 - 150, 'registrations, then updates')
  // Holding the feed (200,000 citizens as objects) would retain several hundred MB; computing it on demand, next
  // to nothing. RSS also counts garbage not yet collected and the allocator's slack: a loose bound.
  const MB = 1_048_576
  t.ok(peakHeap - baselineHeap < 64 * MB, `retained heap grew ${Math.round((peakHeap - baselineHeap) / MB)} MB`)
  t.ok(peakRss - baselineRss < 320 * MB, `RSS grew ${Math.round((peakRss - baselineRss) / MB)} MB`)
})
