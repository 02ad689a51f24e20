import type { PublishedService } from '../../adapters/published/loader.js'
import { valuesAt } from '../../adapters/published/pointers.js'
import type { ServiceDefinition } from '../services.js'

/**
 * A published service as the registry knows every service: personal when any operation is, its records' key
 * fields and data subjects (the declared pointers of all its operations: a pointer that reaches nothing in a
 * record adds nothing), and the catalogue's facts from the declaration.
 */
export function publishedDefinition ({ declaration, operations }: PublishedService): ServiceDefinition {
  const subjectPointers = [...new Set(operations.flatMap((operation) => operation.declaration.personalData?.subjects.response ?? []))]
  return {
    title: declaration.title,
    personalData: operations.some((operation) => operation.personal),
    keyFields: [...new Set(operations.flatMap((operation) => operation.declaration.keyFields ?? []))],
    subjectsOf: (record) => subjectPointers.flatMap((pointer) => valuesAt(record, pointer)),
    operationIds: operations.map((operation) => operation.declaration.operationId),
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
