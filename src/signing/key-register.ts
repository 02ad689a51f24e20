import type { JWK } from 'jose'
import type { Queryable } from '../store/db.js'
import { GatewayKeyError, type GatewayKey } from './gateway-key.js'

/** The gateways' public keys, kept in the store for as long as anything they signed is: old keys after rotation too. */

export async function registerPublicKey (db: Queryable, key: GatewayKey): Promise<void> {
  await db.query('INSERT INTO gateway_signing_keys (key_id, alg, public_jwk) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING',
    [key.keyId, key.alg, JSON.stringify(key.publicJwk)])
  const [stored] = await db.query<{ x: string }>("SELECT public_jwk->>'x' AS x FROM gateway_signing_keys WHERE key_id = $1", [key.keyId])
  // a key id is forever: another key under a known id would make what the first one signed unverifiable
  if (stored?.x !== key.publicJwk.x) throw new GatewayKeyError(`key id ${key.keyId} is already registered for another key: give the new key a new GATEWAY_SIGNING_KEY_ID`)
}

/** Every public key ever registered, as a JWKS. */
export async function publicKeys (db: Queryable): Promise<{ keys: JWK[] }> {
  const rows = await db.query<{ jwk: JWK }>('SELECT public_jwk AS jwk FROM gateway_signing_keys ORDER BY first_used_at, key_id')
  return { keys: rows.map((row) => row.jwk) }
}
