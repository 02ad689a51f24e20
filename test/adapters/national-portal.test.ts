import t, { type Test } from 'tap'
import { request } from 'undici'
import { createNationalPortalClient, type NationalPortalClientOptions } from '../../adapters/national-portal/client.js'
import {
  DEFAULT_MAPPINGS, DEFAULT_PROCEDURE_MAPPING, DEFAULT_STATUS_MAPPING, mappingProblems, mappingTableFrom, UnmappedValueError,
  type DossierStatusPush, type NationalPortalPort, type PortalMappings, type PushContext
} from '../../adapters/national-portal/port.js'
import { NATIONAL_STATUS_LABELS } from '../../adapters/national-portal/protocol.js'
import { startNationalPortalSimulator, type NationalPortalSimulator } from '../../adapters/national-portal/simulator.js'
import { syntheticPopulation } from '../../adapters/shared/synthetic-people.js'
import { CATALOGUE } from '../../adapters/procedures/catalogue.js'
import { STATUS_CODES } from '../../adapters/procedures/mapping.js'
import { DOSSIER_STATUSES, isFinalStatus } from '../../adapters/procedures/statuses.js'
import { syntheticProcedures } from '../../adapters/procedures/synthetic.js'
import { dossierCode, nationalPortalContract, samplePush } from '../contracts/national-portal.js'

const USERNAME = 'h23.dongbo'
const PASSWORD = 'portal-test-password-not-for-production'
const PROCEDURE = '1.001193' // Đăng ký khai sinh
const ctx: PushContext = { requestId: 'adapter-test-0001', mappings: DEFAULT_MAPPINGS }

async function startSimulator (t: Test, options: { sessionTtlMs?: number } = {}): Promise<NationalPortalSimulator> {
  const simulator = await startNationalPortalSimulator({ credentials: { username: USERNAME, password: PASSWORD }, ...options })
  t.teardown(() => simulator.close())
  return simulator
}

function clientFor (t: Test, simulator: NationalPortalSimulator, options: Partial<NationalPortalClientOptions> = {}): NationalPortalPort {
  const port = createNationalPortalClient({ url: simulator.url, username: USERNAME, password: PASSWORD, connections: 4, connectTimeoutMs: 1000, timeoutMs: 2000, ...options })
  t.teardown(() => port.close())
  return port
}

const dataCalls = (simulator: NationalPortalSimulator): number => simulator.calls.filter((c) => c.endpoint === 'data').length

t.test('national-portal client against the portal simulator', async (t) => {
  nationalPortalContract(t, async (t) => {
    const simulator = await startSimulator(t)
    return {
      port: clientFor(t, simulator),
      mappings: DEFAULT_MAPPINGS,
      procedureCode: PROCEDURE,
      portal: {
        calls: () => simulator.calls.length,
        logins: () => simulator.logins,
        recordedSequences: (code) => simulator.dossier(code)?.progress.map((entry) => entry.SoThuTuTrangThai as number) ?? [],
        currentStatus: (code) => simulator.dossier(code)?.dossier.TrangThaiHoSo as string | undefined,
        expireSessions: () => { simulator.expireSessions() }
      }
    }
  })
})

t.test('the simulator answers hand-written HTTP, not only our client', async (t) => {
  const simulator = await startSimulator(t)
  const post = async (path: string, body: unknown): Promise<{ status: number, json: Record<string, unknown> }> => {
    const answer = await request(`${simulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: answer.statusCode, json: await answer.body.json() as Record<string, unknown> }
  }

  t.match(await post('/login', { username: USERNAME, password: 'wrong' }), { status: 200, json: { error_code: 1, message: 'Tên đăng nhập hoặc mật khẩu không đúng' } })
  t.notOk('session' in (await post('/login', { username: 'other', password: PASSWORD })).json)
  const login = await post('/login', { username: USERNAME, password: PASSWORD })
  t.match(login, { status: 200, json: { error_code: 0, session: /^[A-Za-z0-9_-]{32}$/ } })
  const session = login.json.session as string

  const code = dossierCode(20, 1)
  const dossier = {
    MaHoSo: code, MaTTHC: PROCEDURE, ChuHoSo: 'Lê Văn Ánh', LoaiDoiTuong: 1, MaDoiTuong: '001099012345',
    NgayTiepNhan: '20250301081500', NgayHenTra: '20250305170000', NgayTra: '', TrangThaiHoSo: '2', SoThuTuTrangThai: 1
  }
  const progress = {
    MaHoSo: code, SoThuTuTrangThai: 1, NguoiXuLy: 'Trần Văn Đức', ChucDanh: 'Chuyên viên', PhongBanXuLy: 'Bộ phận một cửa',
    ThoiDiemXuLy: '20250301081500', NoiDungXuLy: 'Tiếp nhận hồ sơ', TrangThai: '2', NgayBatDau: '20250301081500', NgayKetThucTheoQuyDinh: '20250305170000'
  }
  const data = (service: string, items: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ session, service, isUpdating: 'False', data: items, ...extra })

  t.match(await post('/dvc', data('DongBoHoSoMC', [dossier], { session: 'not-a-session' })), { json: { error_code: 2 } }, 'unknown session')
  t.match(await post('/dvc', data('CapNhatTienDoHoSoMC', [progress])), { json: { error_code: 5, message: `Không tìm thấy hồ sơ ${code} trên Cổng` } }, 'progress before the dossier')
  t.match(await post('/dvc', data('DongBoHoSoMC', [dossier, { ...dossier, MaHoSo: dossierCode(20, 2), NgayHenTra: '20250230170000' }])),
    { json: { error_code: 3, message: 'Dữ liệu không hợp lệ: data[1].NgayHenTra: không đúng định dạng yyyyMMddHHmmss' } })
  t.equal(simulator.dossierCount, 0, 'a call with one invalid item records nothing')
  t.match(await post('/dvc', data('DongBoHoSoMC', [{ ...dossier, MaDoiTuong: '0123456789' }])), { json: { error_code: 3, message: /MaDoiTuong/ } }, 'a citizen is identified by a 12-digit personal id')
  t.match(await post('/dvc', data('DongBoHoSoMC', [{ ...dossier, TrangThaiHoSo: 2 }])), { json: { error_code: 3, message: /TrangThaiHoSo/ } })
  t.match(await post('/dvc', data('DongBoHoSoMC', [{ ...dossier, NgayHenTra: '20250228170000' }])), { json: { error_code: 3, message: /NgayHenTra: trước NgayTiepNhan/ } })
  t.match(await post('/dvc', data('XoaHoSo', [dossier])), { json: { error_code: 4 } })
  t.match(await post('/dvc', data('DongBoHoSoMC', [dossier], { isUpdating: true })), { json: { error_code: 3, message: /isUpdating/ } })
  t.match(await post('/dvc', data('DongBoHoSoMC', [])), { json: { error_code: 3 } })

  t.same(await post('/dvc', data('DongBoHoSoMC', [dossier])), { status: 200, json: { error_code: 0, message: 'Thành công', data: [{ MaHoSo: code, SoThuTuTrangThai: 1, KetQua: 'ThemMoi' }] } })
  t.match(await post('/dvc', data('CapNhatTienDoHoSoMC', [progress])), { json: { error_code: 0, data: [{ KetQua: 'ThemMoi' }] } })
  t.match(await post('/dvc', data('CapNhatTienDoHoSoMC', [progress])), { json: { error_code: 0, data: [{ KetQua: 'DaTonTai' }] } }, 'idempotent by (MaHoSo, SoThuTuTrangThai)')
  t.match(await post('/dvc', data('CapNhatTienDoHoSoMC', [{ ...progress, NoiDungXuLy: 'Sửa nội dung' }], { isUpdating: 'True' })), { json: { data: [{ KetQua: 'CapNhat' }] } }, 'isUpdating corrects an entry')
  t.same(simulator.dossier(code)?.progress.map((p) => p.NoiDungXuLy), ['Sửa nội dung'])
  t.same(simulator.received.filter((r) => r.service === 'CapNhatTienDoHoSoMC').map((r) => r.result), ['ThemMoi', 'DaTonTai', 'CapNhat'], 'every accepted item, repeats too')

  simulator.expireSessions()
  t.match(await post('/dvc', data('DongBoHoSoMC', [dossier])), { json: { error_code: 2 } }, 'an ended session')

  const noPath = await request(`${simulator.url}/khongco`, { method: 'POST' })
  t.equal(noPath.statusCode, 404)
  t.match(await noPath.body.json(), { error_code: -1 })
  const notJson = await request(`${simulator.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })
  t.equal(notJson.statusCode, 400)
  t.match(await notJson.body.json(), { error_code: 3 })
})

t.test('wrong credentials are a coded upstream error that names no secret', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator, { password: 'wrong-password' })
  const refused = { code: 'UPSTREAM_FAULT', portalErrorCode: 1, message: /login error_code 1: Tên đăng nhập hoặc mật khẩu không đúng/ }
  const error = await port.pushDossierStatus(samplePush(dossierCode(21, 1), PROCEDURE, 1), ctx).then(() => new Error('resolved'), (err: unknown) => err as Error)
  t.match(error, refused)
  t.notMatch(error.message, /wrong-password/)
  await t.rejects(port.checkHealth(), refused, 'readiness sees bad credentials')
  t.equal(dataCalls(simulator), 0, 'no data call without a session')
})

t.test('error_code ≠ 0 is a coded upstream error carrying the portal\'s message, without secrets', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator)
  const code = dossierCode(22, 1)
  await port.pushDossierStatus(samplePush(code, PROCEDURE, 1), ctx)

  simulator.faults = { errorCode: 7, errorMessage: `Mã thủ tục chưa được công bố; tài khoản ${USERNAME}, mật khẩu ${PASSWORD}` }
  const error = await port.pushDossierStatus(samplePush(code, PROCEDURE, 2), ctx).then(() => new Error('resolved'), (err: unknown) => err as Error)
  t.match(error, { code: 'UPSTREAM_FAULT', portalErrorCode: 7, message: /DongBoHoSoMC error_code 7: Mã thủ tục chưa được công bố/ })
  t.notMatch(error.message, PASSWORD, 'the password is scrubbed even when the portal echoes it')

  // A portal that keeps saying the session expired: one new login, then give up.
  simulator.faults = { errorCode: 2 }
  const logins = simulator.logins
  await t.rejects(port.pushDossierStatus(samplePush(code, PROCEDURE, 2), ctx), { code: 'UPSTREAM_FAULT', portalErrorCode: 2 })
  t.equal(simulator.logins, logins + 1, 'logged in again exactly once')

  simulator.faults = {}
  t.equal((await port.pushDossierStatus(samplePush(code, PROCEDURE, 2), ctx)).outcome, 'recorded')
  t.same(simulator.dossier(code)?.progress.map((p) => p.SoThuTuTrangThai), [1, 2])
})

t.test('the portal\'s own refusal of data reaches the caller with its reason', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator)
  // The adapter checks shapes it knows; the portal checks the rest (here: a citizen's id must have 12 digits).
  const push = samplePush(dossierCode(23, 1), PROCEDURE, 1, { applicant: { kind: 'citizen', id: '12345', name: 'Phạm Thu' } })
  await t.rejects(port.pushDossierStatus(push, ctx), { code: 'UPSTREAM_FAULT', portalErrorCode: 3, message: /data\[0\]\.MaDoiTuong: không đúng định dạng số định danh/ })
})

t.test('503 from the portal, then recovery; nothing recorded twice', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator)
  const code = dossierCode(24, 1)
  simulator.faults = { failNext: 2 }
  const unavailable = { code: 'UPSTREAM_UNAVAILABLE' }
  await t.rejects(port.pushDossierStatus(samplePush(code, PROCEDURE, 1), ctx), unavailable)
  await t.rejects(port.pushDossierStatus(samplePush(code, PROCEDURE, 1), ctx), unavailable)
  t.equal(simulator.faults.failNext, 0)
  t.equal((await port.pushDossierStatus(samplePush(code, PROCEDURE, 1), ctx)).outcome, 'recorded', 'recovered')

  // Fails between the dossier and its progress: the retry sends both again, harmlessly.
  await port.pushDossierStatus(samplePush(code, PROCEDURE, 2), ctx)
  simulator.faults = { failNext: 1 }
  const calls = dataCalls(simulator)
  await t.rejects(port.pushDossierStatus(samplePush(code, PROCEDURE, 3), ctx), unavailable)
  t.equal(dataCalls(simulator), calls + 1, 'the error is the caller\'s to retry, not retried inside')
  t.equal((await port.pushDossierStatus(samplePush(code, PROCEDURE, 3), ctx)).outcome, 'recorded')
  t.equal((await port.pushDossierStatus(samplePush(code, PROCEDURE, 3), ctx)).outcome, 'already-recorded')
  t.same(simulator.dossier(code)?.progress.map((p) => p.SoThuTuTrangThai), [1, 2, 3])
  const created = simulator.received.filter((r) => r.service === 'CapNhatTienDoHoSoMC' && r.result === 'ThemMoi')
  t.equal(created.length, 3, 'one new progress entry per change')
})

t.test('transport faults map to the right coded errors', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator, { timeoutMs: 300 })
  const push = samplePush(dossierCode(25, 1), PROCEDURE, 1)

  simulator.faults = { status: 500 }
  await t.rejects(port.pushDossierStatus(push, ctx), { code: 'UPSTREAM_FAULT', message: /login HTTP 500 error_code 99: Hệ thống đang bận/ })

  simulator.faults = { status: 503 }
  await t.rejects(port.pushDossierStatus(push, ctx), { code: 'UPSTREAM_UNAVAILABLE' })

  simulator.faults = { reset: true }
  await t.rejects(port.pushDossierStatus(push, ctx), { code: 'UPSTREAM_UNAVAILABLE' })

  simulator.faults = { delayMs: 1500 }
  await t.rejects(port.pushDossierStatus(push, ctx), { code: 'UPSTREAM_TIMEOUT' })
  await t.rejects(port.checkHealth(), { code: 'UPSTREAM_TIMEOUT' })

  simulator.faults = {}
  t.equal((await port.pushDossierStatus(push, ctx)).outcome, 'recorded', 'healthy again once the portal is')

  // A timeout after login: the data call itself stalls.
  simulator.faults = { delayMs: 1500 }
  await t.rejects(port.pushDossierStatus(samplePush(dossierCode(25, 1), PROCEDURE, 2), ctx), { code: 'UPSTREAM_TIMEOUT' })
  simulator.faults = {}
  await t.resolves(port.checkHealth())
})

t.test('an unreachable portal is unavailable', async (t) => {
  const gone = await startNationalPortalSimulator({ credentials: { username: USERNAME, password: PASSWORD } })
  const url = gone.url
  await gone.close()
  const port = createNationalPortalClient({ url, username: USERNAME, password: PASSWORD, connections: 1, connectTimeoutMs: 500, timeoutMs: 1000 })
  t.teardown(() => port.close())
  await t.rejects(port.pushDossierStatus(samplePush(dossierCode(26, 1), PROCEDURE, 1), ctx), { code: 'UPSTREAM_UNAVAILABLE' })
  await t.rejects(port.checkHealth(), { code: 'UPSTREAM_UNAVAILABLE' })
})

t.test('a session past its lifetime is renewed; concurrent pushes share one login', async (t) => {
  const simulator = await startSimulator(t, { sessionTtlMs: 150 })
  const port = clientFor(t, simulator)
  const pushes = [1, 2, 3, 4, 5].map((n) => samplePush(dossierCode(27, n), PROCEDURE, 1))
  const results = await Promise.all(pushes.map(async (push) => await port.pushDossierStatus(push, ctx)))
  t.ok(results.every((r) => r.outcome === 'recorded'))
  t.equal(simulator.logins, 1, 'five pushes at once, one login')

  await new Promise((resolve) => setTimeout(resolve, 250))
  const later = await port.pushDossierStatus(samplePush(dossierCode(27, 1), PROCEDURE, 2), ctx)
  t.equal(later.outcome, 'recorded')
  t.equal(simulator.logins, 2)
  t.match(simulator.calls.filter((c) => c.endpoint === 'data').slice(-3), [
    { service: 'DongBoHoSoMC', errorCode: 2 }, { service: 'DongBoHoSoMC', errorCode: 0 }, { service: 'CapNhatTienDoHoSoMC', errorCode: 0 }
  ], 'refused with the old session, repeated with the new one')
})

t.test('what the portal receives: national codes, Vietnam time, the official, the sequence', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator)
  const code = dossierCode(28, 1)
  await port.pushDossierStatus(samplePush(code, PROCEDURE, 1), ctx)
  await port.pushDossierStatus(samplePush(code, PROCEDURE, 2, { note: undefined, changedAt: '2025-03-02T03:30:00Z' }), ctx)
  const returned = samplePush(code, PROCEDURE, 4, { applicant: { kind: 'citizen', id: '001099012345', name: 'Nguyễn Thị Hằng'.normalize('NFD') } })
  await port.pushDossierStatus(returned, ctx)

  const held = simulator.dossier(code)
  t.same(held?.dossier, {
    MaHoSo: code, MaTTHC: PROCEDURE, ChuHoSo: 'Nguyễn Thị Hằng', LoaiDoiTuong: 1, MaDoiTuong: '001099012345',
    NgayTiepNhan: '20250301081500', NgayHenTra: '20250310170000', NgayTra: '20250304100000', TrangThaiHoSo: '10', SoThuTuTrangThai: 4
  }, 'state of the latest change; text sent in NFC')
  t.same(held?.progress[1], {
    MaHoSo: code, SoThuTuTrangThai: 2, NguoiXuLy: 'Trần Văn Đức', ChucDanh: 'Chuyên viên', PhongBanXuLy: 'Văn phòng HĐND và UBND',
    ThoiDiemXuLy: '20250302103000', NoiDungXuLy: 'Đang xử lý', TrangThai: '4', NgayBatDau: '20250302103000', NgayKetThucTheoQuyDinh: '20250310170000'
  }, 'UTC converted to Vietnam time; without a note, the national status\'s name')
  t.same(simulator.calls.filter((c) => c.endpoint === 'data').map((c) => `${c.service ?? ''}:${c.isUpdating ?? ''}`), [
    'DongBoHoSoMC:False', 'CapNhatTienDoHoSoMC:False', 'DongBoHoSoMC:True', 'CapNhatTienDoHoSoMC:False', 'DongBoHoSoMC:True', 'CapNhatTienDoHoSoMC:False'
  ], 'a reception creates the dossier, later changes update it')
})

t.test('the mapping tables are data the caller versions', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator)
  const mappings: PortalMappings = {
    status: { version: '2025-09-01', entries: { ...DEFAULT_STATUS_MAPPING.entries, rejected: '3' } },
    procedure: { version: '2025-08-15', entries: { 'TP-KS-01': '1.001193' } }
  }
  const code = dossierCode(29, 1)
  const result = await port.pushDossierStatus(samplePush(code, 'TP-KS-01', 1, { status: 'rejected' }), { requestId: 'versions', mappings })
  t.same(result, {
    dossierCode: code, sequence: 1, outcome: 'recorded', nationalStatus: '3', nationalProcedureCode: '1.001193',
    mappingVersions: { status: '2025-09-01', procedure: '2025-08-15' }
  })
  t.match(simulator.dossier(code)?.dossier, { MaTTHC: '1.001193', TrangThaiHoSo: '3' })

  const broken: PortalMappings = { status: { version: '2025-09-02', entries: { received: '11' } }, procedure: { version: '', entries: { x: '1.2' } } }
  const error = await port.pushDossierStatus(samplePush(dossierCode(29, 2), 'x', 1), { requestId: 'broken', mappings: broken }).catch((err: unknown) => err)
  t.ok(error instanceof UnmappedValueError)
  t.match(error, { table: 'status', value: 'received', message: /maps to "11", not a national status code/ })
  t.same(mappingProblems(broken), [
    'status table maps "received" to "11", not a national status code ("1" … "10")',
    'procedure table has no version',
    'procedure table maps "x" to "1.2", not a national procedure code (d.dddddd)'
  ])
  t.equal(dataCalls(simulator), 2, 'only the good push was sent (dossier and progress)')
})

t.test('default tables: every local status and every catalogue procedure', async (t) => {
  t.same(mappingProblems(DEFAULT_MAPPINGS), [])
  t.equal(DEFAULT_STATUS_MAPPING.version, '2025-07-01')
  t.same(Object.keys(DEFAULT_STATUS_MAPPING.entries).sort(), [...DOSSIER_STATUSES].sort())
  for (const status of DOSSIER_STATUSES) {
    t.equal(DEFAULT_STATUS_MAPPING.entries[status], String(STATUS_CODES[status]), `${status}: the code the one-stop system uses`)
  }
  t.equal(new Set(Object.values(DEFAULT_STATUS_MAPPING.entries)).size, DOSSIER_STATUSES.length, 'one national status per local one')
  t.ok(Object.values(DEFAULT_STATUS_MAPPING.entries).every((code) => NATIONAL_STATUS_LABELS[code] !== undefined))
  t.same(DEFAULT_PROCEDURE_MAPPING.entries, Object.fromEntries(CATALOGUE.map(({ procedure }) => [procedure.procedureCode, procedure.procedureCode])), 'identity over the catalogue')
  t.ok(Object.isFrozen(DEFAULT_STATUS_MAPPING.entries) && Object.isFrozen(DEFAULT_PROCEDURE_MAPPING.entries), 'shared defaults cannot be changed by accident')
})

t.test('a mapping table from a data file is checked when loaded', async (t) => {
  t.same(mappingTableFrom('procedure', { version: '2025-07-01', entries: { 1.001612: '1.001612' } }, 'ok.json'), { version: '2025-07-01', entries: { 1.001612: '1.001612' } })
  t.throws(() => mappingTableFrom('procedure', [], 'list.json'), { message: 'list.json: the procedure mapping table is not an object' })
  t.throws(() => mappingTableFrom('procedure', { entries: { 1.001612: '1.1612' }, note: 'x' }, 'bad.json'), {
    message: 'bad.json: the procedure mapping table has an unknown member "note"; has no version; maps "1.001612" to "1.1612", not a national procedure code (d.dddddd)'
  })
  t.throws(() => mappingTableFrom('status', { version: 'v1', entries: { received: 2 } }, 'status.json'), { message: /maps "received" to 2, not a national status code/ })
})

/** Change `i` of a one-stop dossier as the sync would push it. */
function pushOf (dossier: ReturnType<typeof syntheticProcedures>['dossiers'][number]['dossier'], i: number): DossierStatusPush {
  const change = dossier.statusHistory[i]
  if (change === undefined) throw new Error('no such change')
  return {
    dossierCode: dossier.dossierCode,
    procedureCode: dossier.procedureCode,
    applicant: dossier.applicant,
    receivedAt: dossier.receivedAt,
    dueAt: dossier.dueAt,
    ...(isFinalStatus(change.status) ? { finishedAt: change.at } : {}),
    status: change.status,
    sequence: change.sequence,
    official: { name: change.officialId ?? 'Bộ phận một cửa', title: 'Chuyên viên', department: dossier.handlingUnit },
    ...(change.note === undefined ? {} : { note: change.note }),
    changedAt: change.at
  }
}

t.test('one-stop dossiers\' whole histories, in batches, twice', async (t) => {
  const simulator = await startSimulator(t)
  const port = clientFor(t, simulator)
  const { dossiers } = syntheticProcedures({ dossierCount: 120, population: syntheticPopulation({ size: 300 }) })
  const pushes = dossiers.flatMap(({ dossier }) => dossier.statusHistory.map((_, i) => pushOf(dossier, i)))
  t.ok(pushes.length > 150, `${pushes.length} changes, more than one call's worth`)

  const first = await port.pushDossierStatuses(pushes, ctx)
  t.ok(first.every((r) => r.outcome === 'recorded'))
  for (const { dossier } of dossiers) {
    const held = simulator.dossier(dossier.dossierCode)
    if (held?.dossier.TrangThaiHoSo !== DEFAULT_STATUS_MAPPING.entries[dossier.status]) t.fail(`${dossier.dossierCode}: ${String(held?.dossier.TrangThaiHoSo)}`)
    if (held?.progress.length !== dossier.statusHistory.length) t.fail(`${dossier.dossierCode}: ${held?.progress.length ?? 0} entries`)
  }
  t.equal(simulator.dossierCount, dossiers.length)

  const second = await port.pushDossierStatuses(pushes, ctx)
  t.ok(second.every((r) => r.outcome === 'already-recorded'), 'a replayed run changes nothing')
  t.equal(simulator.received.filter((r) => r.service === 'CapNhatTienDoHoSoMC' && r.result === 'ThemMoi').length, pushes.length, 'each change stored once')
  t.ok(simulator.calls.every((c) => c.items === undefined || c.items <= 100), 'no call over the portal\'s limit')
})
