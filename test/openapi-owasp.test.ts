import t from 'tap'
import { parse } from 'yaml'
import { renderOpenApiYaml } from '../src/openapi.js'
import { operationsOf, type OpenApiDocument } from './fuzz/openapi-document.js'
import type { JsonSchema } from './fuzz/schema-arbitraries.js'

/**
 * The API description meets the OWASP API Security Top 10 (2023) design rules it can state: every input bounded
 * (API4 unrestricted resource consumption: strings, arrays, integers), every limited operation documenting its
 * rate limit and 429, every operation its answers' schemas, administration apart (API5), and the bearer scheme
 * stating its JWT rules (API2, RFC 8725). Walks the generated document, so a new route is held to it too.
 */

/** Formats whose values are bounded by the format itself (ajv-formats' `date` is yyyy-mm-dd; ours are fixed). */
const BOUNDED_FORMATS = new Set(['date', 'uuid', 'personal-id'])
const RATE_LIMIT_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']

type Schema = JsonSchema & Record<string, unknown>

/** Every unbounded place in an input schema, as `where: why`. */
function unbounded (document: OpenApiDocument, schema: Schema | undefined, where: string, seen = new Set<unknown>()): string[] {
  if (schema === undefined || seen.has(schema)) return []
  seen.add(schema)
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.slice(2).split('/').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], document)
    return unbounded(document, target as Schema, `${where} (${schema.$ref})`, seen)
  }
  const problems: string[] = []
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]
  const enumerated = Array.isArray(schema.enum) || 'const' in schema
  if (types.includes('string') && !enumerated && typeof schema.maxLength !== 'number' && !BOUNDED_FORMATS.has(String(schema.format))) {
    problems.push(`${where}: string without maxLength`)
  }
  if (types.includes('array') && typeof schema.maxItems !== 'number') problems.push(`${where}: array without maxItems`)
  if ((types.includes('integer') || types.includes('number')) && !enumerated) {
    if (typeof schema.minimum !== 'number' && typeof schema.exclusiveMinimum !== 'number') problems.push(`${where}: ${String(schema.type)} without minimum`)
    if (typeof schema.maximum !== 'number' && typeof schema.exclusiveMaximum !== 'number') problems.push(`${where}: ${String(schema.type)} without maximum`)
  }
  if (types.includes('object') || schema.properties !== undefined) {
    if (schema.additionalProperties !== false && typeof schema.maxProperties !== 'number') {
      const extra = schema.additionalProperties
      if (extra === undefined || extra === true) problems.push(`${where}: object open to any property without maxProperties`)
      else problems.push(...unbounded(document, extra as Schema, `${where}/*`, seen))
    }
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      problems.push(...unbounded(document, property, `${where}/${name}`, seen))
    }
  }
  if (schema.items !== undefined) problems.push(...unbounded(document, schema.items as Schema, `${where}/items`, seen))
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const [i, branch] of ((schema[keyword] ?? []) as Schema[]).entries()) problems.push(...unbounded(document, branch, `${where}/${keyword}/${i}`, seen))
  }
  return problems
}

t.test('OWASP API Security Top 10 (2023) rules of the generated OpenAPI document', async (t) => {
  const document = parse(await renderOpenApiYaml()) as OpenApiDocument & {
    tags?: Array<{ name: string, description?: string }>
    'x-tagGroups'?: Array<{ name: string, tags: string[] }>
    components?: { securitySchemes?: Record<string, { description?: string }> }
  }
  const operations = operationsOf(document)
  const raw = (path: string, method: string): Record<string, unknown> => (document.paths[path] as Record<string, Record<string, unknown>>)[method.toLowerCase()] ?? {}
  t.ok(operations.length > 20, `${operations.length} operations`)

  t.test('every input string, array and integer is bounded (API4)', async (t) => {
    const problems = operations.flatMap((operation) => [
      ...operation.parameters.flatMap((parameter) => unbounded(document, parameter.schema as Schema, `${operation.key} ${parameter.in} ${parameter.name}`)),
      ...(operation.body?.schema === undefined ? [] : unbounded(document, operation.body.schema as Schema, `${operation.key} body`))
    ])
    t.same(problems, [])
  })

  t.test('every operation a token protects documents its rate limit: 429 with Retry-After, and the rate-limit headers (API4)', async (t) => {
    const problems: string[] = []
    for (const operation of operations.filter((operation) => operation.secured)) {
      const tooMany = operation.responses['429'] as { headers?: Record<string, unknown> } | undefined
      if (tooMany === undefined) { problems.push(`${operation.key}: no 429`); continue }
      for (const header of ['retry-after', ...RATE_LIMIT_HEADERS]) if (tooMany.headers?.[header] === undefined) problems.push(`${operation.key}: 429 without ${header}`)
      for (const [status, response] of Object.entries(operation.responses).filter(([status]) => status.startsWith('2'))) {
        const headers = (response as { headers?: Record<string, unknown> }).headers ?? {}
        for (const header of RATE_LIMIT_HEADERS) if (headers[header] === undefined) problems.push(`${operation.key}: ${status} without ${header}`)
      }
    }
    t.same(problems, [])
  })

  t.test('every operation declares its success answer, and every answer with a body its schema', async (t) => {
    const problems: string[] = []
    for (const operation of operations) {
      const statuses = Object.keys(operation.responses)
      if (!statuses.some((status) => /^[23]/.test(status))) problems.push(`${operation.key}: no 2xx/3xx response declared`)
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === '204' || status === '304') continue
        const content = Object.entries(response.content ?? {})
        if (content.length === 0) problems.push(`${operation.key} ${status}: no content`)
        for (const [type, media] of content) if (media.schema === undefined || Object.keys(media.schema).length === 0) problems.push(`${operation.key} ${status} ${type}: no schema`)
      }
    }
    t.same(problems, [])
  })

  t.test('administration is apart: /admin operations carry only admin tags, in their own tag group, and say they need the admin scope (API5)', async (t) => {
    const adminTags = new Set(document['x-tagGroups']?.find((group) => group.name === 'Administration')?.tags ?? [])
    t.ok(adminTags.size > 0, 'an Administration tag group')
    const problems: string[] = []
    for (const operation of operations) {
      const tags = (raw(operation.path, operation.method).tags ?? []) as string[]
      const admin = operation.path.startsWith('/admin/')
      if (tags.length === 0) problems.push(`${operation.key}: no tag`)
      for (const tag of tags) if (adminTags.has(tag) !== admin) problems.push(`${operation.key}: tag ${tag} ${admin ? 'is not an admin tag' : 'is an admin tag'}`)
      if (admin && !operation.secured) problems.push(`${operation.key}: admin operation without security`)
      if (admin && !/`admin` scope/.test(String(raw(operation.path, operation.method).description ?? ''))) problems.push(`${operation.key}: description does not say it needs the admin scope`)
    }
    t.same(problems, [])
    const grouped = new Set(document['x-tagGroups']?.flatMap((group) => group.tags) ?? [])
    t.same((document.tags ?? []).map((tag) => tag.name).filter((name) => !grouped.has(name)), [], 'every declared tag is in a group')
  })

  t.test('the bearer scheme states the JWT rules of RFC 8725', async (t) => {
    const description = document.components?.securitySchemes?.bearerAuth?.description ?? ''
    for (const rule of [/RS256/, /ES256/, /EdDSA/, /`none`/, /\biss\b/, /\baud\b/, /\bexp\b/, /JWKS/, /lifetime/i, /RFC 8725/]) t.match(description, rule)
  })
})
