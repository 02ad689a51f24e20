import { pickPaths } from './privacy/field-paths.js'

/**
 * The services a client can be granted (the grant names of DESIGN.md). Routes name their service in
 * `config.service`; whether it discloses personal data decides the purpose check and the rate-limit failure mode.
 * The API's own services are fixed here; each declared sector dataset adds one (`sector.<sector>.<dataset>.read`).
 */

/** A list filter of a service: the record field it reads decides whether a grant may use it. */
export interface ServiceFilter {
  /** The query parameter. */
  name: string
  /** The top-level record field it compares (what filtering by it reveals). */
  field: string
  /** Filters by the data subject (a personal id): the request's own subject. */
  subject?: boolean
  /** An equality filter a grant may fix (`rows.match`); records are checked against it with valueOf. */
  matchable?: boolean
  /** The value a fixed filter compares, when it is not the field itself (e.g. a nested code). */
  valueOf?: (record: object) => unknown
}

/** What the catalogue says of a service beside its operations (published services declare it; defaults otherwise). */
export interface ServiceAbout {
  kind: 'built-in' | 'dataset' | 'published' | 'category'
  version: string
  description?: string
  owner: { name: string, agencyCode?: string, contact?: string }
  legalBasis: Array<{ document: string, title?: string }>
  classification: 'public' | 'internal' | 'restricted' | 'confidential'
  lifecycle: { status: 'active' | 'deprecated' | 'retired', deprecatedAt?: string, sunset?: string, successor?: string }
}

export interface ServiceDefinition {
  title: string
  /** Whether it discloses personal data (for a published service: whether any of its operations does). */
  personalData: boolean
  /** Any valid token of a registered client may use it, without a grant or a scope (reference data, no personal data). */
  open?: boolean
  /** Component schema of what the service returns, for the /services links (published services: their own document). */
  schema?: string
  /** Fields a filtered record always keeps: they identify it, and the caller sent or asked by them. */
  keyFields?: readonly string[]
  /** The filters of its list operation, if any. */
  filters?: readonly ServiceFilter[]
  /** The personal ids a record of this service is about (recorded as the audit's data subjects). */
  subjectsOf?: (record: object) => unknown[]
  /** A published service's operations (operationIds), which a grant may narrow it to. */
  operationIds?: readonly string[]
  /** A published service's record fields as dotted paths: the fields its grants may name. */
  fieldPaths?: ReadonlySet<string>
  about?: ServiceAbout
}

interface DossierLike { applicant?: { kind: string, id: string }, receivingAgency?: { code: string } }

const DOSSIER_FILTERS: readonly ServiceFilter[] = [
  { name: 'personalId', field: 'applicant', subject: true },
  { name: 'status', field: 'status' },
  { name: 'from', field: 'receivedAt' },
  { name: 'to', field: 'receivedAt' },
  { name: 'receivingAgencyCode', field: 'receivingAgency', matchable: true, valueOf: (record) => (record as DossierLike).receivingAgency?.code }
]
const dossierSubjects = (record: object): unknown[] => {
  const { applicant } = record as DossierLike
  return applicant?.kind === 'citizen' ? [applicant.id] : []
}

/** Whether a route's answers are personal data: its own say (a published operation), else its service's. */
export function isPersonalRoute (services: ServiceRegistry, config: { service?: string, personalData?: boolean }): boolean {
  return config.service !== undefined && (config.personalData ?? services.isPersonalData(config.service))
}

const ACTIVE = { status: 'active' } as const
const POPULATION_ABOUT: ServiceAbout = {
  kind: 'built-in',
  version: '1.0.0',
  owner: { agencyCode: 'BCA.C06', name: 'Bộ Công an — Cơ sở dữ liệu quốc gia về dân cư (C06)' },
  legalBasis: [{ document: '26/2023/QH15', title: 'Luật Căn cước' }, { document: '13/2023/NĐ-CP', title: 'Bảo vệ dữ liệu cá nhân' }],
  classification: 'confidential',
  lifecycle: ACTIVE
}
const ONE_STOP_OWNER = { name: 'Hệ thống thông tin giải quyết thủ tục hành chính tỉnh (Văn phòng UBND tỉnh)' }
const ONE_STOP_BASIS = [{ document: '61/2018/NĐ-CP', title: 'Cơ chế một cửa, một cửa liên thông' }, { document: '107/2021/NĐ-CP' }]

export const API_SERVICES: Readonly<Record<string, ServiceDefinition>> = {
  'citizens.read': { title: 'Look up a citizen in the national population database', personalData: true, schema: 'Citizen', subjectsOf: (record) => [(record as { personalId?: string }).personalId], about: POPULATION_ABOUT },
  'citizens.verify': { title: 'Verify identity details against the national population database', personalData: true, schema: 'CitizenVerifyResult', about: POPULATION_ABOUT },
  'procedures.read': { title: 'Read the administrative-procedure catalogue of the one-stop system', personalData: false, schema: 'Procedure', about: { kind: 'built-in', version: '1.0.0', owner: ONE_STOP_OWNER, legalBasis: ONE_STOP_BASIS, classification: 'public', lifecycle: ACTIVE } },
  // a dossier names its applicant: personal data, so a purpose is needed and only granted fields leave
  'dossiers.read': { title: 'Read dossiers of the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'], filters: DOSSIER_FILTERS, subjectsOf: dossierSubjects, about: { kind: 'built-in', version: '1.0.0', owner: ONE_STOP_OWNER, legalBasis: ONE_STOP_BASIS, classification: 'restricted', lifecycle: ACTIVE } },
  'dossiers.write': { title: 'Change the status of a dossier in the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'], filters: DOSSIER_FILTERS, subjectsOf: dossierSubjects, about: { kind: 'built-in', version: '1.0.0', owner: ONE_STOP_OWNER, legalBasis: ONE_STOP_BASIS, classification: 'restricted', lifecycle: ACTIVE } },
  // the shared categories (danh mục dùng chung): every agency system needs them, so no grant is asked for
  'categories.read': { title: 'Read the shared categories (danh mục dùng chung): administrative units since 1 July 2025, the legacy ones and their conversion', personalData: false, open: true, schema: 'CategoryItem', about: { kind: 'category', version: '2025.07.01', owner: { name: 'Cục Thống kê (Bộ Tài chính)' }, legalBasis: [{ document: '19/2025/QĐ-TTg', title: 'Bảng danh mục và mã số các đơn vị hành chính Việt Nam' }, { document: '202/2025/QH15' }], classification: 'public', lifecycle: ACTIVE } }
}

/** The services of one gateway: the API's own and those of its declared datasets. */
export interface ServiceRegistry {
  readonly names: readonly string[]
  get (service: string): ServiceDefinition | undefined
  /** Personal-data services need a purpose, and fail closed when calls cannot be counted. */
  isPersonalData (service: string): boolean
  /** Open services need no grant: any valid token of a registered client may call them. */
  isOpen (service: string): boolean
  /** Whether a grant with these fields (absent list = all fields) discloses the whole of `field`: granted, or a key field. */
  discloses (service: string, fields: readonly string[] | undefined, field: string): boolean
  /**
   * A record reduced to the fields of the grant (absent list = all fields; dotted paths reach inside objects and
   * arrays: privacy/field-paths.ts), keeping the service's key fields.
   */
  filterFields<T extends object> (record: T, fields: readonly string[] | undefined, service: string): Partial<T>
}

const DEFAULT_KEY_FIELDS: readonly string[] = ['personalId']

export function serviceRegistry (more: Readonly<Record<string, ServiceDefinition>> = {}): ServiceRegistry {
  const clash = Object.keys(more).find((name) => Object.hasOwn(API_SERVICES, name))
  if (clash !== undefined) throw new Error(`service ${clash} is defined twice`)
  const all = new Map<string, ServiceDefinition>([...Object.entries(API_SERVICES), ...Object.entries(more)])
  return {
    names: [...all.keys()],
    get: (service) => all.get(service),
    isPersonalData: (service) => all.get(service)?.personalData === true,
    // never both: personal data always needs a grant and a purpose
    isOpen: (service) => all.get(service)?.open === true && all.get(service)?.personalData !== true,
    discloses,
    filterFields (record, fields, service) {
      if (fields === undefined) return record
      return pickPaths(record, fields, all.get(service)?.keyFields ?? DEFAULT_KEY_FIELDS)
    }
  }

  function discloses (service: string, fields: readonly string[] | undefined, field: string): boolean {
    return fields === undefined || fields.includes(field) || (all.get(service)?.keyFields ?? DEFAULT_KEY_FIELDS).includes(field)
  }
}
