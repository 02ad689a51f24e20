import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Compiled code runs from dist/, sources from the tree: find the package root instead of counting `..`.
function findProjectRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`package.json not found above ${from}`)
    dir = parent
  }
  return dir
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)))
export const schemasDir = join(projectRoot, 'schemas')
/** The gateway's own sector dataset declarations (SECTOR_DATASETS_DIR by default). */
export const DEFAULT_DATASETS_DIR = join(projectRoot, 'sector', 'datasets')
/** The gateway's shared category declarations and the register data they read (CATEGORIES_DIR by default). */
export const DEFAULT_CATEGORIES_DIR = join(projectRoot, 'categories')
/** The gateway's own published services (PUBLISHED_SERVICES_DIR by default). */
export const DEFAULT_SERVICES_DIR = join(projectRoot, 'services')
