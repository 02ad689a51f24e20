import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { isPersonalId } from '../../domain/personal-id.js'
import type { JsonSchema, SchemaContext } from './schema-arbitraries.js'

/**
 * The gateway's OpenAPI 3.0 document as the fuzzer reads it: every operation with its parameters, body and
 * declared responses, and Ajv validators built from the same document for requests (with the coercion the
 * gateway applies) and responses (without).
 */

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, unknown>>
  components?: { schemas?: Record<string, JsonSchema>, parameters?: Record<string, unknown>, requestBodies?: Record<string, unknown> }
  security?: Array<Record<string, string[]>>
}

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie'

export interface Parameter {
  name: string
  in: ParameterLocation
  required: boolean
  schema: JsonSchema
}

export interface MediaType {
  schema?: JsonSchema
}

export interface ResponseSpec {
  description?: string
  content?: Record<string, MediaType>
}

export interface Operation {
  /** `GET /api/v1/citizens/{personalId}` */
  key: string
  method: string
  path: string
  operationId?: string
  parameters: Parameter[]
  body?: { required: boolean, mediaTypes: string[], schema?: JsonSchema }
  responses: Record<string, ResponseSpec>
  /** Declares a security requirement (a bearer token). */
  secured: boolean
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']

function resolveRef<T> (document: OpenApiDocument, value: T): T {
  let current: unknown = value
  for (let hops = 0; hops < 20; hops++) {
    const ref = (current as { $ref?: unknown } | null)?.$ref
    if (typeof ref !== 'string') return current as T
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, not ${ref}`)
    current = ref.slice(2).split('/').reduce<unknown>((node, segment) =>
      (node as Record<string, unknown> | undefined)?.[decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~')], document)
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`)
  }
  throw new Error('$ref cycle')
}

/** Every operation of the document, in document order, except `skip`ped paths. */
export function operationsOf (document: OpenApiDocument, skip: (path: string) => boolean = () => false): Operation[] {
  const operations: Operation[] = []
  for (const [path, item] of Object.entries(document.paths)) {
    if (skip(path)) continue
    const shared = (item.parameters ?? []) as unknown[]
    for (const method of METHODS) {
      const operation = item[method] as Record<string, unknown> | undefined
      if (operation === undefined) continue
      const byKey = new Map<string, Parameter>()
      for (const raw of [...shared, ...((operation.parameters ?? []) as unknown[])]) {
        const parameter = resolveRef(document, raw) as { name: string, in: ParameterLocation, required?: boolean, schema?: JsonSchema }
        const name = parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name
        byKey.set(`${parameter.in}:${name}`, { name, in: parameter.in, required: parameter.in === 'path' || parameter.required === true, schema: parameter.schema ?? {} })
      }
      const requestBody = operation.requestBody === undefined
        ? undefined
        : resolveRef(document, operation.requestBody) as { required?: boolean, content?: Record<string, MediaType> }
      const mediaTypes = Object.keys(requestBody?.content ?? {})
      const jsonType = mediaTypes.find((type) => /json/i.test(type))
      const security = (operation.security ?? document.security ?? []) as Array<Record<string, string[]>>
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
        parameters: [...byKey.values()],
        ...(requestBody === undefined
          ? {}
          : { body: { required: requestBody.required === true, mediaTypes, ...(jsonType === undefined ? {} : { schema: requestBody.content?.[jsonType]?.schema ?? {} }) } }),
        responses: Object.fromEntries(Object.entries((operation.responses ?? {}) as Record<string, unknown>)
          .map(([status, response]) => [status, resolveRef(document, response) as ResponseSpec])),
        secured: security.some((requirement) => Object.keys(requirement).length > 0)
      })
    }
  }
  return operations
}

/** The declared response for a status: exact, then `4XX`-style ranges, then `default`. */
export function declaredResponse (operation: Operation, status: number): ResponseSpec | undefined {
  return operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default
}

const DOCUMENT_KEY = 'openapi'

/** Local refs made absolute against the document registered under DOCUMENT_KEY, so any fragment compiles alone. */
function anchored (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored)
  if (schema === null || typeof schema !== 'object') return schema
  return Object.fromEntries(Object.entries(schema).map(([keyword, value]) =>
    [keyword, keyword === '$ref' && typeof value === 'string' && value.startsWith('#') ? DOCUMENT_KEY + value : anchored(value)]))
}

function documentAjv (document: OpenApiDocument, coerce: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, ...(coerce ? { coerceTypes: 'array' as const } : {}) })
  // ajv-formats is CommonJS: under NodeNext its plugin is the default export's `default`
  addFormats.default(ajv)
  ajv.addFormat('personal-id', { type: 'string', validate: isPersonalId })
  ajv.addSchema({ components: document.components ?? {} }, DOCUMENT_KEY)
  return ajv
}

export interface DocumentTools extends SchemaContext {
  document: OpenApiDocument
  /** Validates a response body (no coercion): the Ajv errors as text, empty when valid. */
  responseErrors (schema: JsonSchema, body: unknown): string[]
  /** Validates request data the way the gateway does (types coerced from text, as Fastify's Ajv does): errors, empty when valid. */
  requestErrors (schema: JsonSchema, data: unknown): string[]
  /** Whether a single value satisfies a schema (with coercion). */
  accepts (schema: JsonSchema, value: unknown): boolean
}

export function documentTools (document: OpenApiDocument): DocumentTools {
  const responseAjv = documentAjv(document, false)
  const requestAjv = documentAjv(document, true)
  const cache = new WeakMap<Ajv, WeakMap<object, ValidateFunction>>()
  const compiled = (ajv: Ajv, schema: JsonSchema): ValidateFunction => {
    let perAjv = cache.get(ajv)
    if (perAjv === undefined) cache.set(ajv, perAjv = new WeakMap())
    let validate = perAjv.get(schema)
    if (validate === undefined) perAjv.set(schema, validate = ajv.compile(anchored(schema) as object))
    return validate
  }
  const errorsOf = (validate: ValidateFunction): string[] =>
    (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`)
  return {
    document,
    resolve: (schema) => resolveRef(document, schema),
    responseErrors (schema, body) {
      const validate = compiled(responseAjv, schema)
      return validate(body) ? [] : errorsOf(validate)
    },
    requestErrors (schema, data) {
      const validate = compiled(requestAjv, schema)
      return validate(structuredClone(data)) ? [] : errorsOf(validate)
    },
    accepts (schema, value) {
      return compiled(requestAjv, schema)(structuredClone(value))
    }
  }
}
