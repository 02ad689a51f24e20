import { readFile } from 'node:fs/promises'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { JSONWebKeySet } from 'jose'
import { textOfUtf8Header } from '../../../adapters/shared/call.js'
import type { AuthConfig } from '../../config/auth.js'
import { ForbiddenError, PurposeNotGrantedError, PurposeNotServedError, PurposeRequiredError, rateLimitedError, validationError } from '../../errors.js'
import type { Client, ClientGrant } from '../../auth/grants.js'
import { createAnonymousLimit } from '../../auth/anonymous-limit.js'
import { createTokenVerifier, tokenRefused, type TokenVerifier } from '../../auth/token-verifier.js'
import { isPersonalRoute } from '../../services.js'

/**
 * Authentication and authorisation, before the body is even read: bearer JWT → registered active client →
 * grant for the route's service (token scope and stored grant both) → purpose of use for personal data.
 */

export interface Purpose {
  code: string
  reference?: string
}

export interface Caller {
  clientId: string
  client: Client
  scopes: ReadonlySet<string>
  /** The grant of the route's service (service routes only). */
  grant?: ClientGrant
  purpose?: Purpose
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The grant this route needs, e.g. `citizens.read`. */
    service?: string
    /** A published operation (its operationId): a grant may be narrowed to some operations of its service. */
    operation?: string
    /** Whether this route's answers are personal data, when it is not the service's say (published operations). */
    personalData?: boolean
    /** The purposes a published operation serves: the stated purpose must be one of them and granted. */
    purposes?: readonly string[]
    /** Any valid token of a registered client will do. */
    authenticated?: boolean
    /** Needs the admin scope and an admin client. */
    admin?: boolean
  }
  interface FastifyRequest {
    caller?: Caller
    /** The client whose token verified, even when the call is then refused (for the audit). */
    verifiedClientId?: string
    /** Why a caller was refused before any token verified (a TokenRefusal word, or anonymous-rate-limited). */
    authRefusal?: string
  }
}

export const PURPOSE_HEADER = /^([A-Z][A-Z0-9_]{1,31})(?::([\p{L}\p{N}._/-]{1,128}))?$/u
// Unicode letters (with the accents NFC could not fold into them), digits and . @ _ -
const OFFICIAL_ID = /^(?:\p{L}\p{M}*|[\p{N}._@-])+$/u
export const OFFICIAL_ID_MAX_CHARACTERS = 64
export const OFFICIAL_ID_RULE = `must be sent once, as UTF-8, and hold 1–${OFFICIAL_ID_MAX_CHARACTERS} Unicode letters, digits or . @ _ - (e.g. cán.bộ@xã)`

/**
 * X-User-Id as the official's system wrote it: absent, an id (UTF-8 decoded from the header's bytes, NFC), or the
 * reason it is refused. A repeated header counts as malformed: Node would fold the two into one "a, b".
 */
export function readOfficialId (request: FastifyRequest): { id: string | undefined } | { problem: string } {
  const raw = request.raw.rawHeaders
  let sent = 0
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'x-user-id') sent++
  const header = request.headers['x-user-id']
  if (sent === 0 && header === undefined) return { id: undefined }
  if (sent > 1 || typeof header !== 'string') return { problem: `${OFFICIAL_ID_RULE}; it was sent ${sent} times` }
  const text = textOfUtf8Header(header)
  if (text === undefined) return { problem: `${OFFICIAL_ID_RULE}; its bytes are not UTF-8` }
  const id = text.normalize('NFC')
  if ([...id].length > OFFICIAL_ID_MAX_CHARACTERS || !OFFICIAL_ID.test(id)) return { problem: OFFICIAL_ID_RULE }
  return { id }
}

/** The official acting inside the client system (X-User-Id), when the header is well-formed. */
export function officialIdOf (request: FastifyRequest): string | undefined {
  const official = readOfficialId(request)
  return 'id' in official ? official.id : undefined
}

/** The purpose the caller stated, whether or not it is granted; undefined when absent or malformed. */
export function statedPurpose (request: FastifyRequest): Purpose | undefined {
  const header = request.headers['x-purpose']
  const match = typeof header === 'string' ? PURPOSE_HEADER.exec(header) : null
  if (match === null) return undefined
  const [, code, reference] = match as unknown as [string, string, string | undefined]
  return reference === undefined ? { code } : { code, reference }
}

function bearerToken (request: FastifyRequest): string {
  const header = request.headers.authorization
  if (header === undefined) throw tokenRefused('no-credentials', 'no Authorization header')
  const match = /^Bearer ([^\s]+)$/i.exec(header)
  if (match === null) throw tokenRefused('not-bearer', 'Authorization is not "Bearer <token>"')
  return match[1] as string
}

const ANONYMOUS_LIMITED = 'anonymous-rate-limited'

function purposeOf (request: FastifyRequest, service: string, grant: ClientGrant, served: readonly string[] | undefined): Purpose {
  const header = request.headers['x-purpose']
  if (header === undefined || header === '') throw new PurposeRequiredError(service)
  const purpose = statedPurpose(request)
  if (purpose === undefined) {
    throw validationError([{ in: 'headers', pointer: '/x-purpose', detail: 'must be CODE or CODE:reference (e.g. TTHC:000.00.20.H23-230223-0001)' }])
  }
  if (!(grant.purposes ?? []).includes(purpose.code)) throw new PurposeNotGrantedError(purpose.code, service)
  if (served !== undefined && !served.includes(purpose.code)) {
    throw new PurposeNotServedError(`Purpose ${purpose.code} is not one this operation of ${service} serves (${served.join(', ')})`)
  }
  return purpose
}

async function loadKeys (config: AuthConfig): Promise<JSONWebKeySet | undefined> {
  if (config.jwksFile === undefined) return undefined
  return JSON.parse(await readFile(config.jwksFile, 'utf8')) as JSONWebKeySet
}

export default fp<{ config: AuthConfig }>(async function auth (app, { config }) {
  const keys = await loadKeys(config)
  const verifier: TokenVerifier = createTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenTtlSeconds: config.maxTokenTtlSeconds,
    cache: config.tokenCache,
    jwks: keys !== undefined
      ? { keys }
      : { url: config.jwksUrl ?? '', cacheMaxAgeMs: config.jwksCacheMaxAgeMs, cooldownMs: config.jwksCooldownMs }
  })
  const anonymous = createAnonymousLimit({ perMinute: config.anonymousPerMinute })
  app.decorateRequest('caller', undefined)
  app.decorateRequest('verifiedClientId', undefined)
  app.decorateRequest('authRefusal', undefined)

  /**
   * The token, verified — unless this address has used up its failed authentications of the minute: then it is
   * refused before any work, except for a token this gateway has already verified (a client sharing the address
   * with the flood keeps working; a cache lookup, no crypto).
   */
  async function verifiedToken (request: FastifyRequest): Promise<Awaited<ReturnType<TokenVerifier['verify']>>> {
    const retryAfter = anonymous.retryAfter(request.ip)
    if (retryAfter !== undefined) {
      const given = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1]
      if (given === undefined || !verifier.remembers(given)) {
        request.authRefusal = ANONYMOUS_LIMITED
        throw rateLimitedError(config.anonymousPerMinute, 60, 'failed authentications from this address', retryAfter)
      }
    }
    try {
      return await verifier.verify(bearerToken(request))
    } catch (err) {
      anonymous.failed(request.ip)
      request.authRefusal = (err as { reason?: string }).reason ?? 'rejected'
      throw err
    }
  }

  app.addHook('onRequest', async (request) => {
    const { service, authenticated, admin } = request.routeOptions.config
    if (service === undefined && authenticated !== true && admin !== true) return

    const token = await verifiedToken(request)
    request.verifiedClientId = token.clientId
    const client = await app.clients.findClient(token.clientId)
    if (client === undefined || client.status !== 'active') {
      throw new ForbiddenError(`client ${token.clientId} is not registered or is suspended`)
    }
    const caller: Caller = { clientId: client.clientId, client, scopes: token.scopes }

    if (admin === true && (client.admin !== true || !token.scopes.has('admin'))) {
      throw new ForbiddenError('administration needs an admin client and the admin scope')
    }
    if (service !== undefined) {
      const grant = client.grants.find((candidate) => candidate.service === service)
      // an open service (reference data) is any registered client's; a grant, if any, still sets its rate limit
      if (app.services.isOpen(service)) {
        if (grant !== undefined && token.scopes.has(service)) caller.grant = grant
        request.caller = caller
        return
      }
      if (grant === undefined || !token.scopes.has(service)) throw new ForbiddenError(`client ${client.clientId} is not granted ${service}`)
      const { operation, purposes } = request.routeOptions.config
      if (operation !== undefined && grant.operations !== undefined && !grant.operations.includes(operation)) {
        throw new ForbiddenError(`the grant of ${service} to client ${client.clientId} does not include operation ${operation}`)
      }
      caller.grant = grant
      if (isPersonalRoute(app.services, request.routeOptions.config)) caller.purpose = purposeOf(request, service, grant, purposes)
    }
    request.caller = caller
  })

  // Never a call that loses who acted: on the routes that take X-User-Id (personal data), a malformed one is refused,
  // not dropped — with the header's other checks (after authentication and the body, like any schema check), and
  // audited with the client.
  app.addHook('preValidation', async (request) => {
    const headers = request.routeOptions.schema?.headers as { properties?: Record<string, unknown> } | undefined
    if (request.caller === undefined || headers?.properties?.['x-user-id'] === undefined) return
    const official = readOfficialId(request)
    if ('problem' in official) throw validationError([{ in: 'headers', pointer: '/x-user-id', detail: official.problem }])
  })
}, { name: 'auth', dependencies: ['problem-details', 'clients', 'service-catalogue'] })
