import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import type { Client } from '../../src/auth/grants.js'
import { signClientToken } from '../../src/auth/sign-token.js'
import { tempFiles, type Teardown } from './teardown.js'

/**
 * A throwaway identity provider: signing keys, the JWKS and grants files a gateway reads, and tokens it accepts —
 * real signatures, verified as in production.
 */

export const ISSUER = 'https://idp.test.lgsp.local'
export const AUDIENCE = 'lgsp-gateway-test'

export const TEST_CLIENTS: Client[] = [
  {
    clientId: 'VN.TEST.FULL',
    name: 'Client granted every citizen field',
    status: 'active',
    grants: [{ service: 'citizens.read', purposes: ['TTHC'] }, { service: 'citizens.verify', purposes: ['TTHC'], mismatchDetail: true }]
  },
  {
    clientId: 'VN.TEST.LIMITED',
    name: 'Client granted name and birth date only',
    status: 'active',
    grants: [{ service: 'citizens.read', purposes: ['TTHC', 'BHXH'], fields: ['fullName', 'dateOfBirth'] }]
  },
  { clientId: 'VN.TEST.VERIFY', name: 'Health app', status: 'active', grants: [{ service: 'citizens.verify', purposes: ['KCB'], rateLimitPerMinute: 3 }] },
  { clientId: 'VN.TEST.ADMIN', name: 'Administrators', status: 'active', admin: true, grants: [] },
  {
    clientId: 'VN.TEST.MOTCUA',
    name: 'One-stop system',
    status: 'active',
    grants: [
      { service: 'procedures.read' },
      { service: 'dossiers.read', purposes: ['TTHC'] },
      { service: 'dossiers.write', purposes: ['TTHC'] }
    ]
  },
  { clientId: 'VN.TEST.SUSPENDED', name: 'Retired system', status: 'suspended', grants: [{ service: 'citizens.read', purposes: ['TTHC'] }] }
]

export interface SigningKey {
  alg: 'RS256' | 'ES256' | 'EdDSA'
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

let keysMade: Promise<SigningKey[]> | undefined
/** One key per accepted algorithm, made once per process. */
export async function signingKeys (): Promise<SigningKey[]> {
  keysMade ??= Promise.all((['RS256', 'ES256', 'EdDSA'] as const).map(async (alg) => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    const kid = `test-${alg.toLowerCase()}`
    return { alg, kid, privateKey, publicJwk: { ...await exportJWK(publicKey), kid, alg, use: 'sig' } }
  }))
  return await keysMade
}

export function jwksOf (keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) }
}

export interface TokenOptions {
  clientId?: string
  scopes?: string[]
  alg?: SigningKey['alg']
  ttlSeconds?: number
}

/** A token from ISSUER for AUDIENCE (defaults: VN.TEST.FULL, citizens.read and citizens.verify, RS256). */
export async function signTestToken (options: TokenOptions = {}): Promise<string> {
  const key = (await signingKeys()).find((candidate) => candidate.alg === (options.alg ?? 'RS256')) as SigningKey
  return await signClientToken({
    clientId: options.clientId ?? 'VN.TEST.FULL',
    scopes: options.scopes ?? ['citizens.read', 'citizens.verify'],
    issuer: ISSUER,
    audience: AUDIENCE,
    key: key.privateKey,
    kid: key.kid,
    alg: key.alg,
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds })
  })
}

export interface IdentityFiles {
  /** AUTH_JWKS_FILE: every signing key's public half. */
  jwksFile: string
  /** GRANTS_FILE: these clients. */
  grantsFile: string
}

/** The JWKS of signingKeys() and a grants file of these clients, in a temp dir removed at teardown. */
export async function identityFiles (t: Teardown, clients: Client[] = TEST_CLIENTS): Promise<IdentityFiles> {
  const files = await tempFiles(t, {
    'jwks.json': JSON.stringify(jwksOf(await signingKeys())),
    'grants.json': JSON.stringify({ clients })
  })
  return { jwksFile: files['jwks.json'] as string, grantsFile: files['grants.json'] as string }
}
