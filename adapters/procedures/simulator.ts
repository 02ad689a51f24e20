import Fastify, { type FastifyError, type FastifyReply } from 'fastify'
import { createHash, timingSafeEqual } from 'node:crypto'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { applyTransportFaults, listenOnLoopback, type TransportFaults } from '../shared/simulator-server.js'
import type { SyntheticPopulation } from '../shared/synthetic-people.js'
import { parsePortalTime, portalTime } from '../shared/vietnam-time.js'
import { DOSSIER_CODE, PROCEDURE_CODE } from './identifiers.js'
import { dossierChangeToPortal, dossierToPortal, ERROR_CODES, procedureToPortal, STATUS_CODES, STATUS_LABELS, statusFromCode } from './mapping.js'
import { DossierRegister, type DossierFilter } from './register.js'
import { queryWords } from '../shared/search-text.js'
import { syntheticProcedures, type SyntheticProcedures } from './synthetic.js'
import { textOfUtf8Header } from '../shared/call.js'

/**
 * A real HTTP server speaking the provincial one-stop (TTHC) system's JSON protocol over seeded synthetic data.
 * Tests and the demo start it on an ephemeral loopback port; `faults` lets tests make it slow or failing.
 *
 * Every call carries `x-api-key` (wrong or missing → 401) and may carry `x-request-id` and `x-ma-can-bo` (the
 * acting official), which the system logs. Times are `yyyyMMddHHmmss`, Vietnam time. Lists are keyset-paginated:
 * `con_tro` is an opaque token from the previous page's `ConTro`, absent on the last page; `sobanghi` is the page
 * size, 1…1000 (default 20).
 *
 *   GET  /api/health                    → 200 {TrangThai, ThoiGian}
 *   GET  /api/thutuc/{MaTTHC}           → 200 ThuTuc | 404
 *   GET  /api/thutuc?tukhoa=&coquan=&con_tro=&sobanghi=
 *        tukhoa: words that must all occur in code, name or field; coquan: part of CoQuanThucHien; both
 *        case- and accent-insensitive → 200 {DuLieu: ThuTuc[], ConTro?}, ordered by MaTTHC
 *   GET  /api/hoso/{MaHoSo}             → 200 HoSo | 404
 *   GET  /api/hoso?madoituong=&loaidoituong=&macoquantiepnhan=&trangthai=&tungay=&denngay=&con_tro=&sobanghi=
 *        macoquantiepnhan: the receiving agency's electronic code (MaCoQuanTiepNhan)
 *        tungay/denngay: inclusive bounds on NgayTiepNhan → 200 {DuLieu: HoSo[], ConTro?}, ordered by
 *        NgayTiepNhan then MaHoSo
 *   POST /api/hoso/{MaHoSo}/trangthai   {TrangThaiHoSo, MaCanBo?, NoiDungXuLy?, SoThuTuMongDoi?}
 *        → 200 HoSo (history entry appended, SoThuTu + 1) | 404
 *        | 409 {MaLoi: CHUYEN_TRANG_THAI_KHONG_HOP_LE, TrangThaiHienTai, TrangThaiHopLe[]}
 *        | 409 {MaLoi: SAI_SO_THU_TU, SoThuTuHienTai} when SoThuTuMongDoi is not the latest SoThuTu
 *   GET  /api/hoso/thaydoi?since=&sobanghi=
 *        since: a previous ConTro (the last SoThuTuThayDoi read), absent or 0 for the start
 *        → 200 {DuLieu: ThayDoi[], ConTro, ConThem}, SoThuTuThayDoi strictly increasing
 *
 * Refusals are `{MaLoi, MoTaLoi}`: 400 THAM_SO_KHONG_HOP_LE / CON_TRO_KHONG_HOP_LE, 401 KHONG_XAC_THUC,
 * 404 KHONG_TIM_THAY (no such record) or DUONG_DAN_KHONG_TON_TAI (no such path), 409 as above,
 * 5xx HE_THONG_BAN.
 */

export const API_PREFIX = '/api'
const MAX_PAGE = 1000
const DEFAULT_PAGE = 20

export interface ProceduresSimulatorFaults extends TransportFaults {
  /** Answer every call with this HTTP status and a HE_THONG_BAN refusal. */
  status?: number
  /** Send the headers at once, then hold the rest of the body this long. */
  slowBodyMs?: number
  /** Answer every call 200 with this body verbatim, as a broken upstream would. */
  body?: string
}

export interface ProceduresSimulatorOptions {
  apiKey: string
  seed?: number
  dossierCount?: number
  /** Applicants; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
  host?: string
  port?: number
}

export interface ProceduresSimulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123/api`. */
  readonly url: string
  /** The data the system started with. */
  readonly data: SyntheticProcedures
  /** The system's state now: procedures, dossier(code), dossiers(), lastChange. */
  readonly register: DossierRegister
  /** API calls received, including refused ones. */
  readonly hits: number
  /** The last call's request id and official, as the system logged them. */
  readonly lastRequest: { method: string, url: string, requestId?: string, officialId?: string } | undefined
  faults: ProceduresSimulatorFaults
  close (): Promise<void>
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

function refusal (reply: FastifyReply, status: number, code: string, description: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ MaLoi: code, MoTaLoi: description, ...extra })
}

const encodeCursor = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')
function decodeCursor (token: string, shape: RegExp): RegExpExecArray | undefined {
  return shape.exec(Buffer.from(token, 'base64url').toString('utf8')) ?? undefined
}
const PROCEDURE_CURSOR = /^T:([0-9]\.[0-9]{6})$/
const DOSSIER_CURSOR = /^H:([0-9]{14}):(\S+)$/

const pageSize = { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE } as const
const cursor = { type: 'string', minLength: 1, maxLength: 300 } as const
const portalTimeText = { type: 'string', pattern: '^[0-9]{14}$' } as const

interface ProcedureQuery { tukhoa?: string, coquan?: string, con_tro?: string, sobanghi: number }
interface DossierListQuery {
  madoituong?: string
  macoquantiepnhan?: string
  loaidoituong?: 1 | 2
  trangthai?: number
  tungay?: string
  denngay?: string
  con_tro?: string
  sobanghi: number
}
interface StatusBody { TrangThaiHoSo: number, MaCanBo?: string, NoiDungXuLy?: string, SoThuTuMongDoi?: number }

export async function startProceduresSimulator (options: ProceduresSimulatorOptions): Promise<ProceduresSimulator> {
  const data = syntheticProcedures({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.dossierCount === undefined ? {} : { dossierCount: options.dossierCount }),
    ...(options.population === undefined ? {} : { population: options.population })
  })
  const register = new DossierRegister(data)
  const app = Fastify({ logger: false, bodyLimit: 65536 })
  const keyDigest = digest(options.apiKey)
  let hits = 0
  let lastRequest: ProceduresSimulator['lastRequest']
  const closing = new AbortController() // releases delayed answers so close() never waits on them
  const state: { faults: ProceduresSimulatorFaults } = { faults: {} }

  app.addHook('onRequest', async (request, reply) => {
    hits++
    const header = (name: string): string | undefined => {
      const value = request.headers[name]
      return typeof value === 'string' ? value : undefined
    }
    const requestId = header('x-request-id')
    const officialId = textOfUtf8Header(header('x-ma-can-bo') ?? '') || undefined
    lastRequest = { method: request.method, url: request.url, ...(requestId === undefined ? {} : { requestId }), ...(officialId === undefined ? {} : { officialId }) }

    const { status, body } = state.faults
    if (await applyTransportFaults(request, reply, state.faults, closing.signal)) return reply
    if (status !== undefined) return refusal(reply, status, ERROR_CODES.busy, 'Hệ thống đang bận, vui lòng thử lại sau')
    if (body !== undefined) return reply.code(200).type('application/json; charset=utf-8').send(body)

    const key = header('x-api-key')
    if (key === undefined || !timingSafeEqual(digest(key), keyDigest)) {
      return refusal(reply, 401, ERROR_CODES.unauthorized, 'Khóa API không hợp lệ hoặc đã hết hạn')
    }
  })

  // Headers now, the rest of the body later: what a congested upstream or proxy does.
  app.addHook('onSend', async (_request, reply, payload) => {
    const slowBodyMs = state.faults.slowBodyMs
    if (slowBodyMs === undefined || typeof payload !== 'string') return payload
    const half = Math.ceil(payload.length / 2)
    const signal = closing.signal
    reply.removeHeader('content-length')
    return Readable.from((async function * () {
      yield payload.slice(0, half)
      await sleep(slowBodyMs, undefined, { signal }).catch(() => {})
      yield payload.slice(half)
    })())
  })

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation !== undefined) return refusal(reply, 400, ERROR_CODES.badParameter, `Tham số không hợp lệ: ${error.message}`)
    if ((error.statusCode ?? 500) < 500) return refusal(reply, error.statusCode ?? 400, ERROR_CODES.badParameter, error.message)
    return refusal(reply, 500, ERROR_CODES.busy, 'Lỗi hệ thống')
  })
  app.setNotFoundHandler((request, reply) => refusal(reply, 404, ERROR_CODES.noSuchPath, `Không có đường dẫn ${request.method} ${request.url.split('?')[0] ?? ''}`))

  app.get(`${API_PREFIX}/health`, async () => ({ TrangThai: 'HoatDong', ThoiGian: portalTime(Date.now()) }))

  app.get<{ Params: { MaTTHC: string } }>(`${API_PREFIX}/thutuc/:MaTTHC`, async (request, reply) => {
    const code = request.params.MaTTHC
    if (!PROCEDURE_CODE.test(code)) return refusal(reply, 400, ERROR_CODES.badParameter, 'Mã thủ tục không đúng định dạng')
    const procedure = register.procedure(code)
    if (procedure === undefined) return refusal(reply, 404, ERROR_CODES.notFound, `Không tìm thấy thủ tục ${code}`)
    return procedureToPortal(procedure)
  })

  app.get<{ Querystring: ProcedureQuery }>(`${API_PREFIX}/thutuc`, {
    schema: {
      querystring: {
        type: 'object',
        properties: { tukhoa: { type: 'string', maxLength: 200 }, coquan: { type: 'string', maxLength: 200 }, con_tro: cursor, sobanghi: pageSize }
      }
    }
  }, async (request, reply) => {
    const query = request.query
    let afterCode: string | undefined
    if (query.con_tro !== undefined) {
      afterCode = decodeCursor(query.con_tro, PROCEDURE_CURSOR)?.[1]
      if (afterCode === undefined) return refusal(reply, 400, ERROR_CODES.badCursor, 'Con trỏ không hợp lệ')
    }
    const slice = register.searchProcedures({
      words: queryWords(query.tukhoa ?? ''),
      agencyWords: queryWords(query.coquan ?? ''),
      ...(afterCode === undefined ? {} : { afterCode }),
      limit: query.sobanghi
    })
    const last = slice.items[slice.items.length - 1]
    return {
      DuLieu: slice.items.map(procedureToPortal),
      ...(slice.more && last !== undefined ? { ConTro: encodeCursor(`T:${last.procedureCode}`) } : {})
    }
  })

  // Registered before /hoso/:MaHoSo; find-my-way prefers the static segment anyway.
  app.get<{ Querystring: { since?: string, sobanghi: number } }>(`${API_PREFIX}/hoso/thaydoi`, {
    schema: { querystring: { type: 'object', properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$' }, sobanghi: pageSize } } }
  }, async (request, reply) => {
    const after = Number(request.query.since ?? '0')
    if (after > register.lastChange) return refusal(reply, 400, ERROR_CODES.badCursor, 'Con trỏ vượt quá nhật ký thay đổi')
    const slice = register.changes(after, request.query.sobanghi)
    const last = slice.items[slice.items.length - 1]
    return {
      DuLieu: slice.items.map(dossierChangeToPortal),
      ConTro: String(last === undefined ? after : last.sequence),
      ConThem: slice.more
    }
  })

  app.get<{ Params: { MaHoSo: string } }>(`${API_PREFIX}/hoso/:MaHoSo`, async (request, reply) => {
    const code = request.params.MaHoSo
    if (!DOSSIER_CODE.test(code)) return refusal(reply, 400, ERROR_CODES.badParameter, 'Mã hồ sơ không đúng định dạng')
    const dossier = register.dossier(code)
    if (dossier === undefined) return refusal(reply, 404, ERROR_CODES.notFound, `Không tìm thấy hồ sơ ${code}`)
    return dossierToPortal(dossier)
  })

  app.get<{ Querystring: DossierListQuery }>(`${API_PREFIX}/hoso`, {
    schema: {
      querystring: {
        type: 'object',
        properties: {
          madoituong: { type: 'string', minLength: 1, maxLength: 20 },
          loaidoituong: { type: 'integer', enum: [1, 2] },
          macoquantiepnhan: { type: 'string', minLength: 1, maxLength: 40 },
          trangthai: { type: 'integer' },
          tungay: portalTimeText,
          denngay: portalTimeText,
          con_tro: cursor,
          sobanghi: pageSize
        }
      }
    }
  }, async (request, reply) => {
    const query = request.query
    const status = query.trangthai === undefined ? undefined : statusFromCode(query.trangthai)
    if (query.trangthai !== undefined && status === undefined) return refusal(reply, 400, ERROR_CODES.badParameter, `Trạng thái ${query.trangthai} không tồn tại`)
    for (const bound of [query.tungay, query.denngay]) {
      if (bound !== undefined && parsePortalTime(bound) === undefined) return refusal(reply, 400, ERROR_CODES.badParameter, `Thời điểm ${bound} không hợp lệ`)
    }
    let after: DossierFilter['after']
    if (query.con_tro !== undefined) {
      const match = decodeCursor(query.con_tro, DOSSIER_CURSOR)
      if (match === undefined) return refusal(reply, 400, ERROR_CODES.badCursor, 'Con trỏ không hợp lệ')
      after = { received: match[1] as string, dossierCode: match[2] as string }
    }
    const slice = register.listDossiers({
      ...(query.madoituong === undefined ? {} : { applicantId: query.madoituong }),
      ...(query.loaidoituong === undefined ? {} : { applicantKind: query.loaidoituong === 1 ? 'citizen' : 'business' }),
      ...(status === undefined ? {} : { status }),
      ...(query.macoquantiepnhan === undefined ? {} : { receivingAgencyCode: query.macoquantiepnhan }),
      ...(query.tungay === undefined ? {} : { from: query.tungay }),
      ...(query.denngay === undefined ? {} : { to: query.denngay }),
      ...(after === undefined ? {} : { after }),
      limit: query.sobanghi
    })
    const last = slice.items[slice.items.length - 1]
    const records = slice.items.map(dossierToPortal)
    const lastRecord = records[records.length - 1]
    return {
      DuLieu: records,
      ...(slice.more && last !== undefined && lastRecord !== undefined
        ? { ConTro: encodeCursor(`H:${String(lastRecord.NgayTiepNhan)}:${last.dossierCode}`) }
        : {})
    }
  })

  app.post<{ Params: { MaHoSo: string }, Body: StatusBody }>(`${API_PREFIX}/hoso/:MaHoSo/trangthai`, {
    schema: {
      body: {
        type: 'object',
        required: ['TrangThaiHoSo'],
        properties: {
          TrangThaiHoSo: { type: 'integer' },
          MaCanBo: { type: 'string', minLength: 1, maxLength: 100 },
          NoiDungXuLy: { type: 'string', maxLength: 2000 },
          SoThuTuMongDoi: { type: 'integer', minimum: 1 }
        }
      }
    }
  }, async (request, reply) => {
    const code = request.params.MaHoSo
    if (!DOSSIER_CODE.test(code)) return refusal(reply, 400, ERROR_CODES.badParameter, 'Mã hồ sơ không đúng định dạng')
    const body = request.body
    const status = statusFromCode(body.TrangThaiHoSo)
    if (status === undefined) return refusal(reply, 400, ERROR_CODES.badParameter, `Trạng thái ${body.TrangThaiHoSo} không tồn tại`)
    const outcome = register.changeStatus(code, {
      status,
      ...(body.MaCanBo === undefined ? {} : { officialId: body.MaCanBo }),
      ...(body.NoiDungXuLy === undefined || body.NoiDungXuLy === '' ? {} : { note: body.NoiDungXuLy }),
      ...(body.SoThuTuMongDoi === undefined ? {} : { expectedSequence: body.SoThuTuMongDoi })
    }, Date.now())
    switch (outcome.kind) {
      case 'changed': return dossierToPortal(outcome.dossier)
      case 'not-found': return refusal(reply, 404, ERROR_CODES.notFound, `Không tìm thấy hồ sơ ${code}`)
      case 'stale': return refusal(reply, 409, ERROR_CODES.sequenceMismatch, `Hồ sơ đã được cập nhật (số thứ tự hiện tại ${outcome.actual})`, { SoThuTuHienTai: outcome.actual })
      case 'illegal': return refusal(reply, 409, ERROR_CODES.illegalTransition,
        `Không thể chuyển hồ sơ từ "${STATUS_LABELS[outcome.from]}" sang "${STATUS_LABELS[status]}"`,
        { TrangThaiHienTai: STATUS_CODES[outcome.from], TrangThaiHopLe: outcome.allowed.map((next) => STATUS_CODES[next]) })
    }
  })

  const origin = await listenOnLoopback(app, options)

  return {
    url: `${origin}${API_PREFIX}`,
    data,
    register,
    get hits () { return hits },
    get lastRequest () { return lastRequest },
    get faults () { return state.faults },
    set faults (faults: ProceduresSimulatorFaults) { state.faults = faults },
    async close () {
      closing.abort()
      await app.close()
    }
  }
}
