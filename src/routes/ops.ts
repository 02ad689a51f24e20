import type { FastifyInstance } from 'fastify'

type CheckResult = { status: 'up' | 'down', latencyMs: number, detail?: string }

async function timed (check: () => Promise<void>): Promise<CheckResult> {
  const started = performance.now()
  try {
    await check()
    return { status: 'up', latencyMs: Math.round(performance.now() - started) }
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), detail: (err as Error).message }
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
      response: {
        200: { description: 'Ready', $ref: 'Readiness#' },
        503: { description: 'Not ready; `checks` says which dependency is down', $ref: 'Readiness#' }
      }
    }
  }, async (_request, reply) => {
    const redis = app.redis
    const [population, procedures, sector, store, rateLimits] = await Promise.all([
      timed(() => app.population.checkHealth()),
      timed(() => app.procedures.checkHealth()),
      timed(() => app.sector.checkHealth()),
      timed(() => app.store.ping()),
      redis === undefined ? undefined : timed(async () => { await redis.ping() })
    ])
    const checks = { population, procedures, sector, store, ...(rateLimits === undefined ? {} : { redis: rateLimits }) }
    const ready = Object.values(checks).every((check) => check.status === 'up')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks })
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
