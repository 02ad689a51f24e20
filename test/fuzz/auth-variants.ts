import { signClientToken } from '../../src/auth/sign-token.js'
import { claims, signRaw, unsigned } from '../auth/jws.js'
import { AUDIENCE, ISSUER, signingKeys, signTestToken } from '../support/identity.js'
import type { AuthVariant, Expectation } from './requests.js'

/**
 * Authorization headers a secured operation must refuse: no valid token (401), or a valid token of a client
 * that may not call (403) or holds no grant (403, or what the request deserves where any valid token will do).
 */

export interface Callers {
  /** A registered client granted everything, and the scopes its tokens carry. */
  granted: string
  scopes: string[]
  /** A registered, active client without any grant. */
  withoutGrants: string
  /** A registered, suspended client. */
  suspended: string
  /** A client id nobody registered. */
  unregistered: string
}

const unauthorized: Expectation = { why: 'no valid token', accepts: (status) => status === 401 }
const forbidden: Expectation = { why: 'a client that may not call', accepts: (status) => status === 403 }
// where any valid token will do (/services, the open categories), the answer the request itself deserves: a page,
// a 304, or a 400/404 for a cursor or a category that does not exist
const notGranted: Expectation = { why: 'a valid token without the grant', accepts: (status) => status === 403 || (status >= 200 && status < 300) || [304, 400, 404].includes(status) }

export async function refusedAuthorizations (callers: Callers): Promise<AuthVariant[]> {
  const { granted, scopes } = callers
  const [rsa] = await signingKeys()
  if (rsa === undefined) throw new Error('no signing key')
  const valid = await signTestToken({ clientId: granted, scopes })
  const forged = claims({ sub: granted, scope: scopes.join(' ') })
  const bearer = (token: string): string => `Bearer ${token}`
  return [
    { label: 'no token', authorization: undefined, expect: unauthorized },
    { label: 'empty', authorization: '', expect: unauthorized },
    { label: 'scheme only', authorization: 'Bearer', expect: unauthorized },
    { label: 'basic', authorization: 'Basic dXNlcjpwYXNz', expect: unauthorized },
    { label: 'not a JWT', authorization: bearer('not.a.jwt'), expect: unauthorized },
    { label: 'garbage', authorization: bearer('A'.repeat(5000)), expect: unauthorized },
    { label: 'SQL', authorization: bearer("' OR 1=1 --"), expect: unauthorized },
    { label: 'tampered signature', authorization: bearer(valid.slice(0, -2) + (valid.endsWith('AA') ? 'BB' : 'AA')), expect: unauthorized },
    { label: 'expired', authorization: bearer(await signTestToken({ clientId: granted, scopes, ttlSeconds: -3600 })), expect: unauthorized },
    {
      label: 'other audience',
      authorization: bearer(await signClientToken({ clientId: granted, scopes, issuer: ISSUER, audience: `${AUDIENCE}-other`, key: rsa.privateKey, kid: rsa.kid, alg: rsa.alg })),
      expect: unauthorized
    },
    { label: 'alg none', authorization: bearer(`${unsigned({ alg: 'none', typ: 'JWT' }, forged)}.`), expect: unauthorized },
    { label: 'HS256 keyed with the public key', authorization: bearer(signRaw({ alg: 'HS256', kid: rsa.kid }, forged, Buffer.from(JSON.stringify(rsa.publicJwk)))), expect: unauthorized },
    { label: 'unknown kid', authorization: bearer(signRaw({ alg: 'RS256', kid: 'unknown-key' }, forged, rsa.privateKey)), expect: unauthorized },
    { label: 'suspended client', authorization: bearer(await signTestToken({ clientId: callers.suspended, scopes })), expect: forbidden },
    { label: 'unregistered client', authorization: bearer(await signTestToken({ clientId: callers.unregistered, scopes })), expect: forbidden },
    { label: 'client without grants', authorization: bearer(await signTestToken({ clientId: callers.withoutGrants, scopes })), expect: notGranted },
    { label: 'token without scopes', authorization: bearer(await signTestToken({ clientId: granted, scopes: [] })), expect: notGranted }
  ]
}
