import { hasPersonalData, type DatasetDeclaration } from '../../adapters/sector/port.js'

/** What may be kept, and for how long. Personal data never is. */

/** For a declaration marked `cacheable` without `ttlSeconds` (the loader refuses one; a declaration made in code may not). */
export const DEFAULT_DATASET_TTL_S = 300

/** Seconds a dataset's answers are kept: its `ttlSeconds` when declared `cacheable`, else 0 (not kept); 0 for personal data, whatever the declaration says. */
export function datasetCacheTtl (declaration: DatasetDeclaration): number {
  if (!declaration.cacheable || hasPersonalData(declaration) || declaration.personalData.subjectIdField !== undefined) return 0
  return declaration.ttlSeconds ?? DEFAULT_DATASET_TTL_S
}
