import { Ajv, type ErrorObject, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import { isPersonalId } from '../../domain/personal-id.js'

/**
 * Ajv as the adapters check declarations and upstream answers: strict (an unknown keyword in a declaration is a mistake, not an
 * extension), the standard formats, and the gateway's `personal-id` format with the same rule as the routes.
 */
export function strictAjv (options: Options = {}): Ajv {
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

const within = (path: string, at: string): boolean => path === at || path.startsWith(`${at}/`)

/**
 * The one error worth reporting. With allErrors a failed `oneOf` also reports every branch's failures: keep
 * those of the branch the data was meant for (the one whose type and `kind` fit), drop the rest and the oneOf.
 */
export function mainError (errors: readonly ErrorObject[]): ErrorObject | undefined {
  let kept = [...errors]
  const oneOfs = kept.filter((e) => e.keyword === 'oneOf').sort((a, b) => b.schemaPath.length - a.schemaPath.length)
  for (const oneOf of oneOfs) {
    const prefix = `${oneOf.schemaPath}/`
    const inside = kept.filter((e) => e.schemaPath.startsWith(prefix) && within(e.instancePath, oneOf.instancePath))
    if (inside.length === 0) continue // several branches matched: the oneOf error itself is the news
    const branches = new Map<string, ErrorObject[]>()
    for (const e of inside) {
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] ?? ''
      branches.set(branch, [...(branches.get(branch) ?? []), e])
    }
    const misfit = (e: ErrorObject): boolean =>
      (e.keyword === 'type' && e.instancePath === oneOf.instancePath) || (e.keyword === 'enum' && e.instancePath === `${oneOf.instancePath}/kind`)
    const score = (list: ErrorObject[]): number => list.some(misfit) ? 1_000_000 + list.length : list.length
    const best = [...branches.values()].sort((a, b) => score(a) - score(b))[0] ?? []
    kept = kept.filter((e) => e !== oneOf && (!inside.includes(e) || best.includes(e)))
  }
  return kept[0]
}

/** An Ajv error as the field it is about (a JSON pointer) and what is wrong with it, in words for a file's author. */
export function schemaErrorText (error: ErrorObject, what: string): { field: string, detail: string } {
  const params = error.params as { missingProperty?: string, additionalProperty?: string, allowedValues?: unknown[] }
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    return { field: `${error.instancePath}/${pointerSegment(params.missingProperty)}`, detail: 'is required' }
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    return { field: `${error.instancePath}/${pointerSegment(params.additionalProperty)}`, detail: `is not a property ${what} may have` }
  }
  if (error.keyword === 'enum' && params.allowedValues !== undefined) {
    return { field: error.instancePath, detail: `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}` }
  }
  return { field: error.instancePath, detail: error.message ?? `fails ${error.keyword}` }
}
