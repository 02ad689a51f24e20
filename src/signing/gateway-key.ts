import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { calculateJwkThumbprint, CompactSign, exportJWK, type JWK } from 'jose'

/**
 * The gateway's own signing key. One key signs the audit checkpoints and archives (as JWS) and, when a client asks,
 * its responses (RFC 9421, raw signatures). EC P-256 (ES256) or Ed25519 (EdDSA): both small and fast to verify.
 */

export type GatewayKeyAlg = 'ES256' | 'EdDSA'

export interface GatewayKey {
  keyId: string
  alg: GatewayKeyAlg
  /** The public key as a JWK with kid, alg and use, as published and archived. */
  publicJwk: JWK
  /** A compact JWS over this JSON payload, typed `typ`. */
  signJws (payload: object, typ: string): Promise<string>
  /** A raw signature over these bytes: ES256 as r‖s (IEEE P1363), Ed25519 as is (RFC 9421 §3.3). */
  signBytes (data: Buffer): Buffer
}

export class GatewayKeyError extends Error {
  override name = 'GatewayKeyError'
}

function algOf (key: KeyObject): GatewayKeyAlg {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA'
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256'
  throw new GatewayKeyError(`the gateway signing key must be EC P-256 or Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`)
}

export async function gatewayKeyOf (privateKey: KeyObject, keyId?: string): Promise<GatewayKey> {
  const alg = algOf(privateKey)
  const jwk = await exportJWK(createPublicKey(privateKey))
  const kid = keyId ?? await calculateJwkThumbprint(jwk)
  const publicJwk: JWK = { ...jwk, kid, alg, use: 'sig' }
  return {
    keyId: kid,
    alg,
    publicJwk,
    async signJws (payload, typ) {
      return await new CompactSign(Buffer.from(JSON.stringify(payload)))
        .setProtectedHeader({ alg, kid, typ })
        .sign(privateKey)
    },
    signBytes (data) {
      return alg === 'EdDSA' ? sign(null, data, privateKey) : sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    }
  }
}

/** The key in a PKCS#8 PEM file. */
export async function loadGatewayKey (file: string, keyId?: string): Promise<GatewayKey> {
  let pem: string
  try {
    pem = await readFile(file, 'utf8')
  } catch (err) {
    throw new GatewayKeyError(`cannot read the gateway signing key ${file}: ${(err as Error).message}`)
  }
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    throw new GatewayKeyError(`${file} is not a PEM private key`)
  }
  return await gatewayKeyOf(key, keyId)
}

/** A new Ed25519 key as PKCS#8 PEM (the demo's, and `npm run keygen`-style set-ups). */
export function newGatewayKeyPem (): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}
