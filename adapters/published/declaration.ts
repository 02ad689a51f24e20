/**
 * A published service as its declaration file says it (schemas/PublishedService.json): an agency's own REST API,
 * served by the gateway under the grant of the same name. The loader checks the file against the schema and
 * against the provider's OpenAPI document; these are the checked shapes.
 */

export type Credentials =
  | { kind: 'none' }
  | { kind: 'api-key', header: string }
  | { kind: 'basic' }
  | { kind: 'oauth2-client-credentials', tokenUrl: string, scope?: string }
  | { kind: 'tls-client-certificate' }

export interface PersonalDataDeclaration {
  /** JSON pointers relative to a record, `*` for every array element. */
  properties: string[]
  subjects: { request?: string[], response?: string[] }
}

export interface OperationDeclaration {
  operationId: string
  idempotent?: boolean
  purposes?: string[]
  /** JSON pointer to the records in a 2xx answer; absent: the answer is one record. */
  records?: string
  keyFields?: string[]
  personalData?: PersonalDataDeclaration
}

export type LifecycleStatus = 'active' | 'deprecated' | 'retired'

export interface Lifecycle {
  status: LifecycleStatus
  deprecatedAt?: string
  sunset?: string
  successor?: string
}

export interface UpstreamDeclaration {
  urls: string[]
  credentials: Credentials
  timeoutMs: number
  connectTimeoutMs: number
  connections: number
  maxResponseBytes: number
}

export interface ServiceDeclaration {
  service: string
  version: string
  title: string
  description?: string
  owner: { agencyCode: string, name: string, contact?: string }
  legalBasis: Array<{ document: string, title?: string }>
  classification: 'public' | 'internal' | 'restricted' | 'confidential'
  lifecycle?: Lifecycle
  openapi: string
  upstream: UpstreamDeclaration
  operations: OperationDeclaration[]
}
