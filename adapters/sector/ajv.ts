import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import { isPersonalId } from '../../domain/personal-id.js'

/**
 * Ajv as the sector adapter uses it: strict (an unknown keyword in a declaration is a mistake, not an
 * extension), the standard formats, and the gateway's `personal-id` format with the same rule as the routes.
 */
export function sectorAjv (options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, ...options })
  // ajv-formats is CommonJS: under NodeNext its plugin is the default export's `default`
  addFormats.default(ajv)
  ajv.addFormat('personal-id', { type: 'string', validate: isPersonalId })
  return ajv
}

/** `/a~b/c` → `/a~0b~1c`: a name as one JSON-pointer segment. */
export function pointerSegment (name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}
