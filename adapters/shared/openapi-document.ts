import { findPackageRoot } from './package-root.js'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

/**
 * What the simulators of published services share: the provider's own OpenAPI 3.0 document, read once at start
 * from services/<service>/openapi.yaml and served verbatim, and the request schemas of an operation taken from it
 * so the simulator checks parameters and bodies exactly as its document says.
 */

export interface ServiceDocument {
  /** The file as written (served at /openapi.yaml). */
  readonly yaml: string
  /** The parsed document (served at /openapi.json). */
  readonly document: OpenApiDocument
}

type Schema = Record<string, unknown>

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, OpenApiOperation | unknown>>
  components?: { schemas?: Record<string, Schema>, parameters?: Record<string, Schema> }
  [key: string]: unknown
}

export interface OpenApiOperation {
  operationId?: string
  parameters?: Array<Schema & { $ref?: string }>
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, unknown>
}

/** The folder of a published service's shipped files: services/<service>/ of the package. */
export function serviceFolder (service: string): string {
  return join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'services', service)
}

export function readServiceDocument (file: string): ServiceDocument {
  const yaml = readFileSync(file, 'utf8')
  const document = YAML.parse(yaml) as OpenApiDocument
  if (typeof document?.openapi !== 'string' || typeof document.paths !== 'object') throw new Error(`${file} is not an OpenAPI document`)
  return { yaml, document }
}

/**
 * An OpenAPI 3.0 schema as plain JSON Schema for Fastify's Ajv: `#/components/…` references inlined (the
 * documents hold no recursive schema), `nullable` turned into a null type, `example` dropped.
 */
export function jsonSchemaOf (document: OpenApiDocument, schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((item) => jsonSchemaOf(document, item))
  if (schema === null || typeof schema !== 'object') return schema
  const object = schema as Schema
  if (typeof object.$ref === 'string') return jsonSchemaOf(document, resolveRef(document, object.$ref))
  const out: Schema = {}
  for (const [key, value] of Object.entries(object)) {
    if (key === 'example' || key === 'nullable') continue
    // `properties` maps names to schemas: convert the schemas, keep the names
    out[key] = key === 'properties' && value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([name, property]) => [name, jsonSchemaOf(document, property)]))
      : jsonSchemaOf(document, value)
  }
  if (object.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    if (Array.isArray(out.enum)) out.enum = [...out.enum as unknown[], null]
  }
  return out
}

function resolveRef (document: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`)
  let node: unknown = document
  for (const segment of ref.slice(2).split('/')) {
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~')
    node = node !== null && typeof node === 'object' ? (node as Schema)[name] : undefined
    if (node === undefined) throw new Error(`unresolved reference ${ref}`)
  }
  return node
}

export interface OperationSchemas {
  params?: Schema
  querystring?: Schema
  body?: Schema
}

/** The Fastify route schema (params, querystring, JSON body) of the operation at `path` and `method` in the document. */
export function operationSchemas (document: OpenApiDocument, path: string, method: string): OperationSchemas {
  const operation = document.paths[path]?.[method] as OpenApiOperation | undefined
  if (operation === undefined) throw new Error(`the document has no ${method.toUpperCase()} ${path}`)
  const schemas: OperationSchemas = {}
  for (const where of ['path', 'query'] as const) {
    const parameters = (operation.parameters ?? [])
      .map((parameter) => (typeof parameter.$ref === 'string' ? resolveRef(document, parameter.$ref) : parameter) as Schema)
      .filter((parameter) => parameter.in === where)
    if (parameters.length === 0) continue
    const schema = {
      type: 'object',
      properties: Object.fromEntries(parameters.map((parameter) => [parameter.name as string, jsonSchemaOf(document, parameter.schema ?? {})])),
      required: parameters.filter((parameter) => parameter.required === true).map((parameter) => parameter.name as string)
    }
    schemas[where === 'path' ? 'params' : 'querystring'] = schema
  }
  const body = operation.requestBody?.content?.['application/json']?.schema
  if (body !== undefined) schemas.body = jsonSchemaOf(document, body) as Schema
  return schemas
}
