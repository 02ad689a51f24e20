import { readFile } from 'node:fs/promises'
import { Ajv } from 'ajv'
import YAML from 'yaml'
import { readSchemas } from '../schemas/read.js'

/** Clients and what each may do: the types, the read interface the auth hook needs, and the grants-file loader. */

/** Which records a grant reaches (schemas/GrantRows.json), enforced in the upstream query. */
export interface GrantRows {
  /** `required`: lists must name their data subject; `allowed`: may filter by it though the field is not disclosed. */
  subject?: 'required' | 'allowed'
  /** List filters the grant fixes, by filter name (e.g. `receivingAgencyCode`). */
  match?: Record<string, string>
}

export interface ClientGrant {
  service: string
  purposes?: string[]
  /** Published services: the operations (operationIds) allowed; absent = all. */
  operations?: string[]
  /** Record fields disclosed, top-level names or dotted paths; absent = all. */
  fields?: string[]
  rows?: GrantRows
  /** citizens.verify: answer which fields differ. */
  mismatchDetail?: boolean
  rateLimitPerMinute?: number
}

export interface Client {
  clientId: string
  name: string
  status: 'active' | 'suspended'
  admin?: boolean
  rateLimitPerMinute?: number
  grants: ClientGrant[]
}

export interface GrantStore {
  findClient (clientId: string): Promise<Client | undefined>
  listClients (): Promise<Client[]>
}

export class GrantsFileError extends Error {
  override name = 'GrantsFileError'
}

/** Reads and validates a grants file; throws GrantsFileError naming the first bad entry. */
export async function loadGrantsFile (path: string): Promise<Client[]> {
  const text = await readFile(path, 'utf8')
  const yaml = /\.ya?ml$/i.test(path)
  let data: unknown
  try {
    data = yaml ? YAML.parse(text) : JSON.parse(text)
  } catch (err) {
    throw new GrantsFileError(`${path}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`)
  }
  // formats are the routes' business; here only the file's structure is checked
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, validateFormats: false })
  for (const schema of readSchemas()) ajv.addSchema(schema)
  const validate = ajv.getSchema('GrantsFile')
  if (validate === undefined) throw new Error('GrantsFile schema missing')
  if (!validate(data)) {
    throw new GrantsFileError(`${path}: ${ajv.errorsText(validate.errors, { dataVar: 'grants' })}`)
  }
  const clients = (data as { clients: Client[] }).clients
  const seen = new Set<string>()
  for (const client of clients) {
    if (seen.has(client.clientId)) throw new GrantsFileError(`${path}: client ${client.clientId} appears twice`)
    seen.add(client.clientId)
  }
  return clients
}
