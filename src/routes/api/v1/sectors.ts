import type { FastifyInstance, FastifyReply } from 'fastify'
import { datasetKey, hasPersonalData, serviceName, type DatasetDeclaration } from '../../../../adapters/sector/port.js'
import { NotFoundError, validationError } from '../../../errors.js'
import { wallClock } from '../../../../adapters/shared/vietnam-time.js'
import { problemResponses } from '../../support/problems.js'
import { cacheHeaders, cachedAnswer } from '../../support/cache.js'
import { datasetCacheTtl } from '../../../cache/policy.js'
import { cacheKey } from '../../../cache/response-cache.js'
import { pageSchemaId, recordSchemaId } from '../../../sector/dataset-schemas.js'
import { callContext } from '../../support/call-context.js'
import { CURSOR, LIMIT, personalDataHeaders, SECURITY } from '../../support/schemas.js'

/**
 * Two routes per declared dataset — `GET /sectors/<sector>/<dataset>/{id}` and the filtered list — so each has
 * its own parameters and response schema in the API description. Datasets holding personal data go through the
 * purpose check, the grant's field filter and the audit of their data subjects like citizens and dossiers do.
 * Datasets declared `cacheable` (never those holding personal data) answer through the response cache: the
 * port's answer is kept for the declared `ttlSeconds`, before the grant's field filter.
 */

type ListQuerystring = Record<string, string | number | undefined> & { cursor?: string, limit: number }

function registerDataset (app: FastifyInstance, declaration: DatasetDeclaration): void {
  const key = datasetKey(declaration)
  const service = serviceName(declaration)
  const personal = hasPersonalData(declaration)
  const subjectField = declaration.personalData.subjectIdField
  const config = { service, upstream: `sector:${key}` }
  const tags = [`sector: ${declaration.sector}`]
  const operation = recordSchemaId(declaration).replace(/^Sector/, '')
  const access = personal
    ? `Grant \`${service}\` with a purpose: the records hold personal data (${declaration.personalData.fields.map((field) => `\`${field}\``).join(', ')}); only the fields of the caller's grant are returned.`
    : `Grant \`${service}\`. Reference data without personal data.`
  const common = { security: SECURITY, tags, ...(personal ? { headers: personalDataHeaders } : {}) }
  const ttlSeconds = datasetCacheTtl(declaration)
  const cached = ttlSeconds > 0
  /** The port's answer, through the cache when the dataset may be kept. */
  async function answer<T> (reply: FastifyReply, name: string, parameters: Record<string, string | number | undefined>, load: () => Promise<T>): Promise<T> {
    return cached ? await cachedAnswer(reply, cacheKey(`sector/${key}/${name}`, parameters), ttlSeconds, load) : await load()
  }

  app.get<{ Params: { id: string | number } }>(`/sectors/${declaration.sector}/${declaration.dataset}/:id`, {
    config,
    schema: {
      ...common,
      operationId: `get${operation}`,
      summary: `One record of ${declaration.title}`,
      description: `${access} \`id\` is the record's \`${declaration.idField}\`.`,
      params: {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: { id: declaration.recordSchema.properties[declaration.idField] ?? { type: 'string' } }
      },
      response: { 200: { description: 'The record', ...(cached ? { headers: cacheHeaders() } : {}), $ref: `${recordSchemaId(declaration)}#` }, ...problemResponses(400, 401, 403, 404, 429, 502, 503, 504) }
    }
  }, async (request, reply) => {
    const { id } = request.params
    const record = await answer(reply, 'get', { id }, async () => await app.sector.getRecord(declaration, id, callContext(request)))
    // outside the grant's rows reads as absent: a 403 would confirm the record exists
    if (record === undefined || !app.disclosure.reachable(request, record)) throw new NotFoundError(`No record ${String(request.params.id)} in ${key}`)
    return app.disclosure.records(request, [record])[0]
  })

  app.get<{ Querystring: ListQuerystring }>(`/sectors/${declaration.sector}/${declaration.dataset}`, {
    config,
    schema: {
      ...common,
      operationId: `list${operation}`,
      summary: `Search ${declaration.title}`,
      description: `${access}${declaration.filters.some((filter) => filter.category !== undefined) ? ` ${declaration.filters.filter((filter) => filter.category !== undefined).map((filter) => `\`${filter.name}\` takes a code of the shared category \`${filter.category ?? ''}\` in force today (else 400).`).join(' ')}` : ''} Every filter given must match; records come ordered by \`${declaration.idField}\`. A filter may only read a field the grant discloses (the data subject's also under a grant with \`rows.subject\`), else 403 \`filter-not-granted\`; \`rows.subject: required\` answers only lists by the subject, \`rows.match\` fixes filters.`,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...Object.fromEntries(declaration.filters.map((filter) => [filter.name, {
            ...filter.schema,
            description: filter.description ?? filter.schema.description ?? `\`${filter.field}\` ${OPERATOR_TEXT[filter.operator]} this value`
          }])),
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { 200: { description: 'A page of records', ...(cached ? { headers: cacheHeaders() } : {}), $ref: `${pageSchemaId(declaration)}#` }, ...problemResponses(400, 401, 403, 429, 502, 503, 504) }
    }
  }, async (request, reply) => {
    refuseUnknownCodes(app, declaration, request.query)
    const { cursor: sealed, limit, ...filters } = app.disclosure.listQuery(request, request.query)
    // a REST source's cursor may carry its upstream's own page token: the caller only sees it sealed
    const cursor = sealed === undefined ? undefined : app.disclosure.openCursor(request, sealed)
    const page = await answer(reply, 'list', { ...filters, cursor, limit },
      async () => await app.sector.listRecords(declaration, { limit, filters, ...(cursor === undefined ? {} : { cursor }) }, callContext(request)))
    // searching by a person is an access to that person's data, even when nothing is found
    const asked = subjectField === undefined ? undefined : declaration.filters.find((filter) => filter.field === subjectField && filter.operator === 'eq')
    const items = app.disclosure.records(request, page.items, asked === undefined ? [] : [filters[asked.name]])
    return page.nextCursor === undefined ? { items } : { items, nextCursor: app.disclosure.sealCursor(request, page.nextCursor) }
  })
}

/** A filter on unit codes (or any shared category's) takes only codes of the category in force today, Vietnam time. */
function refuseUnknownCodes (app: FastifyInstance, declaration: DatasetDeclaration, query: ListQuerystring): void {
  const { year, month, day } = wallClock(Date.now())
  const today = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  const errors = declaration.filters.flatMap((filter) => {
    const value = query[filter.name]
    if (filter.category === undefined || value === undefined || app.categories.holds(filter.category, String(value), today)) return []
    return [{ in: 'query' as const, pointer: `/${filter.name}`, detail: `is not a code of the category ${filter.category} in force on ${today} (GET /api/v1/categories/${filter.category}/items)` }]
  })
  if (errors.length > 0) throw validationError(errors)
}

const OPERATOR_TEXT = { eq: 'equals', prefix: 'starts with', gte: 'is at least', lte: 'is at most' } as const

export default async function sectorRoutes (app: FastifyInstance): Promise<void> {
  for (const declaration of app.sector.datasets) {
    for (const filter of declaration.filters) {
      if (filter.category !== undefined && app.categories.get(filter.category) === undefined) {
        throw new Error(`dataset ${datasetKey(declaration)}: filter ${filter.name} names the category ${filter.category}, which is not declared (categories/)`)
      }
    }
    registerDataset(app, declaration)
  }
}
