import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { FastifyInstance } from 'fastify'
import { decodeJwt } from 'jose'
import { SyncsUnavailableError } from '../../errors.js'
import { DASHBOARD_COOKIE } from '../../plugins/app/dashboard-cookie.js'
import { SYNCS_DISABLED } from '../../plugins/app/syncs.js'
import { problemResponses } from '../support/problems.js'
import { SECURITY } from '../support/schemas.js'

/**
 * bull-board at /admin/queues: the sync queues as BullMQ sees them (waiting, active, delayed, failed jobs and
 * their schedulers), read-only — runs are started through the admin API, which keeps the store's record.
 *
 * Every route of the board (page, static assets, JSON API) is an admin route: the auth hook refuses it without
 * an admin token and the audit records it. A browser sends no bearer header, so these routes (and only these)
 * also take the token from an HttpOnly, Secure, SameSite=Strict cookie scoped to /admin/queues (read by
 * plugins/app/dashboard-cookie.ts), set by `POST /admin/queues/session` — a call that itself needs the token in
 * the Authorization header (from /docs, "Authorize" then "Try it out"). The cookie expires with the token.
 */

export const DASHBOARD_PATH = '/admin/queues'

function sessionCookie (token: string): string {
  const exp = decodeJwt(token).exp
  const maxAge = exp === undefined ? undefined : Math.max(0, exp - Math.floor(Date.now() / 1000))
  return [`${DASHBOARD_COOKIE}=${token}`, `Path=${DASHBOARD_PATH}`, 'HttpOnly', 'Secure', 'SameSite=Strict', ...(maxAge === undefined ? [] : [`Max-Age=${maxAge}`])].join('; ')
}

/** The session route and, when the syncs have Redis, the board; registered with the prefix /admin/queues. */
export default async function queueDashboard (app: FastifyInstance): Promise<void> {
  app.post('/session', {
    config: { admin: true },
    schema: {
      tags: ['admin'],
      operationId: 'openQueueDashboardSession',
      summary: 'Let this browser open the queue dashboard at /admin/queues',
      description: 'Sets an HttpOnly, Secure, SameSite=Strict cookie holding this call\'s admin token, sent only to /admin/queues and valid until the token expires. The dashboard is read-only; start runs with `triggerSyncRun`.',
      security: SECURITY,
      response: {
        204: {
          description: 'Cookie set: open /admin/queues',
          headers: { 'Set-Cookie': { type: 'string', description: `\`${DASHBOARD_COOKIE}=…; Path=${DASHBOARD_PATH}; HttpOnly; Secure; SameSite=Strict; Max-Age=…\`` } },
          type: 'null'
        },
        ...problemResponses(400, 401, 403, 413, 415),
        503: { description: 'Syncs are disabled (no Redis): there is no dashboard', content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } }
      }
    }
  }, async (request, reply) => {
    if (!app.syncs.enabled) throw new SyncsUnavailableError(SYNCS_DISABLED)
    // the auth hook has verified this very header
    const token = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? ''
    return reply.code(204).header('set-cookie', sessionCookie(token)).send()
  })

  if (!app.syncs.enabled) return

  const serverAdapter = new FastifyAdapter().setBasePath(DASHBOARD_PATH)
  createBullBoard({
    queues: app.syncs.queues.map((queue, index) => new BullMQAdapter(queue, { readOnlyMode: true, displayName: app.syncs.names[index] ?? queue.name })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'LGSP syncs' } }
  })
  // what is thrown on the board's routes (401, 403, anything unexpected) is problem+json with 5xx details hidden,
  // not bull-board's own handler, which echoes the message; its expected errors are answers, not throws
  const problemHandler = app.errorHandler
  await app.register(async function board (board) {
    board.addHook('onRoute', (route) => {
      route.config = { ...route.config, admin: true, dashboard: true }
      route.schema = { ...route.schema, hide: true }
      route.errorHandler = problemHandler
    })
    await board.register(serverAdapter.registerPlugin())
  })
}
