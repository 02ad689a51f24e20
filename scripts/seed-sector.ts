import { seedSectorTables } from '../adapters/sector/seed.js'
import { loadConfig } from '../src/config/index.js'
import { openDb } from '../src/store/db.js'

/**
 * Creates and fills the synthetic land and enterprise tables the SQL sector datasets read, in the sector
 * database (SECTOR_DATABASE_URL) or else the gateway's store (DATABASE_URL / STORE_DIR). Seeding again adds nothing.
 *   DATABASE_URL=postgres://… DATABASE_SCHEMA=lgsp node dist/scripts/seed-sector.js
 */
const config = loadConfig({ ...process.env, DEMO: 'true' })
const db = await openDb(config.sector.database ?? config.store)
try {
  const inserted = await seedSectorTables(db)
  process.stdout.write(`sector tables seeded: ${inserted.landParcels} land parcels, ${inserted.enterpriseRegistrations} enterprises added\n`)
} finally {
  await db.close()
}
