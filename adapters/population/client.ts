import { InvalidInputError, NoSuchRecordError, UpstreamFaultError, type FieldError } from '../shared/errors.js'
import { upstreamPolicy, type ResilienceOptions, type WithResilience } from '../shared/resilience.js'
import { deadline, exchange, exchangeJson, transportError, upstreamPool } from '../upstream-http.js'
import { BATCH_FAULTS, BATCH_OPERATIONS, BATCH_RESULT_CODES, MAX_REFERENCE_LENGTH, MAX_RESULTS_PAGE } from './batch.js'
import { changePageFromFeed } from './changes.js'
import { CHANGES_SUFFIX, decodeCursor, FEED_ERRORS, MAX_CHANGES_LIMIT } from './feed.js'
import {
  batchStatusFromXml, citizenFromXml, MappingError, verificationRecordToXml, verificationResultFromXml, xmlList
} from './mapping.js'
import type {
  CallContext, ChangePage, Citizen, PopulationPort, VerificationBatch, VerificationBatchStatus, VerificationRecord, VerificationResultPage
} from './port.js'
import { signRequest } from './signature.js'
import { buildEnvelope, isXmlObject, OPERATION, parseEnvelope, soapAction, SOAP_CONTENT_TYPE, type SoapFault, type XmlObject } from './soap.js'

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

/** A submission the database would refuse, caught here: pointers name the record and field, never a value. */
function recordErrors (records: readonly VerificationRecord[]): FieldError[] {
  if (records.length === 0) return [{ in: 'body', pointer: '/records', detail: 'must hold at least one record' }]
  const errors: FieldError[] = []
  const references = new Set<string>()
  const bad = (i: number, field: string, detail: string): void => { errors.push({ in: 'body', pointer: `/records/${i}/${field}`, detail }) }
  records.forEach((record, i) => {
    if (typeof record.reference !== 'string' || record.reference === '' || [...record.reference].length > MAX_REFERENCE_LENGTH) {
      bad(i, 'reference', `must be 1 to ${MAX_REFERENCE_LENGTH} characters`)
    } else if (references.has(record.reference)) {
      bad(i, 'reference', 'repeats an earlier record\'s reference')
    } else references.add(record.reference)
    if (!/^[0-9]{12}$/.test(record.personalId)) bad(i, 'personalId', 'must be 12 digits')
    if (typeof record.fullName !== 'string' || !/\S/u.test(record.fullName)) bad(i, 'fullName', 'must not be empty')
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(record.dateOfBirth)) bad(i, 'dateOfBirth', 'must be a date YYYY-MM-DD')
    if (record.gender !== undefined && record.gender !== 'male' && record.gender !== 'female') bad(i, 'gender', 'must be male or female')
  })
  return errors
}

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

  /** One SOAP operation; a soap fault whose code `refusal` recognises becomes that error instead of an upstream one. */
  async function call (
    operation: string, content: XmlObject, { signal, messageId }: CallContext, refusal?: (fault: SoapFault) => Error | undefined
  ): Promise<XmlObject> {
    const timestamp = Date.now().toString()
    const { status, text } = await exchange(pool, {
      method: 'POST',
      path: endpoint.pathname + endpoint.search,
      headers: {
        'content-type': SOAP_CONTENT_TYPE,
        soapaction: soapAction(operation),
        timestamp,
        authorization: signRequest(endpoint.href, options.username, options.secret, timestamp),
        ...(messageId === undefined ? {} : { 'x-message-id': messageId })
      },
      body: buildEnvelope(operation, content)
    }, { upstream: UPSTREAM, maxResponseBytes, timeoutMs: options.timeoutMs, policy, idempotent: true, ...(signal === undefined ? {} : { signal }) })

    let envelope
    try {
      envelope = parseEnvelope(text)
    } catch {
      throw new UpstreamFaultError(UPSTREAM, `HTTP ${status} without a SOAP envelope`)
    }
    if (envelope.kind === 'fault') {
      const refused = refusal?.(envelope.fault)
      if (refused !== undefined) throw refused
      throw new UpstreamFaultError(UPSTREAM, `SOAP fault ${envelope.fault.faultcode}: ${envelope.fault.faultstring}`)
    }
    if (status !== 200) throw new UpstreamFaultError(UPSTREAM, `HTTP ${status}`)
    const result = envelope.content[`${operation}Result`]
    if (envelope.element !== `${operation}Response` || !isXmlObject(result)) {
      throw new UpstreamFaultError(UPSTREAM, `unexpected SOAP body ${envelope.element}`)
    }
    return result
  }

  /** Who asks, as every batch call says it. */
  const who = (context: CallContext): XmlObject => ({
    MaYeuCau: context.requestId,
    MaDVC: context.serviceCode ?? options.serviceCode,
    MaTichHop: options.integrationCode,
    MaCanBo: context.officialId ?? '',
    MaDonVi: options.agencyCode
  })
  // TrangThaiLo and KetQuaLo carry no MaDVC.
  const batchCall = (context: CallContext): XmlObject => ({
    MaYeuCau: context.requestId,
    MaTichHop: options.integrationCode,
    MaCanBo: context.officialId ?? '',
    MaDonVi: options.agencyCode
  })

  /** The status a TrangThaiLo or KetQuaLo result carries; NoSuchRecordError when the database has no such batch. */
  function batchOf (result: XmlObject, batchId: string): VerificationBatchStatus {
    if (result.MaKetQua === BATCH_RESULT_CODES.noSuchBatch) throw new NoSuchRecordError('The population database holds no such verification batch (unknown, another gateway\'s or past its retention)')
    if (result.MaKetQua !== BATCH_RESULT_CODES.found) throw new UpstreamFaultError(UPSTREAM, `batch result ${String(result.MaKetQua)}: ${String(result.MoTaKetQua ?? '')}`)
    let status
    try {
      status = batchStatusFromXml(result)
    } catch (err) {
      if (err instanceof MappingError) throw new UpstreamFaultError(UPSTREAM, `malformed batch status: ${err.message}`)
      throw err
    }
    if (status.batchId !== batchId) throw new UpstreamFaultError(UPSTREAM, `asked for batch ${batchId}, answered ${status.batchId}`)
    return status
  }

  return {
    async findCitizenByPersonalId (personalId: string, context: CallContext): Promise<Citizen | undefined> {
      const result = await call(OPERATION, {
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
      if (result.MaKetQua !== FOUND || !isXmlObject(result.CongDan)) {
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

    async submitVerificationBatch (records: readonly VerificationRecord[], context: CallContext): Promise<VerificationBatch> {
      const errors = recordErrors(records)
      if (errors.length > 0) throw new InvalidInputError(errors)
      // Keyed by MaYeuCau upstream (batch.ts): a repeat answers the same batch, so a retry is safe.
      const result = await call(BATCH_OPERATIONS.submit, {
        ...who(context),
        DanhSachBanGhi: { BanGhi: records.map(verificationRecordToXml) }
      }, context, (fault) => fault.faultcode === BATCH_FAULTS.tooLarge
        ? new InvalidInputError([{ in: 'body', pointer: '/records', detail: `more records than the population database takes in one batch (${fault.faultstring})` }])
        : undefined)
      const { MaLo, TongSo } = result
      if (typeof MaLo !== 'string' || MaLo === '' || TongSo !== String(records.length)) {
        throw new UpstreamFaultError(UPSTREAM, `batch submission answered without MaLo or with TongSo ${String(TongSo)} for ${records.length} records`)
      }
      return { batchId: MaLo, total: records.length }
    },

    async verificationBatchStatus (batchId: string, context: CallContext): Promise<VerificationBatchStatus> {
      const result = await call(BATCH_OPERATIONS.status, { ...batchCall(context), MaLo: batchId }, context)
      return batchOf(result, batchId)
    },

    async verificationBatchResults (batchId: string, cursor: string | undefined, limit: number, context: CallContext): Promise<VerificationResultPage> {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS_PAGE) {
        throw new InvalidInputError([{ in: 'query', pointer: '/limit', detail: `must be an integer from 1 to ${MAX_RESULTS_PAGE}` }])
      }
      const result = await call(BATCH_OPERATIONS.results, {
        ...batchCall(context),
        MaLo: batchId,
        ...(cursor === undefined ? {} : { ConTro: cursor }),
        SoLuong: String(limit)
      }, context, (fault) => fault.faultcode === BATCH_FAULTS.badCursor
        ? new InvalidInputError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this batch issued' }])
        : undefined)
      batchOf(result, batchId)
      try {
        const list = result.DanhSachKetQua
        const items = (isXmlObject(list) ? xmlList(list, 'KetQuaBanGhi') : list === undefined || list === '' ? [] : undefined)
          ?.map((item) => {
            if (!isXmlObject(item)) throw new MappingError('KetQuaBanGhi is not a record')
            return verificationResultFromXml(item)
          })
        if (items === undefined || items.length > limit) throw new MappingError(`DanhSachKetQua missing or longer than ${limit}`)
        const next = result.ConTro
        if (next !== undefined && (typeof next !== 'string' || next === '')) throw new MappingError('ConTro is not text')
        return { items, ...(next === undefined ? {} : { nextCursor: next }) }
      } catch (err) {
        if (err instanceof MappingError) throw new UpstreamFaultError(UPSTREAM, `malformed batch results: ${err.message}`)
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
