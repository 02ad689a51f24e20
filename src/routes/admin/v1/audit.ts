import type { FastifyInstance } from 'fastify'
import { BadCursorError, listCheckpoints, searchAudit, subjectAccesses, verifyChain, type AuditQuery } from '../../../audit/reader.js'
import { publicKeys } from '../../../signing/key-register.js'
import { validationError } from '../../../errors.js'
import { problemResponses } from '../../support/problems.js'
import { SECURITY } from '../../support/schemas.js'

/** Reading the audit trail: search, a data subject's access report, and the hash-chain check. */

const LIMIT = { type: 'integer', minimum: 1, maximum: 100, default: 50 }
const CURSOR = { type: 'string', minLength: 1, maxLength: 64 }

async function withCursor<T> (read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    if (err instanceof BadCursorError) throw validationError([{ in: 'query', pointer: '/cursor', detail: err.message }])
    throw err
  }
}

export default async function auditRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { client?: string, service?: string, subject?: string, from?: string, to?: string, cursor?: string, limit: number } }>('/audit', {
    // searching by a person reads that person's accesses: it belongs in their own access report
    config: { admin: true, subjectQuery: 'subject' },
    schema: {
      tags: ['audit'],
      operationId: 'searchAudit',
      summary: 'Audit records, newest first, filtered by client, service, data subject and time',
      security: SECURITY,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          client: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$', maxLength: 128 },
          service: { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$', maxLength: 128 },
          subject: { $ref: 'PersonalId#' },
          from: { type: 'string', format: 'date-time', maxLength: 35, description: 'Inclusive' },
          to: { type: 'string', format: 'date-time', maxLength: 35, description: 'Exclusive' },
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { 200: { description: 'A page of records', $ref: 'AuditPage#' }, ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const { client, service, subject, from, to, cursor, limit } = request.query
    const query: AuditQuery = {
      limit,
      ...(client === undefined ? {} : { clientId: client }),
      ...(service === undefined ? {} : { service }),
      ...(subject === undefined ? {} : { subject }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(cursor === undefined ? {} : { cursor })
    }
    return await withCursor(() => searchAudit(app.store, query))
  })

  app.get('/audit/verify', {
    config: { admin: true },
    schema: {
      tags: ['audit'],
      operationId: 'verifyAudit',
      summary: 'Walk the audit hash chain and name the first record that does not verify',
      description: 'Detects a record edited, deleted or inserted after the fact, even by someone with write access to the database.',
      security: SECURITY,
      response: { 200: { description: 'The result of the walk', $ref: 'AuditVerification#' }, ...problemResponses(401, 403, 503) }
    }
  }, async () => await verifyChain(app.store))

  app.get<{ Querystring: { cursor?: string, limit: number } }>('/audit/checkpoints', {
    config: { admin: true },
    schema: {
      tags: ['audit'],
      operationId: 'listAuditCheckpoints',
      summary: 'The signed checkpoints of the audit chain, newest first, with the keys that verify them',
      description: 'Every N records or T seconds a gateway signs the chain head (seq, hash, time) with its own key. A record changed and the chain re-hashed after it no longer matches them; `GET /admin/v1/audit/verify` checks them all.',
      security: SECURITY,
      querystring: { type: 'object', additionalProperties: false, properties: { cursor: CURSOR, limit: LIMIT } },
      response: { 200: { description: 'A page of checkpoints', $ref: 'AuditCheckpointPage#' }, ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const page = await withCursor(() => listCheckpoints(app.store, request.query.cursor, request.query.limit))
    return { ...page, ...await publicKeys(app.store) }
  })

  app.get<{ Params: { personalId: string }, Querystring: { cursor?: string, limit: number } }>('/audit/subjects/:personalId', {
    config: { admin: true },
    schema: {
      tags: ['audit'],
      operationId: 'subjectAccessReport',
      summary: 'Who accessed this person\'s data, when and why',
      description: 'Every call that named this personal id — which client, which official, when, for what purpose, and whether data was disclosed: the report a citizen is entitled to under Decree 13/2023/NĐ-CP. This lookup is itself audited.',
      security: SECURITY,
      params: { type: 'object', required: ['personalId'], additionalProperties: false, properties: { personalId: { $ref: 'PersonalId#' } } },
      querystring: { type: 'object', additionalProperties: false, properties: { cursor: CURSOR, limit: LIMIT } },
      response: { 200: { description: 'The accesses, newest first', $ref: 'SubjectAccessReport#' }, ...problemResponses(400, 401, 403, 503) }
    }
  }, async (request) => {
    const { personalId } = request.params
    const page = await withCursor(() => subjectAccesses(app.store, personalId, request.query.cursor, request.query.limit))
    return { personalId, ...page }
  })
}
