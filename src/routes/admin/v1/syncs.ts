import type { FastifyInstance } from 'fastify'
import { NotFoundError, PROBLEM_KINDS, SyncsUnavailableError } from '../../../errors.js'
import { problemResponses } from '../../support/problems.js'
import { SYNCS_DISABLED } from '../../../plugins/app/syncs.js'
import { SECURITY } from '../../support/schemas.js'

/** The nightly syncs: their schedules and last runs, a run started now, and one run's state with its dead letters. */

const SYNC_NAME = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,80}$', maxLength: 81, description: 'A sync of this deployment (see `GET /admin/v1/syncs`)' }
const RUN_ID = { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,200}$', maxLength: 200, description: 'The `runId` a trigger answered, or a scheduled run\'s id' }

const SYNCS_UNAVAILABLE = {
  description: `Type \`${PROBLEM_KINDS.GW_ERR_SYNCS_UNAVAILABLE.slug}\`: syncs are disabled (no Redis: runs cannot be queued) or their Redis cannot be reached; or the store is unavailable`,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } }
}

/** How long an admin call waits on the sync queues' Redis before answering 503. */
const REDIS_DEADLINE_MS = 5000

export function runLocation (sync: string, runId: string): string {
  return `/admin/v1/syncs/${sync}/runs/${encodeURIComponent(runId)}`
}

/**
 * `work`, or `failure()` once `ms` have passed. The sync control answers at once while Redis is not connected; a
 * Redis that is connected but stops answering would still hold a call, so every call through the queues is bounded.
 */
async function withDeadline<T> (work: Promise<T>, ms: number, failure: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(failure()) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

const redisAway = (): Error => new SyncsUnavailableError(`The sync queues' Redis did not answer within ${REDIS_DEADLINE_MS} ms; retry later`)

export default async function syncRoutes (app: FastifyInstance): Promise<void> {
  const known = (name: string): void => {
    if (!app.syncs.names.includes(name)) throw new NotFoundError(`No sync ${name} (this deployment has ${app.syncs.names.join(', ')})`)
  }

  app.get('/syncs', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'listSyncs',
      summary: 'The syncs with their schedules, next and last runs',
      security: SECURITY,
      response: { 200: { description: 'The syncs', $ref: 'SyncList#' }, ...problemResponses(401, 403), 503: SYNCS_UNAVAILABLE }
    }
  }, async () => {
    const syncs = await withDeadline(app.syncs.list(), REDIS_DEADLINE_MS, redisAway)
    return app.syncs.enabled ? { enabled: true, syncs } : { enabled: false, detail: SYNCS_DISABLED, syncs }
  })

  app.post<{ Params: { name: string } }>('/syncs/:name/runs', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'triggerSyncRun',
      summary: 'Run a sync now',
      description: 'Queues a run that starts from the sync\'s last checkpoint, after any run in progress. While a manual run is already queued or running, no second one is queued: its `runId` is answered with `deduplicated: true`.',
      security: SECURITY,
      params: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: SYNC_NAME } },
      response: {
        202: {
          description: 'Queued; `Location` is the run',
          headers: { Location: { type: 'string', description: 'The run: `GET` it for its state' } },
          $ref: 'SyncRunAccepted#'
        },
        ...problemResponses(400, 401, 403, 404, 413, 415),
        503: SYNCS_UNAVAILABLE
      }
    }
  }, async (request, reply) => {
    const { name } = request.params
    known(name)
    if (!app.syncs.enabled) throw new SyncsUnavailableError(SYNCS_DISABLED)
    let queued
    try {
      queued = await withDeadline(app.syncs.trigger(name), REDIS_DEADLINE_MS, redisAway)
    } catch (err) {
      if (err instanceof SyncsUnavailableError) throw err
      throw new SyncsUnavailableError('The sync queues\' Redis cannot be reached; retry later', { cause: err })
    }
    return reply.code(202).header('location', runLocation(name, queued.runId))
      .send({ runId: queued.runId, sync: name, status: 'queued', deduplicated: queued.deduplicated })
  })

  app.get<{ Params: { name: string, runId: string } }>('/syncs/:name/runs/:runId', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'getSyncRun',
      summary: 'One run: status, progress, counts, attempts, error and dead letters',
      security: SECURITY,
      params: { type: 'object', required: ['name', 'runId'], additionalProperties: false, properties: { name: SYNC_NAME, runId: RUN_ID } },
      response: { 200: { description: 'The run', $ref: 'SyncRun#' }, ...problemResponses(400, 401, 403, 404), 503: SYNCS_UNAVAILABLE }
    }
  }, async (request) => {
    const { name, runId } = request.params
    known(name)
    const run = await withDeadline(app.syncs.run(name, runId), REDIS_DEADLINE_MS, redisAway)
    if (run === undefined) throw new NotFoundError(`Sync ${name} has no run ${runId}`)
    return run
  })
}
