import t, { type Test } from 'tap'
import { request } from 'undici'
import { syntheticPopulation } from '../../adapters/shared/synthetic-people.js'
import { createProceduresClient, type ProceduresClientOptions } from '../../adapters/procedures/client.js'
import { DOSSIER_CODE, ENTERPRISE_CODE } from '../../adapters/procedures/identifiers.js'
import { dossierFromPortal, dossierToPortal, procedureFromPortal, procedureToPortal, STATUS_CODES } from '../../adapters/procedures/mapping.js'
import { ALLOWED_TRANSITIONS, DOSSIER_STATUSES, type Dossier, type ProceduresPort } from '../../adapters/procedures/port.js'
import { foldVietnamese } from '../../adapters/shared/search-text.js'
import { startProceduresSimulator, type ProceduresSimulator } from '../../adapters/procedures/simulator.js'
import { syntheticProcedures } from '../../adapters/procedures/synthetic.js'
import { parsePortalTime, portalBound } from '../../adapters/shared/vietnam-time.js'
import { proceduresContract } from '../contracts/procedures.js'

const API_KEY = 'procedures-test-key-not-for-production'
const ctx = { requestId: 'adapter-test-0001' }

async function startSimulator (t: Test, options: { seed?: number, dossierCount?: number } = {}): Promise<ProceduresSimulator> {
  const simulator = await startProceduresSimulator({ apiKey: API_KEY, ...options })
  t.teardown(() => simulator.close())
  return simulator
}

function clientFor (t: Test, simulator: ProceduresSimulator, options: Partial<ProceduresClientOptions> = {}): ProceduresPort {
  const port = createProceduresClient({ url: simulator.url, apiKey: API_KEY, connections: 4, connectTimeoutMs: 1000, timeoutMs: 2000, ...options })
  t.teardown(() => port.close())
  return port
}

const headers = { 'x-api-key': API_KEY, accept: 'application/json' }

t.test('procedures client against the one-stop simulator', async (t) => {
  proceduresContract(t, async (t) => {
    const simulator = await startSimulator(t)
    const procedures = simulator.register.procedures
    const dossiers = simulator.register.dossiers()
    return {
      port: clientFor(t, simulator),
      procedures,
      dossiers,
      unknownProcedureCode: '9.999999',
      // A real agency and day, a sequence number no agency reaches in a day.
      unknownDossierCode: `${(dossiers[0] as Dossier).dossierCode.slice(0, -4)}9999`
    }
  })
})

t.test('the simulator answers hand-written HTTP, not only our client', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 400 })

  const search = await request(`${simulator.url}/thutuc?tukhoa=${encodeURIComponent('hộ TỊCH')}&sobanghi=100`, { headers })
  t.equal(search.statusCode, 200)
  t.match(search.headers['content-type'], /^application\/json/)
  const found = await search.body.json() as { DuLieu: Array<Record<string, unknown>>, ConTro?: string }
  t.ok(found.DuLieu.length > 1)
  t.equal(found.ConTro, undefined, 'one page holds them all')
  t.ok(found.DuLieu.some((p) => p.TenTTHC === 'Đăng ký khai sinh' && p.TenLinhVuc === 'Hộ tịch' && p.MaTTHC === '1.001193'))
  t.ok(found.DuLieu.every((p) => /ho tich/.test(foldVietnamese(`${String(p.TenTTHC)} ${String(p.TenLinhVuc)}`))))

  const one = await request(`${simulator.url}/thutuc/1.001612`, { headers })
  t.match(await one.body.json(), { MaTTHC: '1.001612', TenTTHC: 'Đăng ký thành lập hộ kinh doanh', CapThucHien: 'Cấp Xã', ThoiHanGiaiQuyet: 3, PhiLePhi: [{ MucPhi: 100000 }] })

  const received = simulator.register.dossiers().find((d) => d.status === 'received') as Dossier
  const byPerson = await request(`${simulator.url}/hoso?madoituong=${received.applicant.id}&sobanghi=50`, { headers })
  const records = (await byPerson.body.json() as { DuLieu: Array<Record<string, unknown>> }).DuLieu
  t.ok(records.some((r) => r.MaHoSo === received.dossierCode))
  t.ok(records.every((r) => r.MaDoiTuong === received.applicant.id && /^[0-9]{14}$/.test(String(r.NgayTiepNhan))))

  const refused = await request(`${simulator.url}/hoso/${received.dossierCode}/trangthai`, {
    method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ TrangThaiHoSo: 10, MaCanBo: 'canbo.tay' })
  })
  t.equal(refused.statusCode, 409)
  t.same(await refused.body.json(), {
    MaLoi: 'CHUYEN_TRANG_THAI_KHONG_HOP_LE',
    MoTaLoi: 'Không thể chuyển hồ sơ từ "Được tiếp nhận" sang "Đã trả kết quả"',
    TrangThaiHienTai: 2,
    TrangThaiHopLe: [4, 8, 7]
  }, 'allowed next statuses in portal codes')

  const accepted = await request(`${simulator.url}/hoso/${received.dossierCode}/trangthai`, {
    method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ TrangThaiHoSo: 4, MaCanBo: 'canbo.tay', SoThuTuMongDoi: 1 })
  })
  t.equal(accepted.statusCode, 200)
  t.match(await accepted.body.json(), { MaHoSo: received.dossierCode, TrangThaiHoSo: 4, QuaTrinhXuLy: [{ SoThuTu: 1 }, { SoThuTu: 2, TrangThaiHoSo: 4, MaCanBo: 'canbo.tay' }] })

  const noKey = await request(`${simulator.url}/thutuc/1.001612`)
  t.equal(noKey.statusCode, 401)
  t.match(await noKey.body.json(), { MaLoi: 'KHONG_XAC_THUC' })

  const badCursor = await request(`${simulator.url}/hoso?con_tro=bm90LWEtY3Vyc29y`, { headers })
  t.equal(badCursor.statusCode, 400)
  t.match(await badCursor.body.json(), { MaLoi: 'CON_TRO_KHONG_HOP_LE' })

  const badDate = await request(`${simulator.url}/hoso?tungay=20250230000000`, { headers })
  t.equal(badDate.statusCode, 400)
  t.match(await badDate.body.json(), { MaLoi: 'THAM_SO_KHONG_HOP_LE' })

  const noPath = await request(`${simulator.url}/khongco`, { headers })
  t.equal(noPath.statusCode, 404)
  t.match(await noPath.body.json(), { MaLoi: 'DUONG_DAN_KHONG_TON_TAI' })
})

t.test('a wrong API key is an upstream error, not a crash', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 50 })
  const port = clientFor(t, simulator, { apiKey: 'wrong-key' })
  const refused = { code: 'UPSTREAM_FAULT', message: /HTTP 401 KHONG_XAC_THUC/ }
  await t.rejects(port.getProcedure('1.001612', ctx), refused)
  await t.rejects(port.searchProcedures({ q: 'ho tich', limit: 10 }, ctx), refused)
  await t.rejects(port.checkHealth(), refused, 'readiness sees bad credentials')
})

t.test('malformed upstream answers become coded upstream errors', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 50 })
  const port = clientFor(t, simulator)
  const dossier = simulator.register.dossiers()[0] as Dossier
  const record = dossierToPortal(dossier)
  const malformed = { code: 'UPSTREAM_FAULT' }

  simulator.faults = { body: '<html>Service Unavailable</html>' }
  await t.rejects(port.getProcedure('1.001612', ctx), { ...malformed, message: /without a JSON body/ })

  simulator.faults = { body: JSON.stringify({ ...record, NgayTiepNhan: '20251345000000' }) }
  await t.rejects(port.getDossier(dossier.dossierCode, ctx), { ...malformed, message: /NgayTiepNhan not yyyyMMddHHmmss/ })

  simulator.faults = { body: JSON.stringify({ ...record, TrangThaiHoSo: 6 }) }
  await t.rejects(port.getDossier(dossier.dossierCode, ctx), { ...malformed, message: /TrangThaiHoSo unknown: 6/ })

  simulator.faults = { body: JSON.stringify({ ...record, QuaTrinhXuLy: [] }) }
  await t.rejects(port.getDossier(dossier.dossierCode, ctx), { ...malformed, message: /QuaTrinhXuLy is empty/ })

  simulator.faults = { body: JSON.stringify(record) }
  await t.rejects(port.getDossier(`${dossier.dossierCode.slice(0, -4)}9998`, ctx), { ...malformed, message: /asked for/ }, 'another record than the one asked for')

  simulator.faults = { body: JSON.stringify({ DuLieu: [{ MaTTHC: 12 }] }) }
  await t.rejects(port.searchProcedures({ limit: 5 }, ctx), { ...malformed, message: /malformed answer/ })

  simulator.faults = { body: JSON.stringify({ DuLieu: [record] }) }
  await t.rejects(port.listDossiers({ personalId: '001099000001', limit: 5 }, ctx), { ...malformed, message: /another applicant/ }, 'never passes on another person\'s dossier')

  simulator.faults = { body: JSON.stringify({ DuLieu: [], ConTro: '5' }) }
  await t.rejects(port.dossierChanges({ limit: 5 }, ctx), { ...malformed, message: /ConThem/ })

  simulator.faults = {}
  t.same(await port.getDossier(dossier.dossierCode, ctx), dossier, 'healthy again once the upstream is')
})

t.test('simulator faults map to the right coded errors', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 50 })
  const port = clientFor(t, simulator, { timeoutMs: 300 })

  simulator.faults = { status: 500 }
  await t.rejects(port.getProcedure('1.001612', ctx), { code: 'UPSTREAM_FAULT', message: /HTTP 500 HE_THONG_BAN/ })

  simulator.faults = { status: 503 }
  await t.rejects(port.getProcedure('1.001612', ctx), { code: 'UPSTREAM_UNAVAILABLE' })

  simulator.faults = { reset: true }
  await t.rejects(port.getProcedure('1.001612', ctx), { code: 'UPSTREAM_UNAVAILABLE' })

  simulator.faults = { delayMs: 1500 }
  await t.rejects(port.getProcedure('1.001612', ctx), { code: 'UPSTREAM_TIMEOUT' })

  simulator.faults = { slowBodyMs: 1500 }
  await t.rejects(port.searchProcedures({ limit: 50 }, ctx), { code: 'UPSTREAM_TIMEOUT' }, 'a body that stalls times out too')

  simulator.faults = { slowBodyMs: 50 }
  t.equal((await port.searchProcedures({ limit: 50 }, ctx)).items.length, 50, 'a slow body within the deadline is read whole')

  simulator.faults = {}
  await t.resolves(port.checkHealth())
})

t.test('an unreachable upstream and an unknown path are upstream errors, not "not found"', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 50 })
  const wrongPath = createProceduresClient({ url: `${simulator.url}/v9`, apiKey: API_KEY, connections: 1, connectTimeoutMs: 500, timeoutMs: 1000 })
  t.teardown(() => wrongPath.close())
  await t.rejects(wrongPath.getProcedure('1.001612', ctx), { code: 'UPSTREAM_FAULT', message: /DUONG_DAN_KHONG_TON_TAI/ })

  const gone = await startProceduresSimulator({ apiKey: API_KEY, dossierCount: 10 })
  const url = gone.url
  await gone.close()
  const port = createProceduresClient({ url, apiKey: API_KEY, connections: 1, connectTimeoutMs: 500, timeoutMs: 1000 })
  t.teardown(() => port.close())
  await t.rejects(port.getProcedure('1.001612', ctx), { code: 'UPSTREAM_UNAVAILABLE' })
})

t.test('a cursor or bound the system did not issue is the caller\'s mistake (400)', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 50 })
  const port = clientFor(t, simulator)
  await t.rejects(port.listDossiers({ cursor: 'not-a-cursor', limit: 5 }, ctx), { code: 'INVALID_INPUT', errors: [{ pointer: '/cursor' }] })
  await t.rejects(port.searchProcedures({ cursor: 'bm9wZQ', limit: 5 }, ctx), { code: 'INVALID_INPUT' })
  await t.rejects(port.dossierChanges({ since: '999999999', limit: 5 }, ctx), { code: 'INVALID_INPUT', errors: [{ pointer: '/since' }] })
  await t.rejects(port.listDossiers({ from: '2025-02-30', limit: 5 }, ctx), { code: 'INVALID_INPUT', errors: [{ pointer: '/from' }] })
  await t.rejects(port.listDossiers({ limit: 0 }, ctx), { code: 'INVALID_INPUT', errors: [{ pointer: '/limit' }] })
  t.equal(simulator.hits, 3, 'bad bounds and limits are refused before any call')
})

t.test('the client tells the system who asks, and concurrent changes cannot both win', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 600 })
  const port = clientFor(t, simulator)
  const dossier = simulator.register.dossiers().find((d) => d.status === 'processing') as Dossier

  await port.getDossier(dossier.dossierCode, { requestId: 'req-who-0001', officialId: 'canbo.reader' })
  t.match(simulator.lastRequest, { method: 'GET', requestId: 'req-who-0001', officialId: 'canbo.reader' })

  const attempts = await Promise.allSettled(['resolved', 'withdrawn'].map(async (status) =>
    await port.changeDossierStatus(dossier.dossierCode, { status: status as 'resolved' | 'withdrawn', expectedSequence: dossier.sequence }, { requestId: `race-${status}`, officialId: 'canbo.race' })))
  t.equal(attempts.filter((a) => a.status === 'fulfilled').length, 1, 'one wins')
  t.match(attempts.find((a) => a.status === 'rejected'), { reason: { name: 'SequenceMismatchError', actual: dossier.sequence + 1 } })
  t.equal(simulator.register.dossier(dossier.dossierCode)?.statusHistory.at(-1)?.officialId, 'canbo.race', 'the context official is recorded')
})

t.test('the change feed from the start replays every recorded step', async (t) => {
  const simulator = await startSimulator(t, { dossierCount: 300 })
  const port = clientFor(t, simulator)
  const steps = simulator.register.dossiers().reduce((sum, d) => sum + d.statusHistory.length, 0)
  let since: string | undefined
  let count = 0
  const perDossier = new Map<string, number>()
  for (;;) {
    const page = await port.dossierChanges({ limit: 250, ...(since === undefined ? {} : { since }) }, ctx)
    for (const change of page.changes) {
      count++
      const previous = perDossier.get(change.dossierCode) ?? 0
      if (change.dossierSequence !== previous + 1) t.fail(`${change.dossierCode}: step ${change.dossierSequence} after ${previous}`)
      perDossier.set(change.dossierCode, change.dossierSequence)
    }
    since = page.nextCursor
    if (!page.hasMore) break
  }
  t.equal(count, steps, 'one change per history entry')
  t.equal(since, String(steps))
})

t.test('synthetic dossiers: deterministic, consistent, drawn from the population', async (t) => {
  const population = syntheticPopulation() // the population simulator's defaults
  const started = performance.now()
  const data = syntheticProcedures({ population })
  const elapsed = performance.now() - started
  t.ok(elapsed < 1000, `3000 dossiers in ${Math.round(elapsed)} ms (budget 200 ms warm; loose here for slow CI)`)
  t.equal(data.dossiers.length, 3000)
  t.ok(data.procedures.length >= 40 && data.procedures.length <= 80, `${data.procedures.length} procedures`)
  t.same(syntheticProcedures({ population }).dossiers, data.dossiers, 'same seed, same dossiers')
  t.notSame(syntheticProcedures({ seed: 7, dossierCount: 50, population }).dossiers.map((d) => d.dossier), data.dossiers.slice(0, 50).map((d) => d.dossier))

  const codes = new Set<string>()
  const statuses = new Set<string>()
  const problems: string[] = []
  for (const { dossier } of data.dossiers) {
    const problem = (what: string): void => { problems.push(`${dossier.dossierCode}: ${what}`) }
    codes.add(dossier.dossierCode)
    statuses.add(dossier.status)
    if (!DOSSIER_CODE.test(dossier.dossierCode)) problem('malformed code')
    if (!dossier.dossierCode.startsWith(`${dossier.receivingAgency.code}-`)) problem('code not of its receiving agency')
    const day = dossier.receivedAt.slice(2, 10).replaceAll('-', '')
    if (dossier.dossierCode.slice(-11, -5) !== day) problem('code date is not the received date')
    if (dossier.receivedAt < '2025-01-01' || dossier.receivedAt >= '2027-01-01') problem('received outside 2025–2026')
    if (Date.parse(dossier.dueAt) < Date.parse(dossier.receivedAt)) problem('due before received')
    if ((dossier.finishedAt !== undefined) !== (ALLOWED_TRANSITIONS[dossier.status].length === 0)) problem('finishedAt iff final')
    dossier.statusHistory.forEach((change, i) => {
      const previous = dossier.statusHistory[i - 1]
      if (change.sequence !== i + 1) problem('history sequence')
      if (previous === undefined ? change.status !== 'received' : !ALLOWED_TRANSITIONS[previous.status].includes(change.status)) problem(`illegal step to ${change.status}`)
      if (previous !== undefined && Date.parse(change.at) <= Date.parse(previous.at)) problem('history not in time order')
    })
    if (dossier.applicant.kind === 'citizen') {
      const citizen = population.findByPersonalId(dossier.applicant.id)
      if (citizen?.fullName !== dossier.applicant.name) problem('applicant is not a citizen of the population')
    } else if (!ENTERPRISE_CODE.test(dossier.applicant.id)) problem('malformed enterprise code')
    if (!dossier.receivedAt.endsWith('+07:00')) problem('not in Vietnam time')
  }
  t.same(problems.slice(0, 10), [], 'every dossier is consistent')
  t.equal(codes.size, data.dossiers.length, 'codes are unique')
  t.same([...statuses].sort(), [...DOSSIER_STATUSES].sort(), 'every status occurs')
  t.ok(data.dossiers.some((d) => d.dossier.applicant.kind === 'business'), 'some applicants are businesses')
  const demo = population.citizenAt(0).personalId
  t.ok(data.dossiers.filter((d) => d.dossier.applicant.id === demo).length >= 2, 'the demo\'s first citizen has dossiers')
})

t.test('mapping: portal records round-trip and status codes are one-to-one', async (t) => {
  const data = syntheticProcedures({ dossierCount: 300, population: syntheticPopulation({ size: 500 }) })
  for (const procedure of data.procedures) t.same(procedureFromPortal(procedureToPortal(procedure)), procedure)
  const mismatches = data.dossiers.filter(({ dossier }) => JSON.stringify(dossierFromPortal(dossierToPortal(dossier))) !== JSON.stringify(dossier))
  t.same(mismatches.map((d) => d.dossier.dossierCode), [], 'every dossier survives portal form')
  const codes = DOSSIER_STATUSES.map((status) => STATUS_CODES[status])
  t.equal(new Set(codes).size, codes.length)
})

t.test('Vietnamese folding and Vietnam time', async (t) => {
  t.equal(foldVietnamese('  Đăng Ký   KHAI SINH '), 'dang ky khai sinh')
  t.equal(foldVietnamese('Hộ tịch'.normalize('NFD')), 'ho tich', 'decomposed input')
  t.equal(foldVietnamese('ÐẮK LẮK'), 'dak lak', 'Icelandic eth typed for Đ')
  t.equal(portalBound('2025-03-01', 'start'), '20250301000000')
  t.equal(portalBound('2025-03-31', 'end'), '20250331235959')
  t.equal(portalBound('2025-06-01T18:30:00Z', 'start'), '20250602013000', 'converted to Vietnam time')
  t.equal(portalBound('2025-06-01T08:00:00.250+07:00', 'start'), '20250601080001', 'fractions round inward')
  t.equal(portalBound('2025-06-01T08:00:00.250+07:00', 'end'), '20250601080000')
  t.equal(portalBound('2025-02-29', 'start'), undefined, 'not a leap year')
  t.equal(portalBound('yesterday', 'end'), undefined)
  t.equal(parsePortalTime('20250230000000'), undefined)
  t.equal(parsePortalTime('20250301000000'), Date.parse('2025-03-01T00:00:00+07:00'))
})
