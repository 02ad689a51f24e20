/**
 * The services a client can be granted (the grant names of DESIGN.md). Routes name their service in
 * `config.service`; whether it discloses personal data decides the purpose check and the rate-limit failure mode.
 * The API's own services are fixed here; each declared sector dataset adds one (`sector.<sector>.<dataset>.read`).
 */

export interface ServiceDefinition {
  title: string
  personalData: boolean
  /** Component schema of what the service returns, for the /services links. */
  schema: string
  /** Fields a filtered record always keeps: they identify it, and the caller sent or asked by them. */
  keyFields?: readonly string[]
}

export const API_SERVICES: Readonly<Record<string, ServiceDefinition>> = {
  'citizens.read': { title: 'Look up a citizen in the national population database', personalData: true, schema: 'Citizen' },
  'citizens.verify': { title: 'Verify identity details against the national population database', personalData: true, schema: 'CitizenVerifyResult' },
  'procedures.read': { title: 'Read the administrative-procedure catalogue of the one-stop system', personalData: false, schema: 'Procedure' },
  // a dossier names its applicant: personal data, so a purpose is needed and only granted fields leave
  'dossiers.read': { title: 'Read dossiers of the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'] },
  'dossiers.write': { title: 'Change the status of a dossier in the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'] }
}

/** The services of one gateway: the API's own and those of its declared datasets. */
export interface ServiceRegistry {
  readonly names: readonly string[]
  get (service: string): ServiceDefinition | undefined
  /** Personal-data services need a purpose, and fail closed when calls cannot be counted. */
  isPersonalData (service: string): boolean
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
    filterFields (record, fields, service) {
      if (fields === undefined) return record
      const allowed = new Set([...(all.get(service)?.keyFields ?? DEFAULT_KEY_FIELDS), ...fields])
      return Object.fromEntries(Object.entries(record).filter(([name]) => allowed.has(name))) as Partial<typeof record>
    }
  }
}
