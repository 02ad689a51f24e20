import { pointerSegments } from './pointers.js'

/**
 * The provider's OpenAPI 3.0/3.1 document, read for what the gateway needs: the published operations (method,
 * path, parameters, JSON body, 2xx JSON answers) with their schemas turned into the JSON Schema the gateway's
 * Ajv and serializer take. Component schemas keep their names under a per-service prefix (`#/components/schemas/X`
 * → `<prefix>X#`), so the gateway's own API description shows them as named components; parameters, request
 * bodies and responses given by `$ref` are resolved in place. OpenAPI-only annotations Ajv's strict mode refuses
 * (example, xml, discriminator, x-…) and formats it does not know (int32, binary…) are dropped: they describe, they
 * do not constrain.
 */

export class ProviderDocumentError extends Error {
  override name = 'ProviderDocumentError'
  /** JSON pointer inside the provider's document. */
  readonly pointer: string
  readonly detail: string
  constructor (pointer: string, detail: string) {
    super(`${pointer === '' ? '(document)' : pointer} ${detail}`)
    this.pointer = pointer
    this.detail = detail
  }
}

export type JsonSchema = Record<string, unknown>

export interface ProviderParameter {
  name: string
  in: 'path' | 'query' | 'header'
  required: boolean
  description?: string
  schema: JsonSchema
}

export interface ProviderResponse {
  status: number
  description: string
  /** As the gateway answers it (no `required`); absent: the answer has no JSON body (e.g. 204). */
  schema?: JsonSchema
  /** As the provider wrote it: what its answer is checked against. */
  contract?: JsonSchema
}

export interface ProviderOperation {
  operationId: string
  /** Upper case: GET, POST… */
  method: string
  /** The provider's path template, e.g. /khai-sinh/{soDangKy}. */
  path: string
  summary?: string
  description?: string
  tags: string[]
  parameters: ProviderParameter[]
  body?: { required: boolean, description?: string, schema: JsonSchema }
  responses: ProviderResponse[]
}

export interface ProviderDocument {
  openapi: string
  info: { title: string, version: string, description?: string }
  /** Component schemas as the gateway answers them, by their name in the document ($id: <prefix><name>). */
  schemas: Record<string, JsonSchema>
  /** Component schemas as the provider wrote them ($id: <prefix><name>Input). */
  inputSchemas: Record<string, JsonSchema>
  operationIds: string[]
  operation (operationId: string): ProviderOperation | undefined
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const
const DROPPED = new Set(['example', 'xml', 'externalDocs', 'discriminator'])
const KNOWN_FORMATS = new Set(['date', 'date-time', 'time', 'email', 'uri', 'uri-reference', 'uuid', 'ipv4', 'ipv6', 'hostname', 'personal-id', 'regex'])
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs'])
const SCHEMA_ONE = new Set(['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'propertyNames', 'contains', 'additionalItems'])
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf'])
const COMPONENT_SCHEMA = '#/components/schemas/'

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const escape = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/** What callers may send is always bounded (OWASP API4): the gateway's limits where the provider set none. */
export const INPUT_BOUNDS = { maxLength: 4096, maxItems: 1000, maxProperties: 1000, minimum: -1e15, maximum: 1e15 } as const

function boundInput (schema: JsonSchema): void {
  const types = [schema.type].flat()
  const closed = schema.enum !== undefined || schema.const !== undefined
  if (types.includes('string') && !closed && typeof schema.maxLength !== 'number') schema.maxLength = INPUT_BOUNDS.maxLength
  if (types.includes('array') && typeof schema.maxItems !== 'number') schema.maxItems = INPUT_BOUNDS.maxItems
  if ((types.includes('integer') || types.includes('number')) && !closed) {
    if (typeof schema.minimum !== 'number' && typeof schema.exclusiveMinimum !== 'number') schema.minimum = INPUT_BOUNDS.minimum
    if (typeof schema.maximum !== 'number' && typeof schema.exclusiveMaximum !== 'number') schema.maximum = INPUT_BOUNDS.maximum
  }
  if ((types.includes('object') || schema.properties !== undefined) && schema.additionalProperties !== false && typeof schema.maxProperties !== 'number') schema.maxProperties = INPUT_BOUNDS.maxProperties
}

/** Which version of the component schemas a schema refers to: what is sent (input) or what the gateway answers. */
export type SchemaSide = 'input' | 'answer'

/** The $id of a provider's component schema in the gateway. */
export const componentId = (prefix: string, name: string, side: SchemaSide): string => `${prefix}${name}${side === 'input' ? 'Input' : ''}`

/** A provider schema as the gateway's Ajv takes it; `at` names it in errors. */
export function gatewaySchema (schema: unknown, prefix: string, at: string, side: SchemaSide = 'input'): JsonSchema {
  if (!isObject(schema)) throw new ProviderDocumentError(at, 'is not a schema object')
  const ref = schema.$ref
  if (typeof ref === 'string') {
    if (!ref.startsWith(COMPONENT_SCHEMA)) throw new ProviderDocumentError(at, `$ref ${ref}: only #/components/schemas/… references are supported in schemas`)
    return { $ref: `${componentId(prefix, ref.slice(COMPONENT_SCHEMA.length), side)}#` }
  }
  const converted: JsonSchema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-') || (side === 'answer' && key === 'required' && Array.isArray(value))) continue
    if (key === 'format' && !(typeof value === 'string' && KNOWN_FORMATS.has(value))) continue
    if (SCHEMA_MAPS.has(key) && isObject(value)) {
      converted[key] = Object.fromEntries(Object.entries(value).map(([name, member]) => [name, gatewaySchema(member, prefix, `${at}/${key}/${escape(name)}`, side)]))
    } else if (SCHEMA_ONE.has(key) && isObject(value)) {
      converted[key] = gatewaySchema(value, prefix, `${at}/${key}`, side)
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      converted[key] = value.map((member, i) => gatewaySchema(member, prefix, `${at}/${key}/${i}`, side))
    } else {
      converted[key] = value
    }
  }
  // OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum (draft-04); JSON Schema as numbers
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof converted[exclusive] !== 'boolean') continue
    if (converted[exclusive] === true && typeof converted[bound] === 'number') converted[exclusive] = converted[bound]
    else delete converted[exclusive]
    if (typeof converted[exclusive] === 'number') delete converted[bound]
  }
  if (side === 'input') boundInput(converted)
  return converted
}

function resolved (doc: Record<string, unknown>, value: unknown, at: string): { value: Record<string, unknown>, at: string } {
  let current = value
  let where = at
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref
    if (!ref.startsWith('#/') || hops > 8) throw new ProviderDocumentError(where, `$ref ${ref} cannot be resolved inside the document`)
    let target: unknown = doc
    for (const segment of pointerSegments(ref.slice(1))) target = isObject(target) ? target[segment] : undefined
    if (target === undefined) throw new ProviderDocumentError(where, `$ref ${ref} points at nothing`)
    current = target
    where = ref.slice(1)
  }
  if (!isObject(current)) throw new ProviderDocumentError(where, 'is not an object')
  return { value: current, at: where }
}

function jsonContent (content: unknown, at: string): { schema: unknown, at: string } | undefined {
  if (!isObject(content)) return undefined
  const type = Object.keys(content).find((name) => /^application\/(?:[\w.-]+\+)?json(?:;|$)/i.test(name))
  if (type === undefined) {
    if (Object.keys(content).length === 0) return undefined
    throw new ProviderDocumentError(at, `offers ${Object.keys(content).join(', ')}: the gateway publishes JSON bodies only`)
  }
  const media = content[type]
  return { schema: isObject(media) ? media.schema ?? {} : {}, at: `${at}/${escape(type)}/schema` }
}

function readParameters (doc: Record<string, unknown>, list: unknown, at: string, prefix: string): ProviderParameter[] {
  if (list === undefined) return []
  if (!Array.isArray(list)) throw new ProviderDocumentError(at, 'must be an array')
  return list.flatMap((entry, i): ProviderParameter[] => {
    const { value: parameter, at: where } = resolved(doc, entry, `${at}/${i}`)
    const place = parameter.in
    if (place === 'cookie') return [] // the gateway never forwards its callers' cookies
    if (place !== 'path' && place !== 'query' && place !== 'header') throw new ProviderDocumentError(`${where}/in`, `must be path, query or header (got ${JSON.stringify(place)})`)
    const name = parameter.name
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name) || (place === 'path' && name.includes('-'))) {
      throw new ProviderDocumentError(`${where}/name`, `must be a plain name of letters, digits and _ (got ${JSON.stringify(name)})`)
    }
    return [{
      name,
      in: place,
      required: place === 'path' || parameter.required === true,
      ...(typeof parameter.description === 'string' ? { description: parameter.description } : {}),
      schema: gatewaySchema(parameter.schema ?? { type: 'string' }, prefix, `${where}/schema`)
    }]
  })
}

function readOperation (doc: Record<string, unknown>, path: string, method: string, pathItem: Record<string, unknown>, prefix: string): ProviderOperation {
  const at = `/paths/${escape(path)}/${method}`
  const operation = pathItem[method] as Record<string, unknown>
  const own = readParameters(doc, operation.parameters, `${at}/parameters`, prefix)
  // path-level parameters apply unless the operation redefines them (same name and place)
  const shared = readParameters(doc, pathItem.parameters, `/paths/${escape(path)}/parameters`, prefix)
    .filter((parameter) => !own.some((mine) => mine.name === parameter.name && mine.in === parameter.in))
  const parameters = [...shared, ...own]
  for (const [, name] of path.matchAll(/\{([^}]*)\}/g)) {
    if (!parameters.some((parameter) => parameter.in === 'path' && parameter.name === name)) throw new ProviderDocumentError(`${at}/parameters`, `declares no path parameter {${name ?? ''}}`)
  }
  let body: ProviderOperation['body']
  if (operation.requestBody !== undefined) {
    const { value: requestBody, at: where } = resolved(doc, operation.requestBody, `${at}/requestBody`)
    const content = jsonContent(requestBody.content, `${where}/content`)
    if (content !== undefined) {
      body = {
        required: requestBody.required === true,
        ...(typeof requestBody.description === 'string' ? { description: requestBody.description } : {}),
        schema: gatewaySchema(content.schema, prefix, content.at)
      }
    }
  }
  const responses: ProviderResponse[] = []
  const given = isObject(operation.responses) ? operation.responses : {}
  for (const [code, entry] of Object.entries(given)) {
    const status = Number(code)
    if (!Number.isInteger(status) || status < 200 || status > 299) continue
    const { value: response, at: where } = resolved(doc, entry, `${at}/responses/${code}`)
    const content = jsonContent(response.content, `${where}/content`)
    responses.push({
      status,
      description: typeof response.description === 'string' ? response.description : '',
      ...(content === undefined ? {} : { schema: gatewaySchema(content.schema, prefix, content.at, 'answer'), contract: gatewaySchema(content.schema, prefix, content.at) })
    })
  }
  if (responses.length === 0) throw new ProviderDocumentError(`${at}/responses`, 'declares no 2xx answer')
  return {
    operationId: operation.operationId as string,
    method: method.toUpperCase(),
    path,
    ...(typeof operation.summary === 'string' ? { summary: operation.summary } : {}),
    ...(typeof operation.description === 'string' ? { description: operation.description } : {}),
    tags: Array.isArray(operation.tags) ? operation.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    parameters,
    ...(body === undefined ? {} : { body }),
    responses
  }
}

/** Reads a parsed OpenAPI document; `prefix` names its component schemas in the gateway. */
export function readProviderDocument (parsed: unknown, prefix: string): ProviderDocument {
  if (!isObject(parsed)) throw new ProviderDocumentError('', 'is not an OpenAPI document (not an object)')
  const doc = parsed
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\.\d+$/.test(doc.openapi)) throw new ProviderDocumentError('/openapi', `must be 3.0.x or 3.1.x (got ${JSON.stringify(doc.openapi)})`)
  const info = isObject(doc.info) ? doc.info : {}
  if (typeof info.title !== 'string' || typeof info.version !== 'string') throw new ProviderDocumentError('/info', 'needs a title and a version')
  const components = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {}
  for (const name of Object.keys(components)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) throw new ProviderDocumentError(`/components/schemas/${escape(name)}`, 'must be named with letters, digits and _')
  }
  const converted = (side: SchemaSide): Record<string, JsonSchema> =>
    Object.fromEntries(Object.entries(components).map(([name, schema]) => [name, gatewaySchema(schema, prefix, `/components/schemas/${name}`, side)]))
  const located = new Map<string, { path: string, method: string, pathItem: Record<string, unknown> }>()
  for (const [path, pathItem] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(pathItem)) continue
    for (const method of METHODS) {
      const operation = pathItem[method]
      if (!isObject(operation) || typeof operation.operationId !== 'string') continue
      if (located.has(operation.operationId)) throw new ProviderDocumentError(`/paths/${escape(path)}/${method}/operationId`, `${operation.operationId} is used twice`)
      located.set(operation.operationId, { path, method, pathItem })
    }
  }
  const read = new Map<string, ProviderOperation>()
  return {
    openapi: doc.openapi,
    info: { title: info.title, version: info.version, ...(typeof info.description === 'string' ? { description: info.description } : {}) },
    schemas: converted('answer'),
    inputSchemas: converted('input'),
    operationIds: [...located.keys()],
    operation (operationId) {
      const where = located.get(operationId)
      if (where === undefined) return undefined
      const operation = read.get(operationId) ?? readOperation(doc, where.path, where.method, where.pathItem, prefix)
      read.set(operationId, operation)
      return operation
    }
  }
}
