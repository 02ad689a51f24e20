import { LRUCache } from 'lru-cache'
import type { Queryable, Db } from '../store/db.js'
import type { Client, ClientGrant, GrantRows, GrantStore } from './grants.js'

/**
 * Clients and grants kept in the store, written by the admin API. Every gateway caches a client for
 * `cacheTtlMs`, so a change made through one gateway reaches the others within that bound; the gateway that
 * made the change forgets its copy at once.
 */

export interface ClientRegistry extends GrantStore {
  /** Creates or replaces a client with exactly these grants; true when it was created. */
  putClient (client: Client): Promise<boolean>
  /** Creates or replaces one grant; false when the client does not exist. */
  putGrant (clientId: string, grant: ClientGrant): Promise<boolean>
  /** False when there was no such grant. */
  revokeGrant (clientId: string, service: string): Promise<boolean>
  /** Adds the clients not yet registered (seeding from GRANTS_FILE); returns how many were added. */
  importClients (clients: Client[]): Promise<number>
}

interface ClientRow {
  clientId: string
  name: string
  status: Client['status']
  admin: boolean
  rateLimitPerMinute: number | null
  grants: Array<{ service: string, purposes: string[] | null, operations: string[] | null, fields: string[] | null, rows: GrantRows | null, mismatchDetail: boolean, rateLimitPerMinute: number | null }>
}

const SELECT_CLIENTS = `SELECT c.client_id AS "clientId", c.name, c.status, c.admin, c.rate_limit_per_minute AS "rateLimitPerMinute",
  COALESCE((SELECT json_agg(json_build_object('service', g.service, 'purposes', g.purposes, 'operations', g.operations, 'fields', g.fields,
      'rows', g.rows, 'mismatchDetail', g.mismatch_detail, 'rateLimitPerMinute', g.rate_limit_per_minute) ORDER BY g.service)
    FROM grants g WHERE g.client_id = c.client_id), '[]'::json) AS grants
  FROM clients c`

function clientFromRow (row: ClientRow): Client {
  return {
    clientId: row.clientId,
    name: row.name,
    status: row.status,
    ...(row.admin ? { admin: true } : {}),
    ...(row.rateLimitPerMinute === null ? {} : { rateLimitPerMinute: row.rateLimitPerMinute }),
    grants: row.grants.map((grant) => ({
      service: grant.service,
      ...(grant.purposes === null ? {} : { purposes: grant.purposes }),
      ...(grant.operations === null ? {} : { operations: grant.operations }),
      ...(grant.fields === null ? {} : { fields: grant.fields }),
      ...(grant.rows === null ? {} : { rows: grant.rows }),
      ...(grant.mismatchDetail ? { mismatchDetail: true } : {}),
      ...(grant.rateLimitPerMinute === null ? {} : { rateLimitPerMinute: grant.rateLimitPerMinute })
    }))
  }
}

async function writeGrant (tx: Queryable, clientId: string, grant: ClientGrant): Promise<void> {
  await tx.query(`INSERT INTO grants (client_id, service, purposes, fields, rows, mismatch_detail, rate_limit_per_minute, operations)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (client_id, service) DO UPDATE SET purposes = EXCLUDED.purposes, operations = EXCLUDED.operations, fields = EXCLUDED.fields,
      rows = EXCLUDED.rows, mismatch_detail = EXCLUDED.mismatch_detail, rate_limit_per_minute = EXCLUDED.rate_limit_per_minute`,
  [clientId, grant.service, grant.purposes ?? null, grant.fields ?? null, grant.rows === undefined ? null : JSON.stringify(grant.rows),
    grant.mismatchDetail === true, grant.rateLimitPerMinute ?? null, grant.operations ?? null])
}

async function writeClient (tx: Queryable, client: Client, replace: boolean): Promise<boolean> {
  const [row] = await tx.query<{ created: boolean }>(`INSERT INTO clients (client_id, name, status, admin, rate_limit_per_minute)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (client_id) DO ${replace
      ? 'UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, admin = EXCLUDED.admin, rate_limit_per_minute = EXCLUDED.rate_limit_per_minute, updated_at = now()'
      : 'NOTHING'}
    RETURNING (xmax = 0) AS created`,
  [client.clientId, client.name, client.status, client.admin === true, client.rateLimitPerMinute ?? null])
  if (row === undefined) return false // exists and not replaced
  if (replace) await tx.query('DELETE FROM grants WHERE client_id = $1', [client.clientId])
  for (const grant of client.grants) await writeGrant(tx, client.clientId, grant)
  return row.created
}

export function createClientRegistry (db: Db, options: { cacheTtlMs: number }): ClientRegistry {
  // unknown clients are cached too (as absent), so a valid token of an unregistered client costs no query each time
  const cache = new LRUCache<string, Client | 'absent'>({ max: 10_000, ttl: Math.max(options.cacheTtlMs, 1) })
  const load = async (clientId: string): Promise<Client | undefined> => {
    const [row] = await db.query<ClientRow>(`${SELECT_CLIENTS} WHERE c.client_id = $1`, [clientId])
    return row === undefined ? undefined : clientFromRow(row)
  }

  return {
    async findClient (clientId) {
      if (options.cacheTtlMs === 0) return await load(clientId)
      const cached = cache.get(clientId)
      if (cached !== undefined) return cached === 'absent' ? undefined : cached
      const client = await load(clientId)
      cache.set(clientId, client ?? 'absent')
      return client
    },
    async listClients () {
      return (await db.query<ClientRow>(`${SELECT_CLIENTS} ORDER BY c.client_id`)).map(clientFromRow)
    },
    async putClient (client) {
      const created = await db.transaction(async (tx) => await writeClient(tx, client, true))
      cache.delete(client.clientId)
      return created
    },
    async putGrant (clientId, grant) {
      const exists = await db.transaction(async (tx) => {
        const [row] = await tx.query('UPDATE clients SET updated_at = now() WHERE client_id = $1 RETURNING client_id', [clientId])
        if (row === undefined) return false
        await writeGrant(tx, clientId, grant)
        return true
      })
      cache.delete(clientId)
      return exists
    },
    async revokeGrant (clientId, service) {
      const rows = await db.query('DELETE FROM grants WHERE client_id = $1 AND service = $2 RETURNING service', [clientId, service])
      cache.delete(clientId)
      return rows.length > 0
    },
    async importClients (clients) {
      return await db.transaction(async (tx) => {
        let added = 0
        for (const client of clients) if (await writeClient(tx, client, false)) added++
        return added
      })
    }
  }
}
