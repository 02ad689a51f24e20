import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { archiveFileName, archiveLines, ArchiveRangeError, planArchive } from '../../../audit/archive.js'
import { validationError } from '../../../errors.js'
import { problemResponses } from '../../support/problems.js'
import { SECURITY } from '../../support/schemas.js'

/** A signed archive of the audit records of a period, streamed as it is read from the store. */

export default async function auditArchiveRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { from: string, to: string } }>('/audit/archives', {
    config: { admin: true },
    schema: {
      tags: ['audit'],
      operationId: 'archiveAudit',
      summary: 'A signed, self-contained archive of the audit records of a period (NDJSON)',
      description: 'Every record from the one after the previous period\'s last up to the last recorded before `to`, the signed checkpoints among them (the last record always has one), the public keys, and the gateway\'s signature over it all. Verify it offline with `npm run audit:verify`; the format is in docs/api.md. Streamed: a month of millions of records is never held in memory.',
      security: SECURITY,
      querystring: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: {
          from: { type: 'string', format: 'date-time', maxLength: 35, description: 'Inclusive, e.g. 2026-10-01T00:00:00Z' },
          to: { type: 'string', format: 'date-time', maxLength: 35, description: 'Exclusive; the period must have ended' }
        }
      },
      response: {
        200: {
          description: 'The archive: one JSON value a line (header, records and checkpoints, signature)',
          content: { 'application/x-ndjson': { schema: { type: 'string' } } }
        },
        ...problemResponses(400, 401, 403, 503)
      }
    }
  }, async (request, reply) => {
    let plan
    try {
      plan = await planArchive(app.store, app.gatewayKey, request.query)
    } catch (err) {
      if (err instanceof ArchiveRangeError) throw validationError([{ in: 'query', pointer: `/${err.bound}`, detail: err.message }])
      throw err
    }
    reply.type('application/x-ndjson').header('content-disposition', `attachment; filename="${archiveFileName(plan.header.period)}"`)
    return Readable.from(archiveLines(app.store, app.gatewayKey, plan))
  })
}
