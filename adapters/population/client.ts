import { InvalidInputError, UpstreamFaultError } from '../shared/errors.js'
import { upstreamPolicy, type ResilienceOptions, type WithResilience } from '../shared/resilience.js'
import { deadline, exchange, exchangeJson, transportError, upstreamPool } from '../upstream-http.js'
import { changePageFromFeed } from './changes.js'
import { CHANGES_SUFFIX, decodeCursor, FEED_ERRORS, MAX_CHANGES_LIMIT } from './feed.js'
import { citizenFromXml, MappingError } from './mapping.js'
import type { CallContext, ChangePage, Citizen, PopulationPort } from './port.js'
import { signRequest } from './signature.js'
import { buildEnvelope, OPERATION, parseEnvelope, SOAP_ACTION, SOAP_CONTENT_TYPE, type XmlObject } from './soap.js'

export interface PopulationClientOptions {
  /** SOAP endpoint, e.g. https://dancu.example/ws/dancu */
  url: string
  username: string
  secret: string
  /** MaTichHop: this gateway's integration code with the database. */
  integrationCode: string
  /** MaDonVi: the agency operating the gateway. */
  agencyCode: string
  /** MaDVC used when the caller names no public service. */
  serviceCode: string
  connections: number
  connectTimeoutMs: number
  /** Deadline for one call, connect to last byte, retries and their delays included. */
  timeoutMs: number
  maxResponseBytes?: number
  /** Largest change-feed page accepted (5000 records run to about 4 MB). */
  maxChangePageBytes?: number
  /** Circuit breaker, retries and retry budget of this upstream (shared/resilience.ts for the defaults). */
  resilience?: ResilienceOptions
}

/** The port, and the state of its upstream's circuit breaker. */
export type PopulationClient = PopulationPort & WithResilience

const UPSTREAM = 'population database'
// Result codes of TraCuuThongTinCongDanResult.MaKetQua
const FOUND = '0'
const NOT_FOUND = '1'

function badCursor (): Error {
  return new InvalidInputError([{ in: 'query', pointer: '/since', detail: 'is not a cursor this change feed issued' }])
}

/** `{MaLoi, MoTaLoi}`, the body of a change-feed refusal; undefined when the answer is not one. */
function feedRefusal (json: unknown): { code: string, description: string } | undefined {
  if (typeof json !== 'object' || json === null || typeof (json as { MaLoi?: unknown }).MaLoi !== 'string') return undefined
  const { MaLoi, MoTaLoi } = json as { MaLoi: string, MoTaLoi?: unknown }
  return { code: MaLoi, description: typeof MoTaLoi === 'string' ? MoTaLoi : '' }
}

export function createPopulationClient (options: PopulationClientOptions): PopulationClient {
  const endpoint = new URL(options.url)
  const pool = upstreamPool(endpoint.origin, options)
  // Lookups and feed reads change nothing: both are retried after a reset or refused connection.
  const policy = upstreamPolicy(UPSTREAM, options.resilience)
  const maxResponseBytes = options.maxResponseBytes ?? 1_048_576
  const maxChangePageBytes = options.maxChangePageBytes ?? 16 * 1_048_576
  const changesPath = endpoint.pathname.replace(/\/+$/, '') + CHANGES_SUFFIX

  async function call (content: XmlObject, { signal, messageId }: CallContext): Promise<XmlObject> {
    const timestamp = Date.now().toString()
    const { status, text } = await exchange(pool, {
      method: 'POST',
      path: endpoint.pathname + endpoint.search,
      headers: {
        'content-type': SOAP_CONTENT_TYPE,
        soapaction: SOAP_ACTION,
        timestamp,
        authorization: signRequest(endpoint.href, options.username, options.secret, timestamp),
        ...(messageId === undefined ? {} : { 'x-message-id': messageId })
      },
      body: buildEnvelope(OPERATION, content)
    }, { upstream: UPSTREAM, maxResponseBytes, timeoutMs: options.timeoutMs, policy, idempotent: true, ...(signal === undefined ? {} : { signal }) })

    let envelope
    try {
      envelope = parseEnvelope(text)
    } catch {
      throw new UpstreamFaultError(UPSTREAM, `HTTP ${status} without a SOAP envelope`)
    }
    if (envelope.kind === 'fault') {
      throw new UpstreamFaultError(UPSTREAM, `SOAP fault ${envelope.fault.faultcode}: ${envelope.fault.faultstring}`)
    }
    if (status !== 200) throw new UpstreamFaultError(UPSTREAM, `HTTP ${status}`)
    const result = envelope.content[`${OPERATION}Result`]
    if (envelope.element !== `${OPERATION}Response` || typeof result !== 'object') {
      throw new UpstreamFaultError(UPSTREAM, `unexpected SOAP body ${envelope.element}`)
    }
    return result
  }

  return {
    async findCitizenByPersonalId (personalId: string, context: CallContext): Promise<Citizen | undefined> {
      const result = await call({
        MaYeuCau: context.requestId,
        MaDVC: context.serviceCode ?? options.serviceCode,
        MaTichHop: options.integrationCode,
        MaCanBo: context.officialId ?? '',
        MaDonVi: options.agencyCode,
        SoDinhDanh: personalId,
        HoVaTen: '',
        NgayThangNamSinh: ''
      }, context)
      if (result.MaKetQua === NOT_FOUND) return undefined
      if (result.MaKetQua !== FOUND || typeof result.CongDan !== 'object') {
        throw new UpstreamFaultError(UPSTREAM, `result ${String(result.MaKetQua)}: ${String(result.MoTaKetQua ?? '')}`)
      }
      try {
        return citizenFromXml(result.CongDan)
      } catch (err) {
        if (err instanceof MappingError) throw new UpstreamFaultError(UPSTREAM, err.message)
        throw err
      }
    },

    async readChanges (since: string | undefined, limit: number, context: CallContext): Promise<ChangePage> {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES_LIMIT) {
        throw new InvalidInputError([{ in: 'query', pointer: '/limit', detail: `must be an integer from 1 to ${MAX_CHANGES_LIMIT}` }])
      }
      const start = since === undefined ? 1 : decodeCursor(since)
      if (start === undefined) throw badCursor()
      const query = new URLSearchParams({ ...(since === undefined ? {} : { since }), limit: String(limit) })
      const path = `${changesPath}?${query.toString()}`
      const timestamp = Date.now().toString()
      const answer = await exchangeJson(pool, {
        method: 'GET',
        path,
        headers: {
          accept: 'application/json',
          timestamp,
          // The feed signs the full URL as sent, query included.
          authorization: signRequest(endpoint.origin + path, options.username, options.secret, timestamp)
        }
      }, { upstream: UPSTREAM, maxResponseBytes: maxChangePageBytes, timeoutMs: options.timeoutMs, policy, idempotent: true, ...(context.signal === undefined ? {} : { signal: context.signal }) })

      const refusal = feedRefusal(answer.json)
      if (answer.status === 400 && refusal?.code === FEED_ERRORS.badCursor) throw badCursor()
      if (answer.status !== 200 || answer.json === undefined || refusal !== undefined) {
        const why = refusal === undefined ? '' : ` ${refusal.code}: ${refusal.description}`
        throw new UpstreamFaultError(UPSTREAM, answer.json === undefined ? `change feed answered HTTP ${answer.status} without JSON` : `change feed answered HTTP ${answer.status}${why}`)
      }
      try {
        return changePageFromFeed(answer.json, start, limit)
      } catch (err) {
        if (err instanceof MappingError) throw new UpstreamFaultError(UPSTREAM, `malformed change page: ${err.message}`)
        throw err
      }
    },

    /** Asks the upstream itself, past the breaker: readiness should see the upstream, not the breaker's memory of it. */
    async checkHealth (): Promise<void> {
      try {
        const response = await pool.request({
          method: 'GET',
          path: `${endpoint.pathname}?wsdl`,
          signal: deadline(Math.min(options.timeoutMs, 2000))
        })
        await response.body.dump()
        if (response.statusCode !== 200) throw new UpstreamFaultError(UPSTREAM, `WSDL answered HTTP ${response.statusCode}`)
      } catch (err) {
        if (err instanceof UpstreamFaultError) throw err
        throw transportError(UPSTREAM, err, Math.min(options.timeoutMs, 2000))
      }
    },

    resilience: () => [policy.state()],

    async close (): Promise<void> {
      await pool.close()
    }
  }
}
