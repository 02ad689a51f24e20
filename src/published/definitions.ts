import { schemaAt, type PublishedService } from '../../adapters/published/loader.js'
import type { JsonSchema } from '../../adapters/published/provider-openapi.js'
import { valuesAt } from '../../adapters/published/pointers.js'
import type { ServiceDefinition } from '../services.js'

/**
 * A published service as the registry knows every service: personal when any operation is, its records' key
 * fields and data subjects (the declared pointers of all its operations: a pointer that reaches nothing in a
 * record adds nothing), and the catalogue's facts from the declaration.
 */
export function publishedDefinition (service: PublishedService): ServiceDefinition {
  const { declaration, operations } = service
  const subjectPointers = [...new Set(operations.flatMap((operation) => operation.declaration.personalData?.subjects.response ?? []))]
  return {
    title: declaration.title,
    personalData: operations.some((operation) => operation.personal),
    keyFields: [...new Set(operations.flatMap((operation) => operation.declaration.keyFields ?? []))],
    subjectsOf: (record) => subjectPointers.flatMap((pointer) => valuesAt(record, pointer)),
    operationIds: operations.map((operation) => operation.declaration.operationId),
    fieldPaths: recordPaths(service),
    about: {
      kind: 'published',
      version: declaration.version,
      ...(declaration.description === undefined ? {} : { description: declaration.description }),
      owner: declaration.owner,
      legalBasis: declaration.legalBasis,
      classification: declaration.classification,
      lifecycle: declaration.lifecycle ?? { status: 'active' }
    }
  }
}

export function publishedDefinitions (services: readonly PublishedService[]): Record<string, ServiceDefinition> {
  return Object.fromEntries(services.map((service) => [service.declaration.service, publishedDefinition(service)]))
}

/** Deep enough for any path a grant may name (ClientGrant: at most 8 names). */
const MAX_DEPTH = 8

/** Every dotted path into a record any operation answers (arrays crossed, as grant fields cross them). */
function recordPaths (service: PublishedService): ReadonlySet<string> {
  const paths = new Set<string>()
  const walk = (schema: JsonSchema | undefined, prefix: string, depth: number): void => {
    const resolved = schema === undefined ? undefined : schemaAt(schema, '', service)
    if (resolved === undefined || depth >= MAX_DEPTH) return
    if (resolved.items !== undefined) walk(resolved.items as JsonSchema, prefix, depth)
    for (const [name, member] of Object.entries((resolved.properties ?? {}) as Record<string, JsonSchema>)) {
      const path = prefix === '' ? name : `${prefix}.${name}`
      paths.add(path)
      walk(member, path, depth + 1)
    }
  }
  for (const operation of service.operations) walk(operation.recordSchema, '', 0)
  return paths
}
