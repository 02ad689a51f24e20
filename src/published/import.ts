import type { Credentials, OperationDeclaration, PersonalDataDeclaration, ServiceDeclaration, UpstreamDeclaration } from '../../adapters/published/declaration.js'
import { schemaAt, schemaPrefixOf } from '../../adapters/published/loader.js'
import { pointerSegments } from '../../adapters/published/pointers.js'
import { ProviderDocumentError, readProviderDocument, type JsonSchema, type ProviderDocument, type ProviderOperation } from '../../adapters/published/provider-openapi.js'
import { publishedEnvKey } from '../config/published.js'

/**
 * Onboarding an agency's API starts from its OpenAPI document: `importService` turns the parsed document into a
 * STARTING declaration (service.json) and says what in it is guessed or a placeholder. What the gateway cannot
 * publish is left out with the reason (the same reader as the loader decides); personal data, data subjects,
 * records and key fields are guessed from property names as Vietnamese (and English) APIs spell them. Nothing here
 * reads files: scripts/service-import.ts does, and checks the result with the loader before keeping it.
 */

export type Classification = ServiceDeclaration['classification']
export const CLASSIFICATIONS: readonly Classification[] = ['public', 'internal', 'restricted', 'confidential']

/** service.json as the import writes it: the upstream's tuning is left to the schema's defaults. */
export type DeclarationFile = Omit<ServiceDeclaration, 'upstream'> & { upstream: Pick<UpstreamDeclaration, 'urls' | 'credentials'> }

export interface ImportOptions {
  /** The provider's document as it is named beside service.json (provider.yaml). */
  openapiFile: string
  /** Service id; derived from info.title when absent. */
  service?: string | undefined
  owner?: { agencyCode?: string | undefined, name?: string | undefined }
  classification?: Classification | undefined
}

export interface ReviewNote {
  /** placeholder: must be replaced before publishing; guess: read from the document, check it; note: for the record. */
  kind: 'placeholder' | 'guess' | 'note'
  /** Where in service.json (a JSON pointer; '' for the whole file). */
  at: string
  text: string
}

export interface SkippedOperation {
  /** The operationId, or `METHOD /path` when there is none. */
  operation: string
  reason: string
}

export interface ImportResult {
  declaration: DeclarationFile
  review: ReviewNote[]
  skipped: SkippedOperation[]
}

/** The document cannot give a declaration (no id for the service, nothing publishable, a bad option). */
export class ImportError extends Error {
  override name = 'ImportError'
}

// The patterns of schemas/PublishedService.json the import must meet
const SERVICE_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$/
const AGENCY_CODE = /^[A-Z0-9][A-Z0-9.]{1,31}$/
const OPERATION_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const HTTP_URL = /^https?:\/\/[^\s]+$/
const SEGMENT = /^[A-Za-z0-9_$-]+$/
const KEY_FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const API_KEY_HEADER = /^[A-Za-z0-9-]{1,64}$/

export const PLACEHOLDER_AGENCY_CODE = 'CHUA.XAC.DINH'
export const PLACEHOLDER_AGENCY_NAME = 'CHƯA XÁC ĐỊNH: tên cơ quan chủ quản dữ liệu'
export const PLACEHOLDER_LEGAL_BASIS = { document: 'CHUA-XAC-DINH', title: 'CHƯA XÁC ĐỊNH: số và tên văn bản cho phép chia sẻ dữ liệu này' }
export const PLACEHOLDER_URL = 'http://127.0.0.1:9/'
export const PLACEHOLDER_PURPOSE = 'TTHC'

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const
const WRITE_IDEMPOTENT: Readonly<Record<string, boolean>> = { PUT: true, DELETE: true, POST: false, PATCH: false }
const MAX_OPERATIONS = 200
const MAX_URLS = 8
const MAX_DEPTH = 8

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const normalized = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '')
const listed = (items: readonly string[]): string => items.join(', ')

/** Tiếng Việt có dấu → ASCII: accents dropped, đ → d. */
export function ascii (text: string): string {
  return text.replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
}

/** Lower-case ASCII words joined by `-` (Hộ tịch → ho-tich). */
export function slug (text: string): string {
  return ascii(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
}

/**
 * A service id from a title whose parts are separated by `.`, `:`, `/`, `|` or a spaced dash ("Tư pháp: Hộ tịch" →
 * tu-phap.ho-tich); undefined when the title gives no valid id (one part only, a part starting with a digit…).
 */
export function serviceIdFromTitle (title: string): string | undefined {
  const parts = title.split(/[.:/|]|\s[-–—]\s/).map(slug).filter((part) => part !== '')
  const id = parts.join('.')
  return SERVICE_ID.test(id) && id.length <= 64 ? id : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Personal data by property name

type Signal = 'identifier' | 'strong' | 'weak'

/** A person's identity number (số định danh cá nhân, CCCD, CMND, hộ chiếu…): a data subject. */
const IDENTIFIER = /(sodinhdanh|madinhdanh|dinhdanhcanhan|cccd|cmnd|cancuoc|hochieu|personalid|nationalid|citizenid|identitynumber|identitycard|passport)/
/** …unless it identifies a file, an agency or a document. */
const NOT_A_PERSON = /(hoso|coquan|donvi|tochuc|doanhnghiep|giayto|vanban|thutuc)/
/** About the identity paper, not the number: personal, not a subject (ngayCapCccd, noiCapCmnd). */
const ID_PAPER_DETAIL = /(ngaycap|noicap|ngayhethan|issue|expir)/
/** Only people have these. */
const STRONG = /^(hoten|hovaten|hodem|ngaysinh|namsinh|gioitinh|quequan|noisinh|noithuongtru|noitamtru|noicutru|noiohientai|thuongtru|tamtru|dantoc|tongiao|fullname|firstname|lastname|givenname|familyname|middlename|birthdate|dateofbirth|birthday|birthplace|placeofbirth|gender|ethnicity|religion)|^ten(nguoi|congdan|chuho|cha|me|vo|chong|canhan|benhnhan|hocsinh|sinhvien)|^(dob|sex)$/
/** Personal when they describe a person; an agency or an enterprise has them too. */
const WEAK = /^(ten|name|sdt|mst|quoctich|nationality|nghenghiep|occupation)$|^(diachi|dienthoai|sodienthoai|didong|email|thudientu|masothue|address|phone|mobile|telephone|taxcode|taxid)/
/** A property whose name says it holds a person (chuDauTu: { ten, diaChi }). */
const PERSON_HOLDER = /(nguoi|congdan|chudautu|chuho|chusohuu|canbo|congchuc|vienchuc|hocsinh|sinhvien|benhnhan|nhanvien|thanhvien|canhan|giamho|person|people|citizen|applicant|patient|student|employee|member|holder)|^(cha|me|vo|chong|con|chu)$/
/** A record's own id: maHoSo, soGiayPhep, id, recordId… */
const KEY_NAME = /^(ma|so|id)([A-Z0-9_]|$)|^(id|uuid|code|key)$|[a-z0-9](Id|ID|Code|_id)$/

function signalOf (name: string): Signal | undefined {
  const n = normalized(ascii(name))
  if (IDENTIFIER.test(n) && !NOT_A_PERSON.test(n)) return ID_PAPER_DETAIL.test(n) ? 'strong' : 'identifier'
  if (STRONG.test(n)) return 'strong'
  if (WEAK.test(n)) return 'weak'
  return undefined
}

interface Schemas { document: ProviderDocument, schemaPrefix: string }

const deref = (schema: unknown, schemas: Schemas): JsonSchema | undefined => isObject(schema) ? schemaAt(schema, '', schemas) : undefined
const typeOf = (schema: JsonSchema | undefined): string[] => schema === undefined ? [] : Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : typeof schema.type === 'string' ? [schema.type] : []
const isObjectSchema = (schema: JsonSchema | undefined): boolean => schema !== undefined && (typeOf(schema).includes('object') || isObject(schema.properties))
const isScalar = (schema: JsonSchema | undefined): boolean => schema === undefined || (!isObjectSchema(schema) && !typeOf(schema).includes('array') && schema.items === undefined)

interface Findings {
  /** Personal properties by pointer (relative to a record), with whether each is a person's id. */
  personal: Array<{ pointer: string, identifier: boolean }>
  /** Names that could be personal, in objects that do not look like a person. */
  unflagged: string[]
}

/** Walks a record's schema for properties whose names look personal; does not enter allOf/anyOf/oneOf (schemaAt does not). */
function findPersonal (schema: unknown, pointer: string, holder: string, schemas: Schemas, found: Findings, depth = 0, seen: readonly JsonSchema[] = []): void {
  const node = deref(schema, schemas)
  if (node === undefined || depth > MAX_DEPTH || seen.includes(node)) return
  const inside = [...seen, node]
  if (isObject(node.items)) findPersonal(node.items, `${pointer}/*`, holder, schemas, found, depth + 1, inside)
  if (!isObject(node.properties)) return
  const members = Object.entries(node.properties).filter(([name]) => SEGMENT.test(name)).map(([name, member]) => ({ name, member, signal: signalOf(name) }))
  const personLike = PERSON_HOLDER.test(normalized(ascii(holder))) || members.some(({ signal }) => signal === 'identifier' || signal === 'strong')
  for (const { name, member, signal } of members) {
    const at = `${pointer}/${name}`
    if (signal === undefined) {
      findPersonal(member, at, name, schemas, found, depth + 1, inside)
    } else if (signal === 'weak' && !personLike) {
      found.unflagged.push(at)
    } else {
      // a person's id as one value is a data subject; an id paper given as an object is personal data only
      found.personal.push({ pointer: at, identifier: signal === 'identifier' && isScalar(deref(member, schemas)) })
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The raw document: what readProviderDocument does not keep (servers, security, cookies, operations without id)

function resolvedRaw (doc: Record<string, unknown>, value: unknown): Record<string, unknown> | undefined {
  let current = value
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 8; hops++) {
    const ref = current.$ref
    if (!ref.startsWith('#/')) return undefined
    let target: unknown = doc
    for (const segment of pointerSegments(ref.slice(1))) target = isObject(target) ? target[segment] : undefined
    current = target
  }
  return isObject(current) && current.$ref === undefined ? current : undefined
}

interface RawOperation { method: string, path: string, operation: Record<string, unknown>, pathItem: Record<string, unknown> }

function rawOperations (doc: Record<string, unknown>): RawOperation[] {
  const found: RawOperation[] = []
  for (const [path, pathItem] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(pathItem)) continue
    for (const method of METHODS) {
      const operation = pathItem[method]
      if (isObject(operation)) found.push({ method: method.toUpperCase(), path, operation, pathItem })
    }
  }
  return found
}

/** Absolute http(s) base URLs of `servers`, their variables replaced by their defaults. */
function serverUrls (doc: Record<string, unknown>): string[] {
  const urls: string[] = []
  for (const server of Array.isArray(doc.servers) ? doc.servers : []) {
    if (!isObject(server) || typeof server.url !== 'string') continue
    const variables = isObject(server.variables) ? server.variables : {}
    const url = server.url.replace(/\{([^}]*)\}/g, (whole, name: string) => {
      const variable = variables[name]
      return isObject(variable) && typeof variable.default === 'string' ? variable.default : whole
    })
    if (HTTP_URL.test(url) && url.length <= 500 && !url.includes('{') && !urls.includes(url)) urls.push(url)
  }
  return urls
}

/** What one security scheme asks of the gateway: credentials it can send, or why it cannot. */
type SchemeUse = { credentials: Credentials, tokenUrlGuessed?: string } | { unsupported: string }

function schemeUse (name: string, scheme: Record<string, unknown> | undefined, baseUrl: string | undefined): SchemeUse {
  if (scheme === undefined) return { unsupported: `${name} is not a security scheme of the document` }
  const type = scheme.type
  if (type === 'apiKey') {
    if (scheme.in !== 'header') return { unsupported: `${name} (API key in ${String(scheme.in)}): the gateway sends API keys in a header only` }
    if (typeof scheme.name !== 'string' || !API_KEY_HEADER.test(scheme.name)) return { unsupported: `${name}: the header name ${JSON.stringify(scheme.name)} is not a plain header name` }
    return { credentials: { kind: 'api-key', header: scheme.name } }
  }
  if (type === 'http') {
    if (typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'basic') return { credentials: { kind: 'basic' } }
    return { unsupported: `${name} (HTTP ${String(scheme.scheme)}): the gateway sends HTTP Basic, an API key, OAuth 2.0 client-credentials tokens or a TLS client certificate; declare the credentials by hand if the token comes from an OAuth 2.0 token endpoint` }
  }
  if (type === 'mutualTLS') return { credentials: { kind: 'tls-client-certificate' } }
  if (type === 'oauth2') {
    const flow = isObject(scheme.flows) ? scheme.flows.clientCredentials : undefined
    if (!isObject(flow) || typeof flow.tokenUrl !== 'string') return { unsupported: `${name} (OAuth 2.0 without a clientCredentials flow): the gateway calls as itself, not on behalf of a user` }
    let tokenUrl: string | undefined
    try {
      tokenUrl = new URL(flow.tokenUrl, baseUrl).href
    } catch {
      tokenUrl = undefined
    }
    if (tokenUrl !== undefined && HTTP_URL.test(tokenUrl) && tokenUrl.length <= 500) return { credentials: { kind: 'oauth2-client-credentials', tokenUrl } }
    return { credentials: { kind: 'oauth2-client-credentials', tokenUrl: new URL('/token', PLACEHOLDER_URL).href }, tokenUrlGuessed: flow.tokenUrl }
  }
  return { unsupported: `${name} (${String(type)}): not a kind of credentials the gateway sends` }
}

interface SecurityChoice {
  /** The scheme the service's credentials come from; undefined: none. */
  scheme?: string
  /** Why an operation cannot be called with it (undefined: it can). */
  refusal (operation: RawOperation): string | undefined
  /** Scopes the published operations ask of the scheme. */
  scopes (operations: readonly RawOperation[]): string[]
}

/** One credential per service: the scheme the most operations accept (an operation with `{}` takes any). */
function chooseSecurity (doc: Record<string, unknown>, operations: readonly RawOperation[], uses: Map<string, SchemeUse>): SecurityChoice {
  const requirements = (raw: RawOperation): Array<Record<string, unknown>> => {
    const given = Array.isArray(raw.operation.security) ? raw.operation.security : Array.isArray(doc.security) ? doc.security : []
    const list = given.filter(isObject)
    return list.length === 0 ? [{}] : list
  }
  const open = (raw: RawOperation): boolean => requirements(raw).some((requirement) => Object.keys(requirement).length === 0)
  const single = (requirement: Record<string, unknown>): string | undefined => {
    const names = Object.keys(requirement)
    const use = names.length === 1 ? uses.get(names[0] as string) : undefined
    return use !== undefined && 'credentials' in use ? names[0] : undefined
  }
  const counts = new Map<string, number>()
  for (const raw of operations) {
    for (const name of new Set(requirements(raw).map(single))) if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  const scheme = [...counts.entries()].reduce<[string, number] | undefined>((best, entry) => best === undefined || entry[1] > best[1] ? entry : best, undefined)?.[0]
  const describe = (requirement: Record<string, unknown>): string => {
    const names = Object.keys(requirement)
    if (names.length > 1) return `${names.join(' + ')} together (the gateway sends one kind of credentials)`
    const use = uses.get(names[0] as string)
    if (use === undefined) return `${names[0] ?? ''} (not a security scheme of the document)`
    return 'credentials' in use ? `${names[0] ?? ''} (the service uses ${scheme ?? 'no credentials'})` : use.unsupported
  }
  return {
    ...(scheme === undefined ? {} : { scheme }),
    refusal (raw) {
      if (open(raw) || (scheme !== undefined && requirements(raw).some((requirement) => single(requirement) === scheme))) return undefined
      return `authenticates only with ${requirements(raw).map(describe).join('; or ')}`
    },
    scopes (published) {
      const scopes = new Set<string>()
      for (const raw of published) {
        for (const requirement of requirements(raw)) {
          const wanted = scheme === undefined ? undefined : requirement[scheme]
          if (Array.isArray(wanted)) for (const scope of wanted) if (typeof scope === 'string') scopes.add(scope)
        }
      }
      return [...scopes]
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One operation

function requiredCookie (doc: Record<string, unknown>, raw: RawOperation): string | undefined {
  const all = [...(Array.isArray(raw.pathItem.parameters) ? raw.pathItem.parameters : []), ...(Array.isArray(raw.operation.parameters) ? raw.operation.parameters : [])]
  const cookie = all.map((entry) => resolvedRaw(doc, entry)).find((parameter) => parameter?.in === 'cookie' && parameter.required === true)
  return typeof cookie?.name === 'string' ? cookie.name : undefined
}

/** The members in the schema's order, as a reviewer reads them. */
const OPERATION_MEMBERS = ['operationId', 'idempotent', 'purposes', 'records', 'keyFields', 'personalData'] as const
const inOrder = (operation: OperationDeclaration): OperationDeclaration =>
  Object.fromEntries(OPERATION_MEMBERS.filter((name) => operation[name] !== undefined).map((name) => [name, operation[name]])) as unknown as OperationDeclaration

function declareOperation (provider: ProviderOperation, schemas: Schemas, at: string, review: ReviewNote[]): OperationDeclaration {
  const declaration: OperationDeclaration = { operationId: provider.operationId }
  const id = `${provider.operationId} (${provider.method} ${provider.path})`
  const writeIdempotent = WRITE_IDEMPOTENT[provider.method]
  if (writeIdempotent !== undefined) {
    declaration.idempotent = writeIdempotent
    review.push({
      kind: 'guess',
      at: `${at}/idempotent`,
      text: writeIdempotent
        ? `${id}: idempotent true (${provider.method}): a repeated call is retried and needs no Idempotency-Key; set false unless the provider applies it once`
        : `${id}: idempotent false (${provider.method}): callers must send Idempotency-Key; set true only if the provider applies a repeated call once`
    })
  }
  const answer = provider.responses.find((response) => response.schema !== undefined)
  if (answer?.schema === undefined) {
    review.push({ kind: 'note', at, text: `${id}: answers no JSON body; nothing to minimise` })
    return declaration
  }
  // the records: a bare array is one record to the gateway; an object with exactly one list of objects holds them
  const root = deref(answer.schema, schemas)
  let record: unknown = answer.schema
  let contractRecord: unknown = answer.contract
  let holder = ''
  if (typeOf(root).includes('array')) {
    review.push({ kind: 'guess', at, text: `${id}: answers a bare array, which the gateway treats as one record (records cannot point at the root; grant fields cannot select inside it): ask the provider for { items: [...] } if consumers need fields minimised` })
  } else if (root !== undefined && isObject(root.properties)) {
    const lists = Object.entries(root.properties).filter(([name, member]) => {
      const list = deref(member, schemas)
      return SEGMENT.test(name) && list?.type === 'array' && isObjectSchema(deref(list.items, schemas))
    })
    if (lists.length === 1) {
      const [name] = lists[0] as [string, unknown]
      declaration.records = `/${name}`
      record = schemaAt(answer.schema, `/${name}/*`, schemas)
      contractRecord = answer.contract === undefined ? undefined : schemaAt(answer.contract, `/${name}/*`, schemas)
      holder = name
      review.push({ kind: 'guess', at: `${at}/records`, text: `${id}: records at /${name}, the answer's only list of objects` })
    } else if (lists.length > 1) {
      review.push({ kind: 'guess', at, text: `${id}: the answer has several lists of objects (${listed(lists.map(([name]) => `/${name}`))}): declared as one record; set records if one of them holds the records` })
    }
  }
  // personal data, and the data subjects' ids
  const found: Findings = { personal: [], unflagged: [] }
  findPersonal(record, '', holder, schemas, found)
  const reaches = (pointer: string): boolean => isObject(record) && schemaAt(record, pointer, schemas) !== undefined
  const properties = found.personal.map(({ pointer }) => pointer).filter(reaches)
  const responseSubjects = found.personal.filter(({ pointer, identifier }) => identifier && reaches(pointer)).map(({ pointer }) => pointer)
  const requestSubjects = provider.parameters.filter((parameter) => parameter.in !== 'header' && signalOf(parameter.name) === 'identifier').map((parameter) => `/${parameter.in}/${parameter.name}`)
  const body = deref(provider.body?.schema, schemas)
  if (body !== undefined && isObject(body.properties)) {
    for (const name of Object.keys(body.properties)) if (SEGMENT.test(name) && signalOf(name) === 'identifier') requestSubjects.push(`/body/${name}`)
  }
  if (properties.length > 0) {
    const subjects: PersonalDataDeclaration['subjects'] = {
      ...(requestSubjects.length === 0 ? {} : { request: requestSubjects }),
      ...(responseSubjects.length === 0 ? {} : { response: responseSubjects })
    }
    declaration.purposes = [PLACEHOLDER_PURPOSE]
    declaration.personalData = { properties, subjects }
    review.push({ kind: 'guess', at: `${at}/personalData`, text: `${id}: personal data guessed from names: ${listed(properties)}; data subjects ${requestSubjects.length + responseSubjects.length === 0 ? 'none found: add where the persons\' ids are' : listed([...requestSubjects, ...responseSubjects])}` })
    review.push({ kind: 'placeholder', at: `${at}/purposes`, text: `${id}: purposes ["${PLACEHOLDER_PURPOSE}"] is a placeholder: list the purposes this data may be used for` })
  } else if (requestSubjects.length > 0) {
    review.push({ kind: 'guess', at, text: `${id}: takes a personal id (${listed(requestSubjects)}) but no personal property was found in its answer: declare personalData by hand if the answer is about that person` })
  }
  if (found.unflagged.length > 0) {
    review.push({ kind: 'note', at, text: `${id}: not flagged as personal (the object does not look like a person): ${listed(found.unflagged)}` })
  }
  // the key field: a required string with an id-like name at the top of the record
  const keyRecord = deref(contractRecord, schemas)
  if (!typeOf(root).includes('array') && keyRecord !== undefined && isObject(keyRecord.properties)) {
    const required = Array.isArray(keyRecord.required) ? keyRecord.required : []
    const keys = Object.entries(keyRecord.properties)
      .filter(([name, member]) => KEY_NAME.test(name) && KEY_FIELD.test(name) && signalOf(name) === undefined && required.includes(name) && typeOf(deref(member, schemas)).includes('string') && reaches(`/${name}`))
      .map(([name]) => name)
    if (keys[0] !== undefined) {
      declaration.keyFields = [keys[0]]
      review.push({ kind: 'guess', at: `${at}/keyFields`, text: `${id}: key field ${keys[0]} (always returned, whatever the grant's fields)${keys.length > 1 ? `; other candidates: ${listed(keys.slice(1))}` : ''}` })
    }
  }
  return declaration
}

// ---------------------------------------------------------------------------------------------------------------

function serviceId (parsed: Record<string, unknown>, given: string | undefined, review: ReviewNote[]): string {
  if (given !== undefined) {
    if (!SERVICE_ID.test(given) || given.length > 64) throw new ImportError(`--service ${JSON.stringify(given)} is not a service id: dot-separated lower-case words, e.g. tuphap.ho-tich`)
    return given
  }
  const title = isObject(parsed.info) && typeof parsed.info.title === 'string' ? parsed.info.title : ''
  const derived = serviceIdFromTitle(title)
  if (derived === undefined) {
    const words = slug(title)
    throw new ImportError(`cannot derive a service id from info.title ${JSON.stringify(title)}${words === '' ? '' : ` (${words} lacks the owner's short code, as in tuphap.${words})`}: pass --service, e.g. --service tuphap.ho-tich`)
  }
  review.push({ kind: 'guess', at: '/service', text: `service id ${derived} derived from info.title; it is also the folder's and the grant's name (--service to choose it)` })
  return derived
}

/** The starting declaration of the provider's document (parsed), and what a reviewer must look at. */
export function importService (parsed: unknown, options: ImportOptions): ImportResult {
  // the same reader as the loader refuses what it would refuse, before anything is guessed
  readProviderDocument(parsed, 'Import')
  const doc = parsed as Record<string, unknown>
  const review: ReviewNote[] = []
  const skipped: SkippedOperation[] = []
  const service = serviceId(doc, options.service, review)
  const schemaPrefix = schemaPrefixOf(service)
  const document = readProviderDocument(parsed, schemaPrefix)
  const schemas: Schemas = { document, schemaPrefix }

  // the operations the gateway can publish
  const byId = new Map<string, RawOperation>()
  for (const raw of rawOperations(doc)) {
    if (typeof raw.operation.operationId === 'string') byId.set(raw.operation.operationId, raw)
    else skipped.push({ operation: `${raw.method} ${raw.path}`, reason: 'has no operationId, which a declaration names operations by' })
  }
  const candidates: Array<{ raw: RawOperation, provider: ProviderOperation }> = []
  const routes = new Set<string>()
  for (const operationId of document.operationIds) {
    const raw = byId.get(operationId) as RawOperation
    const skip = (reason: string): void => { skipped.push({ operation: operationId, reason }) }
    if (!OPERATION_ID.test(operationId)) { skip('its operationId is not a plain name of letters, digits and _ (at most 64)'); continue }
    let provider: ProviderOperation | undefined
    try {
      provider = document.operation(operationId)
    } catch (err) {
      if (!(err instanceof ProviderDocumentError)) throw err
      skip(err.message)
      continue
    }
    if (provider === undefined) continue
    const cookie = requiredCookie(doc, raw)
    if (cookie !== undefined) { skip(`needs the cookie ${cookie}, and the gateway never forwards cookies`); continue }
    const route = `${provider.method} ${provider.path.replace(/\{[^}]*\}/g, '{}')}`
    if (routes.has(route)) { skip(`has the same method and path as another operation (${provider.method} ${provider.path})`); continue }
    routes.add(route)
    candidates.push({ raw, provider })
  }

  // one kind of credentials for the service; operations that need another are left out
  const urls = serverUrls(doc)
  const securitySchemes = isObject(doc.components) && isObject(doc.components.securitySchemes) ? doc.components.securitySchemes : {}
  const uses = new Map(Object.keys(securitySchemes).map((name) => [name, schemeUse(name, resolvedRaw(doc, securitySchemes[name]), urls[0])]))
  const security = chooseSecurity(doc, candidates.map(({ raw }) => raw), uses)
  const published = candidates.filter(({ raw, provider }) => {
    const refusal = security.refusal(raw)
    if (refusal !== undefined) skipped.push({ operation: provider.operationId, reason: refusal })
    return refusal === undefined
  })
  if (published.length === 0) {
    throw new ImportError(`no operation of the document can be published${skipped.length === 0 ? ' (it has none)' : `: ${skipped.map((skip) => `${skip.operation} ${skip.reason}`).join('; ')}`}`)
  }
  if (published.length > MAX_OPERATIONS) {
    for (const { provider } of published.splice(MAX_OPERATIONS)) skipped.push({ operation: provider.operationId, reason: `a declaration lists at most ${MAX_OPERATIONS} operations` })
  }

  let credentials: Credentials = { kind: 'none' }
  const use = security.scheme === undefined ? undefined : uses.get(security.scheme)
  if (use !== undefined && 'credentials' in use) {
    credentials = use.credentials
    if (credentials.kind === 'oauth2-client-credentials') {
      const scope = security.scopes(published.map(({ raw }) => raw)).join(' ')
      if (scope !== '') credentials = { ...credentials, scope: scope.slice(0, 500) }
      if (use.tokenUrlGuessed !== undefined) {
        review.push({ kind: 'placeholder', at: '/upstream/credentials/tokenUrl', text: `token URL ${credentials.tokenUrl} is a placeholder: the document's ${JSON.stringify(use.tokenUrlGuessed)} is not an absolute http(s) URL (or set PUBLISHED_${publishedEnvKey(service)}_TOKEN_URL)` })
      }
    }
    review.push({ kind: 'guess', at: '/upstream/credentials', text: `credentials ${credentials.kind} from the security scheme ${security.scheme ?? ''}${credentials.kind === 'oauth2-client-credentials' ? ` (token URL ${credentials.tokenUrl}, scope ${JSON.stringify(credentials.scope ?? '')})` : ''}` })
  } else {
    review.push({ kind: 'guess', at: '/upstream/credentials', text: 'credentials none: the published operations declare no security the gateway must meet; check that the provider really asks for nothing' })
  }
  for (const [name, schemeUsed] of uses) {
    if ('unsupported' in schemeUsed && name !== security.scheme) review.push({ kind: 'note', at: '/upstream/credentials', text: `security scheme not used: ${schemeUsed.unsupported}` })
  }

  // the service
  const info = document.info
  const semver = /^[0-9]+\.[0-9]+\.[0-9]+$/.test(info.version)
  if (!semver) review.push({ kind: 'guess', at: '/version', text: `version 1.0.0: the document's info.version ${JSON.stringify(info.version)} is not x.y.z` })
  const title = info.title.trim() === '' ? service : info.title.trim().slice(0, 200)
  const description = info.description?.trim().slice(0, 4000)
  const agencyCode = options.owner?.agencyCode
  const agencyName = options.owner?.name?.trim()
  if (agencyCode !== undefined && !AGENCY_CODE.test(agencyCode)) throw new ImportError(`--owner-code ${JSON.stringify(agencyCode)} is not an agency code: upper-case letters, digits and dots, e.g. H25.18`)
  if (agencyName !== undefined && (agencyName === '' || agencyName.length > 200)) throw new ImportError('--owner-name must be 1 to 200 characters')
  if (agencyCode === undefined) review.push({ kind: 'placeholder', at: '/owner/agencyCode', text: `owner agency code ${PLACEHOLDER_AGENCY_CODE} is a placeholder (--owner-code, e.g. H25.18)` })
  if (agencyName === undefined) review.push({ kind: 'placeholder', at: '/owner/name', text: 'owner name is a placeholder (--owner-name)' })
  review.push({ kind: 'placeholder', at: '/legalBasis', text: `legal basis ${PLACEHOLDER_LEGAL_BASIS.document} is a placeholder: the number and title of the documents that allow sharing this data` })
  if (options.classification === undefined) review.push({ kind: 'guess', at: '/classification', text: 'classification restricted by default: public, internal, restricted or confidential (--classification)' })
  const envKey = publishedEnvKey(service)
  if (urls.length === 0) {
    review.push({ kind: 'placeholder', at: '/upstream/urls', text: `base URL ${PLACEHOLDER_URL} is a placeholder: the document has no absolute http(s) servers; write the provider's URL or set PUBLISHED_${envKey}_URL` })
  } else {
    review.push({ kind: 'guess', at: '/upstream/urls', text: `base URLs from the document's servers: ${listed(urls.slice(0, MAX_URLS))} (PUBLISHED_${envKey}_URL replaces them per deployment)` })
  }

  const operations = published.map(({ provider }, i) => inOrder(declareOperation(provider, schemas, `/operations/${i}`, review)))
  const declaration: DeclarationFile = {
    service,
    version: semver ? info.version : '1.0.0',
    title,
    ...(description === undefined || description === '' ? {} : { description }),
    owner: { agencyCode: agencyCode ?? PLACEHOLDER_AGENCY_CODE, name: agencyName ?? PLACEHOLDER_AGENCY_NAME },
    legalBasis: [{ ...PLACEHOLDER_LEGAL_BASIS }],
    classification: options.classification ?? 'restricted',
    openapi: options.openapiFile,
    upstream: { urls: urls.length === 0 ? [PLACEHOLDER_URL] : urls.slice(0, MAX_URLS), credentials },
    operations
  }
  return { declaration, review, skipped }
}

/** The configuration a deployment sets for the service's credentials (besides PUBLISHED_<SERVICE>_URL). */
export function secretVariables (declaration: DeclarationFile): string[] {
  const key = `PUBLISHED_${publishedEnvKey(declaration.service)}_`
  const names: Record<Credentials['kind'], string[]> = {
    none: [],
    'api-key': ['API_KEY'],
    basic: ['USERNAME', 'PASSWORD'],
    'oauth2-client-credentials': ['CLIENT_ID', 'CLIENT_SECRET'],
    'tls-client-certificate': ['TLS_CERT_FILE', 'TLS_KEY_FILE']
  }
  return names[declaration.upstream.credentials.kind].map((name) => key + name)
}

/** What the import prints: where it wrote, the review checklist, the skipped operations, the next steps. */
export function reviewText ({ declaration, review, skipped }: ImportResult, folder: string): string {
  const { service } = declaration
  const lines = [`Wrote ${folder}/ (service.json, ${declaration.openapi}): ${declaration.operations.length} operation(s) of service ${service}; the gateway's loader accepts it.`, '']
  const section = (heading: string, notes: readonly ReviewNote[]): void => {
    if (notes.length === 0) return
    lines.push(heading, ...notes.map((note) => `  [ ] ${note.at === '' ? '' : `${note.at}: `}${note.text}`), '')
  }
  section('Placeholders to replace:', review.filter((note) => note.kind === 'placeholder'))
  section('Guesses to check:', review.filter((note) => note.kind === 'guess'))
  section('Notes:', review.filter((note) => note.kind === 'note'))
  if (skipped.length > 0) lines.push('Skipped operations (the gateway cannot publish them as the document describes them):', ...skipped.map((skip) => `  - ${skip.operation}: ${skip.reason}`), '')
  const key = `PUBLISHED_${publishedEnvKey(service)}_`
  const secrets = secretVariables(declaration)
  lines.push(
    'Next steps:',
    `  1. Review ${folder}/service.json against the lists above, then commit the folder.`,
    `  2. Configure the deployment: ${key}URL (the provider's base URLs, comma-separated)${secrets.length === 0 ? '' : `, ${secrets.join(', ')}`}${declaration.upstream.credentials.kind === 'oauth2-client-credentials' ? `, optionally ${key}TOKEN_URL` : ''}${declaration.upstream.credentials.kind === 'tls-client-certificate' ? `, optionally ${key}TLS_CA_FILE` : ''}.`,
    `  3. Grant the service to its consumers: PUT /admin/v1/clients/<clientId>/grants/${service} with their purposes (and fields, operations).`,
    '  4. Restart the gateway: declarations are read and checked at boot.',
    ''
  )
  return lines.join('\n')
}
