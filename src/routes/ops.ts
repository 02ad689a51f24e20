import type { FastifyInstance } from 'fastify'
import type { WithResilience } from '../../adapters/shared/resilience.js'
import { SYNCS_DISABLED } from '../plugins/app/syncs.js'
import { checkRedis } from '../redis/health.js'

type CheckResult = { status: 'up' | 'down', latencyMs: number, detail?: string } | { status: 'disabled', detail: string }

/** Runs a check; a check may answer a detail worth showing when up. */
async function timed (check: () => Promise<string | undefined | void>): Promise<CheckResult> {
  const started = performance.now()
  try {
    const detail = await check()
    return { status: 'up', latencyMs: Math.round(performance.now() - started), ...(typeof detail === 'string' ? { detail } : {}) }
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), detail: (err as Error).message }
  }
}

/**
 * An upstream whose circuit is open is refused by the gateway whatever its health probe says: not ready for it
 * until a probe call closes the circuit again.
 */
function upstreamCheck (port: WithResilience & { checkHealth: () => Promise<void> }): () => Promise<void> {
  return async () => {
    const open = port.resilience().find((circuit) => circuit.state === 'open')
    if (open !== undefined) throw new Error(`circuit open for the ${open.upstream}: calls are refused for ${open.retryAfterSeconds ?? 0} s more, then one probe is let through`)
    await port.checkHealth()
  }
}

/** The sync queues' Redis answers; how many workers take runs is told, not required (runs wait for one). */
function syncWorkers (syncs: FastifyInstance['syncs']): () => Promise<string> {
  return async () => {
    const { workers } = await syncs.check()
    return workers === 0 ? 'no sync worker connected: runs wait in their queues' : `${workers} sync worker(s) connected`
  }
}

/** Probes for orchestrators and the machine-readable API description. */
export default async function opsRoutes (app: FastifyInstance): Promise<void> {
  app.get('/healthz', {
    schema: {
      tags: ['operations'],
      operationId: 'health',
      summary: 'Liveness: the process is up',
      response: { 200: { description: 'Alive', $ref: 'Health#' } }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: {
      tags: ['operations'],
      operationId: 'readiness',
      summary: 'Readiness: every dependency needed to answer is reachable',
      description: 'Syncs run without Redis are reported `disabled`; that does not make the gateway not ready.',
      response: {
        200: { description: 'Ready', $ref: 'Readiness#' },
        503: { description: 'Not ready; `checks` says which dependency is down', $ref: 'Readiness#' }
      }
    }
  }, async (_request, reply) => {
    const redis = app.redis
    const [population, procedures, sector, store, rateLimits, syncs] = await Promise.all([
      timed(upstreamCheck(app.population)),
      timed(upstreamCheck(app.procedures)),
      timed(upstreamCheck(app.sector)),
      timed(() => app.store.ping()),
      redis === undefined ? undefined : timed(async () => await checkRedis(redis)),
      app.syncs.enabled ? timed(syncWorkers(app.syncs)) : { status: 'disabled' as const, detail: SYNCS_DISABLED }
    ])
    const checks: Record<string, CheckResult> = { population, procedures, sector, store, ...(rateLimits === undefined ? {} : { redis: rateLimits }), syncs }
    // syncs disabled (no Redis) is a deployment choice, reported here, not a reason to stop answering
    const ready = Object.values(checks).every((check) => check.status !== 'down')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks })
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
