import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { IllegalTransitionError, SequenceMismatchError, type Dossier, type DossierQuery, type DossierStatus } from '../../../../adapters/procedures/port.js'
import { conflictError, NotFoundError, PROBLEM_KINDS } from '../../../errors.js'
import { problemFor, readdressed, type Problem } from '../../../plugins/app/problem-details.js'
import { problemResponses } from '../../support/problems.js'
import type { IdempotencyKey } from '../../../store/idempotency.js'
import { callContext } from '../../support/call-context.js'
import { CURSOR, IDEMPOTENCY_KEY, LIMIT, personalDataHeaders, SECURITY } from '../../support/schemas.js'

/** Dossiers of the one-stop system. They name their applicant, so they are personal data: purpose, fields, audit. */

const STATUS_ROUTE = 'POST /api/v1/dossiers/:dossierCode/status'
// one format rather than anyOf[date, date-time], so a bad value is one error, not three;
// a real date or date-time with offset, years 1900–2100 (domain/calendar.ts)
const DATE_OR_TIME = { type: 'string', format: 'date-or-date-time', maxLength: 32 }

/**
 * Sends a kept answer again, marked as a replay. A dossier is kept as the upstream gave it and disclosed again under
 * the grant in force now (fields, rows, data subjects); a problem carries this request's id and instance.
 */
function replay (request: FastifyRequest, reply: FastifyReply, statusCode: number, response: unknown): FastifyReply {
  reply.header('idempotent-replayed', 'true')
  if (statusCode < 400) {
    const dossier = response as Dossier
    if (!request.server.disclosure.reachable(request, dossier)) throw new NotFoundError(`No dossier ${dossier.dossierCode}`)
    return reply.code(statusCode).send(request.server.disclosure.records(request, [dossier])[0])
  }
  return reply.code(statusCode).type('application/problem+json').send(readdressed(request, response as Problem))
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
    // outside the grant's rows reads as absent: a 403 would confirm the dossier exists
    if (dossier === undefined || !app.disclosure.reachable(request, dossier)) throw new NotFoundError(`No dossier ${request.params.dossierCode}`)
    return app.disclosure.records(request, [dossier])[0]
  })

  app.get<{ Querystring: DossierQuery }>('/dossiers', {
    config: { service: 'dossiers.read', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      headers: personalDataHeaders,
      tags: ['dossiers'],
      operationId: 'listDossiers',
      summary: 'Dossiers of a person, a status or a period',
      description: 'Grant `dossiers.read` with a purpose. Ordered by reception time. `from`/`to` bound the reception time, inclusive: a date (whole day, Vietnam time) or a date-time with offset, in the years 1900–2100. A filter may only read a field the grant discloses (`from`/`to`: `receivedAt`, `status`, `receivingAgencyCode`: `receivingAgency`, `personalId`: `applicant` — or any grant with `rows.subject`), else 403 `filter-not-granted`; a grant with `rows.subject: required` answers only lists by `personalId` (else 403 `subject-required`), and one with `rows.match` only the dossiers it fixes (e.g. its own agency\'s).',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          personalId: { $ref: 'PersonalId#' },
          status: { $ref: 'DossierStatus#' },
          receivingAgencyCode: { type: 'string', pattern: '^[A-Z0-9.]{1,40}$', maxLength: 40, description: 'The receiving agency\'s electronic code', examples: ['000.00.20.H23'] },
          from: { ...DATE_OR_TIME, examples: ['2025-07-01'] },
          to: { ...DATE_OR_TIME, examples: ['2025-12-31T17:00:00+07:00'] },
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { 200: { description: 'A page of dossiers', $ref: 'DossierPage#' }, ...problemResponses(400, 401, 403, 429, 502, 503, 504) }
    }
  }, async (request) => {
    const { personalId, status, receivingAgencyCode, from, to, cursor, limit } = app.disclosure.listQuery(request, request.query)
    const page = await app.procedures.listDossiers({
      limit,
      ...(personalId === undefined ? {} : { personalId }),
      ...(status === undefined ? {} : { status }),
      ...(receivingAgencyCode === undefined ? {} : { receivingAgencyCode }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      // the upstream's cursor holds the last dossier's reception time: the caller only sees it sealed
      ...(cursor === undefined ? {} : { cursor: app.disclosure.openCursor(request, cursor) })
    }, callContext(request))
    // asking for a person's dossiers is an access to that person's data, even when there are none
    const items = app.disclosure.records(request, page.items, [personalId])
    return page.nextCursor === undefined ? { items } : { items, nextCursor: app.disclosure.sealCursor(request, page.nextCursor) }
  })

  app.post<{ Params: { dossierCode: string }, Body: { status: DossierStatus, note?: string, expectedSequence?: number } }>('/dossiers/:dossierCode/status', {
    config: { service: 'dossiers.write', upstream: 'procedures' },
    schema: {
      security: SECURITY,
      headers: {
        ...personalDataHeaders,
        properties: {
          ...personalDataHeaders.properties,
          'idempotency-key': IDEMPOTENCY_KEY
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
      // a grant limited to some dossiers (rows.match) may only change those: read first, absent if outside
      const current = request.caller?.grant?.rows?.match === undefined ? undefined : await app.procedures.getDossier(dossierCode, context)
      const outside = current !== undefined ? !app.disclosure.reachable(request, current) : request.caller?.grant?.rows?.match !== undefined
      dossier = outside
        ? undefined
        : await app.procedures.changeDossierStatus(dossierCode, { ...request.body, ...(context.officialId === undefined ? {} : { officialId: context.officialId }) }, context)
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
    // kept as the upstream answered: a replay is disclosed again under the grant in force then
    await keep(200, dossier)
    return app.disclosure.records(request, [dossier])[0]
  })
}
