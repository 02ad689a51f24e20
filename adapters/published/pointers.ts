/**
 * JSON pointers (RFC 6901) as declarations write them, with one extension: a `*` segment stands for every element
 * of an array (or member of an object), so `/items/*\/soDinhDanh` reaches each item's personal id.
 */

export function pointerSegments (pointer: string): string[] {
  if (pointer === '') return []
  return pointer.slice(1).split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
}

/** Every value the pointer reaches (none when a step is missing). */
export function valuesAt (root: unknown, pointer: string): unknown[] {
  let current: unknown[] = [root]
  for (const segment of pointerSegments(pointer)) {
    const next: unknown[] = []
    for (const value of current) {
      if (typeof value !== 'object' || value === null) continue
      if (segment === '*') next.push(...Object.values(value))
      else if (Object.hasOwn(value, segment)) next.push((value as Record<string, unknown>)[segment])
    }
    current = next
  }
  return current
}

/** The value at a plain pointer (no `*`), or undefined. */
export function valueAt (root: unknown, pointer: string): unknown {
  return valuesAt(root, pointer)[0]
}

/** The same value with the one at a plain pointer replaced (copies along the path only). */
export function withValueAt (root: unknown, pointer: string, value: unknown): unknown {
  const [head, ...rest] = pointerSegments(pointer)
  if (head === undefined) return value
  const container = (typeof root === 'object' && root !== null ? root : {}) as Record<string, unknown>
  const tail = rest.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
  return { ...container, [head]: withValueAt(container[head], tail, value) }
}
