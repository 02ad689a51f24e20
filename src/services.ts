/**
 * The services a client can be granted (the grant names of DESIGN.md). Routes name their service in
 * `config.service`; whether it discloses personal data decides the purpose check and the rate-limit failure mode.
 */

export interface ServiceDefinition {
  title: string
  personalData: boolean
  /** Component schema of what the service returns, for the /services links. */
  schema: string
  /** Fields a filtered record always keeps: they identify it, and the caller sent or asked by them. */
  keyFields?: readonly string[]
}

export const SERVICES: Readonly<Record<string, ServiceDefinition>> = {
  'citizens.read': { title: 'Look up a citizen in the national population database', personalData: true, schema: 'Citizen' },
  'citizens.verify': { title: 'Verify identity details against the national population database', personalData: true, schema: 'CitizenVerifyResult' },
  'procedures.read': { title: 'Read the administrative-procedure catalogue of the one-stop system', personalData: false, schema: 'Procedure' },
  // a dossier names its applicant: personal data, so a purpose is needed and only granted fields leave
  'dossiers.read': { title: 'Read dossiers of the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'] },
  'dossiers.write': { title: 'Change the status of a dossier in the one-stop system', personalData: true, schema: 'Dossier', keyFields: ['dossierCode'] }
}

/** Personal-data services need a purpose, and fail closed when calls cannot be counted. */
export function isPersonalData (service: string): boolean {
  return SERVICES[service]?.personalData === true
}

const DEFAULT_KEY_FIELDS: readonly string[] = ['personalId']

/** A record reduced to the fields of the grant (absent list = all fields), keeping the service's key fields. */
export function filterFields<T extends object> (record: T, fields: readonly string[] | undefined, service?: string): Partial<T> {
  if (fields === undefined) return record
  const keyFields = (service === undefined ? undefined : SERVICES[service]?.keyFields) ?? DEFAULT_KEY_FIELDS
  const allowed = new Set([...keyFields, ...fields])
  return Object.fromEntries(Object.entries(record).filter(([name]) => allowed.has(name))) as Partial<T>
}
