import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { join } from 'node:path'
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import { operationSchemas, readServiceDocument, serviceFolder } from '../shared/openapi-document.js'
import { applyTransportFaults, listenOnLoopback, type TransportFaults } from '../shared/simulator-server.js'
import type { SyntheticPopulation } from '../shared/synthetic-people.js'
import { isoTime, startOfDay, wallClock, weekdayOf } from '../shared/vietnam-time.js'
import {
  syntheticCivilStatus,
  type BirthRegistration, type DeathRegistration, type MarriageRegistration, type SyntheticCivilStatus
} from './synthetic.js'

/**
 * A real HTTP server speaking the civil-status registry's API (Cơ sở dữ liệu hộ tịch điện tử of the Department
 * of Justice, service `tuphap.ho-tich`) over seeded synthetic registrations, as its own OpenAPI document
 * (services/tuphap.ho-tich/openapi.yaml, read at start and served verbatim) describes it. Tests and the demo start
 * it on an ephemeral loopback port; `faults` and `tokenFaults` let tests make it slow or failing.
 *
 * OAuth 2.0 client credentials (RFC 6749 §4.4):
 *   POST /oauth/token  (application/x-www-form-urlencoded: grant_type=client_credentials[&scope=…]; the client
 *        authenticates with HTTP Basic, form-urlencoded id and secret per §2.3.1, or client_id/client_secret in
 *        the form — not both) → 200 {access_token, token_type: "Bearer", expires_in, scope}, Cache-Control: no-store
 *        | 400 {error: invalid_request | unsupported_grant_type | invalid_scope} | 401 {error: invalid_client}
 *   Tokens are random and opaque, live `tokenTtlSeconds`; scopes hotich.doc (reads) and hotich.trichluc (extract
 *   requests), both granted when none is asked for.
 *
 * API (every call but health and the document needs `Authorization: Bearer <live token>`: none → 401 with
 * `WWW-Authenticate: Bearer realm="ho-tich"`, unknown or expired → 401 `error="invalid_token"`, a token without
 * the operation's scope → 403 `error="insufficient_scope"`):
 *   GET  /api/v1/health                      → 200 {trangThai: HOAT_DONG, thoiGian}
 *   GET  /api/v1/openapi.json | openapi.yaml → the document
 *   GET  /api/v1/khai-sinh/{soDangKy}        → 200 KhaiSinh | 404
 *   GET  /api/v1/khai-sinh?soDinhDanh=&tuNgay=&denNgay=&trang=&kichThuoc=
 *        soDinhDanh: the registered person, the father or the mother → 200 {items, tongSo, trang, kichThuoc}
 *   GET  /api/v1/ket-hon/{soDangKy}          → 200 KetHon | 404
 *   GET  /api/v1/ket-hon?soDinhDanh=         → 200 {items} (husband or wife)
 *   GET  /api/v1/khai-tu/{soDangKy}          → 200 KhaiTu | 404
 *   GET  /api/v1/khai-tu?soDinhDanh=         → 200 {items} (the deceased)
 *   POST /api/v1/trich-luc {loaiSuKien, soDangKy, soBanSao, lyDo, nguoiYeuCau?} → 201 BienNhanTrichLuc | 404;
 *        not idempotent: every call is a new request with a new maYeuCau.
 *
 * Refusals are `{maLoi, thongDiep}`: 400 THAM_SO_KHONG_HOP_LE, 401 KHONG_XAC_THUC, 403 KHONG_DU_QUYEN,
 * 404 KHONG_TIM_THAY (no such registration) or DUONG_DAN_KHONG_TON_TAI (no such path), 5xx HE_THONG_BAN.
 */

export const CIVIL_STATUS_SERVICE = 'tuphap.ho-tich'
export const CIVIL_STATUS_API_PREFIX = '/api/v1'
export const CIVIL_STATUS_TOKEN_PATH = '/oauth/token'
export const CIVIL_STATUS_SCOPES = { read: 'hotich.doc', extract: 'hotich.trichluc' } as const
const ALL_SCOPES: readonly string[] = Object.values(CIVIL_STATUS_SCOPES)
const REALM = 'ho-tich'
/** Lệ phí cấp bản sao trích lục hộ tịch, per copy (đồng). */
export const EXTRACT_FEE_PER_COPY = 8000

export interface CivilStatusSimulatorFaults extends TransportFaults {
  /** Answer every call with this HTTP status and a HE_THONG_BAN refusal (an OAuth `temporarily_unavailable` at the token endpoint). */
  status?: number
  /** Answer every call 200 with this body verbatim, as a broken upstream would. */
  body?: string
}

export interface CivilStatusSimulatorOptions {
  /** The one client the registry knows. */
  credentials: { clientId: string, clientSecret: string }
  /** Lifetime of an access token (default 300). */
  tokenTtlSeconds?: number
  seed?: number
  /** The people; the population simulator's default population otherwise. */
  population?: SyntheticPopulation
  /** How many deaths the registry holds (default 150). */
  deaths?: number
  host?: string
  port?: number
  /** Faults of the API calls (health included); change them later through the `faults` property. */
  faults?: CivilStatusSimulatorFaults
  /** Faults of the token endpoint alone. */
  tokenFaults?: CivilStatusSimulatorFaults
  /** The clock tokens expire by and receipts are dated with, epoch ms (Date.now by default). */
  now?: () => number
  /** The OpenAPI document to serve (default services/tuphap.ho-tich/openapi.yaml). */
  openapiFile?: string
}

export type ExtractEvent = 'khai-sinh' | 'ket-hon' | 'khai-tu'

export interface ExtractRequest {
  loaiSuKien: ExtractEvent
  soDangKy: string
  soBanSao: number
  lyDo: string
  nguoiYeuCau?: { hoTen: string, soDinhDanh: string }
}

export interface ExtractReceipt {
  maYeuCau: string
  trangThai: 'DA_TIEP_NHAN'
  loaiSuKien: ExtractEvent
  soDangKy: string
  soBanSao: number
  lePhi: number
  ngayTiepNhan: string
  ngayHenTra: string
  nguoiYeuCau?: { hoTen: string, soDinhDanh: string }
}

/** Records a test can ask for by key: each exists in the registry. */
export interface CivilStatusExamples {
  /** A birth registration's soDangKy. */
  birth: string
  /** A marriage registration's soDangKy. */
  marriage: string
  /** A death registration's soDangKy. */
  death: string
  /** A personal id that is the father or mother in at least two birth registrations and a husband or wife in a marriage. */
  parent: string
  /** The personal id of a person whose own birth is registered. */
  child: string
  /** The personal id of a deceased person (unknown to the population register). */
  deceased: string
  /** A well-formed personal id the registry holds nothing about. */
  unknownPerson: string
}

export interface CivilStatusSimulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123/api/v1`. */
  readonly url: string
  /** The token endpoint, e.g. `http://127.0.0.1:40123/oauth/token`. */
  readonly tokenUrl: string
  readonly data: SyntheticCivilStatus
  readonly examples: CivilStatusExamples
  /** Access tokens issued so far (a client that caches its token asks once per lifetime). */
  readonly tokensIssued: number
  /** Calls of the token endpoint, refused ones included. */
  readonly tokenRequests: number
  /** API calls received (health and document included), refused ones included. */
  readonly hits: number
  /** Extract requests accepted, in order. */
  readonly extractRequests: readonly ExtractReceipt[]
  /** The last API or token call: method, URL and headers as received. */
  readonly lastRequest: { method: string, url: string, headers: Record<string, string | string[] | undefined> } | undefined
  faults: CivilStatusSimulatorFaults
  tokenFaults: CivilStatusSimulatorFaults
  close (): Promise<void>
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()
const same = (given: string, expected: Buffer): boolean => timingSafeEqual(digest(given), expected)

function refusal (reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ maLoi: code, thongDiep: message })
}

function oauthError (reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache')
    .type('application/json; charset=utf-8').send({ error, error_description: description })
}

/** The form as name → values: RFC 6749 §3.2 forbids a parameter sent twice, so the handler must see repeats. */
type Form = Map<string, string[]>

function formOf (text: string): Form {
  const form: Form = new Map()
  for (const [name, value] of new URLSearchParams(text)) form.set(name, [...(form.get(name) ?? []), value])
  return form
}

/** `Basic base64(urlencoded id ":" urlencoded secret)` (RFC 6749 §2.3.1), or 'malformed'. */
function basicCredentials (header: string | undefined): { id: string, secret: string } | 'malformed' | undefined {
  if (header === undefined) return undefined
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header)
  if (match === null) return /^Basic\b/i.test(header) ? 'malformed' : undefined
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return 'malformed'
  try {
    const unescape = (text: string): string => decodeURIComponent(text.replaceAll('+', ' '))
    return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) }
  } catch {
    return 'malformed'
  }
}

/** The next working day (Monday–Friday) after `ms`, as a date. */
function nextWorkingDay (ms: number): string {
  let day = startOfDay(ms) + 86_400_000
  while (weekdayOf(day) === 0 || weekdayOf(day) === 6) day += 86_400_000
  return isoTime(day).slice(0, 10)
}

function examplesOf (data: SyntheticCivilStatus): CivilStatusExamples {
  const children = new Map<string, number>()
  for (const birth of data.births) {
    for (const id of [birth.cha.soDinhDanh, birth.me.soDinhDanh]) children.set(id, (children.get(id) ?? 0) + 1)
  }
  const married = new Set(data.marriages.flatMap((marriage) => [marriage.chong.soDinhDanh, marriage.vo.soDinhDanh]))
  const parent = [...children].find(([id, count]) => count >= 2 && married.has(id))?.[0]
  const [birth, marriage, death] = [data.births[0], data.marriages[0], data.deaths[0]]
  if (parent === undefined || birth === undefined || marriage === undefined || death === undefined) throw new Error('the synthetic registry is too small')
  const known = new Set([...children.keys(), ...married, ...data.births.map((b) => b.soDinhDanh), ...data.deaths.map((d) => d.soDinhDanh)])
  const unknownPerson = ['025190000000', '026095000001', '017201000002'].find((id) => !known.has(id)) ?? '001099999999'
  return { birth: birth.soDangKy, marriage: marriage.soDangKy, death: death.soDangKy, parent, child: birth.soDinhDanh, deceased: death.soDinhDanh, unknownPerson }
}

function index<T> (records: readonly T[], keys: (record: T) => readonly string[]): Map<string, T[]> {
  const byKey = new Map<string, T[]>()
  for (const record of records) {
    for (const key of keys(record)) byKey.set(key, [...(byKey.get(key) ?? []), record])
  }
  return byKey
}

interface BirthQuery { soDinhDanh?: string, tuNgay?: string, denNgay?: string, trang: number, kichThuoc: number }

export async function startCivilStatusSimulator (options: CivilStatusSimulatorOptions): Promise<CivilStatusSimulator> {
  const { yaml, document } = readServiceDocument(options.openapiFile ?? join(serviceFolder(CIVIL_STATUS_SERVICE), 'openapi.yaml'))
  const data = syntheticCivilStatus({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.population === undefined ? {} : { population: options.population }),
    ...(options.deaths === undefined ? {} : { deaths: options.deaths })
  })
  const examples = examplesOf(data)
  const births = new Map(data.births.map((record) => [record.soDangKy, record]))
  const marriages = new Map(data.marriages.map((record) => [record.soDangKy, record]))
  const deaths = new Map(data.deaths.map((record) => [record.soDangKy, record]))
  const birthsOf = index(data.births, (record) => [...new Set([record.soDinhDanh, record.cha.soDinhDanh, record.me.soDinhDanh])])
  const marriagesOf = index(data.marriages, (record) => [record.chong.soDinhDanh, record.vo.soDinhDanh])
  const deathsOf = index(data.deaths, (record) => [record.soDinhDanh])

  const now = options.now ?? Date.now
  const ttlSeconds = options.tokenTtlSeconds ?? 300
  const clientId = digest(options.credentials.clientId)
  const clientSecret = digest(options.credentials.clientSecret)
  const tokens = new Map<string, { expiresAt: number, scopes: readonly string[] }>()
  const receipts: ExtractReceipt[] = []
  const state = { faults: options.faults ?? {}, tokenFaults: options.tokenFaults ?? {} }
  let tokensIssued = 0
  let tokenRequests = 0
  let hits = 0
  let lastRequest: CivilStatusSimulator['lastRequest']
  const closing = new AbortController() // releases delayed answers so close() never waits on them

  const app = Fastify({ logger: false, bodyLimit: 65536 })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, formOf(body as string)))

  const publicPaths = new Set(['/health', '/openapi.json', '/openapi.yaml'].map((path) => CIVIL_STATUS_API_PREFIX + path))
  app.addHook('onRequest', async (request, reply) => {
    lastRequest = { method: request.method, url: request.url, headers: { ...request.headers } }
    const path = request.url.split('?')[0] ?? ''
    const atToken = path === CIVIL_STATUS_TOKEN_PATH
    if (atToken) tokenRequests++
    else hits++

    const faults = atToken ? state.tokenFaults : state.faults
    if (await applyTransportFaults(request, reply, faults, closing.signal)) return reply
    if (faults.status !== undefined) {
      return atToken
        ? oauthError(reply, faults.status, 'temporarily_unavailable', 'Máy chủ cấp token đang bận')
        : refusal(reply, faults.status, 'HE_THONG_BAN', 'Hệ thống đang bận, vui lòng thử lại sau')
    }
    if (faults.body !== undefined) return reply.code(200).type('application/json; charset=utf-8').send(faults.body)
    if (atToken || publicPaths.has(path)) return

    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(request.headers.authorization ?? '')
    if (match === null) {
      reply.header('www-authenticate', `Bearer realm="${REALM}"`)
      return refusal(reply, 401, 'KHONG_XAC_THUC', 'Thiếu access token')
    }
    const token = tokens.get(match[1] as string)
    if (token === undefined || token.expiresAt <= now()) {
      reply.header('www-authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="${token === undefined ? 'unknown token' : 'token expired'}"`)
      return refusal(reply, 401, 'KHONG_XAC_THUC', token === undefined ? 'Access token không hợp lệ' : 'Access token đã hết hạn')
    }
    const scope = request.routeOptions.url === `${CIVIL_STATUS_API_PREFIX}/trich-luc` ? CIVIL_STATUS_SCOPES.extract : CIVIL_STATUS_SCOPES.read
    if (!token.scopes.includes(scope)) {
      reply.header('www-authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`)
      return refusal(reply, 403, 'KHONG_DU_QUYEN', `Access token không có phạm vi ${scope}`)
    }
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if ((request.url.split('?')[0] ?? '') === CIVIL_STATUS_TOKEN_PATH) {
      return (error.statusCode ?? 500) < 500
        ? oauthError(reply, 400, 'invalid_request', 'Yêu cầu phải là application/x-www-form-urlencoded')
        : oauthError(reply, 500, 'server_error', 'Lỗi hệ thống')
    }
    if (error.validation !== undefined) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', `Tham số không hợp lệ: ${error.message}`)
    if ((error.statusCode ?? 500) < 500) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', error.message)
    return refusal(reply, 500, 'HE_THONG_BAN', 'Lỗi hệ thống')
  })
  app.setNotFoundHandler((request, reply) => refusal(reply, 404, 'DUONG_DAN_KHONG_TON_TAI', `Không có đường dẫn ${request.method} ${request.url.split('?')[0] ?? ''}`))

  // ---- OAuth 2.0 token endpoint ----

  app.post(CIVIL_STATUS_TOKEN_PATH, async (request: FastifyRequest, reply) => {
    if (!(request.body instanceof Map)) return oauthError(reply, 400, 'invalid_request', 'Yêu cầu phải là application/x-www-form-urlencoded')
    const form = request.body as Form
    const repeated = [...form].find(([, values]) => values.length > 1)
    if (repeated !== undefined) return oauthError(reply, 400, 'invalid_request', `Tham số ${repeated[0]} xuất hiện nhiều lần`)
    const field = (name: string): string | undefined => form.get(name)?.[0]

    const basic = basicCredentials(request.headers.authorization)
    const challenge = (): FastifyReply => reply.header('www-authenticate', `Basic realm="${REALM}", charset="UTF-8"`)
    if (basic === 'malformed') return oauthError(challenge(), 401, 'invalid_client', 'Thông tin xác thực client không đọc được')
    if (basic !== undefined && (field('client_secret') !== undefined || (field('client_id') !== undefined && field('client_id') !== basic.id))) {
      return oauthError(reply, 400, 'invalid_request', 'Chỉ dùng một cách xác thực client')
    }
    const grantType = field('grant_type')
    if (grantType === undefined) return oauthError(reply, 400, 'invalid_request', 'Thiếu grant_type')
    const id = basic?.id ?? field('client_id')
    const secret = basic?.secret ?? field('client_secret')
    if (id === undefined || secret === undefined || !same(id, clientId) || !same(secret, clientSecret)) {
      if (basic !== undefined) challenge()
      return oauthError(reply, 401, 'invalid_client', 'Client không hợp lệ')
    }
    if (grantType !== 'client_credentials') return oauthError(reply, 400, 'unsupported_grant_type', `Không hỗ trợ grant_type ${grantType}`)
    const asked = (field('scope') ?? '').split(' ').filter((scope) => scope !== '')
    const unknown = asked.find((scope) => !ALL_SCOPES.includes(scope))
    if (unknown !== undefined) return oauthError(reply, 400, 'invalid_scope', `Không có phạm vi ${unknown}`)
    const scopes = asked.length === 0 ? ALL_SCOPES : [...new Set(asked)]

    const issuedAt = now()
    for (const [token, { expiresAt }] of tokens) if (expiresAt <= issuedAt) tokens.delete(token)
    const accessToken = randomBytes(32).toString('base64url')
    tokens.set(accessToken, { expiresAt: issuedAt + ttlSeconds * 1000, scopes })
    tokensIssued++
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, scope: scopes.join(' ') })
  })

  // ---- API ----

  const schema = (path: string, method: string): object => operationSchemas(document, path, method)
  const api = CIVIL_STATUS_API_PREFIX

  app.get(`${api}/health`, async () => ({ trangThai: 'HOAT_DONG', thoiGian: isoTime(now()) }))
  app.get(`${api}/openapi.json`, async () => document)
  app.get(`${api}/openapi.yaml`, async (_request, reply) => reply.type('application/yaml; charset=utf-8').send(yaml))

  app.get<{ Params: { soDangKy: string } }>(`${api}/khai-sinh/:soDangKy`, { schema: schema('/khai-sinh/{soDangKy}', 'get') }, async (request, reply) => {
    const record = births.get(request.params.soDangKy)
    return record ?? refusal(reply, 404, 'KHONG_TIM_THAY', `Không tìm thấy đăng ký khai sinh ${request.params.soDangKy}`)
  })

  app.get<{ Querystring: BirthQuery }>(`${api}/khai-sinh`, { schema: schema('/khai-sinh', 'get') }, async (request, reply) => {
    const { soDinhDanh, tuNgay, denNgay, trang, kichThuoc } = request.query
    if (tuNgay !== undefined && denNgay !== undefined && tuNgay > denNgay) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', 'tuNgay sau denNgay')
    const matching = (soDinhDanh === undefined ? data.births : birthsOf.get(soDinhDanh) ?? [])
      .filter((record) => (tuNgay === undefined || record.ngayDangKy >= tuNgay) && (denNgay === undefined || record.ngayDangKy <= denNgay))
    const items: BirthRegistration[] = matching.slice((trang - 1) * kichThuoc, trang * kichThuoc)
    return { items, tongSo: matching.length, trang, kichThuoc }
  })

  app.get<{ Params: { soDangKy: string } }>(`${api}/ket-hon/:soDangKy`, { schema: schema('/ket-hon/{soDangKy}', 'get') }, async (request, reply) => {
    const record = marriages.get(request.params.soDangKy)
    return record ?? refusal(reply, 404, 'KHONG_TIM_THAY', `Không tìm thấy đăng ký kết hôn ${request.params.soDangKy}`)
  })

  app.get<{ Querystring: { soDinhDanh: string } }>(`${api}/ket-hon`, { schema: schema('/ket-hon', 'get') }, async (request) => {
    const items: MarriageRegistration[] = marriagesOf.get(request.query.soDinhDanh) ?? []
    return { items }
  })

  app.get<{ Params: { soDangKy: string } }>(`${api}/khai-tu/:soDangKy`, { schema: schema('/khai-tu/{soDangKy}', 'get') }, async (request, reply) => {
    const record = deaths.get(request.params.soDangKy)
    return record ?? refusal(reply, 404, 'KHONG_TIM_THAY', `Không tìm thấy đăng ký khai tử ${request.params.soDangKy}`)
  })

  app.get<{ Querystring: { soDinhDanh: string } }>(`${api}/khai-tu`, { schema: schema('/khai-tu', 'get') }, async (request) => {
    const items: DeathRegistration[] = deathsOf.get(request.query.soDinhDanh) ?? []
    return { items }
  })

  const registers = { 'khai-sinh': { prefix: 'KS-', records: births }, 'ket-hon': { prefix: 'KH-', records: marriages }, 'khai-tu': { prefix: 'KT-', records: deaths } } as const
  app.post<{ Body: ExtractRequest }>(`${api}/trich-luc`, { schema: schema('/trich-luc', 'post') }, async (request, reply) => {
    const { loaiSuKien, soDangKy, soBanSao, nguoiYeuCau } = request.body
    const register = registers[loaiSuKien]
    if (!soDangKy.startsWith(register.prefix)) return refusal(reply, 400, 'THAM_SO_KHONG_HOP_LE', `Số đăng ký ${soDangKy} không phải của sự kiện ${loaiSuKien}`)
    if (!register.records.has(soDangKy)) return refusal(reply, 404, 'KHONG_TIM_THAY', `Không tìm thấy sự kiện ${loaiSuKien} ${soDangKy}`)
    const received = now()
    const day = wallClock(received)
    const receipt: ExtractReceipt = {
      maYeuCau: `TL-${day.year}${String(day.month).padStart(2, '0')}${String(day.day).padStart(2, '0')}-${String(receipts.length + 1).padStart(6, '0')}`,
      trangThai: 'DA_TIEP_NHAN',
      loaiSuKien,
      soDangKy,
      soBanSao,
      lePhi: soBanSao * EXTRACT_FEE_PER_COPY,
      ngayTiepNhan: isoTime(received),
      ngayHenTra: nextWorkingDay(received),
      ...(nguoiYeuCau === undefined ? {} : { nguoiYeuCau })
    }
    receipts.push(receipt)
    return reply.code(201).send(receipt)
  })

  const origin = await listenOnLoopback(app, options)

  return {
    url: `${origin}${CIVIL_STATUS_API_PREFIX}`,
    tokenUrl: `${origin}${CIVIL_STATUS_TOKEN_PATH}`,
    data,
    examples,
    get tokensIssued () { return tokensIssued },
    get tokenRequests () { return tokenRequests },
    get hits () { return hits },
    get extractRequests () { return receipts },
    get lastRequest () { return lastRequest },
    get faults () { return state.faults },
    set faults (faults: CivilStatusSimulatorFaults) { state.faults = faults },
    get tokenFaults () { return state.tokenFaults },
    set tokenFaults (faults: CivilStatusSimulatorFaults) { state.tokenFaults = faults },
    async close () {
      closing.abort()
      await app.close()
    }
  }
}
