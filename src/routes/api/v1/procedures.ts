import type { FastifyInstance } from 'fastify'
import type { Procedure } from '../../../../adapters/procedures/port.js'
import { NotFoundError } from '../../../errors.js'
import { problemResponses } from '../../support/problems.js'
import { cacheHeaders, cachedAnswer } from '../../support/cache.js'
import { cacheKey } from '../../../cache/response-cache.js'
import { callContext } from '../../support/call-context.js'
import { CURSOR, LIMIT, SECURITY } from '../../support/schemas.js'

/**
 * The procedure catalogue: reference data, no personal data, so no purpose is asked, and answers are kept for
 * PROCEDURES_CACHE_TTL_S (found procedures and search pages; a 404 or an upstream failure is not kept).
 */
export default async function procedureRoutes (app: FastifyInstance): Promise<void> {
  const ttlSeconds = app.config.cache.proceduresTtlSeconds

  app.get<{ Params: { procedureCode: string } }>('/procedures/:procedureCode', {
    config: { service: 'procedures.read', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      tags: ['procedures'],
      operationId: 'getProcedure',
      summary: 'An administrative procedure by its national code',
      description: 'Grant `procedures.read`. Name, field, deciding agency, processing time, fees and required documents.',
      params: { type: 'object', required: ['procedureCode'], additionalProperties: false, properties: { procedureCode: { $ref: 'ProcedureCode#' } } },
      response: { 200: { description: 'The procedure', headers: cacheHeaders(), $ref: 'Procedure#' }, ...problemResponses(400, 401, 403, 404, 429, 502, 503, 504) }
    }
  }, async (request, reply): Promise<Procedure> => {
    const { procedureCode } = request.params
    const procedure = await cachedAnswer(reply, cacheKey('procedures/get', { procedureCode }), ttlSeconds,
      async () => await app.procedures.getProcedure(procedureCode, callContext(request)))
    if (procedure === undefined) throw new NotFoundError(`No procedure ${request.params.procedureCode} in the catalogue`)
    return procedure
  })

  app.get<{ Querystring: { q?: string, agency?: string, cursor?: string, limit: number } }>('/procedures', {
    config: { service: 'procedures.read', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      tags: ['procedures'],
      operationId: 'searchProcedures',
      summary: 'Search the procedure catalogue',
      description: 'Grant `procedures.read`. Every word of `q` must appear in the code, name or field; `agency` matches part of the deciding agency\'s name. Both ignore case and Vietnamese accents: "ho tich" finds "Hộ tịch".',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          q: { type: 'string', minLength: 1, maxLength: 200, examples: ['ho tich'] },
          agency: { type: 'string', minLength: 1, maxLength: 200, examples: ['UBND cấp xã'] },
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { 200: { description: 'A page of procedures', headers: cacheHeaders(), $ref: 'ProcedurePage#' }, ...problemResponses(400, 401, 403, 429, 502, 503, 504) }
    }
  }, async (request, reply) => {
    const { q, agency, cursor, limit } = request.query
    const search = {
      limit,
      ...(q === undefined ? {} : { q }),
      ...(agency === undefined ? {} : { agency }),
      ...(cursor === undefined ? {} : { cursor })
    }
    return await cachedAnswer(reply, cacheKey('procedures/search', search), ttlSeconds,
      async () => await app.procedures.searchProcedures(search, callContext(request)))
  })
}
