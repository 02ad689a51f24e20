import type { DocumentTools, Operation } from './openapi-document.js'
import type { JsonSchema } from './schema-arbitraries.js'

/**
 * Values seen in answers (and in the simulators' data): ids of records that exist, so valid requests reach
 * records and not only 404s. Kept by property name, by the path of the operation that answered (a
 * collection's answer holds the ids of its items), and as whole objects (a citizen's own details fit a
 * verification request). Every seed is checked against the schema it is offered for.
 */

const MAX_PER_NAME = 40
const MAX_PER_PATH = 200
const MAX_OBJECTS = 300
const MAX_LENGTH = 200

function keep<K> (sets: Map<K, Set<string>>, key: K, value: string, max: number): void {
  let set = sets.get(key)
  if (set === undefined) sets.set(key, set = new Set())
  if (set.size < max) set.add(value)
}

export class SeedPool {
  private readonly values = new Map<string, Set<string>>()
  private readonly byPath = new Map<string, Set<string>>()
  private readonly objects: Array<Record<string, unknown>> = []

  /** @param excluded values never offered (ids of the clients the fuzzer's own tokens depend on). */
  constructor (private readonly excluded: RegExp) {}

  private keepable (value: unknown): value is string {
    return typeof value === 'string' && value.length <= MAX_LENGTH && !this.excluded.test(value)
  }

  add (name: string, value: unknown): void {
    if (this.keepable(value)) keep(this.values, name, value, MAX_PER_NAME)
  }

  /** Every string property (`nextCursor` also as `cursor`) and every object of a record or an answer. */
  harvest (body: unknown): void {
    if (Array.isArray(body)) {
      for (const item of body) this.harvest(item)
      return
    }
    if (body === null || typeof body !== 'object') return
    if (this.objects.length < MAX_OBJECTS) this.objects.push(body as Record<string, unknown>)
    for (const [name, value] of Object.entries(body)) {
      if (typeof value === 'object') {
        this.harvest(value)
        continue
      }
      this.add(name, value)
      const next = /^next([A-Z])(.*)$/.exec(name)
      if (next !== null) this.add(`${(next[1] as string).toLowerCase()}${next[2] ?? ''}`, value)
    }
  }

  /** An answer of the operation at `path`: harvested, and every string in it kept for `path/{…}`. */
  harvestAnswer (path: string, body: unknown): void {
    this.harvest(body)
    const walk = (node: unknown): void => {
      if (this.keepable(node)) keep(this.byPath, path, node, MAX_PER_PATH)
      else if (node !== null && typeof node === 'object') for (const value of Object.values(node)) walk(value)
    }
    walk(body)
  }

  /**
   * Seeds for a parameter or property of an operation: values kept under its name and, for `/things/{id}`,
   * values from the answers of `/things`; failing both, for a constrained schema (pattern, format), any kept
   * value it accepts (the `{id}` of an item is often the `parcelId` of its list).
   */
  seedsFor (tools: DocumentTools, operation: Operation, name: string, schema: JsonSchema): string[] {
    const accepted = (values: Iterable<string>): string[] => [...values].filter((value) => tools.accepts(schema, value))
    const at = operation.path.indexOf(`/{${name}}`)
    const known = new Set([...accepted(this.values.get(name) ?? []), ...(at > 0 ? accepted(this.byPath.get(operation.path.slice(0, at)) ?? []) : [])])
    if (known.size > 0) return [...known].slice(0, 60)
    const resolved = tools.resolve(schema)
    if (resolved.pattern === undefined && resolved.format === undefined) return []
    return accepted([...this.values.values()].flatMap((set) => [...set])).slice(0, MAX_PER_NAME)
  }

  /** Kept objects reduced to the properties of an object schema, when they hold its required ones and it accepts them. */
  objectsFitting (tools: DocumentTools, schema: JsonSchema): Array<Record<string, unknown>> {
    const resolved = tools.resolve(schema)
    const names = Object.keys(resolved.properties ?? {})
    const required = resolved.required ?? []
    if (names.length === 0 || required.length === 0) return []
    return this.objects
      .filter((object) => required.every((name) => name in object))
      .map((object) => Object.fromEntries(names.filter((name) => name in object).map((name) => [name, object[name]])))
      .filter((object) => tools.accepts(schema, object))
      .slice(0, MAX_PER_NAME)
  }
}
