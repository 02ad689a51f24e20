import { createHash, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyError, type FastifyReply } from 'fastify'
import { syntheticHealthFacilities, type HealthFacility } from './synthetic.js'
import { textOfUtf8Header } from '../shared/call.js'
import { applyTransportFaults, listenOnLoopback, type TransportFaults } from '../shared/simulator-server.js'

/**
 * A real HTTP server speaking the provincial health department's facility register (cơ sở khám bệnh, chữa
 * bệnh) JSON protocol over seeded synthetic data. Tests and the demo start it on an ephemeral loopback port;
 * `faults` lets tests make it slow or failing.
 *
 * With an `apiKey`, every call must carry it in `x-api-key` (wrong or missing → 401). Calls may carry
 * `x-request-id` and `x-user-id`, which the register logs. Dates are `yyyyMMdd`.
 *
 *   GET /api/health             → 200 {TrangThai: "HoatDong"}
 *   GET /api/cosokcb/{MaCoSo}   → 200 CoSoKCB | 404 KHONG_TIM_THAY
 *   GET /api/cosokcb?maxa=&cap=&hinhthuc=&tiento_ten=&giuong_tu=&capphep_tu=&con_tro=&sobanghi=
 *        maxa: commune code; cap: technical level 1 ban đầu, 2 cơ bản, 3 chuyên sâu; hinhthuc: CONG_LAP | TU_NHAN;
 *        tiento_ten: TenCoSo starts with this text, literally; giuong_tu: at least this many beds;
 *        capphep_tu: licensed on or after this yyyyMMdd; con_tro: the previous page's ConTro;
 *        sobanghi: page size 1…200 (default 50) → 200 {DuLieu: CoSoKCB[], ConTro?}, ordered by MaCoSo
 *
 *   CoSoKCB: {MaCoSo, TenCoSo, CapChuyenMon, LoaiHinh, HinhThucSoHuu, MaTinh, MaXa, TenXa, DiaChi, SoGiuongBenh,
 *             DienThoai?, NgayCapPhep}
 *
 * Refusals are `{MaLoi, MoTaLoi}`: 400 THAM_SO_KHONG_HOP_LE / CON_TRO_KHONG_HOP_LE, 401 KHONG_XAC_THUC,
 * 404 KHONG_TIM_THAY (no such facility) or DUONG_DAN_KHONG_TON_TAI (no such path), 5xx HE_THONG_BAN.
 */

export const SECTOR_API_PREFIX = '/api'
const MAX_PAGE = 200
const DEFAULT_PAGE = 50

export const LEVEL_CODES = { primary: 1, basic: 2, specialised: 3 } as const
export const OWNERSHIP_CODES = { public: 'CONG_LAP', private: 'TU_NHAN' } as const

export interface SectorSimulatorFaults extends TransportFaults {
  /** Answer every call with this HTTP status and a HE_THONG_BAN refusal. */
  status?: number
  /** Answer every call 200 with this body verbatim, as a broken upstream would. */
  body?: string
}

export interface SectorSimulatorOptions {
  /** Required in `x-api-key` when given. */
  apiKey?: string
  seed?: number
  /** How many facilities the register holds (default 240). */
  count?: number
  host?: string
  port?: number
}

export interface SectorRestSimulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123/api`. */
  readonly url: string
  /** The facilities it serves, as the gateway's records (ordered by facilityCode). */
  readonly facilities: readonly HealthFacility[]
  /** API calls received, including refused ones. */
  readonly hits: number
  /** The last call as the register logged it. */
  readonly lastRequest: { url: string, requestId?: string, userId?: string } | undefined
  faults: SectorSimulatorFaults
  close (): Promise<void>
}

/** A facility in the register's own shape. */
export function facilityToUpstream (facility: HealthFacility): Record<string, unknown> {
  return {
    MaCoSo: facility.facilityCode,
    TenCoSo: facility.name,
    CapChuyenMon: LEVEL_CODES[facility.level],
    LoaiHinh: facility.facilityType,
    HinhThucSoHuu: OWNERSHIP_CODES[facility.ownership],
    MaTinh: facility.provinceCode,
    MaXa: facility.communeCode,
    TenXa: facility.communeName,
    DiaChi: facility.address,
    SoGiuongBenh: facility.beds,
    ...(facility.phone === undefined ? {} : { DienThoai: facility.phone }),
    NgayCapPhep: facility.licensedDate.replaceAll('-', '')
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

function refusal (reply: FastifyReply, status: number, code: string, description: string): FastifyReply {
  return reply.code(status).send({ MaLoi: code, MoTaLoi: description })
}

const CURSOR = /^C:([0-9]{5})$/

interface ListQuery {
  maxa?: string
  cap?: number
  hinhthuc?: string
  tiento_ten?: string
  giuong_tu?: number
  capphep_tu?: string
  con_tro?: string
  sobanghi: number
}

export async function startSectorRestSimulator (options: SectorSimulatorOptions = {}): Promise<SectorRestSimulator> {
  const facilities = syntheticHealthFacilities({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.count === undefined ? {} : { count: options.count })
  })
  const byCode = new Map(facilities.map((facility) => [facility.facilityCode, facility]))
  const app = Fastify({ logger: false })
  const keyDigest = options.apiKey === undefined ? undefined : digest(options.apiKey)
  let hits = 0
  let lastRequest: SectorRestSimulator['lastRequest']
  const closing = new AbortController() // releases delayed answers so close() never waits on them
  const state: { faults: SectorSimulatorFaults } = { faults: {} }

  app.addHook('onRequest', async (request, reply) => {
    hits++
    const header = (name: string): string | undefined => {
      const value = request.headers[name]
      return typeof value === 'string' ? value : undefined
    }
    const requestId = header('x-request-id')
    const userId = textOfUtf8Header(header('x-user-id') ?? '') || undefined
    lastRequest = { url: request.url, ...(requestId === undefined ? {} : { requestId }), ...(userId === undefined ? {} : { userId }) }

    const { status, body } = state.faults
    if (await applyTransportFaults(request, reply, state.faults, closing.signal)) return reply
    if (status !== undefined) return refusal(reply, status, 'HE_THONG_BAN', 'Hệ thống đang bận, vui lòng thử lại sau')
    if (body !== undefined) return reply.code(200).type('application/json; charset=utf-8').send(body)

    const key = header('x-api-key')
    if (keyDigest !== undefined && (key === undefined || !timingSafeEqual(digest(key), keyDigest))) {
      return refusal(reply, 401, 'KHONG_XAC_THUC', 'Khóa API không hợp lệ')
    }
  })

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation !== undefined) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', `Tham số không hợp lệ: ${error.message}`)
    if ((error.statusCode ?? 500) < 500) return refusal(reply, error.statusCode ?? 400, 'THAM_SO_KHONG_HOP_LE', error.message)
    return refusal(reply, 500, 'HE_THONG_BAN', 'Lỗi hệ thống')
  })
  app.setNotFoundHandler((request, reply) => refusal(reply, 404, 'DUONG_DAN_KHONG_TON_TAI', `Không có đường dẫn ${request.method} ${request.url.split('?')[0] ?? ''}`))

  app.get(`${SECTOR_API_PREFIX}/health`, async () => ({ TrangThai: 'HoatDong' }))

  app.get<{ Params: { MaCoSo: string } }>(`${SECTOR_API_PREFIX}/cosokcb/:MaCoSo`, async (request, reply) => {
    const facility = byCode.get(request.params.MaCoSo)
    if (facility === undefined) return refusal(reply, 404, 'KHONG_TIM_THAY', `Không tìm thấy cơ sở ${request.params.MaCoSo}`)
    return facilityToUpstream(facility)
  })

  app.get<{ Querystring: ListQuery }>(`${SECTOR_API_PREFIX}/cosokcb`, {
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          maxa: { type: 'string', pattern: '^[0-9]{5}$' },
          cap: { type: 'integer', enum: [1, 2, 3] },
          hinhthuc: { type: 'string', enum: ['CONG_LAP', 'TU_NHAN'] },
          tiento_ten: { type: 'string', minLength: 1, maxLength: 200 },
          giuong_tu: { type: 'integer', minimum: 0 },
          capphep_tu: { type: 'string', pattern: '^[0-9]{8}$' },
          con_tro: { type: 'string', minLength: 1, maxLength: 100 },
          sobanghi: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE }
        }
      }
    }
  }, async (request, reply) => {
    const query = request.query
    let after: string | undefined
    if (query.con_tro !== undefined) {
      after = CURSOR.exec(Buffer.from(query.con_tro, 'base64url').toString('utf8'))?.[1]
      if (after === undefined) return refusal(reply, 400, 'CON_TRO_KHONG_HOP_LE', 'Con trỏ không hợp lệ')
    }
    const prefix = query.tiento_ten?.normalize('NFC')
    const matching = facilities.filter((facility) => {
      const record = facilityToUpstream(facility)
      return (after === undefined || facility.facilityCode > after) &&
        (query.maxa === undefined || record.MaXa === query.maxa) &&
        (query.cap === undefined || record.CapChuyenMon === query.cap) &&
        (query.hinhthuc === undefined || record.HinhThucSoHuu === query.hinhthuc) &&
        (prefix === undefined || facility.name.startsWith(prefix)) &&
        (query.giuong_tu === undefined || facility.beds >= query.giuong_tu) &&
        (query.capphep_tu === undefined || String(record.NgayCapPhep) >= query.capphep_tu)
    })
    const page = matching.slice(0, query.sobanghi)
    const last = page[page.length - 1]
    return {
      DuLieu: page.map(facilityToUpstream),
      ...(matching.length > page.length && last !== undefined ? { ConTro: Buffer.from(`C:${last.facilityCode}`, 'utf8').toString('base64url') } : {})
    }
  })

  const origin = await listenOnLoopback(app, options)

  return {
    url: `${origin}${SECTOR_API_PREFIX}`,
    facilities,
    get hits () { return hits },
    get lastRequest () { return lastRequest },
    get faults () { return state.faults },
    set faults (faults: SectorSimulatorFaults) { state.faults = faults },
    async close () {
      closing.abort()
      await app.close()
    }
  }
}
