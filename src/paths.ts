import { dirname, join } from 'node:path'
import { findPackageRoot } from '../adapters/shared/package-root.js'
import { fileURLToPath } from 'node:url'

export const projectRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
export const schemasDir = join(projectRoot, 'schemas')
/** The gateway's own sector dataset declarations (SECTOR_DATASETS_DIR by default). */
export const DEFAULT_DATASETS_DIR = join(projectRoot, 'sector', 'datasets')
/** The gateway's shared category declarations and the register data they read (CATEGORIES_DIR by default). */
export const DEFAULT_CATEGORIES_DIR = join(projectRoot, 'categories')
/** The gateway's own published services (PUBLISHED_SERVICES_DIR by default). */
export const DEFAULT_SERVICES_DIR = join(projectRoot, 'services')
