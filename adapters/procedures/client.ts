import { InvalidInputError, UpstreamFaultError } from '../shared/errors.js'
import { utf8HeaderValue } from '../shared/call.js'
import { upstreamPolicy, type ResilienceOptions, type WithResilience } from '../shared/resilience.js'
import { portalBound } from '../shared/vietnam-time.js'
import { exchangeJson, upstreamPool, type JsonAnswer } from '../upstream-http.js'
import { IllegalTransitionError, SequenceMismatchError } from './errors.js'
import { DOSSIER_CODE, PROCEDURE_CODE } from './identifiers.js'
import {
  changeFeedFromPortal, dossierFromPortal, ERROR_CODES, MappingError, pageFromPortal, portalError, procedureFromPortal,
  sequenceRefusalFromPortal, STATUS_CODES, transitionRefusalFromPortal, type PortalRecord
} from './mapping.js'
import type {
  CallContext, ChangeFeedPage, ChangeFeedQuery, Dossier, DossierQuery, Page, Procedure, ProcedureSearch, ProceduresPort,
  StatusChangeRequest
} from './port.js'

export interface ProceduresClientOptions {
  /** Base URL of the one-stop system's API, e.g. https://motcua.example/api */
  url: string
  /** Sent as `x-api-key`; issued to this gateway by the system's operator. */
  apiKey: string
  connections: number
  connectTimeoutMs: number
  /** Deadline for one call, connect to last byte, retries and their delays included. */
  timeoutMs: number
  maxResponseBytes?: number
  /** Circuit breaker, retries and retry budget of this upstream (shared/resilience.ts for the defaults). */
  resilience?: ResilienceOptions
}

/** The port, and the state of its upstream's circuit breaker. */
export type ProceduresClient = ProceduresPort & WithResilience

const UPSTREAM = 'administrative-procedure system'
const MAX_PAGE = 1000

type Answer = JsonAnswer

/** Runs a mapping; an answer that does not hold what we promise is the upstream's error, not ours. */
function mapped<T> (map: () => T): T {
  try {
    return map()
  } catch (err) {
    if (err instanceof MappingError) throw new UpstreamFaultError(UPSTREAM, `malformed answer: ${err.message}`)
    throw err
  }
}

/** The upstream error for an answer the operation does not expect. */
function unexpected (answer: Answer): Error {
  const refusal = portalError(answer.json)
  if (answer.status === 200) return new UpstreamFaultError(UPSTREAM, 'HTTP 200 without a JSON body')
  return new UpstreamFaultError(UPSTREAM, refusal === undefined ? `HTTP ${answer.status}` : `HTTP ${answer.status} ${refusal.code}: ${refusal.description}`)
}

function isRefusal (answer: Answer, status: number, code: string): boolean {
  return answer.status === status && portalError(answer.json)?.code === code
}

function checkLimit (limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidInputError([{ in: 'query', pointer: '/limit', detail: `must be an integer from 1 to ${MAX_PAGE}` }])
  }
}

function bound (value: string | undefined, edge: 'start' | 'end', name: string): string | undefined {
  if (value === undefined) return undefined
  const portal = portalBound(value, edge)
  if (portal === undefined) throw new InvalidInputError([{ in: 'query', pointer: `/${name}`, detail: 'must be an ISO 8601 date or date-time with offset' }])
  return portal
}

function query (params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export function createProceduresClient (options: ProceduresClientOptions): ProceduresClient {
  const endpoint = new URL(options.url)
  const base = endpoint.pathname.replace(/\/+$/, '')
  const pool = upstreamPool(endpoint.origin, options)
  const maxResponseBytes = options.maxResponseBytes ?? 4 * 1_048_576
  const policy = upstreamPolicy(UPSTREAM, options.resilience)

  /**
   * One call through the breaker. GETs are retried after a reset or refused connection; a status change (POST) is
   * not: the system may have applied it before the connection dropped. The health check (`health: true`) goes
   * past the breaker, so readiness sees the upstream itself.
   */
  async function call (method: 'GET' | 'POST', path: string, context: CallContext | undefined, body?: PortalRecord, timeoutMs = options.timeoutMs, health = false): Promise<Answer> {
    return await exchangeJson(pool, {
      method,
      path: base + path,
      headers: {
        accept: 'application/json',
        'x-api-key': options.apiKey,
        ...(context === undefined ? {} : { 'x-request-id': context.requestId }),
        ...(context?.messageId === undefined ? {} : { 'x-message-id': context.messageId }),
        ...(context?.officialId === undefined ? {} : { 'x-ma-can-bo': utf8HeaderValue(context.officialId) }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    }, {
      upstream: UPSTREAM,
      maxResponseBytes,
      timeoutMs,
      ...(health ? {} : { policy, idempotent: method === 'GET' }),
      ...(context?.signal === undefined ? {} : { signal: context.signal })
    })
  }

  /** A page of a list; a cursor the system does not recognise is the caller's mistake (InvalidInputError), not the system's. */
  async function list (path: string, context: CallContext): Promise<unknown> {
    const answer = await call('GET', path, context)
    if (isRefusal(answer, 400, ERROR_CODES.badCursor)) {
      throw new InvalidInputError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this service issued' }])
    }
    if (answer.status !== 200 || answer.json === undefined) throw unexpected(answer)
    return answer.json
  }

  /** One record by code: undefined when the system says it has none (not when the path itself is unknown). */
  async function record<T> (path: string, context: CallContext, map: (value: unknown) => T): Promise<T | undefined> {
    const answer = await call('GET', path, context)
    if (isRefusal(answer, 404, ERROR_CODES.notFound)) return undefined
    if (answer.status !== 200 || answer.json === undefined) throw unexpected(answer)
    return mapped(() => map(answer.json))
  }

  function sameCode<T> (found: T | undefined, code: (value: T) => string, asked: string): T | undefined {
    if (found !== undefined && code(found) !== asked) throw new UpstreamFaultError(UPSTREAM, `asked for ${asked}, answered ${code(found)}`)
    return found
  }

  return {
    async getProcedure (procedureCode: string, context: CallContext): Promise<Procedure | undefined> {
      if (!PROCEDURE_CODE.test(procedureCode)) return undefined // cannot exist: not worth a call
      const found = await record(`/thutuc/${encodeURIComponent(procedureCode)}`, context, procedureFromPortal)
      return sameCode(found, (p) => p.procedureCode, procedureCode)
    },

    async searchProcedures (search: ProcedureSearch, context: CallContext): Promise<Page<Procedure>> {
      checkLimit(search.limit)
      const json = await list(`/thutuc${query({
        tukhoa: search.q?.normalize('NFC'),
        coquan: search.agency?.normalize('NFC'),
        con_tro: search.cursor,
        sobanghi: search.limit
      })}`, context)
      return mapped(() => pageFromPortal(json, procedureFromPortal))
    },

    async getDossier (dossierCode: string, context: CallContext): Promise<Dossier | undefined> {
      if (!DOSSIER_CODE.test(dossierCode)) return undefined
      const found = await record(`/hoso/${encodeURIComponent(dossierCode)}`, context, dossierFromPortal)
      return sameCode(found, (d) => d.dossierCode, dossierCode)
    },

    async listDossiers (dossierQuery: DossierQuery, context: CallContext): Promise<Page<Dossier>> {
      checkLimit(dossierQuery.limit)
      const statusCode = dossierQuery.status === undefined ? undefined : STATUS_CODES[dossierQuery.status]
      if (dossierQuery.status !== undefined && statusCode === undefined) {
        throw new InvalidInputError([{ in: 'query', pointer: '/status', detail: 'is not a dossier status' }])
      }
      const json = await list(`/hoso${query({
        madoituong: dossierQuery.personalId,
        loaidoituong: dossierQuery.personalId === undefined ? undefined : 1,
        macoquantiepnhan: dossierQuery.receivingAgencyCode,
        trangthai: statusCode,
        tungay: bound(dossierQuery.from, 'start', 'from'),
        denngay: bound(dossierQuery.to, 'end', 'to'),
        con_tro: dossierQuery.cursor,
        sobanghi: dossierQuery.limit
      })}`, context)
      const page = mapped(() => pageFromPortal(json, dossierFromPortal))
      // Another person's dossier in this answer would be a disclosure: refuse the whole answer.
      for (const dossier of page.items) {
        if (dossierQuery.personalId !== undefined && (dossier.applicant.kind !== 'citizen' || dossier.applicant.id !== dossierQuery.personalId)) {
          throw new UpstreamFaultError(UPSTREAM, `dossier ${dossier.dossierCode} of another applicant in a list by personal id`)
        }
        if (dossierQuery.receivingAgencyCode !== undefined && dossier.receivingAgency.code !== dossierQuery.receivingAgencyCode) {
          throw new UpstreamFaultError(UPSTREAM, `dossier ${dossier.dossierCode} of agency ${dossier.receivingAgency.code} in a list of ${dossierQuery.receivingAgencyCode}`)
        }
        if (dossierQuery.status !== undefined && dossier.status !== dossierQuery.status) {
          throw new UpstreamFaultError(UPSTREAM, `dossier ${dossier.dossierCode} in status ${dossier.status} in a list of ${dossierQuery.status}`)
        }
      }
      return page
    },

    async changeDossierStatus (dossierCode: string, change: StatusChangeRequest, context: CallContext): Promise<Dossier | undefined> {
      if (!DOSSIER_CODE.test(dossierCode)) return undefined
      const statusCode = STATUS_CODES[change.status]
      if (statusCode === undefined) throw new InvalidInputError([{ in: 'body', pointer: '/status', detail: 'is not a dossier status' }])
      const officialId = change.officialId ?? context.officialId
      const answer = await call('POST', `/hoso/${encodeURIComponent(dossierCode)}/trangthai`, context, {
        TrangThaiHoSo: statusCode,
        ...(officialId === undefined ? {} : { MaCanBo: officialId }),
        ...(change.note === undefined ? {} : { NoiDungXuLy: change.note }),
        ...(change.expectedSequence === undefined ? {} : { SoThuTuMongDoi: change.expectedSequence })
      })
      if (isRefusal(answer, 404, ERROR_CODES.notFound)) return undefined
      const refusal = portalError(answer.json)
      if (answer.status === 409 && refusal?.code === ERROR_CODES.illegalTransition) {
        const { from, allowed } = mapped(() => transitionRefusalFromPortal(refusal.body))
        throw new IllegalTransitionError(dossierCode, from, change.status, allowed)
      }
      if (answer.status === 409 && refusal?.code === ERROR_CODES.sequenceMismatch && change.expectedSequence !== undefined) {
        const actual = mapped(() => sequenceRefusalFromPortal(refusal.body))
        throw new SequenceMismatchError(dossierCode, change.expectedSequence, actual)
      }
      if (answer.status !== 200 || answer.json === undefined) throw unexpected(answer)
      const dossier = mapped(() => dossierFromPortal(answer.json))
      if (dossier.dossierCode !== dossierCode || dossier.status !== change.status) {
        throw new UpstreamFaultError(UPSTREAM, `status change of ${dossierCode} answered ${dossier.dossierCode} in status ${dossier.status}`)
      }
      return dossier
    },

    async dossierChanges (feedQuery: ChangeFeedQuery, context: CallContext): Promise<ChangeFeedPage> {
      checkLimit(feedQuery.limit)
      const answer = await call('GET', `/hoso/thaydoi${query({ since: feedQuery.since, sobanghi: feedQuery.limit })}`, context)
      if (isRefusal(answer, 400, ERROR_CODES.badCursor) || isRefusal(answer, 400, ERROR_CODES.badParameter)) {
        throw new InvalidInputError([{ in: 'query', pointer: '/since', detail: 'is not a position this change feed issued' }])
      }
      if (answer.status !== 200 || answer.json === undefined) throw unexpected(answer)
      return mapped(() => changeFeedFromPortal(answer.json))
    },

    async checkHealth (): Promise<void> {
      const timeoutMs = Math.min(options.timeoutMs, 2000)
      const answer = await call('GET', '/health', undefined, undefined, timeoutMs, true)
      if (answer.status !== 200) throw unexpected(answer)
    },

    resilience: () => [policy.state()],

    async close (): Promise<void> {
      await pool.close()
    }
  }
}
