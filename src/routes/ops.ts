import type { FastifyInstance } from 'fastify'
import type { WithResilience } from '../../adapters/shared/resilience.js'
import { problemResponses } from './support/problems.js'
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
      description: 'Syncs run without Redis are reported `disabled`; that does not make the gateway not ready. ' +
        '`scope=local` checks only the gateway\'s own state (store, Redis): the probe for a load balancer or ' +
        'Kubernetes, so an upstream outage, which every replica shares, does not take every replica out of service ' +
        '(calls for that upstream are answered 503 instead, and the other services go on).',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { scope: { type: 'string', enum: ['all', 'local'], default: 'all', description: '`all`: store, Redis, upstreams and sync workers; `local`: store and Redis' } }
      },
      response: {
        200: { description: 'Ready', $ref: 'Readiness#' },
        503: { description: 'Not ready; `checks` says which dependency is down', $ref: 'Readiness#' },
        ...problemResponses(400)
      }
    }
  }, async (request, reply) => {
    const redis = app.redis
    const all = (request.query as { scope: 'all' | 'local' }).scope === 'all'
    const [store, rateLimits, population, procedures, sector, syncs] = await Promise.all([
      timed(() => app.store.ping()),
      redis === undefined ? undefined : timed(async () => await checkRedis(redis)),
      all ? timed(upstreamCheck(app.population)) : undefined,
      all ? timed(upstreamCheck(app.procedures)) : undefined,
      all ? timed(upstreamCheck(app.sector)) : undefined,
      !all ? undefined : app.syncs.enabled ? timed(syncWorkers(app.syncs)) : { status: 'disabled' as const, detail: SYNCS_DISABLED }
    ])
    const checks: Record<string, CheckResult> = Object.fromEntries(Object.entries({ population, procedures, sector, store, redis: rateLimits, syncs })
      .filter((entry): entry is [string, CheckResult] => entry[1] !== undefined))
    // syncs disabled (no Redis) is a deployment choice, reported here, not a reason to stop answering
    const ready = Object.values(checks).every((check) => check.status !== 'down')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks })
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
