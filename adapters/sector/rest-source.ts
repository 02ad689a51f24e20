import { InvalidInputError, UpstreamFaultError } from '../shared/errors.js'
import { utf8HeaderValue } from '../shared/call.js'
import { upstreamPolicy, type ResilienceOptions, type UpstreamResilience } from '../shared/resilience.js'
import { exchangeJson, upstreamPool, type JsonAnswer } from '../upstream-http.js'
import type { Position } from './cursor.js'
import { compareIds, type DatasetDeclaration, type RestSource } from './declaration.js'
import type { AppliedFilter } from './filters.js'
import { MappingError, recordFromUpstream, upstreamId, upstreamValue } from './mapping.js'
import type { CallContext } from './port.js'
import type { DatasetSource, SourcePage } from './source.js'

/**
 * A dataset served by a JSON REST upstream, over an undici Pool per upstream (shared by its datasets):
 *
 *   GET {base}{path}/{id}                                   → 200 record | 404 (notFoundCode, when declared)
 *   GET {base}{path}?{param}={value}…&{cursorParam}=&{limitParam}=  → 200 {itemsKey: record[], cursorKey?}
 *   GET {base}{healthPath}                                  → 200 while the upstream serves
 *
 * with `x-api-key` when configured and `x-request-id` / `x-message-id` / `x-user-id` for the upstream's own log. The same
 * deadline, bounded body read and error mapping as the other adapters: 503 and transport failures are
 * UpstreamUnavailableError, a missed deadline UpstreamTimeoutError, anything else unexpected (other
 * statuses, a body that is not JSON or does not map) UpstreamFaultError. An upstream without pagination
 * (no cursorKey) is read whole and paged here by id. Each upstream has its own circuit breaker, shared by its
 * datasets; its calls (all GETs) are retried after a reset or refused connection (shared/resilience.ts).
 */

export interface RestUpstreamOptions {
  /** Base URL, e.g. https://syt.example/api */
  url: string
  /** Sent as `x-api-key`. */
  apiKey?: string
  connections?: number
  connectTimeoutMs?: number
  /** Deadline for one call, connect to last byte, retries and their delays included. */
  timeoutMs: number
  maxResponseBytes?: number
  /** Path under the base URL that answers 200 while the upstream serves; `/health` by default. */
  healthPath?: string
  /** Circuit breaker, retries and retry budget of this upstream (shared/resilience.ts for the defaults). */
  resilience?: ResilienceOptions
}

export interface RestUpstream {
  readonly label: string
  /** A GET through the upstream's breaker, retried after a reset or refused connection. */
  call (path: string, context: CallContext | undefined, timeoutMs?: number): Promise<Answer>
  /** The health path, past the breaker: readiness sees the upstream itself. */
  check (): Promise<void>
  /** The upstream's circuit breaker and counters. */
  resilience (): UpstreamResilience
  close (): Promise<void>
}

export type Answer = JsonAnswer

export function restUpstream (name: string, options: RestUpstreamOptions): RestUpstream {
  const label = `${name} sector system`
  const endpoint = new URL(options.url)
  const base = endpoint.pathname.replace(/\/+$/, '')
  const pool = upstreamPool(endpoint.origin, {
    connections: options.connections ?? 4,
    connectTimeoutMs: options.connectTimeoutMs ?? Math.min(options.timeoutMs, 2000),
    timeoutMs: options.timeoutMs
  })
  const maxResponseBytes = options.maxResponseBytes ?? 4 * 1_048_576
  const policy = upstreamPolicy(label, options.resilience)

  async function call (path: string, context: CallContext | undefined, timeoutMs = options.timeoutMs, health = false): Promise<Answer> {
    return await exchangeJson(pool, {
      method: 'GET',
      path: base + path,
      headers: {
        accept: 'application/json',
        ...(options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey }),
        ...(context === undefined ? {} : { 'x-request-id': context.requestId }),
        ...(context?.messageId === undefined ? {} : { 'x-message-id': context.messageId }),
        ...(context?.officialId === undefined ? {} : { 'x-user-id': utf8HeaderValue(context.officialId) })
      }
    }, { upstream: label, maxResponseBytes, timeoutMs, ...(health ? {} : { policy, idempotent: true }), ...(context?.signal === undefined ? {} : { signal: context.signal }) })
  }

  return {
    label,
    call: async (path, context, timeoutMs) => await call(path, context, timeoutMs),
    async check () {
      const timeoutMs = Math.min(options.timeoutMs, 2000)
      const answer = await call(options.healthPath ?? '/health', undefined, timeoutMs, true)
      if (answer.status !== 200) throw new UpstreamFaultError(label, `health check answered HTTP ${answer.status}`)
    },
    resilience: () => policy.state(),
    async close () {
      await pool.close()
    }
  }
}

function query (params: ReadonlyArray<readonly [string, string]>): string {
  const search = new URLSearchParams()
  for (const [name, value] of params) search.append(name, value)
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export function restDatasetSource (declaration: DatasetDeclaration, source: RestSource, upstream: RestUpstream): DatasetSource {
  const label = upstream.label
  const maxLimit = source.maxLimit ?? 1000

  function errorCode (json: unknown): string | undefined {
    if (source.errorCodeKey === undefined || typeof json !== 'object' || json === null) return undefined
    const code = (json as Record<string, unknown>)[source.errorCodeKey]
    return typeof code === 'string' ? code : undefined
  }

  function unexpected (answer: Answer): Error {
    if (answer.status === 200) return new UpstreamFaultError(label, 'HTTP 200 without a JSON body')
    const code = errorCode(answer.json)
    return new UpstreamFaultError(label, code === undefined ? `HTTP ${answer.status}` : `HTTP ${answer.status} ${code}`)
  }

  function mapped<T> (map: () => T): T {
    try {
      return map()
    } catch (err) {
      if (err instanceof MappingError) throw new UpstreamFaultError(label, `malformed answer: ${err.message}`)
      throw err
    }
  }

  async function fetchPage (filters: readonly AppliedFilter[], cursor: string | undefined, limit: number | undefined, context: CallContext): Promise<{ items: unknown[], next?: string }> {
    const params: Array<readonly [string, string]> = []
    for (const filter of filters) {
      const value = upstreamValue(filter, source)
      if (value === undefined) return { items: [] } // no upstream value can match: nothing to ask
      params.push([source.params?.[filter.name] as string, value])
    }
    if (cursor !== undefined && source.cursorParam !== undefined) params.push([source.cursorParam, cursor])
    if (limit !== undefined && source.limitParam !== undefined) params.push([source.limitParam, String(Math.min(limit, maxLimit))])
    const answer = await upstream.call(`${source.path}${query(params)}`, context)
    if (answer.status === 400 && source.badCursorCode !== undefined && cursor !== undefined && errorCode(answer.json) === source.badCursorCode) {
      throw new InvalidInputError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this service issued for this dataset and these filters' }])
    }
    if (answer.status !== 200 || answer.json === undefined) throw unexpected(answer)
    return mapped(() => {
      const body = answer.json
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MappingError('answer is not an object')
      const items = (body as Record<string, unknown>)[source.itemsKey]
      if (!Array.isArray(items)) throw new MappingError(`answer.${source.itemsKey} is not an array`)
      const next = source.cursorKey === undefined ? undefined : (body as Record<string, unknown>)[source.cursorKey]
      if (next !== undefined && next !== null && (typeof next !== 'string' || next === '' || next.length > 1000)) throw new MappingError(`answer.${source.cursorKey ?? ''} is not a page token`)
      return typeof next === 'string' ? { items, next } : { items }
    })
  }

  const idOf = (record: Record<string, unknown>): string | number | undefined => {
    const id = record[declaration.idField]
    return typeof id === 'string' || typeof id === 'number' ? id : undefined
  }
  const before = (a: string | number, b: string | number): boolean => typeof a === 'number' && typeof b === 'number' ? a < b : compareIds(String(a), String(b)) < 0

  return {
    upstream: label,

    async get (id, context) {
      const code = upstreamId(id, declaration.idField, source)
      if (code === undefined) return undefined
      const answer = await upstream.call(`${source.path}/${encodeURIComponent(code)}`, context)
      if (answer.status === 404 && (source.notFoundCode === undefined || errorCode(answer.json) === source.notFoundCode)) return undefined
      if (answer.status !== 200 || answer.json === undefined) throw unexpected(answer)
      const record = mapped(() => recordFromUpstream(answer.json, source, 'answer'))
      if (String(record[declaration.idField]) !== String(id)) throw new UpstreamFaultError(label, `asked for ${String(id)}, answered ${String(record[declaration.idField])}`)
      return record
    },

    async list (filters, after, limit, context): Promise<SourcePage> {
      if (source.cursorKey !== undefined) {
        const page = await fetchPage(filters, after === undefined ? undefined : String(after), limit, context)
        const records = mapped(() => page.items.map((item, i) => recordFromUpstream(item, source, `answer.${source.itemsKey}[${i}]`)))
        if (records.length > limit) throw new UpstreamFaultError(label, `answered ${records.length} records for a page of ${limit}`)
        return page.next === undefined ? { records } : { records, next: page.next }
      }
      // No pagination upstream: read the whole (filtered) list, page it here by id.
      const page = await fetchPage(filters, undefined, undefined, context)
      const all = mapped(() => page.items.map((item, i) => {
        const record = recordFromUpstream(item, source, `answer.${source.itemsKey}[${i}]`)
        if (idOf(record) === undefined) throw new MappingError(`answer.${source.itemsKey}[${i}] has no ${declaration.idField}`)
        return record
      }))
      const sorted = all.sort((a, b) => before(idOf(a) as string | number, idOf(b) as string | number) ? -1 : 1)
      const rest = after === undefined ? sorted : sorted.filter((record) => before(after, idOf(record) as string | number))
      const records = rest.slice(0, limit)
      const last = idOf(records[records.length - 1] ?? {})
      return rest.length > limit && last !== undefined ? { records, next: last as Position } : { records }
    },

    async check () {
      await upstream.check()
    }
  }
}
