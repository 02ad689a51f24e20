import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyContextConfig, FastifyRequest, RouteOptions } from 'fastify'
import type { RateLimitConfig } from '../../config/rate-limit.js'
import { RateLimitUnavailableError, rateLimitedError, verifyAttemptsError } from '../../errors.js'
import { problemResponses } from '../../routes/support/problems.js'

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
 * key: one slot on a Cluster). @fastify/rate-limit keeps the counters; this hook decides
 * what a Redis outage means: personal-data services fail closed (503), reference data stays open.
 */
export default fp<{ config: RateLimitConfig }>(async function rateLimits (app, { config }) {
  const limitOf = (request: FastifyRequest): number =>
    request.caller?.grant?.rateLimitPerMinute ?? request.caller?.client.rateLimitPerMinute ?? config.defaultPerMinute

  await app.register(rateLimit, {
    global: false,
    ...(app.redis === undefined ? {} : { redis: app.redis }),
    nameSpace: config.prefix,
    timeWindow: WINDOW_MS,
    max: (request) => limitOf(request),
    keyGenerator: (request) => `${request.caller?.clientId ?? ''}|${bucketOf(request.routeOptions.config) ?? ''}`,
    skipOnError: false
  })
  const check = app.createRateLimit()
  type Limiter = typeof check

  /** A counter's verdict; when Redis cannot count, a 503 where `failClosed` (personal data), else no limit (undefined). */
  async function counted (request: FastifyRequest, limiter: Limiter, failClosed: boolean): Promise<Awaited<ReturnType<Limiter>> | undefined> {
    try {
      return await limiter(request)
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'rate-limit store unavailable')
      if (failClosed) throw new RateLimitUnavailableError()
      return undefined
    }
  }

  // registered before the routes: every counted route documents its limit (OpenAPI, API4:2023)
  app.addHook('onRoute', documentLimits)

  const { attempts, windowSeconds } = config.verifyPerSubject
  // the key names the person by a digest, not the id: Redis holds counters, not personal data
  const subjectKeys = new WeakMap<FastifyRequest, string>()
  const checkSubject = app.createRateLimit({
    max: attempts,
    timeWindow: windowSeconds * 1000,
    keyGenerator: (request) => `verify|${request.caller?.clientId ?? ''}|${subjectKeys.get(request) ?? ''}`
  })
  app.decorate('countSubjectVerification', async (request: FastifyRequest, personalId: string) => {
    subjectKeys.set(request, createHash('sha256').update(personalId).digest('base64url').slice(0, 22))
    const result = await counted(request, checkSubject, true)
    if (result !== undefined && !result.isAllowed && result.isExceeded) throw verifyAttemptsError(attempts, windowSeconds, Math.max(1, result.ttlInSeconds))
  })

  app.addHook('onRequest', async (request, reply) => {
    const service = bucketOf(request.routeOptions.config)
    if (service === undefined || request.caller === undefined) return
    // a bucket of personal data fails closed when calls cannot be counted
    const result = await counted(request, check, request.routeOptions.config.personalData ?? app.services.isPersonalData(service))
    if (result === undefined || result.isAllowed) return // only with an allow list, which is not configured; narrows the result type
    reply.header('x-ratelimit-limit', result.max)
    reply.header('x-ratelimit-remaining', result.remaining)
    reply.header('x-ratelimit-reset', result.ttlInSeconds)
    if (result.isExceeded) throw rateLimitedError(result.max, WINDOW_MS / 1000, service, Math.max(1, result.ttlInSeconds))
  })
}, { name: 'rate-limit', dependencies: ['auth', 'redis'] })
