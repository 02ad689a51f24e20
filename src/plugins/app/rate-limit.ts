import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyContextConfig, FastifyRequest, RouteOptions } from 'fastify'
import type { RateLimitConfig } from '../../config/rate-limit.js'
import { RateLimitUnavailableError, rateLimitedError, verifyAttemptsError } from '../../errors.js'
import { problemResponses } from '../../routes/support/problems.js'
import { createLeases, leaseSize } from '../../rate-limit/leases.js'
import { memoryQuota } from '../../rate-limit/memory-quota.js'
import { redisQuota } from '../../rate-limit/redis-quota.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts one verification of `personalId` by the caller and refuses (429 `verify-attempts-exceeded`) past the
     * per-subject limit: the second limit that keeps citizens.verify from being an oracle.
     */
    countSubjectVerification (request: FastifyRequest, personalId: string): Promise<void>
  }
}

const WINDOW_MS = 60_000

/**
 * The counter a route's calls count against, per client: its service; for the other authenticated routes
 * (administration, discovery) one bucket of each kind, so no token calls anything without a limit. The queue
 * dashboard's page, assets and polling (a browser's, not an API client's) are not counted.
 */
function bucketOf (config: FastifyContextConfig | undefined): string | undefined {
  if (config?.service !== undefined) return config.service
  if (config?.admin === true) return config.dashboard === true ? undefined : 'admin'
  return config?.authenticated === true ? 'authenticated' : undefined
}

/** What the hook below sends, as the API description states it. */
export const RATE_LIMIT_HEADERS = {
  'x-ratelimit-limit': { type: 'integer', minimum: 1, description: 'Calls allowed per minute to this service for this client (the grant\'s `rateLimitPerMinute`, else the client\'s, else the gateway default).' },
  'x-ratelimit-remaining': { type: 'integer', minimum: 0, description: 'Calls left in the current one-minute window.' },
  'x-ratelimit-reset': { type: 'integer', minimum: 0, maximum: WINDOW_MS / 1000, description: 'Seconds until the current window ends and the count starts again.' }
}
const RETRY_AFTER = { 'retry-after': { type: 'integer', minimum: 1, maximum: WINDOW_MS / 1000, description: 'Seconds to wait before calling this service again.' } }

/** A counted route's description: the rate-limit headers on its answers, and the 429 with Retry-After. */
function documentLimits (routeOptions: RouteOptions): void {
  const schema = routeOptions.schema
  if (schema === undefined || bucketOf(routeOptions.config as FastifyContextConfig | undefined) === undefined) return
  const responses = { ...(schema.response as Record<string, Record<string, unknown>> | undefined ?? {}) }
  for (const [status, response] of Object.entries(responses)) {
    if (/^2/.test(status)) responses[status] = { ...response, headers: { ...(response.headers as object | undefined), ...RATE_LIMIT_HEADERS } }
  }
  const tooMany = responses['429'] ?? problemResponses(429)[429] as Record<string, unknown>
  responses['429'] = { ...tooMany, headers: { ...RETRY_AFTER, ...RATE_LIMIT_HEADERS } }
  routeOptions.schema = { ...schema, response: responses }
}

/**
 * Per-client, per-service limits (the grant's `rateLimitPerMinute`, else the client's, else the default),
 * counted in Redis so every gateway shares them (one key per client and service, its script touching only that
 * key: one slot on a Cluster). Calls are admitted from leases of each window's budget (rate-limit/leases.ts), so
 * Redis is not asked on every call. This hook decides what a Redis outage means: personal-data services fail
 * closed (503), reference data stays open.
 */
export default fp<{ config: RateLimitConfig }>(async function rateLimits (app, { config }) {
  const limitOf = (request: FastifyRequest): number =>
    request.caller?.grant?.rateLimitPerMinute ?? request.caller?.client.rateLimitPerMinute ?? config.defaultPerMinute

  const store = app.redis === undefined ? memoryQuota() : redisQuota(app.redis)
  const leases = createLeases({
    store,
    windowMs: WINDOW_MS,
    sizeOf: (limit) => leaseSize(limit, config.lease),
    onTopUpError: (err) => { app.log.warn({ err: err.message }, 'rate-limit lease top-up failed') }
  })
  const sweeping = setInterval(() => { leases.sweep() }, WINDOW_MS).unref()
  app.addHook('onClose', async () => { clearInterval(sweeping) })

  /** A verdict; when it cannot be had, a 503 where `failClosed` (personal data), else no limit (undefined). */
  async function counted<T> (request: FastifyRequest, count: () => Promise<T>, failClosed: boolean): Promise<T | undefined> {
    try {
      if (!store.available()) throw new Error('not connected')
      return await count()
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'rate-limit store unavailable')
      if (failClosed) throw new RateLimitUnavailableError()
      return undefined
    }
  }

  // registered before the routes: every counted route documents its limit (OpenAPI, API4:2023)
  app.addHook('onRoute', documentLimits)

  const { attempts, windowSeconds } = config.verifyPerSubject
  app.decorate('countSubjectVerification', async (request: FastifyRequest, personalId: string) => {
    // the key names the person by a digest, not the id: Redis holds counters, not personal data
    const subject = createHash('sha256').update(personalId).digest('base64url').slice(0, 22)
    const key = `${config.prefix}verify|${request.caller?.clientId ?? ''}|${subject}`
    // no lease: one client rarely verifies one person twice in a row, so each verification is counted in the store
    const grant = await counted(request, async () => await store.take(key, 1, attempts, windowSeconds * 1000), true)
    if (grant !== undefined && grant.granted === 0) throw verifyAttemptsError(attempts, windowSeconds, Math.max(1, Math.ceil(grant.ttlMs / 1000)))
  })

  app.addHook('onRequest', async (request, reply) => {
    const service = bucketOf(request.routeOptions.config)
    if (service === undefined || request.caller === undefined) return
    const key = `${config.prefix}${request.caller.clientId}|${service}`
    // a bucket of personal data fails closed when calls cannot be counted
    const verdict = await counted(request, async () => await leases.admit(key, limitOf(request)), request.routeOptions.config.personalData ?? app.services.isPersonalData(service))
    if (verdict === undefined) return
    const resetSeconds = Math.ceil(verdict.resetMs / 1000)
    reply.header('x-ratelimit-limit', verdict.limit)
    reply.header('x-ratelimit-remaining', verdict.remaining)
    reply.header('x-ratelimit-reset', resetSeconds)
    if (!verdict.allowed) throw rateLimitedError(verdict.limit, WINDOW_MS / 1000, service, Math.max(1, resetSeconds))
  })
}, { name: 'rate-limit', dependencies: ['auth', 'redis'] })
