import { compactVerify, importJWK, type JWK } from 'jose'
import type { GatewayKey } from '../signing/gateway-key.js'
import type { Queryable } from '../store/db.js'

/**
 * Signed checkpoints: every N records a gateway wrote, or every T seconds while the chain grows, the gateway signs
 * the chain head (seq, hash, time) with its own key. A record edited and the chain re-hashed after it by someone
 * with write access to the database still verifies link by link — but no longer matches the signed checkpoints.
 */

export const CHECKPOINT_TYP = 'lgsp-audit-checkpoint+jws'

export interface ChainHead {
  seq: number
  hash: string
}

export interface Checkpoint extends ChainHead {
  signedAt: string
  keyId: string
  /** Compact JWS (RFC 7515) over {seq, hash, signedAt}. */
  jws: string
}

export async function signCheckpoint (db: Queryable, key: GatewayKey, head: ChainHead): Promise<Checkpoint> {
  const signedAt = new Date().toISOString()
  const jws = await key.signJws({ seq: head.seq, hash: head.hash, signedAt }, CHECKPOINT_TYP)
  await db.query(`INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, jws) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (seq, key_id) DO NOTHING`, [head.seq, head.hash, signedAt, key.keyId, jws])
  return { ...head, signedAt, keyId: key.keyId, jws }
}

export class CheckpointError extends Error {
  override name = 'CheckpointError'
}

/** The checkpoint's signed contents, if its JWS verifies under one of these keys and says what its columns say. */
export async function verifyCheckpoint (checkpoint: Checkpoint, keys: readonly JWK[]): Promise<void> {
  const jwk = keys.find((candidate) => candidate.kid === checkpoint.keyId)
  if (jwk === undefined) throw new CheckpointError(`signed with key ${checkpoint.keyId}, which is not among the public keys`)
  let payload: Uint8Array
  try {
    const verified = await compactVerify(checkpoint.jws, await importJWK(jwk, jwk.alg), { algorithms: [jwk.alg ?? ''] })
    if (verified.protectedHeader.kid !== checkpoint.keyId || verified.protectedHeader.typ !== CHECKPOINT_TYP) throw new Error('header')
    payload = verified.payload
  } catch {
    throw new CheckpointError('its signature does not verify')
  }
  const signed = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<Checkpoint>
  if (signed.seq !== checkpoint.seq || signed.hash !== checkpoint.hash || signed.signedAt !== checkpoint.signedAt) {
    throw new CheckpointError('its stored seq, hash or time differ from what was signed')
  }
}

export const CHECKPOINT_COLUMNS = 'seq, hash, signed_at AS "signedAt", key_id AS "keyId", jws'

export function checkpointFromRow (row: Omit<Checkpoint, 'signedAt'> & { signedAt: Date }): Checkpoint {
  return { ...row, signedAt: row.signedAt.toISOString() }
}

export interface Checkpointer {
  /** Told of each batch this gateway committed, with the head it led to. */
  committed (head: ChainHead): void
  /** Signs the head if it moved since the last checkpoint, and stops the timer. */
  close (): Promise<void>
}

export interface CheckpointerOptions {
  everyRecords: number
  everyMs: number
  onError: (err: Error) => void
}

export function createCheckpointer (db: Queryable, key: GatewayKey, options: CheckpointerOptions): Checkpointer {
  let signedSeq = 0
  let signing = Promise.resolve()
  // one signature at a time, in order; a failure is reported and the next trigger tries again
  const sign = (head: () => Promise<ChainHead | undefined>): Promise<void> => {
    signing = signing.then(async () => {
      const current = await head()
      if (current === undefined || current.seq <= signedSeq) return
      await signCheckpoint(db, key, current)
      signedSeq = current.seq
    }).catch(options.onError)
    return signing
  }
  // the head as the store has it: other gateways append too
  const storedHead = async (): Promise<ChainHead | undefined> => (await db.query<ChainHead>('SELECT seq, hash FROM audit_head'))[0]
  const timer = setInterval(() => { void sign(storedHead) }, options.everyMs).unref()
  return {
    committed (head) {
      if (head.seq - signedSeq >= options.everyRecords) void sign(async () => head)
    },
    async close () {
      clearInterval(timer)
      await sign(storedHead)
    }
  }
}
