import fp from 'fastify-plugin'
import { openDb, type Db, type StoreConfig } from '../../store/db.js'
import { migrate } from '../../store/migrate.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's own state: clients, grants, audit (PostgreSQL or embedded PGlite). */
    store: Db
  }
}

export default fp<{ config: StoreConfig }>(async function store (app, { config }) {
  const db = await openDb(config)
  try {
    const applied = await migrate(db)
    if (applied.length > 0) app.log.info({ applied, driver: db.driver }, 'store migrated')
  } catch (err) {
    await db.close()
    throw err
  }
  app.decorate('store', db)
  app.addHook('onClose', async () => { await db.close() })
}, { name: 'store' })
