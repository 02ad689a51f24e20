import type { Test } from 'tap'
import type { Db } from '../../src/store/db.js'
import { openDb } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'
import { pgliteDir, postgresSchema } from '../support/store.js'

/** Every store driver this machine can run, opened fresh and migrated for one test: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export interface Driver {
  name: string
  open (t: Test): Promise<Db>
}

export function storeDrivers (): Driver[] {
  const drivers: Driver[] = [{
    name: 'pglite',
    async open (t) {
      const db = await openDb({ driver: 'pglite', dataDir: await pgliteDir(t) })
      t.teardown(() => db.close())
      return db
    }
  }]
  const url = process.env.TEST_DATABASE_URL
  if (url !== undefined) {
    drivers.push({
      name: 'postgres',
      async open (t) {
        const db = await openDb({ driver: 'postgres', url, schema: await postgresSchema(t, url), poolSize: 8 })
        t.teardown(() => db.close())
        await migrate(db)
        return db
      }
    })
  }
  return drivers
}
