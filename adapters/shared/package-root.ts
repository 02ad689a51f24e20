import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Compiled code runs from dist/, sources from the tree: find the package root instead of counting `..`. */
export function findPackageRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`package.json not found above ${from}`)
    dir = parent
  }
  return dir
}
