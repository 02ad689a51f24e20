import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import type { Ajv } from 'ajv'
import { schemasDir } from '../../paths.js'
import { isPersonalId } from '../../domain/personal-id.js'

/** Reads every JSON Schema under schemas/ — the single source for routes, validation and openapi.yaml. */
export function readSchemas (dir = schemasDir): Array<{ $id: string }> {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as { $id: string })
}

/** Ajv plugin: formats carrying domain rules, so a bad personal id fails as ordinary validation with a pointer. */
export function domainFormats (ajv: Ajv): Ajv {
  return ajv.addFormat('personal-id', { type: 'string', validate: isPersonalId })
}

export default fp(async function schemas (app) {
  for (const schema of readSchemas()) app.addSchema(schema)
}, { name: 'schemas' })
