import fp from 'fastify-plugin'
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv'
import { isPersonalId } from '../../../domain/personal-id.js'
import { readSchemas } from '../../schemas/read.js'
import { calendarFormats } from '../../../domain/calendar.js'

/**
 * Ajv plugin: formats carrying domain rules, so a bad personal id or a date outside 1900–2100 (domain/calendar.ts)
 * fails as ordinary validation with a pointer. Replaces ajv-formats' `date` and `date-time`: add it after them.
 */
export function domainFormats (ajv: Ajv): Ajv {
  return calendarFormats(ajv).addFormat('personal-id', { type: 'string', validate: isPersonalId })
}

/** JSON pointers of every number in a value that is not finite (NaN, ±Infinity). */
function nonFinitePointers (root: unknown): string[] {
  const found: string[] = []
  const pending: Array<[unknown, string]> = [[root, '']]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, pointer] = next
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) found.push(pointer)
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) pending.push([member, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`])
    }
  }
  return found.sort()
}

type DataContext = Parameters<ValidateFunction>[1]

function refusingNonFinite<T> (validate: ValidateFunction<T>): ValidateFunction<T> {
  const checked = function (this: unknown, data: unknown, context?: DataContext): boolean {
    if (!validate.call(this, data, context)) {
      checked.errors = validate.errors
      return false
    }
    // a coerced root is written to its parent: read it back from there
    const value: unknown = context === undefined ? data : context.parentData[context.parentDataProperty]
    const errors: ErrorObject[] = nonFinitePointers(value).map((instancePath) =>
      ({ instancePath, schemaPath: '#', keyword: 'finite', params: {}, message: 'must be a finite number' }))
    checked.errors = errors.length === 0 ? null : errors
    return errors.length === 0
  } as ValidateFunction<T>
  return Object.assign(checked, { schema: validate.schema, schemaEnv: validate.schemaEnv })
}

/**
 * Ajv plugin: no validator passes a number that is not finite. Coercing text, Ajv turns "Infinity", "-Infinity"
 * or "1e999" into ±Infinity and then, under its default strictNumbers, skips `minimum`/`maximum` for a number
 * that is not finite, without checking its type again (ajv-validator/ajv#2212, fastify/fastify#6718): a `limit`
 * declared 1…100 would let Infinity through to SQL. Every validator this Ajv compiles (params, query, headers
 * and bodies, whose strings are coerced too) refuses such a value instead, as a validation error at its pointer.
 */
export function finiteNumbers (ajv: Ajv): Ajv {
  const compile = ajv.compile.bind(ajv) as (schema: unknown, meta?: boolean) => ValidateFunction
  ajv.compile = ((schema: unknown, meta?: boolean) => refusingNonFinite(compile(schema, meta))) as Ajv['compile']
  return ajv
}

export default fp(async function schemas (app) {
  for (const schema of readSchemas()) app.addSchema(schema)
}, { name: 'schemas' })
