import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { Validator } from '@seriousme/openapi-schema-validator'
import YAML from 'yaml'
import { projectRoot, schemasDir } from '../../src/paths.js'

/**
 * Checks shared by the tests of published-service simulators: the provider's OpenAPI document is valid, answers
 * match its response schemas, and the declaration (services/<service>/service.json) is valid and points at
 * operations and properties the document has.
 */

type Node = Record<string, unknown>
export interface PublishedDeclaration {
  service: string
  openapi: string
  operations: Array<{
    operationId: string
    records?: string
    keyFields?: string[]
    personalData?: { properties: string[], subjects: { request?: string[], response?: string[] } }
    [key: string]: unknown
  }>
  [key: string]: unknown
}

export interface PublishedService {
  declaration: PublishedDeclaration
  yaml: string
  document: Node
}

export async function readPublishedService (service: string): Promise<PublishedService> {
  const folder = join(projectRoot, 'services', service)
  const declaration = JSON.parse(await readFile(join(folder, 'service.json'), 'utf8')) as PublishedDeclaration
  const yaml = await readFile(join(folder, declaration.openapi), 'utf8')
  return { declaration, yaml, document: YAML.parse(yaml) as Node }
}

/** The errors of the document as an OpenAPI description ([] when valid). */
export async function openApiErrors (document: Node): Promise<unknown[]> {
  const result = await new Validator().validate(structuredClone(document))
  return result.valid ? [] : [result.errors]
}

/** The declaration's errors against schemas/PublishedService.json ([] when valid). */
export async function declarationSchemaErrors (declaration: unknown): Promise<unknown[]> {
  // strict, but not strictRequired: the lifecycle's `then` requires properties its parent defines
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
  addFormats.default(ajv)
  const validate = ajv.compile(JSON.parse(await readFile(join(schemasDir, 'PublishedService.json'), 'utf8')) as object)
  return validate(declaration) ? [] : validate.errors ?? []
}

export interface Operation { path: string, method: string, node: Node }

export function operations (document: Node): Map<string, Operation> {
  const found = new Map<string, Operation>()
  for (const [path, item] of Object.entries(document.paths as Record<string, Node>)) {
    for (const [method, node] of Object.entries(item)) {
      const operationId = (node as Node).operationId
      if (typeof operationId === 'string') found.set(operationId, { path, method, node: node as Node })
    }
  }
  return found
}

function resolve (document: Node, node: unknown): Node {
  let current = node as Node
  while (typeof current?.$ref === 'string') {
    current = (current.$ref.slice(2).split('/')).reduce<unknown>((at, segment) => (at as Node | undefined)?.[segment.replaceAll('~1', '/').replaceAll('~0', '~')], document) as Node
  }
  return current
}

/** `#/…` → `openapi#/…` everywhere, so a schema compiles against the document registered as `openapi`. */
function rebased (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebased)
  if (schema === null || typeof schema !== 'object') return schema
  return Object.fromEntries(Object.entries(schema).map(([key, value]) =>
    [key, key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `openapi${value}` : rebased(value)]))
}

/**
 * Validates answers against the document's response schemas with Ajv (draft-07, OpenAPI `nullable` understood,
 * `example` allowed): `check(operationId, status, body)` answers the errors, [] when the body fits.
 */
export function responseChecker (document: Node): (operationId: string, status: number, body: unknown) => unknown[] {
  const ajv = new Ajv({ allErrors: true, strict: true })
  addFormats.default(ajv)
  ajv.addVocabulary(['example', 'components'])
  ajv.addSchema({ $id: 'openapi', components: rebased((document.components as Node | undefined) ?? {}) as Node })
  const byId = operations(document)
  const compiled = new Map<string, ValidateFunction>()
  return (operationId, status, body) => {
    const operation = byId.get(operationId)
    if (operation === undefined) return [`no operation ${operationId}`]
    const key = `${operationId} ${status}`
    let validate = compiled.get(key)
    if (validate === undefined) {
      const responses = operation.node.responses as Node
      const response = resolve(document, responses[String(status)] ?? responses.default)
      const schema = (response?.content as Record<string, { schema?: unknown }> | undefined)?.['application/json']?.schema
      if (schema === undefined) return [`${operationId} documents no JSON answer with status ${status}`]
      validate = ajv.compile(rebased(schema) as Node)
      compiled.set(key, validate)
    }
    return validate(body) ? [] : validate.errors ?? []
  }
}

/** The schema one level down a JSON pointer segment: a property, or `*` for every element of an array. */
function child (document: Node, schema: Node, segment: string): Node | undefined {
  const resolved = resolve(document, schema)
  if (segment === '*') return resolved.type === 'array' ? resolve(document, resolved.items) : undefined
  const property = (resolved.properties as Node | undefined)?.[segment]
  return property === undefined ? undefined : resolve(document, property)
}

function walk (document: Node, schema: Node | undefined, segments: readonly string[]): Node | undefined {
  return segments.reduce<Node | undefined>((at, segment) => at === undefined ? undefined : child(document, at, segment), schema)
}

const segmentsOf = (pointer: string): string[] => pointer.split('/').slice(1)

/**
 * What in the declaration does not match the document: an operationId it lacks, a `records` pointer that is not
 * an array, a key field or personal-data pointer naming no property of the record, a request pointer naming no
 * parameter or body property. [] when everything points somewhere.
 */
export function declarationMismatches (declaration: PublishedDeclaration, document: Node): string[] {
  const byId = operations(document)
  const problems: string[] = []
  for (const declared of declaration.operations) {
    const operation = byId.get(declared.operationId)
    if (operation === undefined) {
      problems.push(`${declared.operationId}: not in the document`)
      continue
    }
    const responses = operation.node.responses as Node
    const success = Object.keys(responses).find((status) => /^2[0-9][0-9]$/.test(status))
    const response = success === undefined ? undefined : resolve(document, responses[success])
    const schema = ((response?.content as Node | undefined)?.['application/json'] as Node | undefined)?.schema
    const answer = schema === undefined ? undefined : resolve(document, schema)
    if (answer === undefined) {
      problems.push(`${declared.operationId}: no JSON success answer`)
      continue
    }
    let record: Node | undefined = answer
    if (declared.records !== undefined) {
      const list = walk(document, answer, segmentsOf(declared.records))
      record = list?.type === 'array' ? resolve(document, list.items) : undefined
      if (record === undefined) problems.push(`${declared.operationId}: records ${declared.records} is not an array of the answer`)
    }
    if (record === undefined) continue
    for (const field of declared.keyFields ?? []) {
      if (walk(document, record, field.split('.')) === undefined) problems.push(`${declared.operationId}: key field ${field} is not a property of the record`)
    }
    const personal = declared.personalData
    for (const pointer of [...personal?.properties ?? [], ...personal?.subjects.response ?? []]) {
      if (walk(document, record, segmentsOf(pointer)) === undefined) problems.push(`${declared.operationId}: ${pointer} is not a property of the record`)
    }
    for (const pointer of personal?.subjects.request ?? []) {
      const [where, ...rest] = segmentsOf(pointer)
      if (where === 'body') {
        const body = ((resolve(document, operation.node.requestBody).content as Node | undefined)?.['application/json'] as Node | undefined)?.schema
        if (walk(document, body as Node | undefined, rest) === undefined) problems.push(`${declared.operationId}: ${pointer} is not in the request body`)
        continue
      }
      const parameters = ((operation.node.parameters ?? []) as unknown[]).map((parameter) => resolve(document, parameter))
      if (rest.length !== 1 || !parameters.some((parameter) => parameter.in === where && parameter.name === rest[0])) {
        problems.push(`${declared.operationId}: ${pointer} names no ${where} parameter`)
      }
    }
  }
  return problems
}
