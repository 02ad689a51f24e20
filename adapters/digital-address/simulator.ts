import { createHash, timingSafeEqual } from 'node:crypto'
import { join } from 'node:path'
import Fastify, { type FastifyError, type FastifyReply } from 'fastify'
import { operationSchemas, readServiceDocument, serviceFolder } from '../shared/openapi-document.js'
import { applyTransportFaults, listenOnLoopback, type TransportFaults } from '../shared/simulator-server.js'
import type { SyntheticPopulation } from '../shared/synthetic-people.js'
import { isoTime } from '../shared/vietnam-time.js'
import { checkCharacter, syntheticDigitalAddresses, type DigitalAddress, type SyntheticDigitalAddresses } from './synthetic.js'

/**
 * A real HTTP server speaking the provincial digital-address registry's API (Hệ thống địa chỉ số of the Department
 * of Science and Technology, service `khcn.dia-chi-so`) over seeded synthetic household addresses, as its own
 * OpenAPI document (services/khcn.dia-chi-so/openapi.yaml, read at start and served verbatim) describes it. Tests
 * and the demo start it on an ephemeral loopback port; `faults` lets tests make it slow or failing.
 *
 * Every call but health and the document carries the key in `X-API-Key` (wrong or missing → 401).
 *   GET /api/health                          → 200 {trangThai: HOAT_DONG, thoiGian}
 *   GET /api/openapi.json | openapi.yaml     → the document
 *   GET /api/dia-chi/{maDiaChi}              → 200 DiaChiSo | 404
 *   GET /api/dia-chi?maXa=&soDinhDanhChuHo=&trang=&kichThuoc=
 *        → 200 {items: DiaChiSo[], tongSo, trang, kichThuoc}, ordered by maDiaChi
 *   GET /api/xa-phuong/{maXa}/thong-ke       → 200 {maXa, tenXa, soDiaChi, soHoGiaDinh, capNhatLuc} | 404 (not a
 *        commune of the province); no personal data
 *
 * Refusals are `{maLoi, thongDiep}`: 400 THAM_SO_KHONG_HOP_LE, 401 KHONG_XAC_THUC, 404 KHONG_TIM_THAY or
 * DUONG_DAN_KHONG_TON_TAI, 5xx HE_THONG_BAN.
 */

export const DIGITAL_ADDRESS_SERVICE = 'khcn.dia-chi-so'
export const DIGITAL_ADDRESS_API_PREFIX = '/api'

export interface DigitalAddressSimulatorFaults extends TransportFaults {
  /** Answer every call with this HTTP status and a HE_THONG_BAN refusal. */
  status?: number
  /** Answer every call 200 with this body verbatim, as a broken upstream would. */
  body?: string
}

export interface DigitalAddressSimulatorOptions {
  /** Required in `X-API-Key`. */
  apiKey: string
  seed?: number
  /** The household heads; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
  host?: string
  port?: number
  /** Faults of every call (health included); change them later through the `faults` property. */
  faults?: DigitalAddressSimulatorFaults
  /** The OpenAPI document to serve (default services/khcn.dia-chi-so/openapi.yaml). */
  openapiFile?: string
}

/** Records a test can ask for by key: each exists in the registry. */
export interface DigitalAddressExamples {
  /** A digital address code. */
  address: string
  /** The personal id of that address's household head. */
  head: string
  /** A commune of the province with at least two addresses. */
  commune: string
  /** A commune of the province without addresses, when there is one. */
  emptyCommune?: string
  /** A well-formed code (check character right) the registry does not hold. */
  unknownAddress: string
}

export interface DigitalAddressSimulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123/api`. */
  readonly url: string
  readonly data: SyntheticDigitalAddresses
  readonly examples: DigitalAddressExamples
  /** Calls received (health and document included), refused ones included. */
  readonly hits: number
  /** The last call: method, URL and headers as received. */
  readonly lastRequest: { method: string, url: string, headers: Record<string, string | string[] | undefined> } | undefined
  faults: DigitalAddressSimulatorFaults
  close (): Promise<void>
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

function refusal (reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ maLoi: code, thongDiep: message })
}

function examplesOf (data: SyntheticDigitalAddresses): DigitalAddressExamples {
  const first = data.addresses[0]
  const commune = data.statistics.find((statistics) => statistics.soDiaChi >= 2)
  if (first === undefined || commune === undefined) throw new Error('the synthetic registry is too small')
  const empty = data.statistics.find((statistics) => statistics.soDiaChi === 0)
  const held = new Set(data.addresses.map((address) => address.maDiaChi))
  // same commune, last characters changed, check character recomputed: well formed, not held
  let unknownAddress = ''
  for (let n = 0; unknownAddress === '' || held.has(unknownAddress); n++) {
    const body = `${first.xaPhuong.ma}ZZZZ${String(n).padStart(2, '0')}`
    unknownAddress = body + checkCharacter(body)
  }
  return { address: first.maDiaChi, head: first.chuHo.soDinhDanh, commune: commune.maXa, ...(empty === undefined ? {} : { emptyCommune: empty.maXa }), unknownAddress }
}

interface ListQuery { maXa?: string, soDinhDanhChuHo?: string, trang: number, kichThuoc: number }

export async function startDigitalAddressSimulator (options: DigitalAddressSimulatorOptions): Promise<DigitalAddressSimulator> {
  const { yaml, document } = readServiceDocument(options.openapiFile ?? join(serviceFolder(DIGITAL_ADDRESS_SERVICE), 'openapi.yaml'))
  const data = syntheticDigitalAddresses({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.population === undefined ? {} : { population: options.population })
  })
  const examples = examplesOf(data)
  const byCode = new Map(data.addresses.map((address) => [address.maDiaChi, address]))
  const byCommune = new Map(data.statistics.map((statistics) => [statistics.maXa, statistics]))
  const keyDigest = digest(options.apiKey)
  const state = { faults: options.faults ?? {} }
  let hits = 0
  let lastRequest: DigitalAddressSimulator['lastRequest']
  const closing = new AbortController() // releases delayed answers so close() never waits on them

  const app = Fastify({ logger: false })
  const api = DIGITAL_ADDRESS_API_PREFIX
  const publicPaths = new Set(['/health', '/openapi.json', '/openapi.yaml'].map((path) => api + path))

  app.addHook('onRequest', async (request, reply) => {
    hits++
    lastRequest = { method: request.method, url: request.url, headers: { ...request.headers } }
    const { status, body } = state.faults
    if (await applyTransportFaults(request, reply, state.faults, closing.signal)) return reply
    if (status !== undefined) return refusal(reply, status, 'HE_THONG_BAN', 'Hệ thống đang bận, vui lòng thử lại sau')
    if (body !== undefined) return reply.code(200).type('application/json; charset=utf-8').send(body)
    if (publicPaths.has(request.url.split('?')[0] ?? '')) return
    const key = request.headers['x-api-key']
    if (typeof key !== 'string' || !timingSafeEqual(digest(key), keyDigest)) return refusal(reply, 401, 'KHONG_XAC_THUC', 'Khóa API không hợp lệ')
  })

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation !== undefined) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', `Tham số không hợp lệ: ${error.message}`)
    if ((error.statusCode ?? 500) < 500) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', error.message)
    return refusal(reply, 500, 'HE_THONG_BAN', 'Lỗi hệ thống')
  })
  app.setNotFoundHandler((request, reply) => refusal(reply, 404, 'DUONG_DAN_KHONG_TON_TAI', `Không có đường dẫn ${request.method} ${request.url.split('?')[0] ?? ''}`))

  const schema = (path: string): object => operationSchemas(document, path, 'get')

  app.get(`${api}/health`, async () => ({ trangThai: 'HOAT_DONG', thoiGian: isoTime(Date.now()) }))
  app.get(`${api}/openapi.json`, async () => document)
  app.get(`${api}/openapi.yaml`, async (_request, reply) => reply.type('application/yaml; charset=utf-8').send(yaml))

  app.get<{ Params: { maDiaChi: string } }>(`${api}/dia-chi/:maDiaChi`, { schema: schema('/dia-chi/{maDiaChi}') }, async (request, reply) => {
    const address = byCode.get(request.params.maDiaChi)
    return address ?? refusal(reply, 404, 'KHONG_TIM_THAY', `Không tìm thấy địa chỉ số ${request.params.maDiaChi}`)
  })

  app.get<{ Querystring: ListQuery }>(`${api}/dia-chi`, { schema: schema('/dia-chi') }, async (request) => {
    const { maXa, soDinhDanhChuHo, trang, kichThuoc } = request.query
    const matching = data.addresses.filter((address) =>
      (maXa === undefined || address.xaPhuong.ma === maXa) && (soDinhDanhChuHo === undefined || address.chuHo.soDinhDanh === soDinhDanhChuHo))
    const items: DigitalAddress[] = matching.slice((trang - 1) * kichThuoc, trang * kichThuoc)
    return { items, tongSo: matching.length, trang, kichThuoc }
  })

  app.get<{ Params: { maXa: string } }>(`${api}/xa-phuong/:maXa/thong-ke`, { schema: schema('/xa-phuong/{maXa}/thong-ke') }, async (request, reply) => {
    const statistics = byCommune.get(request.params.maXa)
    return statistics ?? refusal(reply, 404, 'KHONG_TIM_THAY', `Không có xã/phường ${request.params.maXa} trong tỉnh`)
  })

  const origin = await listenOnLoopback(app, options)

  return {
    url: `${origin}${DIGITAL_ADDRESS_API_PREFIX}`,
    data,
    examples,
    get hits () { return hits },
    get lastRequest () { return lastRequest },
    get faults () { return state.faults },
    set faults (faults: DigitalAddressSimulatorFaults) { state.faults = faults },
    async close () {
      closing.abort()
      await app.close()
    }
  }
}
