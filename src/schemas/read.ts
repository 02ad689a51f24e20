import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { schemasDir } from '../paths.js'

/** Reads every JSON Schema under schemas/ — the single source for routes, validation and openapi.yaml. */
export function readSchemas (dir = schemasDir): Array<{ $id: string }> {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as { $id: string })
}
