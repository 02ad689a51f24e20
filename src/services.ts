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

export interface ServiceDefinition {
  title: string
  personalData: boolean
  /** Any valid token of a registered client may use it, without a grant or a scope (reference data, no personal data). */
  open?: boolean
  /** Component schema of what the service returns, for the /services links. */
  schema: string
  /** Fields a filtered record always keeps: they identify it, and the caller sent or asked by them. */
  keyFields?: readonly string[]
  /** The filters of its list operation, if any. */
  filters?: readonly ServiceFilter[]
  /** The personal ids a record of this service is about (recorded as the audit's data subjects). */
  subjectsOf?: (record: object) => unknown[]
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

export const API_SERVICES: Readonly<Record<string, ServiceDefinition>> = {
  'citizens.read': { title: 'Look up a citizen in the national population database', personalData: true, schema: 'Citizen', subjectsOf: (record) => [(record as { personalId?: string }).personalId] },
  'citizens.verify': { title: 'Verify identity details against the national population database', personalData: true, schema: 'CitizenVerifyResult' },
  'procedures.read': { title: 'Read the administrative-procedure catalogue of the one-stop system', personalData: false, schema: 'Procedure' },
  // a dossier names its applicant: personal data, so a purpose is needed and only granted fields leave
  'dossiers.read': { title: 'Read dossiers of the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'], filters: DOSSIER_FILTERS, subjectsOf: dossierSubjects },
  'dossiers.write': { title: 'Change the status of a dossier in the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'], filters: DOSSIER_FILTERS, subjectsOf: dossierSubjects },
  // the shared categories (danh mục dùng chung): every agency system needs them, so no grant is asked for
  'categories.read': { title: 'Read the shared categories (danh mục dùng chung): administrative units since 1 July 2025, the legacy ones and their conversion', personalData: false, open: true, schema: 'CategoryItem' }
}

/** The services of one gateway: the API's own and those of its declared datasets. */
export interface ServiceRegistry {
  readonly names: readonly string[]
  get (service: string): ServiceDefinition | undefined
  /** Personal-data services need a purpose, and fail closed when calls cannot be counted. */
  isPersonalData (service: string): boolean
  /** Open services need no grant: any valid token of a registered client may call them. */
  isOpen (service: string): boolean
  /** Whether a grant with these fields (absent list = all fields) discloses `field`: granted, or a key field. */
  discloses (service: string, fields: readonly string[] | undefined, field: string): boolean
  /** A record reduced to the fields of the grant (absent list = all fields), keeping the service's key fields. */
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
      return Object.fromEntries(Object.entries(record).filter(([name]) => discloses(service, fields, name))) as Partial<typeof record>
    }
  }

  function discloses (service: string, fields: readonly string[] | undefined, field: string): boolean {
    return fields === undefined || fields.includes(field) || (all.get(service)?.keyFields ?? DEFAULT_KEY_FIELDS).includes(field)
  }
}
