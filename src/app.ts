import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { Logger } from 'pino'
import type { Config } from './config/index.js'
import { loggerOptions } from './logger.js'
import swagger from './plugins/external/swagger.js'
import loadShedding from './plugins/external/under-pressure.js'
import metrics, { withUpstreamMetrics } from './plugins/external/metrics.js'
import problemDetails, { frameworkErrors } from './plugins/app/problem-details.js'
import requestId, { genRequestId } from './plugins/app/request-id.js'
import clientErrors, { clientErrorHandler, rememberingRequestIds } from './plugins/app/client-errors.js'
import schemas, { domainFormats, finiteNumbers } from './plugins/app/schemas.js'
import population from './plugins/app/population.js'
import procedures from './plugins/app/procedures.js'
import published from './plugins/app/published.js'
import serviceCatalogue from './plugins/app/service-catalogue.js'
import disclosure from './plugins/app/disclosure.js'
import sector from './plugins/app/sector.js'
import categories from './plugins/app/categories.js'
import syncs from './plugins/app/syncs.js'
import store from './plugins/app/store.js'
import clients from './plugins/app/clients.js'
import auth from './plugins/app/auth.js'
import audit from './plugins/app/audit.js'
import statistics from './plugins/app/statistics.js'
import responseSignature from './plugins/app/response-signature.js'
import messageId from './plugins/app/message-id.js'
import gatewayKey from './plugins/app/gateway-key.js'
import idempotency from './plugins/app/idempotency.js'
import redis from './plugins/app/redis.js'
import rateLimits from './plugins/app/rate-limit.js'
import responseCache from './plugins/app/response-cache.js'
import dashboardCookie from './plugins/app/dashboard-cookie.js'
import opsRoutes from './routes/ops.js'
import citizenRoutes from './routes/api/v1/citizens.js'
import serviceRoutes from './routes/api/v1/services.js'
import publishedRoutes from './routes/api/v1/published.js'
import catalogueRoutes from './routes/api/v1/catalogue.js'
import signingKeyRoutes from './routes/api/v1/signing-keys.js'
import procedureRoutes from './routes/api/v1/procedures.js'
import dossierRoutes from './routes/api/v1/dossiers.js'
import sectorRoutes from './routes/api/v1/sectors.js'
import categoryRoutes from './routes/api/v1/categories.js'
import clientRoutes from './routes/admin/v1/clients.js'
import auditRoutes from './routes/admin/v1/audit.js'
import statisticsRoutes from './routes/admin/v1/statistics.js'
import auditArchiveRoutes from './routes/admin/v1/audit-archives.js'
import syncRoutes from './routes/admin/v1/syncs.js'
import queueDashboard, { DASHBOARD_PATH } from './routes/admin/queue-dashboard.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface BuildOptions {
  /** A ready pino logger (tests pass one writing to a buffer); otherwise one is made from config.logLevel. */
  logger?: Logger
  /** false only to measure what auditing costs (the benchmark); the gateway itself always audits. */
  audit?: boolean
}

// ajv-formats is CommonJS: under NodeNext its plugin is the default export's `default` (named formatsPlugin,
// which is how Fastify's compiler sees it is there)
const standardFormats = addFormats.default as (ajv: Ajv) => Ajv

/** Builds the gateway without listening. server.ts listens; tests inject. */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: loggerOptions(config) } : { loggerInstance: options.logger }),
    genReqId: rememberingRequestIds(genRequestId),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.bodyLimitBytes,
    // a plugin may take long to start: the store's migrations (009 copies the audit trail into monthly partitions),
    // an embedded store's WebAssembly on a busy machine; the orchestrator's startup probe (2 min) bounds it anyway
    pluginTimeout: 120_000,
    // a slow client cannot hold a connection: the whole request within requestTimeout, its headers within
    // headersTimeout (Node checks both every connectionsCheckingInterval), then a 408 problem (client-errors.ts)
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.http.headersTimeoutMs / 4))
    },
    // what Node's HTTP parser refuses (431, 408, malformed HTTP) is answered as problem+json too
    clientErrorHandler,
    // behind a load balancer, request.ip (logged as remoteAddress) is the caller's, not the balancer's
    // (a hop count works at run time; Fastify's types leave numbers out)
    trustProxy: config.trustProxy as boolean | string[],
    // while closing, plugins/external/under-pressure.ts answers a 503 problem instead of Fastify's plain body
    return503OnClosing: false,
    // a URL that does not decode, or a path parameter over maxParamLength, is a problem+json like any other error
    frameworkErrors,
    // room for any path parameter a route declares, percent-encoded (a run id of 200 characters with ':' as %3A);
    // past it, a 400 problem
    routerOptions: { maxParamLength: 1024 },
    ajv: {
      // Unknown properties are refused (not silently dropped) and every failing field is reported.
      customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true },
      // ajv-formats (date, uri…) first: listed, Fastify's compiler does not add it again after domainFormats,
      // which narrows its date and date-time to the years 1900–2100
      plugins: [standardFormats, domainFormats, finiteNumbers]
    }
  }) as unknown as FastifyInstance
  app.decorate('config', config)
  // The API speaks JSON only; any other body is a 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain')

  // 1. external: OpenAPI and Swagger UI (before routes, so it sees them all)
  await app.register(swagger)
  // Prometheus at /metrics; from here on every upstream policy reports its attempts to it
  await app.register(metrics, { enabled: config.metrics.enabled })
  config = withUpstreamMetrics(config, app.metrics)
  // 503 `overloaded` while the event loop is saturated, `not-ready` while draining; before any other onRequest work
  await app.register(loadShedding, { config: config.pressure })

  // 2. app services
  await app.register(problemDetails)
  await app.register(requestId)
  await app.register(clientErrors)
  await app.register(schemas)
  await app.register(population, { config: config.population })
  await app.register(procedures, { config: config.procedures })
  await app.register(redis, { ...(config.redis.target === undefined ? {} : { target: config.redis.target }) })
  await app.register(store, { config: config.store })
  // the gateway's own key (audit checkpoints, archives, signed responses), its public half recorded in the store
  await app.register(gatewayKey, { config: config.signing, demo: config.demo })
  await app.register(sector, { config: config.sector })
  // shared categories (administrative units and the province's own lists), declared by files, held in memory
  await app.register(categories, { config: config.categories })
  // reference data kept in memory and Redis (procedures, datasets declared cacheable); never personal data
  await app.register(responseCache, { config: config.cache })
  // agencies' APIs published by declaration (services/): their clients and the providers' schemas
  await app.register(published, { config: config.published })
  await app.register(serviceCatalogue)
  // the one step every answer passes through: the grant's rows and fields, and the data subjects for the audit
  await app.register(disclosure, config.sector.cursorSecret === undefined ? {} : { cursorSecret: config.sector.cursorSecret })
  // in demo mode the sync worker runs here too; in production `npm run worker` runs it apart
  await app.register(syncs, { config: config.syncs, ...(config.redis.target === undefined ? {} : { redis: config.redis.target }), worker: config.syncs.embeddedWorker })
  await app.register(idempotency, { ttlHours: config.idempotencyTtlHours })
  await app.register(clients, { ...(config.auth.grantsFile === undefined ? {} : { grantsFile: config.auth.grantsFile }), cacheTtlMs: config.auth.grantsCacheTtlMs })
  // onRequest order: request id → (queue dashboard: its cookie as bearer token) → JWT, grant and purpose →
  // rate limit → the caller's message id; all before the body is read
  await app.register(dashboardCookie)
  await app.register(auth, { config: config.auth })
  // onSend: the audit record is committed before any protected response leaves
  await app.register(audit, { config: config.audit, enabled: options.audit ?? true })
  // onSend after the audit's, on the final body: Content-Digest and RFC 9421 signatures when the client asks
  await app.register(responseSignature)
  await app.register(rateLimits, { config: config.rateLimit })
  // the caller's X-Message-Id when new for that client (a store round trip, so after the rate limit), and the
  // request body's digest for the audit record
  await app.register(messageId)
  // daily aggregates of the audit trail, rolled up on a timer and before each report
  await app.register(statistics, config.audit.statistics)

  // 3. routes
  await app.register(opsRoutes)
  await app.register(citizenRoutes, { prefix: '/api/v1' })
  await app.register(procedureRoutes, { prefix: '/api/v1' })
  await app.register(dossierRoutes, { prefix: '/api/v1' })
  await app.register(sectorRoutes, { prefix: '/api/v1' })
  await app.register(categoryRoutes, { prefix: '/api/v1', config: config.categories })
  await app.register(serviceRoutes, { prefix: '/api/v1' })
  await app.register(publishedRoutes, { prefix: '/api/v1' })
  await app.register(catalogueRoutes, { prefix: '/api/v1' })
  await app.register(signingKeyRoutes, { prefix: '/api/v1' })
  await app.register(clientRoutes, { prefix: '/admin/v1' })
  await app.register(auditRoutes, { prefix: '/admin/v1' })
  await app.register(statisticsRoutes, { prefix: '/admin/v1' })
  await app.register(auditArchiveRoutes, { prefix: '/admin/v1' })
  await app.register(syncRoutes, { prefix: '/admin/v1' })
  await app.register(queueDashboard, { prefix: DASHBOARD_PATH })

  return app
}
