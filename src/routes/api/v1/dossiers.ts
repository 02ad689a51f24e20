import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { IllegalTransitionError, SequenceMismatchError, type Dossier, type DossierStatus } from '../../../../adapters/procedures/port.js'
import { conflictError, NotFoundError, PROBLEM_KINDS } from '../../../errors.js'
import { addDataSubjects } from '../../../plugins/app/audit.js'
import { problemFor, problemResponses, readdressed, type Problem } from '../../../plugins/app/problem-details.js'
import type { IdempotencyKey } from '../../../store/idempotency.js'
import { callContext, CURSOR, LIMIT, personalDataHeaders, SECURITY } from '../../shared.js'

/** Dossiers of the one-stop system. They name their applicant, so they are personal data: purpose, fields, audit. */

const STATUS_ROUTE = 'POST /api/v1/dossiers/:dossierCode/status'
// one pattern rather than anyOf[date, date-time], so a bad value is one error, not three
// a real date or date-time with offset, years 1900–2100 (src/domain/calendar.ts)
const DATE_OR_TIME = { type: 'string', format: 'date-or-date-time', maxLength: 32 }

function disclose (request: FastifyRequest, service: string, dossiers: Dossier[]): Array<Partial<Dossier>> {
  addDataSubjects(request, dossiers.filter((dossier) => dossier.applicant.kind === 'citizen').map((dossier) => dossier.applicant.id))
  return dossiers.map((dossier) => request.server.services.filterFields(dossier, request.caller?.grant?.fields, service))
}

/** Sends a kept answer again, marked as a replay; a problem carries this request's id and instance, not the first's. */
function replay (request: FastifyRequest, reply: FastifyReply, statusCode: number, response: unknown): FastifyReply {
  reply.header('idempotent-replayed', 'true').code(statusCode)
  if (statusCode < 400) return reply.send(response)
  return reply.type('application/problem+json').send(readdressed(request, response as Problem))
}

export default async function dossierRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { dossierCode: string } }>('/dossiers/:dossierCode', {
    config: { service: 'dossiers.read', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      headers: personalDataHeaders,
      tags: ['dossiers'],
      operationId: 'getDossier',
      summary: 'A dossier with its status history',
      description: 'Grant `dossiers.read` with a purpose. Only the fields of the caller\'s grant are returned.',
      params: { type: 'object', required: ['dossierCode'], additionalProperties: false, properties: { dossierCode: { $ref: 'DossierCode#' } } },
      response: { 200: { description: 'The dossier', $ref: 'Dossier#' }, ...problemResponses(400, 401, 403, 404, 429, 502, 503, 504) }
    }
  }, async (request) => {
    const dossier = await app.procedures.getDossier(request.params.dossierCode, callContext(request))
    if (dossier === undefined) throw new NotFoundError(`No dossier ${request.params.dossierCode}`)
    return disclose(request, 'dossiers.read', [dossier])[0]
  })

  app.get<{ Querystring: { personalId?: string, status?: DossierStatus, from?: string, to?: string, cursor?: string, limit: number } }>('/dossiers', {
    config: { service: 'dossiers.read', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      headers: personalDataHeaders,
      tags: ['dossiers'],
      operationId: 'listDossiers',
      summary: 'Dossiers of a person, a status or a period',
      description: 'Grant `dossiers.read` with a purpose. Ordered by reception time. `from`/`to` bound the reception time, inclusive: a date (whole day, Vietnam time) or a date-time with offset, in the years 1900–2100.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          personalId: { $ref: 'PersonalId#' },
          status: { $ref: 'DossierStatus#' },
          from: { ...DATE_OR_TIME, examples: ['2025-07-01'] },
          to: { ...DATE_OR_TIME, examples: ['2025-12-31T17:00:00+07:00'] },
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { 200: { description: 'A page of dossiers', $ref: 'DossierPage#' }, ...problemResponses(400, 401, 403, 429, 502, 503, 504) }
    }
  }, async (request) => {
    const { personalId, status, from, to, cursor, limit } = request.query
    const page = await app.procedures.listDossiers({
      limit,
      ...(personalId === undefined ? {} : { personalId }),
      ...(status === undefined ? {} : { status }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(cursor === undefined ? {} : { cursor })
    }, callContext(request))
    return { ...page, items: disclose(request, 'dossiers.read', page.items) }
  })

  app.post<{ Params: { dossierCode: string }, Body: { status: DossierStatus, note?: string, expectedSequence?: number } }>('/dossiers/:dossierCode/status', {
    config: { service: 'dossiers.write', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      headers: {
        ...personalDataHeaders,
        properties: {
          ...personalDataHeaders.properties,
          'idempotency-key': { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$', description: 'Unique per intended change: a repeat with the same key and body replays the first answer; the same key with another body is a 409.' }
        },
        required: [...personalDataHeaders.required, 'idempotency-key']
      },
      tags: ['dossiers'],
      operationId: 'changeDossierStatus',
      summary: 'Move a dossier to another status, exactly once',
      description: 'Grant `dossiers.write` with a purpose. The workflow decides which moves are legal; an illegal one is a 409 listing `allowedStatuses`. `expectedSequence` guards against a change made meanwhile. Retries with the same `Idempotency-Key` never apply the change twice, on any gateway.',
      params: { type: 'object', required: ['dossierCode'], additionalProperties: false, properties: { dossierCode: { $ref: 'DossierCode#' } } },
      body: { $ref: 'DossierStatusChange#' },
      response: { 200: { description: 'The dossier after the change', $ref: 'Dossier#' }, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 429, 502, 503, 504) }
    }
  }, async (request, reply) => {
    const { dossierCode } = request.params
    const id: IdempotencyKey = {
      clientId: request.caller?.clientId ?? '',
      key: request.headers['idempotency-key'] as string,
      operation: STATUS_ROUTE,
      request: { dossierCode, ...request.body }
    }
    const claim = await app.idempotency.claim(id)
    if (claim.kind === 'replay') return replay(request, reply, claim.statusCode, claim.response)
    if (claim.kind === 'mismatch') throw conflictError('This Idempotency-Key was used for a different request')
    if (claim.kind === 'in-progress') throw conflictError('A request with this Idempotency-Key is still being answered', {}, { 'retry-after': '1' })

    // Definite answers are kept for replay; a failure worth retrying (upstream down, timeout) frees the key.
    const keep = async (statusCode: number, response: unknown): Promise<void> => { await app.idempotency.complete(id, statusCode, response) }
    let dossier: Dossier | undefined
    try {
      const context = callContext(request)
      dossier = await app.procedures.changeDossierStatus(dossierCode, { ...request.body, ...(context.officialId === undefined ? {} : { officialId: context.officialId }) }, context)
    } catch (err) {
      if (err instanceof IllegalTransitionError || err instanceof SequenceMismatchError) {
        const extensions = err instanceof IllegalTransitionError ? { allowedStatuses: err.allowed } : {}
        await keep(409, { ...problemFor(request, PROBLEM_KINDS.GW_ERR_CONFLICT, err.message), ...extensions })
        throw conflictError(err.message, extensions)
      }
      await app.idempotency.release(id)
      throw err
    }
    if (dossier === undefined) {
      const detail = `No dossier ${dossierCode}`
      await keep(404, problemFor(request, PROBLEM_KINDS.GW_ERR_NOT_FOUND, detail))
      throw new NotFoundError(detail)
    }
    const [disclosed] = disclose(request, 'dossiers.write', [dossier])
    await keep(200, disclosed)
    return disclosed
  })
}
