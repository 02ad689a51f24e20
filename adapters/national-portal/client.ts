import { UpstreamFaultError } from '../shared/errors.js'
import { upstreamPolicy, type ResilienceOptions, type WithResilience } from '../shared/resilience.js'
import { exchangeJson, upstreamPool, type JsonAnswer } from '../upstream-http.js'
import { portalItems, type PortalItems } from './items.js'
import type { CallContext, DossierStatusPush, NationalPortalPort, PushContext, PushResult } from './port.js'
import {
  ERROR_CODES, ITEM_RESULTS, MAX_ITEMS, PORTAL_PATHS, readAnswer, SEQUENCE_FIELD, SERVICES,
  type PortalAnswer, type PortalRecord, type PortalService
} from './protocol.js'

export interface NationalPortalClientOptions {
  /** Base URL of the portal's synchronisation API, e.g. https://dichvucong.example/api (login and dvc below it). */
  url: string
  /** The province's account on the portal. */
  username: string
  password: string
  connections: number
  connectTimeoutMs: number
  /** Deadline for one call, connect to last byte, retries and their delays included. */
  timeoutMs: number
  maxResponseBytes?: number
  /** Circuit breaker, retries and retry budget of this upstream (shared/resilience.ts for the defaults). */
  resilience?: ResilienceOptions
}

/** The port, and the state of its upstream's circuit breaker. */
export type NationalPortalClient = NationalPortalPort & WithResilience

const UPSTREAM = 'national public-service portal'
const MAX_MESSAGE = 300

/** An error the portal answered with `error_code` ≠ 0; `portalErrorCode` lets the sync tell a login refusal from data. */
export type PortalRefusal = Error & { portalErrorCode: number }

export function createNationalPortalClient (options: NationalPortalClientOptions): NationalPortalClient {
  const endpoint = new URL(options.url)
  const base = endpoint.pathname.replace(/\/+$/, '')
  const pool = upstreamPool(endpoint.origin, options)
  const maxResponseBytes = options.maxResponseBytes ?? 1_048_576
  const policy = upstreamPolicy(UPSTREAM, options.resilience)

  /** The session in use; undefined until the first push and after the portal said it expired. */
  let session: string | undefined
  /** The login under way, shared by every push that needs a session meanwhile. */
  let loggingIn: Promise<string> | undefined
  /** The last sessions this client was given, so none of them reaches an error message. */
  const issued: string[] = []

  /** The portal's words without the password or a session token, and not unbounded. */
  function scrub (message: string): string {
    let clean = message
    for (const secret of [options.password, ...issued]) if (secret.length >= 4) clean = clean.replaceAll(secret, '***')
    return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean
  }

  function refusal (what: string, answer: PortalAnswer): PortalRefusal {
    const message = scrub(answer.message)
    return Object.assign(new UpstreamFaultError(UPSTREAM, `${what} error_code ${answer.errorCode}${message === '' ? '' : `: ${message}`}`), { portalErrorCode: answer.errorCode })
  }

  /** An answer without a portal envelope, or with a status the protocol does not use. */
  function unexpected (what: string, answer: JsonAnswer): Error {
    const portal = readAnswer(answer.json)
    if (answer.status !== 200) {
      const message = portal === undefined ? '' : scrub(portal.message)
      return new UpstreamFaultError(UPSTREAM, `${what} HTTP ${answer.status}${portal === undefined ? '' : ` error_code ${portal.errorCode}`}${message === '' ? '' : `: ${message}`}`)
    }
    return new UpstreamFaultError(UPSTREAM, `${what} HTTP 200 without a portal answer`)
  }

  /**
   * One call through the breaker. Every call may be repeated after a reset or refused connection: a login only
   * opens another session, and the portal keys data items by (dossier, sequence), so a repeat records nothing
   * twice. The health check (`health: true`) goes past the breaker, so readiness sees the portal itself.
   */
  async function post (path: string, body: PortalRecord, requestId: string | undefined, signal: AbortSignal | undefined, timeoutMs = options.timeoutMs, health = false): Promise<JsonAnswer> {
    return await exchangeJson(pool, {
      method: 'POST',
      path: base + path,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(requestId === undefined ? {} : { 'x-request-id': requestId })
      },
      body: JSON.stringify(body)
    }, { upstream: UPSTREAM, maxResponseBytes, timeoutMs, ...(health ? {} : { policy, idempotent: true }), ...(signal === undefined ? {} : { signal }) })
  }

  /** A fresh session. Not tied to one caller's signal: other pushes may be waiting on it. */
  async function login (timeoutMs = options.timeoutMs, health = false): Promise<string> {
    const answer = await post(PORTAL_PATHS.login, { username: options.username, password: options.password }, undefined, undefined, timeoutMs, health)
    const portal = readAnswer(answer.json)
    if (answer.status !== 200 || portal === undefined) throw unexpected('login', answer)
    if (portal.errorCode !== ERROR_CODES.ok) throw refusal('login', portal)
    const token = portal.body.session
    if (typeof token !== 'string' || token === '') throw new UpstreamFaultError(UPSTREAM, 'login answered error_code 0 without a session')
    issued.unshift(token)
    issued.length = Math.min(issued.length, 4)
    session = token
    return token
  }

  async function currentSession (): Promise<string> {
    if (session !== undefined) return session
    loggingIn ??= login().finally(() => { loggingIn = undefined })
    return await loggingIn
  }

  /**
   * One data call, logging in first when needed. When the portal says the session expired, logs in again (once)
   * and repeats the call; a second expiry is an upstream error.
   */
  async function dataCall (service: PortalService, isUpdating: boolean, items: PortalRecord[], context: CallContext): Promise<PortalRecord[]> {
    const send = async (token: string): Promise<JsonAnswer> => await post(PORTAL_PATHS.data, {
      session: token, service, isUpdating: isUpdating ? 'True' : 'False', data: items
    }, context.requestId, context.signal)

    let used = await currentSession()
    let answer = await send(used)
    if (readAnswer(answer.json)?.errorCode === ERROR_CODES.sessionExpired) {
      if (session === used) session = undefined // another push may have logged in meanwhile: use theirs
      used = await currentSession()
      answer = await send(used)
    }
    const portal = readAnswer(answer.json)
    if (answer.status !== 200 || portal === undefined) throw unexpected(service, answer)
    if (portal.errorCode !== ERROR_CODES.ok) throw refusal(service, portal)
    return itemResults(service, portal.body, items)
  }

  /** The per-item results, checked against what was sent: one per item, same dossier and sequence, in order. */
  function itemResults (service: PortalService, body: PortalRecord, items: PortalRecord[]): PortalRecord[] {
    const results = body.data
    if (!Array.isArray(results) || results.length !== items.length) {
      throw new UpstreamFaultError(UPSTREAM, `${service} malformed answer: ${items.length} items sent, ${Array.isArray(results) ? results.length : 'no'} results`)
    }
    return results.map((result: unknown, i) => {
      const item = items[i] as PortalRecord
      const record = (typeof result === 'object' && result !== null ? result : {}) as PortalRecord
      const known = Object.values(ITEM_RESULTS) as unknown[]
      if (record.MaHoSo !== item.MaHoSo || record[SEQUENCE_FIELD] !== item[SEQUENCE_FIELD] || !known.includes(record.KetQua)) {
        throw new UpstreamFaultError(UPSTREAM, `${service} malformed answer: result ${i} is not the outcome of ${String(item.MaHoSo)} #${String(item[SEQUENCE_FIELD])}`)
      }
      return record
    })
  }

  /** Maps every change first (so an unmapped one sends nothing), then sends them in calls of at most MAX_ITEMS. */
  async function push (batch: readonly DossierStatusPush[], context: PushContext): Promise<PushResult[]> {
    const { mappings } = context
    const mapped: PortalItems[] = batch.map((update, i) => portalItems(update, mappings, batch.length === 1 ? '' : `/${i}`))
    const outcomes: PushResult[] = []
    for (let start = 0; start < mapped.length; start += MAX_ITEMS) {
      const chunk = mapped.slice(start, start + MAX_ITEMS)
      // The dossier's state first, so the portal holds the dossier its progress belongs to. A reception creates
      // the dossier; any later change updates it (the portal upserts, so a dossier it never saw is created too).
      const created = chunk.filter((items) => items.progress[SEQUENCE_FIELD] === 1).map((items) => items.dossier)
      const updated = chunk.filter((items) => items.progress[SEQUENCE_FIELD] !== 1).map((items) => items.dossier)
      if (created.length > 0) await dataCall(SERVICES.dossier, false, created, context)
      if (updated.length > 0) await dataCall(SERVICES.dossier, true, updated, context)
      const results = await dataCall(SERVICES.progress, false, chunk.map((items) => items.progress), context)
      chunk.forEach((items, i) => {
        outcomes.push({
          dossierCode: items.progress.MaHoSo as string,
          sequence: items.progress[SEQUENCE_FIELD] as number,
          outcome: results[i]?.KetQua === ITEM_RESULTS.existing ? 'already-recorded' : 'recorded',
          nationalStatus: items.nationalStatus,
          nationalProcedureCode: items.nationalProcedureCode,
          mappingVersions: { status: mappings.status.version, procedure: mappings.procedure.version }
        })
      })
    }
    return outcomes
  }

  return {
    async pushDossierStatus (update: DossierStatusPush, context: PushContext): Promise<PushResult> {
      const [result] = await push([update], context)
      return result as PushResult
    },

    async pushDossierStatuses (batch: readonly DossierStatusPush[], context: PushContext): Promise<PushResult[]> {
      return await push(batch, context)
    },

    async checkHealth (): Promise<void> {
      await login(Math.min(options.timeoutMs, 2000), true)
    },

    resilience: () => [policy.state()],

    async close (): Promise<void> {
      await pool.close()
    }
  }
}
