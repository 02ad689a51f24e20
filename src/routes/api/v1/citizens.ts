import type { FastifyInstance } from 'fastify'
import { contradictionsWithPersonalId, identityMismatches, type IdentityClaim } from '../../../../domain/identity.js'
import { NotFoundError, validationError } from '../../../errors.js'
import { problemResponses } from '../../support/problems.js'
import { callContext } from '../../support/call-context.js'
import { personalDataHeaders, SECURITY } from '../../support/schemas.js'
import { citizenWithCurrentUnits } from '../../../categories/current-units.js'

export default async function citizenRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { personalId: string } }>('/citizens/:personalId', {
    config: { service: 'citizens.read', upstream: 'population' },
    schema: {
      security: SECURITY,
      headers: personalDataHeaders,
      tags: ['citizens'],
      operationId: 'getCitizen',
      summary: 'Look up a citizen by personal id',
      description: 'Grant `citizens.read`. Reads the citizen\'s record from the national population database and returns only the fields of the caller\'s grant. Malformed ids are refused before the database is called.',
      params: {
        type: 'object',
        required: ['personalId'],
        additionalProperties: false,
        properties: { personalId: { $ref: 'PersonalId#' } }
      },
      response: {
        200: { description: 'The citizen', $ref: 'Citizen#' },
        ...problemResponses(400, 401, 403, 404, 429, 502, 503, 504)
      }
    }
  }, async (request) => {
    const citizen = await app.population.findCitizenByPersonalId(request.params.personalId, callContext(request))
    if (citizen === undefined) throw new NotFoundError('No citizen has this personal id')
    return app.disclosure.records(request, [citizenWithCurrentUnits(citizen, app.categories)])[0]
  })

  app.post<{ Body: IdentityClaim }>('/citizens/verify', {
    config: { service: 'citizens.verify', upstream: 'population' },
    schema: {
      security: SECURITY,
      headers: personalDataHeaders,
      tags: ['citizens'],
      operationId: 'verifyCitizen',
      summary: 'Check identity details against the population database',
      description: 'Grant `citizens.verify`. Answers whether name, birth date and (optionally) gender match the record of the personal id; which fields differ (`mismatches`) only when the grant has `mismatchDetail`. Discloses nothing else; an unknown personal id is a plain `match: false`. One client may verify one person a limited number of times per window (`VERIFY_ATTEMPTS_PER_SUBJECT` per `VERIFY_SUBJECT_WINDOW_S`), then 429 `verify-attempts-exceeded`. A birth year or gender that contradicts the personal id itself is a 400.',
      body: { $ref: 'CitizenVerifyRequest#' },
      response: {
        200: { description: 'The comparison', $ref: 'CitizenVerifyResult#' },
        ...problemResponses(400, 401, 403, 413, 415, 429, 502, 503, 504)
      }
    }
  }, async (request) => {
    const claim = request.body
    const contradictions = contradictionsWithPersonalId(claim)
    if (contradictions.length > 0) throw validationError(contradictions)
    await app.countSubjectVerification(request, claim.personalId)
    const citizen = await app.population.findCitizenByPersonalId(claim.personalId, callContext(request))
    const mismatches = citizen === undefined ? ['personalId'] : identityMismatches(citizen, claim)
    const match = mismatches.length === 0
    // which fields differ is itself disclosure: only a grant that says so gets it
    const result = request.caller?.grant?.mismatchDetail === true ? { match, mismatches } : { match }
    return app.disclosure.answer(request, result, [claim.personalId])
  })
}
