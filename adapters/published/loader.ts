import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import YAML from 'yaml'
import { mainError, schemaErrorText, strictAjv } from '../shared/ajv.js'
import { DeclarationError } from '../shared/declaration-error.js'
import type { Credentials, OperationDeclaration, ServiceDeclaration } from './declaration.js'
import { pointerSegments } from './pointers.js'
import { ProviderDocumentError, readProviderDocument, type JsonSchema, type ProviderDocument, type ProviderOperation } from './provider-openapi.js'

/**
 * Publishing an agency's API is files, not code: `loadPublishedServices(dir, schemasDir)` reads every
 * `<dir>/<service>/service.json`, checks it against schemas/PublishedService.json and against the provider's
 * OpenAPI document beside it (every published operationId exists; every pointer reaches a property of the
 * operation's answer; personal operations name their purposes), and refuses the first bad file with an error
 * naming the file and the field.
 */

/** `field` is a pointer inside the OpenAPI document when `file` is that document. */
export class PublishedServiceError extends DeclarationError {
  override name = 'PublishedServiceError'
}

export interface PublishedOperation {
  declaration: OperationDeclaration
  provider: ProviderOperation
  /** Safe to send twice: retried after a connection failure, and no Idempotency-Key needed. */
  idempotent: boolean
  personal: boolean
  /** The 2xx answer the records are read from (the first with a JSON body). */
  recordSchema?: JsonSchema
}

export interface PublishedService {
  declaration: ServiceDeclaration
  /** The declaration file, for errors. */
  file: string
  document: ProviderDocument
  /** Prefix of the provider's component schemas among the gateway's schemas (e.g. TuphapHoTich). */
  schemaPrefix: string
  operations: PublishedOperation[]
}

const DECLARATION_FILE = 'service.json'
const CREDENTIAL_KINDS: ReadonlyArray<Credentials['kind']> = ['none', 'api-key', 'basic', 'oauth2-client-credentials', 'tls-client-certificate']
const WRITES_IDEMPOTENT: Readonly<Record<string, boolean>> = { GET: true, PUT: true, DELETE: true, POST: false, PATCH: false }

/** tuphap.ho-tich → TuphapHoTich: a prefix that keeps the provider's schema names readable and unique. */
export function schemaPrefixOf (service: string): string {
  return service.split(/[.-]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')
}

function fail (file: string, field: string, detail: string): never {
  throw new PublishedServiceError(file, field, detail)
}

async function parsedFile (file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((err: Error) => fail(file, '', `cannot be read: ${err.message}`))
  const yaml = /\.ya?ml$/i.test(file)
  try {
    return yaml ? YAML.parse(text) : JSON.parse(text)
  } catch (err) {
    return fail(file, '', `is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`)
  }
}

/**
 * The schema a record pointer reaches inside an answer's schema, following `$ref`s to the provider's components;
 * undefined when the schema does not say (no properties listed, or a combination the walk does not enter).
 */
export function schemaAt (root: JsonSchema, pointer: string, service: Pick<PublishedService, 'document' | 'schemaPrefix'>): JsonSchema | undefined {
  const deref = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    let current = schema
    for (let hops = 0; typeof current?.$ref === 'string' && hops < 16; hops++) {
      const name = current.$ref.slice(service.schemaPrefix.length, -1)
      current = service.document.schemas[name] ?? service.document.inputSchemas[name.replace(/Input$/, '')]
    }
    return current
  }
  let current = deref(root)
  for (const segment of pointerSegments(pointer)) {
    if (current === undefined) return undefined
    const properties = current.properties as Record<string, JsonSchema> | undefined
    current = deref(segment === '*' ? (current.items as JsonSchema | undefined) ?? (current.additionalProperties as JsonSchema | undefined) : properties?.[segment])
  }
  return current
}

function checkOperation (service: PublishedService, declaration: OperationDeclaration, at: string): PublishedOperation {
  const { file, document } = service
  let provider: ProviderOperation | undefined
  try {
    provider = document.operation(declaration.operationId)
  } catch (err) {
    if (err instanceof ProviderDocumentError) fail(join(file, '..', service.declaration.openapi), err.pointer, err.detail)
    throw err
  }
  if (provider === undefined) fail(file, `${at}/operationId`, `names ${declaration.operationId}, which is not an operation of ${service.declaration.openapi} (${document.operationIds.join(', ')})`)
  const personal = declaration.personalData !== undefined
  if (personal && declaration.purposes === undefined) fail(file, `${at}/purposes`, 'is required: the operation returns personal data')
  const answer = provider.responses.find((response) => response.schema !== undefined)
  let recordSchema = answer?.schema
  if (declaration.records !== undefined) {
    const list = answer?.schema === undefined ? undefined : schemaAt(answer.schema, declaration.records, service)
    if (list?.type !== 'array') fail(file, `${at}/records`, `must point at an array in the ${answer?.status ?? '2xx'} answer of ${declaration.operationId}`)
    recordSchema = list.items as JsonSchema | undefined
  }
  const reaches = (pointer: string, where: string): void => {
    if (recordSchema === undefined || schemaAt(recordSchema, pointer, service) === undefined) {
      fail(file, where, `${pointer} is not a property of a record answered by ${declaration.operationId}`)
    }
  }
  declaration.keyFields?.forEach((path, i) => { reaches(`/${path.replaceAll('.', '/')}`, `${at}/keyFields/${i}`) })
  declaration.personalData?.properties.forEach((pointer, i) => { reaches(pointer, `${at}/personalData/properties/${i}`) })
  declaration.personalData?.subjects.response?.forEach((pointer, i) => { reaches(pointer, `${at}/personalData/subjects/response/${i}`) })
  declaration.personalData?.subjects.request?.forEach((pointer, i) => {
    const [place, name] = pointerSegments(pointer)
    const known = place === 'body' ? provider.body !== undefined : provider.parameters.some((parameter) => parameter.in === place && parameter.name === name)
    if (!known) fail(file, `${at}/personalData/subjects/request/${i}`, `${pointer} is not a parameter or body of ${declaration.operationId}`)
  })
  return {
    declaration,
    provider,
    idempotent: declaration.idempotent ?? WRITES_IDEMPOTENT[provider.method] ?? false,
    personal,
    ...(recordSchema === undefined ? {} : { recordSchema })
  }
}

async function loadService (folder: string, validate: ReturnType<ReturnType<typeof strictAjv>['compile']>): Promise<PublishedService> {
  const file = join(folder, DECLARATION_FILE)
  const data = await parsedFile(file)
  if (!validate(data)) {
    // a kind no branch of the credentials' oneOf has: say which kinds there are, not what the first branch wants
    const kind = (data as { upstream?: { credentials?: { kind?: unknown } } } | null)?.upstream?.credentials?.kind
    if (kind !== undefined && !(CREDENTIAL_KINDS as readonly unknown[]).includes(kind)) fail(file, '/upstream/credentials/kind', `must be one of ${CREDENTIAL_KINDS.map((name) => `"${name}"`).join(', ')}`)
    const error = mainError(validate.errors ?? [])
    if (error === undefined) fail(file, '', 'is not a published-service declaration')
    const { field, detail } = schemaErrorText(error, 'a service declaration')
    fail(file, field, detail)
  }
  const declaration = data as ServiceDeclaration
  const folderName = folder.split(/[\\/]/).at(-1)
  if (folderName !== declaration.service) fail(file, '/service', `must be the folder's name (${folderName ?? ''})`)
  const lifecycle = declaration.lifecycle
  if (lifecycle?.status === 'deprecated') {
    if (lifecycle.deprecatedAt === undefined) fail(file, '/lifecycle/deprecatedAt', 'is required once the service is deprecated')
    if (lifecycle.sunset === undefined) fail(file, '/lifecycle/sunset', 'is required once the service is deprecated')
  }
  const documentFile = join(folder, declaration.openapi)
  const schemaPrefix = schemaPrefixOf(declaration.service)
  let document: ProviderDocument
  try {
    document = readProviderDocument(await parsedFile(documentFile), schemaPrefix)
  } catch (err) {
    if (err instanceof ProviderDocumentError) fail(documentFile, err.pointer, err.detail)
    throw err
  }
  const service: PublishedService = { declaration, file, document, schemaPrefix, operations: [] }
  const routes = new Set<string>()
  declaration.operations.forEach((operation, i) => {
    const at = `/operations/${i}`
    if (service.operations.some((seen) => seen.declaration.operationId === operation.operationId)) fail(file, `${at}/operationId`, `${operation.operationId} is published twice`)
    const published = checkOperation(service, operation, at)
    const route = `${published.provider.method} ${published.provider.path.replace(/\{[^}]*\}/g, '{}')}`
    if (routes.has(route)) fail(file, `${at}/operationId`, `${operation.operationId} has the same method and path as another published operation`)
    routes.add(route)
    service.operations.push(published)
  })
  return service
}

/** Every published service under `dir`, in service-id order. */
export async function loadPublishedServices (dir: string, schemasDir: string): Promise<PublishedService[]> {
  const schema = JSON.parse(await readFile(join(schemasDir, 'PublishedService.json'), 'utf8')) as object
  const validate = strictAjv({ useDefaults: true }).compile(schema)
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: Error) => fail(dir, '', `is not a readable folder of published services: ${err.message}`))
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()
  const services: PublishedService[] = []
  for (const name of folders) services.push(await loadService(join(dir, name), validate))
  return services
}
