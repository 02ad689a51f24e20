import { createHash } from 'node:crypto'
import type { Db } from './db.js'

/**
 * Idempotency keys for writes, in the store so every gateway sees the same claims: the first request with a key
 * claims it (one INSERT wins even when two gateways race), and its answer is kept for replay.
 */

export type Claim =
  | { kind: 'first' }
  | { kind: 'replay', statusCode: number, response: unknown }
  | { kind: 'in-progress' }
  | { kind: 'mismatch' }

export interface IdempotencyKey {
  clientId: string
  key: string
  /** e.g. `POST /api/v1/dossiers/:dossierCode/status`: a key is bound to one operation. */
  operation: string
  /** Path parameters and body: what makes two requests "the same request". */
  request: unknown
}

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

const hashOf = (id: IdempotencyKey): string => createHash('sha256').update(id.operation).update('\n').update(canonical(id.request)).digest('hex')

export interface IdempotencyStore {
  claim (id: IdempotencyKey): Promise<Claim>
  /** Keeps the answer of the claimed request for replay. */
  complete (id: IdempotencyKey, statusCode: number, response: unknown): Promise<void>
  /** Gives the key up (the request failed in a way worth retrying with the same key). */
  release (id: IdempotencyKey): Promise<void>
}

export function createIdempotencyStore (db: Db, options: { ttlHours: number }): IdempotencyStore {
  const claimOnce = async (id: IdempotencyKey, requestHash: string): Promise<boolean> =>
    (await db.query(`INSERT INTO idempotency_keys (client_id, idempotency_key, operation, request_hash, expires_at)
      VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))
      ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING 1`, [id.clientId, id.key, id.operation, requestHash, options.ttlHours])).length === 1

  return {
    async claim (id) {
      const requestHash = hashOf(id)
      if (await claimOnce(id, requestHash)) return { kind: 'first' }
      const [row] = await db.query<{ requestHash: string, statusCode: number | null, response: unknown, expired: boolean }>(
        `SELECT request_hash AS "requestHash", status_code AS "statusCode", response, expires_at < now() AS expired
         FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2`, [id.clientId, id.key])
      if (row === undefined || row.expired) {
        // forgotten meanwhile, or expired: the key is free again
        await db.query('DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND expires_at < now()', [id.clientId, id.key])
        return await claimOnce(id, requestHash) ? { kind: 'first' } : { kind: 'in-progress' }
      }
      if (row.requestHash !== requestHash) return { kind: 'mismatch' }
      if (row.statusCode === null) return { kind: 'in-progress' }
      return { kind: 'replay', statusCode: row.statusCode, response: row.response }
    },
    async complete (id, statusCode, response) {
      await db.query('UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE client_id = $1 AND idempotency_key = $2',
        [id.clientId, id.key, statusCode, JSON.stringify(response)])
    },
    async release (id) {
      await db.query('DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND status_code IS NULL', [id.clientId, id.key])
    }
  }
}
