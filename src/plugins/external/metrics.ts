import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ResilienceOptions, UpstreamObserver, UpstreamResilience } from '../../../adapters/shared/resilience.js'
import type { Config } from '../../config/index.js'

/**
 * Prometheus metrics at GET /metrics, in a registry of this app's own (tests build many apps side by side):
 * requests by route pattern, status and client; upstream latency, breakers and counters; audit group commits;
 * sync queue depths. Values that live elsewhere (breakers, queues) are read at scrape time.
 *
 * Every label has a bounded set of values: the route is the declared pattern (`unmatched` for a URL no route
 * matches), the client the verified token's subject (`anonymous` without one).
 */

export interface GatewayMetrics {
  readonly registry: Registry
  /** Given to every upstream policy (withUpstreamMetrics): the latency of each attempt. */
  readonly observeUpstream: UpstreamObserver
  /** Given to the audit writer: each committed batch. */
  readonly observeAuditCommit: (durationMs: number, records: number) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Absent when METRICS_ENABLED=false. */
    metrics?: GatewayMetrics
  }
}

export const UNMATCHED_ROUTE = 'unmatched'
const ANONYMOUS = 'anonymous'
const CIRCUIT_STATES = { closed: 0, 'half-open': 1, open: 2 } as const
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const
/** A scrape never waits longer than this for the queues' Redis. */
const QUEUE_SCRAPE_TIMEOUT_MS = 1000

const UPSTREAM_COUNTERS: Record<keyof UpstreamResilience['counters'], [name: string, help: string]> = {
  calls: ['gateway_upstream_calls_total', 'Calls let through to the upstream (each may make several attempts)'],
  failures: ['gateway_upstream_failures_total', 'Calls counted as upstream failures by the circuit breaker'],
  retries: ['gateway_upstream_retries_total', 'Retries of idempotent calls after a connection-level failure'],
  retriesOverBudget: ['gateway_upstream_retries_over_budget_total', 'Retries a call wanted but the retry budget refused'],
  rejected: ['gateway_upstream_rejected_total', 'Calls refused without calling the upstream while its circuit was open or probing'],
  opened: ['gateway_upstream_circuit_opened_total', 'Times the circuit opened']
}

/** The config with every upstream policy reporting its attempts to these metrics (unchanged without them). */
export function withUpstreamMetrics (config: Config, metrics: GatewayMetrics | undefined): Config {
  if (metrics === undefined) return config
  const observed = <T extends { resilience?: ResilienceOptions }>(options: T): T =>
    ({ ...options, resilience: { ...options.resilience, observe: metrics.observeUpstream } })
  return {
    ...config,
    population: observed(config.population),
    procedures: observed(config.procedures),
    sector: { ...config.sector, upstreams: Object.fromEntries(Object.entries(config.sector.upstreams).map(([name, options]) => [name, observed(options)])) },
    published: observed(config.published),
    syncs: { ...config.syncs, portal: observed(config.syncs.portal) }
  }
}

/** Job counts per queue, or undefined when syncs are off or their Redis does not answer in time. */
async function countJobs (app: FastifyInstance): Promise<Map<string, Record<string, number>> | undefined> {
  if (!app.syncs.enabled) return undefined
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      (async () => {
        await app.syncs.check() // fails at once while Redis is not connected
        return new Map(await Promise.all(app.syncs.queues.map(async (queue) => [queue.name, await queue.getJobCounts(...QUEUE_STATES)] as const)))
      })(),
      new Promise<undefined>((resolve) => { timer = setTimeout(resolve, QUEUE_SCRAPE_TIMEOUT_MS, undefined) })
    ])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

export default fp<{ enabled: boolean }>(async function metrics (app, { enabled }) {
  if (!enabled) return
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })

  // requests
  const labelNames = ['method', 'route', 'status_code', 'client'] as const
  const requests = new Counter({ name: 'http_requests_total', help: 'Requests answered', labelNames, registers })
  const requestDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'Time to answer a request', labelNames, registers })
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.is404 ? UNMATCHED_ROUTE : request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: reply.statusCode,
      client: request.verifiedClientId ?? ANONYMOUS
    }
    requests.inc(labels)
    requestDuration.observe(labels, reply.elapsedTime / 1000)
  })

  // upstreams: attempts observed by their policies; breakers and counters read at scrape time
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Time of one attempt on an upstream, by outcome (answered, failed = 5xx, unavailable, timeout, error)',
    labelNames: ['upstream', 'outcome'] as const,
    registers
  })
  // the national portal's client belongs to the sync worker, not to the app: only its latency is seen here
  const upstreams = (): UpstreamResilience[] => [app.population, app.procedures, app.sector, app.published].flatMap((port) => port.resilience())
  new Gauge({ // eslint-disable-line no-new
    name: 'gateway_upstream_circuit_state',
    help: 'Circuit breaker of the upstream: 0 closed, 1 half-open (probing), 2 open',
    labelNames: ['upstream'] as const,
    registers,
    collect () {
      this.reset()
      for (const upstream of upstreams()) this.set({ upstream: upstream.upstream }, CIRCUIT_STATES[upstream.state])
    }
  })
  for (const [counter, [name, help]] of Object.entries(UPSTREAM_COUNTERS) as Array<[keyof UpstreamResilience['counters'], [string, string]]>) {
    new Counter({ // eslint-disable-line no-new
      name,
      help,
      labelNames: ['upstream'] as const,
      registers,
      collect () {
        this.reset()
        for (const upstream of upstreams()) this.inc({ upstream: upstream.upstream }, upstream.counters[counter])
      }
    })
  }

  // audit group commits
  const commitDuration = new Histogram({
    name: 'gateway_audit_commit_duration_seconds',
    help: 'Time to commit one batch of audit records (one statement, one transaction)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers
  })
  const commitRecords = new Histogram({
    name: 'gateway_audit_commit_records',
    help: 'Audit records per committed batch (group commit)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers
  })

  // sync queues, counted once per scrape for both gauges
  let counting: Promise<Map<string, Record<string, number>> | undefined> | undefined
  const queueCounts = async (): Promise<Map<string, Record<string, number>> | undefined> =>
    await (counting ??= countJobs(app).finally(() => { counting = undefined }))
  new Gauge({ // eslint-disable-line no-new
    name: 'gateway_sync_queue_jobs',
    help: 'Jobs in a sync queue by state (completed and failed: as many as Redis keeps)',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect () {
      this.reset()
      for (const [queue, counts] of await queueCounts() ?? []) {
        for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0)
      }
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'gateway_sync_queues_up',
    help: '1 when the sync queues answered this scrape, 0 when syncs are off or their Redis did not answer',
    registers,
    async collect () {
      this.set(await queueCounts() === undefined ? 0 : 1)
    }
  })

  app.decorate('metrics', {
    registry,
    observeUpstream: (upstream, seconds, outcome) => { upstreamDuration.observe({ upstream, outcome }, seconds) },
    observeAuditCommit: (durationMs, records) => {
      commitDuration.observe(durationMs / 1000)
      commitRecords.observe(records)
    }
  } satisfies GatewayMetrics)

  // open to whoever reaches it, like /healthz: operators scrape it on their own network (METRICS_ENABLED=false to drop it)
  app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
    return await reply.type(registry.contentType).send(await registry.metrics())
  })
}, { name: 'metrics' })
