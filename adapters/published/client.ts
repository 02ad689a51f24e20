import { readFileSync } from 'node:fs'
import type { Pool } from 'undici'
import type { ValidateFunction } from 'ajv'
import { strictAjv } from '../shared/ajv.js'
import { utf8HeaderValue, type CallContext } from '../shared/call.js'
import { InvalidInputError, NoSuchRecordError, StateConflictError, UpstreamFaultError, UpstreamUnavailableError } from '../shared/errors.js'
import { upstreamPolicy, type ResilienceOptions, type UpstreamPolicy, type UpstreamResilience } from '../shared/resilience.js'
import { exchange, upstreamPool } from '../upstream-http.js'
import { authenticator, type Authenticator, type UpstreamSecrets } from './credentials.js'
import type { PublishedOperation, PublishedService } from './loader.js'
import { componentId } from './provider-openapi.js'

/**
 * Calls a published provider's API as its OpenAPI document says, for any declared service: one keep-alive pool and
 * one circuit breaker per base URL (the next URL is tried while one cannot be reached), the declared credentials,
 * the deadline and bounded read of every adapter, retries of idempotent operations only. An answer is checked
 * against the operation's own response schema before anyone sees it; the provider's refusals become the adapters'
 * errors (404 no such record, 400/422 invalid input, 409 conflict), anything else unexpected a fault.
 */

export interface PublishedRequest {
  /** Path parameters by name. */
  path: Readonly<Record<string, unknown>>
  /** Query parameters by name (validated: only declared ones). */
  query: Readonly<Record<string, unknown>>
  /** Header parameters the provider declares, and what the gateway forwards for its log (x-purpose). */
  headers: Readonly<Record<string, string>>
  body?: unknown
}

export interface PublishedAnswer {
  status: number
  /** Absent when the answer has no JSON body. */
  body?: unknown
}

export interface PublishedClientOptions {
  secrets: UpstreamSecrets
  /** Replaces the declaration's base URLs (deployment configuration). */
  urls?: string[]
  resilience?: ResilienceOptions
}

export interface PublishedClient {
  call (operation: PublishedOperation, request: PublishedRequest, context: CallContext): Promise<PublishedAnswer>
  resilience (): UpstreamResilience[]
  close (): Promise<void>
}

interface Base { path: string, pool: Pool, policy: UpstreamPolicy }

function queryString (operation: PublishedOperation, query: PublishedRequest['query']): string {
  const search = new URLSearchParams()
  for (const parameter of operation.provider.parameters) {
    if (parameter.in !== 'query') continue
    const value = query[parameter.name]
    if (value === undefined) continue
    for (const item of [value].flat()) search.append(parameter.name, String(item))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

function providerPath (operation: PublishedOperation, path: PublishedRequest['path']): string {
  return operation.provider.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(path[name])))
}

export function createPublishedClient (service: PublishedService, options: PublishedClientOptions): PublishedClient {
  const { declaration } = service
  const upstream = declaration.upstream
  const label = `${declaration.service} provider`
  const tls = options.secrets.tls
  const connect = tls === undefined
    ? undefined
    : { cert: readFileSync(tls.cert), key: readFileSync(tls.key), ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }) }
  const bases: Base[] = (options.urls ?? upstream.urls).map((text, i, all) => {
    const url = new URL(text)
    const pool = upstreamPool(url.origin, { connections: upstream.connections, connectTimeoutMs: upstream.connectTimeoutMs, timeoutMs: upstream.timeoutMs, ...(connect === undefined ? {} : { connect }) })
    return { path: url.pathname.replace(/\/+$/, ''), pool, policy: upstreamPolicy(all.length === 1 ? label : `${label} (${url.origin})`, options.resilience) }
  })
  const auth: Authenticator = authenticator(label, upstream.credentials, options.secrets, upstream.timeoutMs)

  // the provider's answers are checked against its own schemas, components included
  const ajv = strictAjv({ strict: false, allErrors: false })
  for (const [name, schema] of Object.entries(service.document.inputSchemas)) ajv.addSchema({ ...schema, $id: componentId(service.schemaPrefix, name, 'input') })
  const validators = new Map<string, ValidateFunction>()
  function validatorOf (operation: PublishedOperation, status: number): ValidateFunction | undefined {
    const key = `${operation.declaration.operationId} ${status}`
    const schema = operation.provider.responses.find((response) => response.status === status)?.contract
    if (schema === undefined) return undefined
    let validate = validators.get(key)
    if (validate === undefined) validators.set(key, validate = ajv.compile(schema))
    return validate
  }

  async function send (base: Base, operation: PublishedOperation, request: PublishedRequest, context: CallContext): Promise<{ status: number, text: string }> {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body)
    return await exchange(base.pool, {
      method: operation.provider.method as 'GET',
      path: base.path + providerPath(operation, request.path) + queryString(operation, request.query),
      headers: {
        ...request.headers,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...await auth.headers(context.signal),
        'x-request-id': context.requestId,
        ...(context.messageId === undefined ? {} : { 'x-message-id': context.messageId }),
        ...(context.officialId === undefined ? {} : { 'x-user-id': utf8HeaderValue(context.officialId) })
      },
      ...(body === undefined ? {} : { body })
    }, {
      upstream: base.policy.upstream,
      maxResponseBytes: upstream.maxResponseBytes,
      timeoutMs: upstream.timeoutMs,
      policy: base.policy,
      idempotent: operation.idempotent,
      ...(context.signal === undefined ? {} : { signal: context.signal })
    })
  }

  /** The first base URL that can be reached answers; an OAuth token the provider refuses is renewed once. */
  async function answered (operation: PublishedOperation, request: PublishedRequest, context: CallContext): Promise<{ status: number, text: string }> {
    let unreachable: unknown
    for (const base of bases) {
      try {
        let answer = await send(base, operation, request, context)
        if (answer.status === 401 && auth.refused()) answer = await send(base, operation, request, context)
        return answer
      } catch (err) {
        if (!(err instanceof UpstreamUnavailableError)) throw err
        unreachable = err
      }
    }
    throw unreachable
  }

  return {
    async call (operation, request, context) {
      const { status, text } = await answered(operation, request, context)
      const refused = `the provider refused the request (HTTP ${status})`
      if (status === 404) throw new NoSuchRecordError(`The ${label} has no such record`)
      if (status === 400 || status === 422) throw new InvalidInputError([{ in: 'body', pointer: '', detail: refused }])
      if (status === 409) throw new StateConflictError(`The ${label} refused the change in the current state of the record (HTTP 409)`)
      if (status < 200 || status > 299) throw new UpstreamFaultError(label, `HTTP ${status}`)
      const declared = operation.provider.responses.find((response) => response.status === status)
      if (declared === undefined) throw new UpstreamFaultError(label, `HTTP ${status}, which ${operation.declaration.operationId} does not declare`)
      const validate = validatorOf(operation, status)
      if (validate === undefined) return { status }
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw new UpstreamFaultError(label, `HTTP ${status} without a JSON body`)
      }
      if (!validate(body)) {
        throw new UpstreamFaultError(label, `the answer breaks the ${status} schema of ${operation.declaration.operationId}: ${ajv.errorsText(validate.errors, { dataVar: 'answer' })}`)
      }
      return { status, body }
    },
    resilience: () => bases.map((base) => base.policy.state()),
    async close () {
      await Promise.all(bases.map(async (base) => { await base.pool.close() }))
    }
  }
}
