import type { FromSchema, JSONSchema } from 'json-schema-to-ts'

/**
 * What every subsystem's config module shares: its variables are a `const` list of JSON Schema properties (the
 * one description of each variable), their type is derived from it, and a refusal is a ConfigError.
 */

/** A subsystem's variables: name → JSON Schema, declared `as const` so their type can be derived. */
export type EnvProperties = Readonly<Record<string, JSONSchema>>

/**
 * The values of `properties` as env-schema hands them over: coerced to their types, defaults filled in (so a
 * variable with a default is always there), a variable without one optional. Only the variables listed: the
 * process environment holds many others, which the schema lets through and nothing reads.
 */
export type EnvOf<P extends EnvProperties> = FromSchema<{ type: 'object', properties: P, additionalProperties: false }>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function invalid (problem: string): never {
  throw new ConfigError(`Invalid configuration: ${problem}`)
}

/** Variables that only demo mode may leave unset (demo fills them in); the first one missing is named. */
export function requireUnlessDemo<E extends object> (raw: E, names: ReadonlyArray<keyof E & string>): void {
  for (const name of names) {
    if (raw[name] === undefined) invalid(`${name} is required unless DEMO=true`)
  }
}
