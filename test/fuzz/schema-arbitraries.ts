import fc from 'fast-check'
import { BIRTH_PROVINCE_CODES, centuryAndYearDigits } from '../../domain/personal-id.js'

/**
 * JSON Schema (as an OpenAPI 3.0 document carries it) → fast-check arbitraries: values a schema accepts, and
 * values it should refuse. Generic: type, enum, const, pattern, format, min/max, lengths, required/optional,
 * nullable, oneOf/anyOf/allOf, arrays and nested objects, `$ref` through a resolver.
 */

export interface JsonSchema {
  $ref?: string
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number | boolean
  exclusiveMaximum?: number | boolean
  multipleOf?: number
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  oneOf?: JsonSchema[]
  anyOf?: JsonSchema[]
  allOf?: JsonSchema[]
  nullable?: boolean
  example?: unknown
  examples?: unknown[]
  default?: unknown
  [keyword: string]: unknown
}

export interface SchemaContext {
  /** Follows `$ref` (to components) until a schema without one. */
  resolve (schema: JsonSchema): JsonSchema
  /** Known-good values for a property or parameter of this name (ids of records that exist), already checked against the schema by the caller. */
  seeds? (name: string, schema: JsonSchema): readonly unknown[]
  /** Known-good whole objects for an object schema (records seen in answers), already checked against it. */
  seedObjects? (schema: JsonSchema): readonly unknown[]
  /** Arbitraries that replace the schema's own for a named property or parameter (rules a schema cannot say). */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>
}

export interface ValueOptions {
  /** The value travels in an HTTP header: printable ASCII only. */
  headerSafe?: boolean
  /** Name of the property or parameter, for seeds and overrides. */
  name?: string
  depth?: number
}

const MAX_DEPTH = 6
const CURRENT_YEAR = new Date().getUTCFullYear()

/** Printable ASCII, what a header value can carry without a client refusing to send it. */
const HEADER_CHAR = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code))
export const HEADER_SAFE = /^[\x20-\x7e]*$/
/** Characters valid in a JSON string that storage, SQL, XML and URLs each treat specially. */
const SPECIAL_CHAR = fc.constantFrom('\u0000', '\u0001', '\n', '\r', '\t', '\u007f', '\u0085', '\u00a0', '\u200b', '\u2028', '\ufeff', '\ufffd', '😀', "'", '"', '\\', '%', '_', '&', '<', '>', '/', '?', '#', ';', '+')

const PROVINCES = [...BIRTH_PROVINCE_CODES]

/** A personal id that passes every rule of domain/personal-id.ts (known province, a birth year not in the future). */
export const personalIdArb: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom(...PROVINCES),
  fc.integer({ min: 1900, max: CURRENT_YEAR }),
  fc.constantFrom('male' as const, 'female' as const),
  fc.stringMatching(/^[0-9]{6}$/)
).map(([province, year, gender, rest]) => `${province}${centuryAndYearDigits(year, gender)}${rest}`)

/** Twelve digits that break one rule each: unknown province, a birth year still to come, a century digit too far. */
export const badPersonalIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('000', '003', '005', '099', '100', '999'), fc.stringMatching(/^[0-9]{9}$/)).map(([province, rest]) => province + rest),
  fc.tuple(fc.constantFrom(...PROVINCES), fc.integer({ min: (CURRENT_YEAR % 100) + 1, max: 99 }), fc.constantFrom('2', '3'), fc.stringMatching(/^[0-9]{6}$/))
    .map(([province, yy, century, rest]) => `${province}${century}${String(yy).padStart(2, '0')}${rest}`),
  fc.tuple(fc.constantFrom(...PROVINCES), fc.constantFrom('4', '5', '6', '7', '8', '9'), fc.stringMatching(/^[0-9]{8}$/)).map(([province, century, rest]) => province + century + rest),
  fc.stringMatching(/^[0-9]{11}$/),
  fc.stringMatching(/^[0-9]{13}$/),
  personalIdArb.map((id) => id.replace(/[0-9]/g, (digit) => String.fromCharCode(0xff10 + Number(digit)))), // fullwidth digits
  personalIdArb.map((id) => ` ${id}`),
  personalIdArb.map((id) => `${id.slice(0, 6)}-${id.slice(6)}`)
)

const DAY = 86_400_000
const dateArb = fc.integer({ min: Date.UTC(1900, 0, 1) / DAY, max: Date.UTC(2099, 11, 31) / DAY }).map((day) => new Date(day * DAY).toISOString().slice(0, 10))
const dateTimeArb = fc.tuple(
  fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2099, 11, 31) }),
  fc.constantFrom('Z', '+07:00', '-05:30', '+00:00'),
  fc.boolean()
).map(([ms, zone, millis]) => {
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)))
  const iso = new Date(ms + offsetMinutes * 60_000).toISOString()
  return `${millis ? iso.slice(0, 23) : iso.slice(0, 19)}${zone}`
})

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  'personal-id': personalIdArb,
  date: dateArb,
  'date-time': dateTimeArb,
  uri: fc.webUrl(),
  email: fc.emailAddress(),
  uuid: fc.uuid()
}

const BAD_FORMATS: Record<string, readonly string[]> = {
  date: ['2025-02-30', '2025-13-01', '2025-00-10', '2025-1-1', '20250101', '01/07/2025', 'yesterday', '2025-07-01T00:00:00Z', '+002025-07-01', '0000-00-00'],
  'date-time': ['2025-07-01', '2025-07-01T25:00:00Z', '2025-07-01T10:00:00', '2025-07-01 10:00:00+07:00', '2025-02-30T10:00:00Z', '2025-07-01T10:00:00+7', 'now', '1751328000'],
  uri: ['not a uri', 'http//x', '::'],
  email: ['@', 'a@', 'a b@c.d']
}

/**
 * Text an attacker or a broken client sends: SQL, path traversal, markup, template and XML injection, control
 * characters, odd unicode, numbers in disguise, oversize.
 */
export const NASTY_STRINGS: readonly string[] = [
  "' OR '1'='1", "1' OR 1=1 --", "'; DROP TABLE audit_records; --", '1; SELECT pg_sleep(5)--', "%' OR ''='", '%', '_', '%%', '\\',
  "admin'--", '" OR ""="', '1 UNION SELECT NULL, NULL--', '$1', '?', '::text', 'E\'\\x00\'',
  '../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '....//....//etc/passwd',
  '/etc/passwd%00.json', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/',
  // eslint-disable-next-line no-template-curly-in-string -- '${7*7}' is a template-injection probe, meant literally
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '${7*7}', '{{7*7}}', '#{7*7}', '__proto__', 'constructor', 'prototype',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', ']]>', '</SoDinhDanh><SoDinhDanh>001099000001',
  '&lt;&amp;', '\u0000', 'a\u0000b', '\u0007\u0008\u001b[31m', '\r\nX-Injected: yes', '\t', ' ', '   leading and trailing   ',
  '\ufeff', '\u202e\u202dRTL', '\u200b', '\ud83d\ude00', '𝕏𝕐ℤ', 'Nguyễn Văn An', 'Đặng Thị Ánh', 'Ｔｈｕ', 'ﷺ', 'Ǆ', 'İ', 'ß',
  'null', 'undefined', 'true', 'false', 'NaN', 'Infinity', '-Infinity', '-1', '0', '-0', '1e309', '0x10', '1.5', '9007199254740993', '[]', '{}',
  '[object Object]', 'a'.repeat(513), 'é'.repeat(2001), '0'.repeat(4096)
]

function asArray<T> (value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

function examplesOf (schema: JsonSchema): unknown[] {
  return [...(schema.example === undefined ? [] : [schema.example]), ...(Array.isArray(schema.examples) ? schema.examples : [])]
}

/** Merges allOf members into one schema (enough for the plain conjunctions request schemas use). */
function flatten (schema: JsonSchema, context: SchemaContext): JsonSchema {
  const resolved = context.resolve(schema)
  if (resolved.allOf === undefined) return resolved
  const merged: JsonSchema = { ...resolved }
  delete merged.allOf
  for (const member of resolved.allOf.map((part) => flatten(part, context))) {
    merged.properties = { ...merged.properties, ...member.properties }
    merged.required = [...(merged.required ?? []), ...(member.required ?? [])]
    for (const [keyword, value] of Object.entries(member)) if (!(keyword in merged)) merged[keyword] = value
  }
  return merged
}

function typesOf (schema: JsonSchema): string[] {
  const types = asArray(schema.type)
  if (types.length > 0) return types
  if (schema.properties !== undefined || schema.additionalProperties !== undefined || schema.required !== undefined) return ['object']
  if (schema.items !== undefined) return ['array']
  if (schema.pattern !== undefined || schema.format !== undefined || schema.minLength !== undefined || schema.maxLength !== undefined) return ['string']
  if (schema.minimum !== undefined || schema.maximum !== undefined) return ['number']
  return []
}

function lengthFits (value: string, schema: JsonSchema): boolean {
  const length = [...value].length // JSON Schema counts code points
  return length >= (schema.minLength ?? 0) && length <= (schema.maxLength ?? Infinity)
}

function patternOf (schema: JsonSchema): RegExp | undefined {
  if (schema.pattern === undefined) return undefined
  try {
    return new RegExp(schema.pattern, 'u')
  } catch {
    return new RegExp(schema.pattern)
  }
}

function stringArb (schema: JsonSchema, options: ValueOptions): fc.Arbitrary<string> {
  const pattern = patternOf(schema)
  const fits = (value: string): boolean => lengthFits(value, schema) && (pattern === undefined || pattern.test(value)) &&
    (options.headerSafe !== true || HEADER_SAFE.test(value))
  const format = schema.format === undefined ? undefined : FORMATS[schema.format]
  if (format !== undefined) return format.filter(fits)
  if (pattern !== undefined) return fc.stringMatching(pattern).filter(fits)
  const minLength = schema.minLength ?? 0
  const maxLength = Math.min(schema.maxLength ?? minLength + 60, minLength + 60)
  const units: Array<fc.Arbitrary<string>> = options.headerSafe === true
    ? [HEADER_CHAR]
    : [fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 '), fc.constantFrom(...'aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệốồổỗộớờởỡợíìỉĩịúùủũụứừửữựýỳỷỹỵ '), HEADER_CHAR, fc.oneof({ arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz '), weight: 3 }, { arbitrary: SPECIAL_CHAR, weight: 1 })]
  const plain = fc.oneof(...units.map((unit) => fc.string({ unit, minLength, maxLength })))
  const all = options.headerSafe === true ? plain : fc.oneof({ arbitrary: plain, weight: 4 }, { arbitrary: fc.string({ unit: 'binary', minLength, maxLength }), weight: 1 })
  return all.filter(fits)
}

function numberArb (schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const exclusiveLow = schema.exclusiveMinimum === true ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined
  const exclusiveHigh = schema.exclusiveMaximum === true ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined
  const low = exclusiveLow ?? schema.minimum
  const high = exclusiveHigh ?? schema.maximum
  if (integer) {
    const min = low === undefined ? -(2 ** 31) : Math.ceil(low) + (exclusiveLow !== undefined && Number.isInteger(low) ? 1 : 0)
    const max = high === undefined ? 2 ** 31 : Math.floor(high) - (exclusiveHigh !== undefined && Number.isInteger(high) ? 1 : 0)
    return fc.integer({ min, max })
  }
  return fc.double({
    min: low ?? -1e9,
    max: high ?? 1e9,
    minExcluded: exclusiveLow !== undefined,
    maxExcluded: exclusiveHigh !== undefined,
    noNaN: true,
    noDefaultInfinity: true
  })
}

// Arbitraries are immutable: one per context, schema and options (mutations ask for them again on every run).
const memo = new WeakMap<SchemaContext, WeakMap<JsonSchema, Map<string, fc.Arbitrary<unknown>>>>()
function memoised (kind: string, input: JsonSchema, context: SchemaContext, options: ValueOptions, make: () => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  let perContext = memo.get(context)
  if (perContext === undefined) memo.set(context, perContext = new WeakMap())
  let perSchema = perContext.get(input)
  if (perSchema === undefined) perContext.set(input, perSchema = new Map())
  const key = `${kind}|${options.name ?? ''}|${options.headerSafe === true}|${options.depth ?? 0}`
  let arbitrary = perSchema.get(key)
  if (arbitrary === undefined) perSchema.set(key, arbitrary = make())
  return arbitrary
}

/** Values the schema accepts. */
export function validValue (input: JsonSchema, context: SchemaContext, options: ValueOptions = {}): fc.Arbitrary<unknown> {
  return memoised('valid', input, context, options, () => makeValidValue(input, context, options))
}

function makeValidValue (input: JsonSchema, context: SchemaContext, options: ValueOptions): fc.Arbitrary<unknown> {
  const override = options.name === undefined ? undefined : context.overrides?.[options.name]
  if (override !== undefined) return override
  const schema = flatten(input, context)
  const depth = options.depth ?? 0
  const base = coreValue(schema, context, options, depth)
  const seeds = options.name === undefined ? [] : context.seeds?.(options.name, input) ?? []
  const examples = examplesOf(schema).filter((example) => options.headerSafe !== true || (typeof example === 'string' && HEADER_SAFE.test(example)))
  const known = [...seeds, ...examples]
  const withKnown = known.length === 0 ? base : fc.oneof({ arbitrary: base, weight: 3 }, { arbitrary: fc.constantFrom(...known), weight: 2 })
  return schema.nullable === true ? fc.option(withKnown, { nil: null, freq: 6 }) : withKnown
}

function coreValue (schema: JsonSchema, context: SchemaContext, options: ValueOptions, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum)
  const choices = schema.oneOf ?? schema.anyOf
  if (choices !== undefined && choices.length > 0) {
    return fc.oneof(...choices.map((choice) => validValue(choice, context, { ...options, depth: depth + 1 })))
  }
  const types = typesOf(schema)
  if (types.length === 0) return fc.oneof(fc.string(), fc.integer(), fc.boolean())
  return fc.oneof(...types.map((type) => valueOfType(type, schema, context, options, depth)))
}

function valueOfType (type: string, schema: JsonSchema, context: SchemaContext, options: ValueOptions, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': return stringArb(schema, options)
    case 'integer': return numberArb(schema, true)
    case 'number': return numberArb(schema, false)
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'array': {
      const items = schema.items === undefined ? fc.string() : validValue(schema.items, context, { depth: depth + 1 })
      const minLength = schema.minItems ?? 0
      const maxLength = Math.min(schema.maxItems ?? Infinity, depth >= MAX_DEPTH ? minLength : minLength + 4)
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (item) => JSON.stringify(item) })
        : fc.array(items, { minLength, maxLength })
    }
    case 'object': {
      const properties = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      const names = Object.keys(properties).filter((name) => required.has(name) || depth < MAX_DEPTH)
      const property = (name: string): fc.Arbitrary<unknown> =>
        validValue(properties[name] as JsonSchema, context, { name, depth: depth + 1, headerSafe: options.headerSafe })
      const requiredNames = names.filter((name) => required.has(name))
      const record = fc.record(Object.fromEntries(names.map((name) => [name, property(name)])), { requiredKeys: requiredNames })
      // now and then only the required properties, so the optional ones do not always decide the answer
      const sparse = requiredNames.length === names.length
        ? record
        : fc.oneof({ arbitrary: record, weight: 3 }, { arbitrary: fc.record(Object.fromEntries(requiredNames.map((name) => [name, property(name)]))), weight: 1 })
      const extra = schema.additionalProperties
      const declared = typeof extra !== 'object' || depth >= MAX_DEPTH
        ? sparse
        : fc.tuple(sparse, fc.dictionary(
          fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }).filter((key) => !(key in properties) && key !== '__proto__'),
          validValue(extra, context, { depth: depth + 1 }),
          { maxKeys: 3 }
        )).map(([known, more]) => ({ ...more, ...known }))
      const seeds = context.seedObjects?.(schema) ?? []
      return seeds.length === 0 ? declared : fc.oneof({ arbitrary: declared, weight: 3 }, { arbitrary: fc.constantFrom(...seeds), weight: 2 })
    }
    default: return fc.constant(null)
  }
}

/**
 * Values the schema should refuse — best effort: a nasty string may happen to be valid for a loose schema, so
 * callers check each value against the schema itself before expecting a refusal.
 */
export function invalidValue (input: JsonSchema, context: SchemaContext, options: ValueOptions = {}): fc.Arbitrary<unknown> {
  return memoised('invalid', input, context, options, () => makeInvalidValue(input, context, options))
}

function makeInvalidValue (input: JsonSchema, context: SchemaContext, options: ValueOptions): fc.Arbitrary<unknown> {
  const schema = flatten(input, context)
  const depth = options.depth ?? 0
  const safe = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    options.headerSafe === true ? arb.map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined')).filter((value) => HEADER_SAFE.test(value)) : arb
  const candidates: Array<fc.Arbitrary<unknown>> = [
    fc.constantFrom(...NASTY_STRINGS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.array(fc.string(), { minLength: 2, maxLength: 3 }))
  ]
  const valid = validValue(schema, context, { ...options, name: undefined, depth: depth + 1 })
  if (schema.enum !== undefined) {
    const texts = schema.enum.filter((value): value is string => typeof value === 'string')
    if (texts.length > 0) {
      candidates.push(fc.constantFrom(...texts).chain((value) => fc.constantFrom(value.toUpperCase(), ` ${value}`, `${value} `, value.slice(0, -1), `${value}s`, value.replace(/-/g, '_'))))
    }
  }
  const types = typesOf(schema)
  if (types.includes('string')) {
    if (schema.maxLength !== undefined) {
      const max = schema.maxLength
      candidates.push(fc.integer({ min: max + 1, max: max + 64 }).chain((length) => fc.constantFrom('a', '9', 'ệ', '😀').map((unit) => unit.repeat(length))))
      candidates.push(valid.filter((value): value is string => typeof value === 'string').map((value) => value + 'x'.repeat(Math.max(1, max + 1 - [...value].length))))
    }
    if (schema.minLength !== undefined && schema.minLength > 0) {
      candidates.push(fc.string({ unit: 'grapheme-ascii', maxLength: schema.minLength - 1 }))
    }
    if (schema.format === 'personal-id') candidates.push(badPersonalIdArb)
    const badFormats = schema.format === undefined ? undefined : BAD_FORMATS[schema.format]
    if (badFormats !== undefined) candidates.push(fc.constantFrom(...badFormats))
    if (schema.pattern !== undefined || schema.format !== undefined) {
      // a valid value with one character changed, dropped or added: the near misses a pattern must still catch
      candidates.push(fc.tuple(valid.filter((value): value is string => typeof value === 'string' && value.length > 0), fc.nat(), fc.constantFrom('', 'x', 'Z', '0', '-', '.', ' ', '/', 'é', '\u0000', '%'))
        .map(([value, at, replacement]) => { const index = at % value.length; return value.slice(0, index) + replacement + value.slice(index + 1) }))
      candidates.push(valid.filter((value): value is string => typeof value === 'string').map((value) => value + value))
    }
  }
  if (types.includes('integer') || types.includes('number')) {
    const bounds: unknown[] = []
    if (schema.minimum !== undefined) bounds.push(schema.minimum - 1, schema.minimum - 0.5, -(2 ** 53))
    if (schema.maximum !== undefined) bounds.push(schema.maximum + 1, schema.maximum + 0.5, 2 ** 53, 1e21)
    if (types.includes('integer') && !types.includes('number')) bounds.push(1.5, 0.1, '7.0001')
    bounds.push('abc', '', ' ', '1e3', '0x1F', '+5', '5 ', '--5', 'NaN', 'Infinity', '١٢', '99999999999999999999999')
    candidates.push(fc.constantFrom(...bounds))
  }
  if (types.includes('boolean')) candidates.push(fc.constantFrom('yes', 'no', 2, 'TRUE', 'on', ''))
  if (types.includes('array')) {
    if (schema.maxItems !== undefined && schema.items !== undefined) {
      const over = schema.maxItems + 1 // one item repeated: cheap to make however large the limit
      candidates.push(validValue(schema.items, context, { depth: depth + 1 }).map((item) => Array.from({ length: over }, () => item)))
    }
    if (schema.items !== undefined && depth < MAX_DEPTH) {
      candidates.push(fc.array(invalidValue(schema.items, context, { depth: depth + 1 }), { minLength: 1, maxLength: 3 }))
    }
    if (schema.uniqueItems === true && schema.items !== undefined) {
      candidates.push(validValue(schema.items, context, { depth: depth + 1 }).map((item) => [item, item]))
    }
  }
  if (types.includes('object') && depth < MAX_DEPTH) candidates.push(invalidObject(schema, context, depth))
  return safe(fc.oneof(...candidates))
}

/** An object with one thing wrong: a required property missing, an extra one, or one property invalid. */
function invalidObject (schema: JsonSchema, context: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const valid = validValue(schema, context, { depth: depth + 1 }).map((value) => ({ ...(value as Record<string, unknown>) }))
  const properties = Object.entries(schema.properties ?? {})
  const mutations: Array<fc.Arbitrary<unknown>> = [
    fc.tuple(valid, fc.constantFrom('extra', '__proto__', 'constructor', 'isAdmin', '$where', 'a.b', ''), fc.oneof(fc.string(), fc.integer(), fc.constant({ admin: true })))
      .map(([object, key, value]) => Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true }))
  ]
  const required = schema.required ?? []
  if (required.length > 0) {
    mutations.push(fc.tuple(valid, fc.constantFrom(...required)).map(([object, name]) => { delete object[name]; return object }))
  }
  if (properties.length > 0) {
    mutations.push(fc.constantFrom(...properties).chain(([name, propertySchema]) =>
      fc.tuple(valid, invalidValue(propertySchema, context, { depth: depth + 1 })).map(([object, value]) => ({ ...object, [name]: value }))))
  }
  return fc.oneof(...mutations)
}
