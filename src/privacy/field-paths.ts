/**
 * A grant's `fields` as paths into a record: `hoTen` (a whole property), `cha.hoTen` (one property inside another),
 * and through arrays transparently (`conCai.hoTen` keeps the name of every child). Minimisation keeps exactly the
 * granted paths and what contains them; nothing beside them.
 */

type PathTree = Map<string, PathTree | true>

function treeOf (paths: Iterable<string>): PathTree {
  const root: PathTree = new Map()
  for (const path of paths) {
    const names = path.split('.')
    let node = root
    names.forEach((name, i) => {
      const existing = node.get(name)
      if (existing === true) return
      if (i === names.length - 1) {
        node.set(name, true)
        return
      }
      const next: PathTree = existing ?? new Map()
      node.set(name, next)
      node = next
    })
  }
  return root
}

function pick (value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((item) => pick(item, tree))
  // a granted path through a value that is not an object (null, or a provider's surprise) reveals nothing more
  if (typeof value !== 'object' || value === null) return value === null ? null : undefined
  const kept: Record<string, unknown> = {}
  // in the record's order, not the grant's
  for (const [name, member] of Object.entries(value)) {
    const branch = tree.get(name)
    if (branch === undefined) continue
    const picked = branch === true ? member : pick(member, branch)
    if (picked !== undefined) kept[name] = picked
  }
  return kept
}

/** The record reduced to the paths (and the key fields it always keeps). */
export function pickPaths<T extends object> (record: T, paths: readonly string[], keyFields: readonly string[]): Partial<T> {
  return pick(record, treeOf([...paths, ...keyFields])) as Partial<T>
}
