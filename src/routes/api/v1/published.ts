import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PublishedAnswer, PublishedRequest } from '../../../../adapters/published/client.js'
import type { PublishedOperation, PublishedService } from '../../../../adapters/published/loader.js'
import { valueAt, valuesAt, withValueAt } from '../../../../adapters/published/pointers.js'
import { conflictError, ServiceRetiredError } from '../../../errors.js'
import type { IdempotencyKey } from '../../../store/idempotency.js'
import { callContext } from '../../support/call-context.js'
import { problemResponses } from '../../support/problems.js'
import { IDEMPOTENCY_KEY, personalDataHeaders, SECURITY } from '../../support/schemas.js'

/**
 * One route per published operation, `/services/<service><provider path>`, declared from the provider's own
 * OpenAPI document (parameters, body, 2xx answers), through the same pipeline as the built-in routes: the grant of
 * the service (and of the operation, when the grant narrows it), the operation's purposes for personal data, the
 * provider's schemas as validation, its breaker and deadline, and every answer through the disclosure step (the
 * grant's fields, nested paths included, and the data subjects at the declared pointers). A deprecated service
 * says so on every answer (Deprecation, Sunset); a retired one answers 410.
 */

const upperFirst = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** RFC 9745: `@<seconds since the epoch>`; RFC 8594: an HTTP-date. */
function lifecycleHeaders (service: PublishedService): Record<string, string> {
  const lifecycle = service.declaration.lifecycle
  if (lifecycle?.status !== 'deprecated') return {}
  const headers: Record<string, string> = { deprecation: `@${Math.floor(Date.parse(lifecycle.deprecatedAt ?? '') / 1000)}` }
  if (lifecycle.sunset !== undefined) headers.sunset = new Date(`${lifecycle.sunset}T00:00:00Z`).toUTCString()
  headers.link = `</api/v1/catalogue/${service.declaration.service}>; rel="deprecation"; type="application/json"`
  return headers
}

function parametersSchema (operation: PublishedOperation, place: 'path' | 'query'): Record<string, unknown> | undefined {
  const parameters = operation.provider.parameters.filter((parameter) => parameter.in === place)
  if (parameters.length === 0) return undefined
  return {
    type: 'object',
    additionalProperties: false,
    required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, { ...parameter.schema, ...(parameter.description === undefined ? {} : { description: parameter.description }) }]))
  }
}

function headersSchema (operation: PublishedOperation, needsKey: boolean): Record<string, unknown> | undefined {
  const provider = operation.provider.parameters.filter((parameter) => parameter.in === 'header')
  const properties: Record<string, unknown> = {
    ...(operation.personal ? personalDataHeaders.properties : {}),
    ...Object.fromEntries(provider.map((parameter) => [parameter.name.toLowerCase(), { ...parameter.schema, ...(parameter.description === undefined ? {} : { description: parameter.description }) }])),
    ...(needsKey ? { 'idempotency-key': IDEMPOTENCY_KEY } : {})
  }
  const required = [
    ...(operation.personal ? personalDataHeaders.required : []),
    ...provider.filter((parameter) => parameter.required).map((parameter) => parameter.name.toLowerCase()),
    ...(needsKey ? ['idempotency-key'] : [])
  ]
  return Object.keys(properties).length === 0 ? undefined : { type: 'object', properties, ...(required.length === 0 ? {} : { required }) }
}

function accessText (service: PublishedService, operation: PublishedOperation, needsKey: boolean): string {
  const { declaration } = service
  const id = declaration.service
  const parts = [`Published by ${declaration.owner.name} (${declaration.owner.agencyCode}); grant \`${id}\`${operation.personal ? ` with a purpose among ${(operation.declaration.purposes ?? []).map((purpose) => `\`${purpose}\``).join(', ')}` : ''}.`]
  if (operation.personal) parts.push(`Personal data (${operation.declaration.personalData?.properties.map((pointer) => `\`${pointer}\``).join(', ') ?? ''}): only the fields of the caller's grant are returned.`)
  if (needsKey) parts.push('The provider does not apply a repeat once: `Idempotency-Key` is required, and a repeat with the same key replays the first answer.')
  parts.push(`Legal basis: ${declaration.legalBasis.map((basis) => basis.document).join(', ')}.`)
  return parts.join(' ')
}

function registerOperation (app: FastifyInstance, service: PublishedService, operation: PublishedOperation): void {
  const { declaration, schemaPrefix } = service
  const id = declaration.service
  const { provider } = operation
  const url = `/services/${id}${provider.path.replace(/\{([^}]+)\}/g, ':$1')}`
  const needsKey = !operation.idempotent
  const retired = declaration.lifecycle?.status === 'retired'
  const lifecycle = lifecycleHeaders(service)
  const params = parametersSchema(operation, 'path')
  const querystring = parametersSchema(operation, 'query')
  const headers = headersSchema(operation, needsKey)
  const answers = Object.fromEntries(provider.responses.map((response) => [response.status, {
    description: response.description,
    ...(response.schema === undefined ? { type: 'null' } : response.schema)
  }]))
  const withBody = provider.body === undefined ? [] : [413, 415]
  const problems = problemResponses(...[400, 401, 403, 404, ...(needsKey || provider.method !== 'GET' ? [409] : []), ...(retired ? [410] : []), ...withBody, 429, 502, 503, 504])

  app.route<{ Params: Record<string, string>, Querystring: Record<string, unknown>, Body: unknown }>({
    method: provider.method as 'GET',
    url,
    // a retired service is gone for everyone: no token, grant or purpose is worth checking to say so
    config: retired ? {} : { service: id, upstream: `service:${id}`, operation: provider.operationId, personalData: operation.personal, ...(operation.declaration.purposes === undefined ? {} : { purposes: operation.declaration.purposes }) },
    schema: {
      tags: [`service: ${id}`],
      operationId: `${schemaPrefix.charAt(0).toLowerCase()}${schemaPrefix.slice(1)}${upperFirst(provider.operationId)}`,
      summary: provider.summary ?? `${provider.operationId} of ${declaration.title}`,
      description: [provider.description, accessText(service, operation, needsKey)].filter((text) => text !== undefined).join('\n\n'),
      ...(declaration.lifecycle?.status === 'deprecated' || retired ? { deprecated: true } : {}),
      ...(retired ? {} : { security: SECURITY }),
      ...(params === undefined ? {} : { params }),
      ...(querystring === undefined ? {} : { querystring }),
      ...(headers === undefined ? {} : { headers }),
      ...(provider.body === undefined ? {} : { body: provider.body.schema }),
      response: { ...answers, ...problems }
    },
    ...(Object.keys(lifecycle).length === 0 ? {} : { onRequest: async (_request: FastifyRequest, reply: FastifyReply) => { reply.headers(lifecycle) } }),
    handler: async (request, reply) => {
      if (retired) throw new ServiceRetiredError(`${id} was retired by ${declaration.owner.name}${declaration.lifecycle?.successor === undefined ? '' : `; use ${declaration.lifecycle.successor}`}`)
      const sent: PublishedRequest = {
        path: request.params ?? {},
        query: request.query ?? {},
        headers: forwardedHeaders(request, operation),
        ...(provider.body === undefined || request.body === undefined ? {} : { body: request.body })
      }
      const asked = askedSubjects(request, operation)
      const client = app.published.client(id)
      if (!needsKey) return answer(reply, disclosed(request, operation, await client.call(operation, sent, callContext(request)), asked))

      const key: IdempotencyKey = { clientId: request.caller?.clientId ?? '', key: request.headers['idempotency-key'] as string, operation: `${provider.method} /api/v1${url}`, request: { path: sent.path, query: sent.query, body: sent.body } }
      const claim = await app.idempotency.claim(key)
      if (claim.kind === 'replay') {
        // only 2xx answers are kept (a failure frees the key), as the provider answered: disclosed again under the grant in force now
        reply.header('idempotent-replayed', 'true')
        return answer(reply, disclosed(request, operation, claim.response as PublishedAnswer, asked))
      }
      if (claim.kind === 'mismatch') throw conflictError('This Idempotency-Key was used for a different request')
      if (claim.kind === 'in-progress') throw conflictError('A request with this Idempotency-Key is still being answered', {}, { 'retry-after': '1' })
      let upstreamAnswer: PublishedAnswer
      try {
        upstreamAnswer = await client.call(operation, sent, callContext(request))
      } catch (err) {
        // no answer kept: the caller may retry with the same key
        await app.idempotency.release(key)
        throw err
      }
      await app.idempotency.complete(key, upstreamAnswer.status, upstreamAnswer)
      return answer(reply, disclosed(request, operation, upstreamAnswer, asked))
    }
  })

  /** The provider's own header parameters, and the purpose for its log. */
  function forwardedHeaders (request: FastifyRequest, published: PublishedOperation): Record<string, string> {
    const forwarded: Record<string, string> = {}
    for (const parameter of published.provider.parameters) {
      const value = request.headers[parameter.name.toLowerCase()]
      if (parameter.in === 'header' && typeof value === 'string') forwarded[parameter.name.toLowerCase()] = value
    }
    const purpose = request.caller?.purpose
    if (purpose !== undefined) forwarded['x-purpose'] = purpose.reference === undefined ? purpose.code : `${purpose.code}:${purpose.reference}`
    return forwarded
  }

  /** The personal ids the caller named in the request (where the declaration says they are). */
  function askedSubjects (request: FastifyRequest, published: PublishedOperation): unknown[] {
    const parts = { path: request.params, query: request.query, body: request.body }
    return (published.declaration.personalData?.subjects.request ?? []).flatMap((pointer) => valuesAt(parts, pointer))
  }

  /** The provider's answer through the disclosure step: its records reduced to the grant, their subjects recorded. */
  function disclosed (request: FastifyRequest, published: PublishedOperation, upstream: PublishedAnswer, asked: unknown[]): PublishedAnswer {
    const { body } = upstream
    const records = published.declaration.records
    if (typeof body !== 'object' || body === null) return { status: upstream.status, body: app.disclosure.answer(request, body, asked) }
    if (records !== undefined) return { status: upstream.status, body: withValueAt(body, records, app.disclosure.records(request, valueAt(body, records) as object[], asked)) }
    if (Array.isArray(body)) return { status: upstream.status, body: app.disclosure.records(request, body as object[], asked) }
    return { status: upstream.status, body: app.disclosure.records(request, [body], asked)[0] }
  }
}

async function answer (reply: FastifyReply, { status, body }: PublishedAnswer): Promise<FastifyReply> {
  return await reply.code(status).send(body)
}

export default async function publishedRoutes (app: FastifyInstance): Promise<void> {
  for (const service of app.published.services) for (const operation of service.operations) registerOperation(app, service, operation)
}
