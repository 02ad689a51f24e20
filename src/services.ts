/**
 * The services a client can be granted (the grant names of DESIGN.md). Routes name their service in
 * `config.service`; whether it discloses personal data decides the purpose check and the rate-limit failure mode.
 */

export interface ServiceDefinition {
  title: string
  personalData: boolean
  /** Component schema of what the service returns, for the /services links. */
  schema: string
}

export const SERVICES: Readonly<Record<string, ServiceDefinition>> = {
  'citizens.read': { title: 'Look up a citizen in the national population database', personalData: true, schema: 'Citizen' },
  'citizens.verify': { title: 'Verify identity details against the national population database', personalData: true, schema: 'CitizenVerifyResult' }
}

/** Personal-data services need a purpose, and fail closed when calls cannot be counted. */
export function isPersonalData (service: string): boolean {
  return SERVICES[service]?.personalData === true
}

/** Fields that always stay in a filtered record: the caller sent them, so they disclose nothing. */
export const KEY_FIELDS: readonly string[] = ['personalId']

/** A record reduced to the fields of the grant (absent list = all fields). */
export function filterFields<T extends object> (record: T, fields: readonly string[] | undefined): Partial<T> {
  if (fields === undefined) return record
  const allowed = new Set([...KEY_FIELDS, ...fields])
  return Object.fromEntries(Object.entries(record).filter(([name]) => allowed.has(name))) as Partial<T>
}
