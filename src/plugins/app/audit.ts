import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditEntry } from '../../audit/record.js'
import { createAuditWriter } from '../../audit/writer.js'
import { PROBLEM_KINDS } from '../../errors.js'
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
  const service = request.routeOptions.config.service
  return service !== undefined && reply.statusCode < 300 && !request.disclosed && request.server.services.isPersonalData(service)
}

function isAudited (request: FastifyRequest): boolean {
  const { service, admin, authenticated } = request.routeOptions.config
  return service !== undefined || admin === true || authenticated === true
}

function entryOf (request: FastifyRequest, reply: FastifyReply): AuditEntry {
  const config = request.routeOptions.config
  const purpose = request.caller?.purpose ?? statedPurpose(request)
  return {
    recordedAt: new Date().toISOString(),
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
    upstream: config.upstream ?? null,
    latencyMs: Math.round(reply.elapsedTime * 1000) / 1000
  }
}

export default fp<{ maxBatch: number, enabled: boolean }>(async function audit (app, { maxBatch, enabled }) {
  const writer = createAuditWriter(app.store, { maxBatch, onCommit: app.metrics?.observeAuditCommit })
  // Records still waiting when the server closes are written before the store closes.
  app.addHook('onClose', async () => { await writer.drain() })
  if (!enabled) return

  app.addHook('onSend', async (request, reply, payload) => {
    if (!isAudited(request)) return payload
    if (undisclosed(request, reply)) {
      // a bug, caught before it leaks: personal data must pass the disclosure step (fields, rows, subjects)
      request.log.error({ route: request.routeOptions.url }, 'personal-data answer did not pass the disclosure step')
      reply.code(500).type('application/problem+json')
      payload = JSON.stringify(problemFor(request, PROBLEM_KINDS.GW_ERR_INTERNAL, 'Internal error'))
    }
    try {
      await writer.append(entryOf(request, reply))
      return payload
    } catch (err) {
      request.log.error({ err: (err as Error).message, status: reply.statusCode }, 'audit record not committed')
      if (reply.statusCode >= 400) return payload
      reply.code(503).type('application/problem+json')
      return JSON.stringify(problemFor(request, PROBLEM_KINDS.GW_ERR_AUDIT_UNAVAILABLE,
        'The audit store is unavailable: no data is disclosed without an audit record. Retry later.'))
    }
  })
}, { name: 'audit', dependencies: ['store', 'auth', 'disclosure'] })
