import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Category } from '../../../../adapters/categories/port.js'
import type { CategoriesConfig } from '../../../config/categories.js'
import { cacheKey } from '../../../cache/response-cache.js'
import { NotFoundError, validationError } from '../../../errors.js'
import { cacheHeaders, cachedAnswer } from '../../support/cache.js'
import { conditionalHeaders, IF_NONE_MATCH, notModified, notModifiedResponse } from '../../support/etag.js'
import { problemResponses } from '../../support/problems.js'
import { CURSOR, LIMIT, SECURITY } from '../../support/schemas.js'

/**
 * The shared categories (danh mục dùng chung): reference lists any registered client reads without a grant or a
 * purpose (service `categories.read`, open), audited only when CATEGORIES_AUDIT says so. Answers are conditional
 * (ETag, If-None-Match → 304, Cache-Control) and pages go through the response cache under the list's version.
 */

const SERVICE = 'categories.read'
const TAGS = ['categories']
const CODE = { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 48 }
const ACCESS = 'Any valid token of a registered client (service `categories.read`, open: no grant, no purpose; no personal data).'

interface ItemsQuerystring { q?: string, parent?: string, asOf?: string, cursor?: string, limit: number }
interface ConversionsQuerystring { legacyCommuneCode?: string, legacyDistrictCode?: string, legacyProvinceCode?: string, communeCode?: string, cursor?: string, limit: number }

export default async function categoryRoutes (app: FastifyInstance, { config }: { config: CategoriesConfig }): Promise<void> {
  const routeConfig = { service: SERVICE, upstream: 'categories', auditAnswers: config.audit }
  const maxAgeOf = (category?: Category): number => category?.declaration.maxAgeSeconds ?? config.maxAgeSeconds
  const common = { security: SECURITY, tags: TAGS, headers: IF_NONE_MATCH }
  const ok = (description: string, $ref: string, cached: boolean): Record<number, unknown> =>
    ({ 200: { description, headers: { ...conditionalHeaders(), ...(cached ? cacheHeaders() : {}) }, $ref }, ...notModifiedResponse() })

  /** The body, or a 304 when the caller holds it already. */
  function conditional<T> (request: FastifyRequest, reply: FastifyReply, body: T, maxAge: number): T | undefined {
    if (notModified(request, reply, body, maxAge)) return undefined
    return body
  }

  app.get('/categories', {
    config: routeConfig,
    schema: {
      ...common,
      operationId: 'listCategories',
      summary: 'The shared categories',
      description: `${ACCESS} Every declared category with its owner, version, the period it is in force (\`effectiveFrom\`, \`effectiveUntil\`; the 2025 units from 2025-07-01, the legacy ones until 2025-06-30) and its number of items.`,
      response: { ...ok('The categories', 'CategoryList#', false), ...problemResponses(400, 401, 403, 429) }
    }
  }, async (request, reply) => {
    const body = conditional(request, reply, { items: app.categories.list() }, config.maxAgeSeconds)
    return body === undefined ? await reply.send() : body
  })

  app.get<{ Querystring: ConversionsQuerystring }>('/categories/communes/conversions', {
    config: routeConfig,
    schema: {
      ...common,
      operationId: 'listCommuneConversions',
      summary: 'What became of legacy communes on 1 July 2025',
      description: `${ACCESS} The official conversion table, one entry per legacy commune: the current commune(s) that took it in, the kind of change and the table's note; \`split\` when it went to several. Give at least one filter; given together, all must match. \`communeCode\` asks the other way: the legacy communes a current commune took in.`,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          legacyCommuneCode: { type: 'string', pattern: '^[0-9]{5}$', maxLength: 5, description: 'A legacy commune (5 digits)' },
          legacyDistrictCode: { type: 'string', pattern: '^[0-9]{3}$', maxLength: 3, description: 'Every legacy commune of a legacy district (3 digits)' },
          legacyProvinceCode: { type: 'string', pattern: '^[0-9]{2}$', maxLength: 2, description: 'Every legacy commune of a legacy province (2 digits)' },
          communeCode: { type: 'string', pattern: '^[0-9]{5}$', maxLength: 5, description: 'Every legacy commune a current commune took in all or part of' },
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { ...ok('A page of conversions', 'CommuneConversionPage#', true), ...problemResponses(400, 401, 403, 404, 429) }
    }
  }, async (request, reply) => {
    const { cursor, limit, ...filters } = request.query
    if (Object.values(filters).every((value) => value === undefined)) {
      throw validationError([{ in: 'query', pointer: '', detail: 'needs legacyCommuneCode, legacyDistrictCode, legacyProvinceCode or communeCode' }])
    }
    const communes = app.categories.get('communes')
    if (communes?.register === undefined) throw new NotFoundError('No register of administrative units declares the category communes')
    const parameters = { ...filters, cursor, limit, version: communes.declaration.version, digest: communes.digest }
    const page = await cachedAnswer(reply, cacheKey('categories/communes/conversions', parameters), config.cacheTtlSeconds,
      async () => app.categories.conversions({ ...filters, ...(cursor === undefined ? {} : { cursor }), limit }))
    if (page === undefined) throw new NotFoundError('No register of administrative units declares the category communes')
    const body = conditional(request, reply, page, maxAgeOf(communes))
    return body === undefined ? await reply.send() : body
  })

  app.get<{ Params: { category: string }, Querystring: ItemsQuerystring }>('/categories/:category/items', {
    config: routeConfig,
    schema: {
      ...common,
      operationId: 'listCategoryItems',
      summary: 'Items of a shared category',
      description: `${ACCESS} Items in code order. \`q\` finds words in the name whatever the accents and case ("ha tinh" finds "Tỉnh Hà Tĩnh", "da nang" finds "Đà Nẵng"), or the start of a code. \`parent\` keeps the items under one parent (\`communes?parent=42\`: the communes of Hà Tĩnh). \`asOf\` reads the list as in force that day: a category not in force then answers an empty page (the current \`provinces\` and \`communes\` from 2025-07-01; before, the \`legacy-*\` ones, in force until 2025-06-30). Without \`asOf\`, the list as declared.`,
      params: { type: 'object', required: ['category'], additionalProperties: false, properties: { category: CODE } },
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          q: { type: 'string', minLength: 1, maxLength: 100, description: 'Words of the name (accents and case ignored) or the start of a code' },
          parent: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,32}$', maxLength: 32, description: 'The parent\'s code' },
          asOf: { type: 'string', format: 'date', description: 'The day (YYYY-MM-DD) the list must be in force' },
          cursor: CURSOR,
          limit: LIMIT
        }
      },
      response: { ...ok('A page of items', 'CategoryItemPage#', true), ...problemResponses(400, 401, 403, 404, 429) }
    }
  }, async (request, reply) => {
    const category = app.categories.get(request.params.category)
    if (category === undefined) throw new NotFoundError(`No category ${request.params.category}: GET /api/v1/categories lists them`)
    const { q, parent, asOf, cursor, limit } = request.query
    const parameters = { q, parent, asOf, cursor, limit, version: category.declaration.version, digest: category.digest }
    const page = await cachedAnswer(reply, cacheKey(`categories/${category.declaration.code}/items`, parameters), config.cacheTtlSeconds,
      async () => app.categories.items(category, { limit, ...definedOf({ q, parent, asOf, cursor }) }))
    const body = conditional(request, reply, page, maxAgeOf(category))
    return body === undefined ? await reply.send() : body
  })
}

/** The entries whose value is given (exactOptionalPropertyTypes-friendly). */
function definedOf<T extends Record<string, string | undefined>> (values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: string }
}
