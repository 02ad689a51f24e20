import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { responseSha256 } from '../../audit/body-digest.js'
import { createCheckpointer } from '../../audit/checkpoints.js'
import type { AuditEntry } from '../../audit/record.js'
import type { AuditConfig } from '../../config/index.js'
import { createRefusalSummaries, type RefusalSummaries } from '../../audit/refusal-summaries.js'
import { createAuditWriter, ensurePartitions } from '../../audit/writer.js'
import { PROBLEM_KINDS } from '../../errors.js'
import { isPersonalRoute } from '../../services.js'
import { officialIdOf, statedPurpose } from './auth.js'
import { problemFor } from './problem-details.js'

/**
 * One audit record per call to a protected route, allowed or refused, committed before the response leaves.
 * If it cannot be committed, a response that would disclose data becomes a 503 instead: nothing is disclosed
 * unaudited. A refusal discloses nothing, so it is still sent (and the failure logged).
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The upstream system the route reads from or writes to, for the audit record. */
    upstream?: string
    /** A query parameter other than `personalId` that names the person a call is about (the audit search's `subject`). */
    subjectQuery?: string
    /** false: answers are not recorded (reference data read all day, when the configuration says so); refusals still are. */
    auditAnswers?: boolean
  }
}

const PERSONAL_ID = /^[0-9]{12}$/

function subjectsOf (request: FastifyRequest): string[] {
  const subjects = new Set(request.dataSubjects)
  for (const part of [request.params, request.query, request.body]) {
    const id = (part as { personalId?: unknown } | null | undefined)?.personalId
    if (typeof id === 'string' && PERSONAL_ID.test(id)) subjects.add(id)
  }
  const named = request.routeOptions.config.subjectQuery
  const asked = named === undefined ? undefined : (request.query as Record<string, unknown> | undefined)?.[named]
  if (typeof asked === 'string' && PERSONAL_ID.test(asked)) subjects.add(asked)
  return [...subjects]
}

/** A successful answer of a personal-data service that the disclosure step never saw. */
function undisclosed (request: FastifyRequest, reply: FastifyReply): boolean {
  return reply.statusCode < 300 && !request.disclosed && isPersonalRoute(request.server.services, request.routeOptions.config)
}

function isAudited (request: FastifyRequest, reply: FastifyReply): boolean {
  const { service, admin, authenticated, auditAnswers } = request.routeOptions.config
  if (auditAnswers === false && reply.statusCode < 400) return false
  return service !== undefined || admin === true || authenticated === true
}

/** The problem type's slug of a problem+json answer (what the caller was told), else null. */
function problemTypeOf (reply: FastifyReply, payload: unknown): string | null {
  if (reply.statusCode < 400 || typeof payload !== 'string') return null
  if (!String(reply.getHeader('content-type')).startsWith('application/problem+json')) return null
  try {
    const type = (JSON.parse(payload) as { type?: unknown }).type
    return typeof type === 'string' ? type.slice(type.lastIndexOf('/') + 1) : null
  } catch {
    return null
  }
}

function entryOf (request: FastifyRequest, reply: FastifyReply, payload: unknown): AuditEntry {
  const config = request.routeOptions.config
  const purpose = request.caller?.purpose ?? statedPurpose(request)
  return {
    recordedAt: new Date().toISOString(),
    messageId: request.messageId,
    requestId: request.id,
    clientId: request.verifiedClientId ?? null,
    officialId: officialIdOf(request) ?? null,
    service: config.service ?? null,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
    purpose: purpose?.code ?? null,
    purposeReference: purpose?.reference ?? null,
    subjects: subjectsOf(request),
    status: reply.statusCode,
    problemType: problemTypeOf(reply, payload),
    upstream: config.upstream ?? null,
    latencyMs: Math.round(reply.elapsedTime * 1000) / 1000,
    requestDigest: request.requestDigest ?? null,
    responseDigest: responseSha256(request, payload)?.toString('hex') ?? null
  }
}

/**
 * The exchange's own audit id (X-Request-Id is the caller's and may repeat), told to the caller as X-Audit-Id so a
 * complaint can name the exact record.
 */
function withAuditId (entry: AuditEntry, reply: FastifyReply): AuditEntry {
  const auditId = randomUUID()
  reply.header('x-audit-id', auditId)
  return { ...entry, auditId }
}

const SUMMARY_WINDOW_MS = 60_000

/**
 * A refusal of a caller no token identified (a 401, the anonymous 429, load shedding before authentication):
 * counted into the minute's summary for its address, route, status and reason — true — unless it is the first
 * of its kind in the window, which is recorded on its own like any call. Identified clients are never summarised.
 */
function countedInSummary (request: FastifyRequest, reply: FastifyReply, summaries: RefusalSummaries): boolean {
  if (request.verifiedClientId !== undefined || reply.statusCode < 400) return false
  const config = request.routeOptions.config
  return summaries.note({
    address: request.ip,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
    service: config.service ?? null,
    upstream: config.upstream ?? null,
    status: reply.statusCode,
    reason: request.authRefusal ?? `status-${reply.statusCode}`,
    requestId: request.id
  }) === 'counted'
}

export default fp<{ config: AuditConfig, enabled: boolean }>(async function audit (app, { config, enabled }) {
  app.decorateRequest('responseBodyDigest', undefined)
  // this month's and next month's partitions now; a later month's is made by the writer when it first needs it
  const now = Date.now()
  await ensurePartitions(app.store, [new Date(now).toISOString(), new Date(now + 31 * 86_400_000).toISOString()])
  const checkpointer = createCheckpointer(app.store, app.gatewayKey, {
    ...config.checkpoint,
    onError: (err) => { app.log.error({ err: err.message }, 'audit checkpoint not signed') }
  })
  const writer = createAuditWriter(app.store, { maxBatch: config.maxBatch, onCommit: app.metrics?.observeAuditCommit, onHead: checkpointer.committed })
  const summaries = createRefusalSummaries({ write: async (entries) => { await Promise.all(entries.map(async (entry) => { await writer.append(entry) })) } })
  const flushSummaries = async (): Promise<void> => {
    // a failed write keeps its counts for the next flush; on close they are logged, never silently lost
    await summaries.flush().catch((err: Error) => { app.log.error({ err: err.message }, 'audit refusal summaries not committed') })
  }
  const summaryTimer = setInterval(() => { void flushSummaries() }, SUMMARY_WINDOW_MS).unref()
  // Summaries, then records still waiting when the server closes, are written before the store closes.
  app.addHook('onClose', async () => {
    clearInterval(summaryTimer)
    await flushSummaries()
    const unwritten = summaries.pending()
    if (unwritten.length > 0) app.log.error({ refusals: unwritten }, 'audit refusal summaries not committed before close: their counts')
    await writer.drain()
    await checkpointer.close()
  })
  if (!enabled) return

  app.addHook('onSend', async (request, reply, payload) => {
    if (!isAudited(request, reply) || countedInSummary(request, reply, summaries)) return payload
    if (undisclosed(request, reply)) {
      // a bug, caught before it leaks: personal data must pass the disclosure step (fields, rows, subjects)
      request.log.error({ route: request.routeOptions.url }, 'personal-data answer did not pass the disclosure step')
      reply.code(500).type('application/problem+json')
      payload = JSON.stringify(problemFor(request, PROBLEM_KINDS.GW_ERR_INTERNAL, 'Internal error'))
    }
    try {
      await writer.append(withAuditId(entryOf(request, reply, payload), reply))
      return payload
    } catch (err) {
      request.log.error({ err: (err as Error).message, status: reply.statusCode }, 'audit record not committed')
      if (reply.statusCode >= 400) return payload
      reply.code(503).type('application/problem+json')
      return JSON.stringify(problemFor(request, PROBLEM_KINDS.GW_ERR_AUDIT_UNAVAILABLE,
        'The audit store is unavailable: no data is disclosed without an audit record. Retry later.'))
    }
  })
}, { name: 'audit', dependencies: ['store', 'gateway-key', 'auth', 'disclosure'] })
