import underPressure from '@fastify/under-pressure'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { PressureConfig } from '../../config/pressure.js'
import { overloadedError, shuttingDownError } from '../../errors.js'

/**
 * Load shedding: new requests are refused with a 503 problem before any work is done for them (token check,
 * upstream call, audit), while the event loop is saturated (`overloaded`, via @fastify/under-pressure) and while
 * the gateway drains before exit (`not-ready`). Registered first, so its onRequest hooks run first.
 *
 * Draining: `app.close()` (server.ts calls it on SIGTERM) stops accepting connections and closes idle keep-alive
 * ones; requests in flight finish. A request that still arrives on a busy keep-alive connection is answered here
 * (Fastify's own `return503OnClosing` body is not a problem, so app.ts turns it off), and every response sent
 * while draining says `Connection: close`, so no connection outlives its last response and the close is not held
 * up by keep-alive timeouts.
 */

/** Answered whatever the load: liveness must not flap; readiness reports dependencies; metrics show the load. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics'])

const probe = (request: FastifyRequest): boolean => PROBES.has(request.routeOptions.url ?? '')

export default fp<{ config: PressureConfig }>(async function loadShedding (app, { config }) {
  let draining = false

  // First of all onClose work (Fastify marks itself closing, then runs preClose, then closes the server).
  app.addHook('preClose', async () => {
    draining = true
    app.log.info('draining: new requests are refused, requests in flight finish')
  })

  app.addHook('onRequest', async (request, reply) => {
    if (!draining) return
    reply.header('connection', 'close')
    if (request.routeOptions.url === '/healthz') return
    // not yet echoed: the request-id hook runs after this one
    reply.header('x-request-id', request.id)
    if (request.routeOptions.url === '/readyz') {
      // /readyz answers its own shape: not ready, and why
      return reply.code(503).send({ status: 'not-ready', checks: { gateway: { status: 'down', detail: 'shutting down' } } })
    }
    throw shuttingDownError()
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close')
    return payload
  })

  app.addHook('onResponse', async () => {
    // a response whose headers went out before draining began left a keep-alive connection behind
    if (draining) setImmediate(() => { app.server.closeIdleConnections() })
  })

  // the next reading decides; a client waits at least that long
  const retryAfterSeconds = Math.max(1, Math.ceil(config.sampleIntervalMs / 1000))
  let lastWarned = 0
  // A reading covers the sample interval before it: those until two intervals after ready may include the boot
  // (schema compiling, migrations), not load, and must not make a new replica refuse its first requests.
  let bootReadingsUntil = Number.POSITIVE_INFINITY
  app.addHook('onReady', async () => { bootReadingsUntil = Date.now() + 2 * config.sampleIntervalMs })
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    maxEventLoopUtilization: config.maxEventLoopUtilization,
    // utilization over the last sample, not since start (the default), which would hardly move after a while
    eventLoopUtilizationMode: 'interval',
    sampleInterval: config.sampleIntervalMs,
    pressureHandler: async (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
      if (probe(request) || Date.now() < bootReadingsUntil) return
      if (Date.now() - lastWarned >= config.sampleIntervalMs) {
        lastWarned = Date.now()
        request.log.warn({ pressure: type, value, limits: config }, 'under pressure: shedding load')
      }
      reply.header('x-request-id', request.id)
      throw overloadedError(retryAfterSeconds)
    }
  })
}, { name: 'load-shedding' })
