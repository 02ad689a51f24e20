import type { FastifyInstance } from 'fastify'
import { contradictionsWithPersonalId, identityMismatches, type IdentityClaim } from '../../../../domain/identity.js'
import { NotFoundError, validationError } from '../../../errors.js'
import { problemResponses } from '../../../plugins/app/problem-details.js'
import { callContext, personalDataHeaders, SECURITY } from '../../shared.js'

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
    return app.services.filterFields(citizen, request.caller?.grant?.fields, 'citizens.read')
  })

  app.post<{ Body: IdentityClaim }>('/citizens/verify', {
    config: { service: 'citizens.verify', upstream: 'population' },
    schema: {
      security: SECURITY,
      headers: personalDataHeaders,
      tags: ['citizens'],
      operationId: 'verifyCitizen',
      summary: 'Check identity details against the population database',
      description: 'Grant `citizens.verify`. Answers whether name, birth date and (optionally) gender match the record of the personal id, and which do not. Discloses nothing else. A birth year or gender that contradicts the personal id itself is a 400.',
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
    const citizen = await app.population.findCitizenByPersonalId(claim.personalId, callContext(request))
    if (citizen === undefined) return { match: false, mismatches: ['personalId'] }
    const mismatches = identityMismatches(citizen, claim)
    return { match: mismatches.length === 0, mismatches }
  })
}
