import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import type { RateLimitConfig } from '../../config/rate-limit.js'
import { RateLimitUnavailableError, rateLimitedError, verifyAttemptsError } from '../../errors.js'

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
    keyGenerator: (request) => `${request.caller?.clientId ?? ''}|${request.routeOptions.config.service ?? ''}`,
    skipOnError: false
  })
  const check = app.createRateLimit()

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
    let result
    try {
      result = await checkSubject(request)
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'rate-limit store unavailable')
      throw new RateLimitUnavailableError()
    }
    if (!result.isAllowed && result.isExceeded) throw verifyAttemptsError(attempts, windowSeconds, Math.max(1, result.ttlInSeconds))
  })

  app.addHook('onRequest', async (request, reply) => {
    const service = request.routeOptions.config.service
    if (service === undefined || request.caller === undefined) return
    let result
    try {
      result = await check(request)
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'rate-limit store unavailable')
      if (app.services.isPersonalData(service)) throw new RateLimitUnavailableError()
      return
    }
    if (result.isAllowed) return // only with an allow list, which is not configured; narrows the result type
    reply.header('x-ratelimit-limit', result.max)
    reply.header('x-ratelimit-remaining', result.remaining)
    reply.header('x-ratelimit-reset', result.ttlInSeconds)
    if (result.isExceeded) throw rateLimitedError(result.max, WINDOW_MS / 1000, service, Math.max(1, result.ttlInSeconds))
  })
}, { name: 'rate-limit', dependencies: ['auth', 'redis'] })
