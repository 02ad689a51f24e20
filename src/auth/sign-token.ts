import { SignJWT, type CryptoKey, type KeyObject } from 'jose'

/** Signs a client token the way an agency's identity provider would (used by the token CLI, the demo and tests). */

export interface TokenRequest {
  clientId: string
  scopes: readonly string[]
  issuer: string
  audience: string
  key: CryptoKey | KeyObject
  kid: string
  alg: string
  ttlSeconds?: number
}

export async function signClientToken (request: TokenRequest): Promise<string> {
  return await new SignJWT({ scope: request.scopes.join(' ') })
    .setProtectedHeader({ alg: request.alg, kid: request.kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(request.clientId)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(request.key)
}
