import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { DOSSIER_CODE, ENTERPRISE_CODE, PERSONAL_ID, PROCEDURE_CODE } from '../procedures/identifiers.js'
import { applyTransportFaults, listenOnLoopback, type TransportFaults } from '../shared/simulator-server.js'
import { parsePortalTime } from '../shared/vietnam-time.js'
import {
  ERROR_CODES, isNationalStatus, ITEM_RESULTS, MAX_ITEMS, PORTAL_PATHS, SEQUENCE_FIELD, SERVICES,
  type ItemResult, type PortalRecord, type PortalService
} from './protocol.js'

/**
 * A real HTTP server speaking the national public-service portal's synchronisation protocol (see protocol.ts for
 * the whole protocol). Tests and the demo start it on an ephemeral loopback port; `faults` makes it slow or failing.
 *
 *   POST /api/login   {username, password}
 *        → 200 {error_code: 0, message, session} | 200 {error_code: 1, message} (wrong credentials)
 *   POST /api/dvc     {session, service: "DongBoHoSoMC" | "CapNhatTienDoHoSoMC", isUpdating: "True" | "False", data: [...]}
 *        → 200 {error_code: 0, message, data: [{MaHoSo, SoThuTuTrangThai, KetQua: ThemMoi | CapNhat | DaTonTai}]}
 *        | 200 {error_code: 2}  session unknown or older than `sessionTtlMs`
 *        | 200 {error_code: 3}  envelope or item invalid: `data[i].Field: reason` (required fields, codes,
 *                               `yyyyMMddHHmmss` times, MaDoiTuong shaped by LoaiDoiTuong); nothing recorded
 *        | 200 {error_code: 4}  unknown service
 *        | 200 {error_code: 5}  progress of a dossier the portal does not hold; nothing recorded
 *
 * The portal records the dossiers (state of the highest SoThuTuTrangThai each) and their progress entries, one per
 * (MaHoSo, SoThuTuTrangThai): the same pair again is answered `DaTonTai` and stored once. Other paths answer 404
 * and unreadable bodies 400, both as `{error_code, message}`.
 */

export const API_PREFIX = '/api'
const DEFAULT_SESSION_TTL_MS = 30 * 60_000
const MAX_TEXT = 2000

export interface NationalPortalSimulatorFaults extends TransportFaults {
  /** Answer every call (login too) with this HTTP status and error_code 99. */
  status?: number
  /** Answer every data call 200 with this error_code (≠ 0), recording nothing. */
  errorCode?: number
  /** The message with `errorCode`; a generic one otherwise. */
  errorMessage?: string
  /** Answer the next n data calls with HTTP 503, then recover; counts down as calls arrive. */
  failNext?: number
}

export interface NationalPortalSimulatorOptions {
  credentials: { username: string, password: string }
  /** How long a session stays valid after login; 30 minutes by default. */
  sessionTtlMs?: number
  host?: string
  port?: number
}

/** One HTTP call as the portal saw it. */
export interface PortalCall {
  endpoint: 'login' | 'data' | 'other'
  service?: string
  isUpdating?: string
  items?: number
  /** The HTTP status answered; absent when the connection was dropped. */
  status?: number
  /** The error_code answered, when the answer had one. */
  errorCode?: number
}

/** One item of an accepted data call, with what the portal did with it. */
export interface ReceivedItem {
  service: PortalService
  isUpdating: boolean
  item: PortalRecord
  result: ItemResult
}

export interface StoredDossier {
  /** The dossier as its latest DongBoHoSoMC item (highest SoThuTuTrangThai) left it. */
  dossier: PortalRecord
  /** Progress entries, one per SoThuTuTrangThai, in sequence order. */
  progress: PortalRecord[]
}

export interface NationalPortalSimulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123/api`. */
  readonly url: string
  /** Every call received, in order, including refused ones. */
  readonly calls: readonly PortalCall[]
  /** Every item of every accepted data call, in order: repeats appear again, with result DaTonTai. */
  readonly received: readonly ReceivedItem[]
  /** Successful logins so far. */
  readonly logins: number
  /** What the portal holds for a dossier. */
  dossier (dossierCode: string): StoredDossier | undefined
  readonly dossierCount: number
  /** Ends every session issued so far, as the portal does after its TTL. */
  expireSessions (): void
  faults: NationalPortalSimulatorFaults
  close (): Promise<void>
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

// ---- item validation: each check answers the problem, or undefined when the value is fine ----

type Check = (value: unknown, item: PortalRecord) => string | undefined

const text = (max = 500): Check => (value) =>
  typeof value !== 'string' || value.trim() === '' ? 'bắt buộc, kiểu chuỗi' : value.length > max ? `dài quá ${max} ký tự` : undefined
const shaped = (pattern: RegExp, what: string): Check => (value) =>
  typeof value === 'string' && pattern.test(value) ? undefined : `không đúng định dạng ${what}`
const time: Check = (value) =>
  typeof value === 'string' && parsePortalTime(value) !== undefined ? undefined : 'không đúng định dạng yyyyMMddHHmmss'
const optionalTime: Check = (value, item) => value === '' || value === undefined || value === null ? undefined : time(value, item)
const status: Check = (value) => isNationalStatus(value) ? undefined : 'không phải mã trạng thái hồ sơ (chuỗi "1" … "10")'
const sequence: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 1 ? undefined : 'phải là số nguyên ≥ 1'
const applicantKind: Check = (value) => value === 1 || value === 2 ? undefined : 'phải là 1 (công dân) hoặc 2 (tổ chức, doanh nghiệp)'
const applicantId: Check = (value, item) =>
  item.LoaiDoiTuong === 2 ? shaped(ENTERPRISE_CODE, 'mã số doanh nghiệp')(value, item) : shaped(PERSONAL_ID, 'số định danh cá nhân (12 chữ số)')(value, item)
const notBefore = (earlier: string): Check => (value, item) =>
  typeof value === 'string' && value !== '' && typeof item[earlier] === 'string' && value < (item[earlier] as string) ? `trước ${earlier}` : undefined

const ITEM_CHECKS: Readonly<Record<PortalService, Readonly<Record<string, Check[]>>>> = {
  [SERVICES.dossier]: {
    MaHoSo: [shaped(DOSSIER_CODE, 'mã hồ sơ')],
    MaTTHC: [shaped(PROCEDURE_CODE, 'mã thủ tục hành chính')],
    ChuHoSo: [text()],
    LoaiDoiTuong: [applicantKind],
    MaDoiTuong: [applicantId],
    NgayTiepNhan: [time],
    NgayHenTra: [time, notBefore('NgayTiepNhan')],
    NgayTra: [optionalTime, notBefore('NgayTiepNhan')],
    TrangThaiHoSo: [status],
    [SEQUENCE_FIELD]: [sequence]
  },
  [SERVICES.progress]: {
    MaHoSo: [shaped(DOSSIER_CODE, 'mã hồ sơ')],
    [SEQUENCE_FIELD]: [sequence],
    NguoiXuLy: [text()],
    ChucDanh: [text()],
    PhongBanXuLy: [text()],
    ThoiDiemXuLy: [time],
    NoiDungXuLy: [text(MAX_TEXT)],
    TrangThai: [status],
    NgayBatDau: [time],
    NgayKetThucTheoQuyDinh: [time]
  }
}

/** The first problem of a call's items, as the portal words it, or undefined when every item is valid. */
function itemProblem (service: PortalService, data: unknown[]): string | undefined {
  for (const [i, value] of data.entries()) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `data[${i}]: không phải đối tượng`
    const item = value as PortalRecord
    for (const [field, checks] of Object.entries(ITEM_CHECKS[service])) {
      for (const check of checks) {
        const problem = check(item[field], item)
        if (problem !== undefined) return `data[${i}].${field}: ${problem}`
      }
    }
  }
  return undefined
}

const isService = (value: unknown): value is PortalService => value === SERVICES.dossier || value === SERVICES.progress

interface Held { dossier: PortalRecord, progress: Map<number, PortalRecord> }

export async function startNationalPortalSimulator (options: NationalPortalSimulatorOptions): Promise<NationalPortalSimulator> {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 })
  const usernameDigest = digest(options.credentials.username)
  const passwordDigest = digest(options.credentials.password)
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS
  const sessions = new Map<string, number>() // token → expires at (ms)
  const held = new Map<string, Held>()
  const calls: PortalCall[] = []
  const received: ReceivedItem[] = []
  const callOf = new WeakMap<FastifyRequest, PortalCall>()
  let logins = 0
  const closing = new AbortController() // releases delayed answers so close() never waits on them
  const state: { faults: NationalPortalSimulatorFaults } = { faults: {} }

  function answer (request: FastifyRequest, reply: FastifyReply, httpStatus: number, errorCode: number, message: string, extra: PortalRecord = {}): FastifyReply {
    const call = callOf.get(request)
    if (call !== undefined) call.errorCode = errorCode
    return reply.code(httpStatus).send({ error_code: errorCode, message, ...extra })
  }

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]
    const endpoint = path === API_PREFIX + PORTAL_PATHS.login ? 'login' : path === API_PREFIX + PORTAL_PATHS.data ? 'data' : 'other'
    const call: PortalCall = { endpoint }
    calls.push(call)
    callOf.set(request, call)

    const faults = state.faults
    if (await applyTransportFaults(request, reply, faults, closing.signal)) return reply
    if (faults.status !== undefined) return answer(request, reply, faults.status, ERROR_CODES.busy, 'Hệ thống đang bận, vui lòng thử lại sau')
    if (endpoint === 'data' && faults.failNext !== undefined && faults.failNext > 0) {
      faults.failNext--
      return answer(request, reply, 503, ERROR_CODES.busy, 'Hệ thống đang bảo trì, vui lòng thử lại sau')
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    const call = callOf.get(request)
    if (call !== undefined) call.status = reply.statusCode
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (status < 500) return answer(request, reply, status, ERROR_CODES.invalidData, `Yêu cầu không hợp lệ: ${error.message}`)
    return answer(request, reply, 500, ERROR_CODES.busy, 'Lỗi hệ thống')
  })
  app.setNotFoundHandler((request, reply) => answer(request, reply, 404, -1, `Không có đường dẫn ${request.method} ${request.url.split('?')[0] ?? ''}`))

  app.post(API_PREFIX + PORTAL_PATHS.login, async (request, reply) => {
    const body = (request.body ?? {}) as PortalRecord
    const { username, password } = body
    if (typeof username !== 'string' || typeof password !== 'string') {
      return answer(request, reply, 200, ERROR_CODES.invalidData, 'Thiếu username hoặc password')
    }
    // Both compared, always, in constant time: the answer does not tell which one was wrong.
    const userMatches = timingSafeEqual(digest(username), usernameDigest)
    const passwordMatches = timingSafeEqual(digest(password), passwordDigest)
    if (!userMatches || !passwordMatches) return answer(request, reply, 200, ERROR_CODES.badCredentials, 'Tên đăng nhập hoặc mật khẩu không đúng')
    const session = randomBytes(24).toString('base64url')
    const now = Date.now()
    for (const [token, expires] of sessions) if (expires <= now) sessions.delete(token)
    sessions.set(session, now + sessionTtlMs)
    logins++
    return answer(request, reply, 200, ERROR_CODES.ok, 'Đăng nhập thành công', { session })
  })

  app.post(API_PREFIX + PORTAL_PATHS.data, async (request, reply) => {
    const call = callOf.get(request) as PortalCall
    const body = (request.body ?? {}) as PortalRecord
    if (typeof body.service === 'string') call.service = body.service
    if (typeof body.isUpdating === 'string') call.isUpdating = body.isUpdating
    if (Array.isArray(body.data)) call.items = body.data.length

    const { errorCode, errorMessage } = state.faults
    if (errorCode !== undefined) return answer(request, reply, 200, errorCode, errorMessage ?? 'Lỗi xử lý dữ liệu tại Cổng Dịch vụ công quốc gia')

    const expires = typeof body.session === 'string' ? sessions.get(body.session) : undefined
    if (expires === undefined || expires <= Date.now()) {
      return answer(request, reply, 200, ERROR_CODES.sessionExpired, 'Phiên làm việc không tồn tại hoặc đã hết hạn, vui lòng đăng nhập lại')
    }
    const { service, isUpdating, data } = body
    if (!isService(service)) return answer(request, reply, 200, ERROR_CODES.unknownService, `Dịch vụ ${String(service)} không được hỗ trợ`)
    if (isUpdating !== 'True' && isUpdating !== 'False') return answer(request, reply, 200, ERROR_CODES.invalidData, 'isUpdating phải là "True" hoặc "False"')
    if (!Array.isArray(data) || data.length === 0 || data.length > MAX_ITEMS) {
      return answer(request, reply, 200, ERROR_CODES.invalidData, `data phải là mảng từ 1 đến ${MAX_ITEMS} bản ghi`)
    }
    const problem = itemProblem(service, data)
    if (problem !== undefined) return answer(request, reply, 200, ERROR_CODES.invalidData, `Dữ liệu không hợp lệ: ${problem}`)
    const items = data as PortalRecord[]
    const updating = isUpdating === 'True'

    if (service === SERVICES.progress) {
      // Checked for the whole call before anything is recorded: a call is all or nothing.
      const missing = items.find((item) => !held.has(item.MaHoSo as string))
      if (missing !== undefined) return answer(request, reply, 200, ERROR_CODES.dossierNotFound, `Không tìm thấy hồ sơ ${String(missing.MaHoSo)} trên Cổng`)
    }

    const results = items.map((item) => {
      const code = item.MaHoSo as string
      const step = item[SEQUENCE_FIELD] as number
      const copy = structuredClone(item)
      let result: ItemResult
      if (service === SERVICES.dossier) {
        const current = held.get(code)
        if (current === undefined) {
          held.set(code, { dossier: copy, progress: new Map() })
          result = ITEM_RESULTS.created
        } else if (step > (current.dossier[SEQUENCE_FIELD] as number)) {
          current.dossier = copy
          result = ITEM_RESULTS.updated
        } else {
          result = ITEM_RESULTS.existing
        }
      } else {
        const progress = (held.get(code) as Held).progress
        if (!progress.has(step)) {
          progress.set(step, copy)
          result = ITEM_RESULTS.created
        } else if (updating) {
          progress.set(step, copy)
          result = ITEM_RESULTS.updated
        } else {
          result = ITEM_RESULTS.existing
        }
      }
      received.push({ service, isUpdating: updating, item: copy, result })
      return { MaHoSo: code, [SEQUENCE_FIELD]: step, KetQua: result }
    })
    return answer(request, reply, 200, ERROR_CODES.ok, 'Thành công', { data: results })
  })

  const origin = await listenOnLoopback(app, options)

  return {
    url: `${origin}${API_PREFIX}`,
    get calls () { return calls },
    get received () { return received },
    get logins () { return logins },
    dossier (dossierCode: string): StoredDossier | undefined {
      const found = held.get(dossierCode)
      if (found === undefined) return undefined
      return structuredClone({ dossier: found.dossier, progress: [...found.progress.entries()].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry) })
    },
    get dossierCount () { return held.size },
    expireSessions () { sessions.clear() },
    get faults () { return state.faults },
    set faults (faults: NationalPortalSimulatorFaults) { state.faults = faults },
    async close () {
      closing.abort()
      await app.close()
    }
  }
}
