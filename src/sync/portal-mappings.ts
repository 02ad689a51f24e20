import { DEFAULT_MAPPINGS, mappingProblems, type MappingTable, type PortalMappings } from '../../adapters/national-portal/port.js'
import type { Queryable } from '../store/db.js'

/**
 * The national portal's two mapping tables (local status → national status, local procedure → national
 * procedure), versioned in the store: the newest version of each is in force. The shipped defaults are stored
 * as the first version, so the store always says which version a push used.
 */
export async function loadPortalMappings (db: Queryable): Promise<PortalMappings> {
  for (const [table, mapping] of Object.entries(DEFAULT_MAPPINGS) as Array<[keyof PortalMappings, MappingTable]>) {
    await db.query('INSERT INTO portal_mappings (table_name, version, entries) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [table, mapping.version, JSON.stringify(mapping.entries)])
  }
  const rows = await db.query<{ table_name: keyof PortalMappings, version: string, entries: Record<string, string> }>(
    'SELECT DISTINCT ON (table_name) table_name, version, entries FROM portal_mappings ORDER BY table_name, created_at DESC, version DESC')
  const mappings = { ...DEFAULT_MAPPINGS }
  for (const row of rows) mappings[row.table_name] = { version: row.version, entries: row.entries }
  const problems = mappingProblems(mappings)
  if (problems.length > 0) throw new Error(`the portal mapping tables in the store are unusable: ${problems.join('; ')}`)
  return mappings
}
