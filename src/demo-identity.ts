import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose'
import { loadGrantsFile, type Client } from './auth/grants.js'
import { signClientToken } from './auth/sign-token.js'
import { projectRoot } from './paths.js'
import { newGatewayKeyPem } from './signing/gateway-key.js'

/**
 * Demo mode's identity provider: a signing key made on first use under .demo/ (never committed), its public
 * JWKS, and the demo clients of demo/grants.json. Loaded only in demo mode and by `npm run token`.
 */

export const DEMO_ISSUER = 'https://idp.demo.lgsp.local'
export const DEMO_AUDIENCE = 'lgsp-gateway'
export const DEMO_KID = 'demo-rs256-1'
export const DEMO_ALG = 'RS256'
export const DEMO_GRANTS_FILE = join(projectRoot, 'demo', 'grants.json')
const DEMO_DIR = join(projectRoot, '.demo')
const PRIVATE_KEY_FILE = join(DEMO_DIR, 'signing-key.private.jwk.json')
export const DEMO_JWKS_FILE = join(DEMO_DIR, 'jwks.json')

export interface DemoSigningKey {
  key: CryptoKey | KeyObject
  kid: string
  alg: string
}

export async function demoSigningKey (): Promise<DemoSigningKey> {
  if (!existsSync(PRIVATE_KEY_FILE) || !existsSync(DEMO_JWKS_FILE)) {
    const { privateKey, publicKey } = await generateKeyPair(DEMO_ALG, { extractable: true })
    const privateJwk = { ...await exportJWK(privateKey), kid: DEMO_KID, alg: DEMO_ALG, use: 'sig' }
    const publicJwk = { ...await exportJWK(publicKey), kid: DEMO_KID, alg: DEMO_ALG, use: 'sig' }
    await mkdir(DEMO_DIR, { recursive: true })
    await writeFile(PRIVATE_KEY_FILE, JSON.stringify(privateJwk), { mode: 0o600 })
    await chmod(PRIVATE_KEY_FILE, 0o600)
    await writeFile(DEMO_JWKS_FILE, JSON.stringify({ keys: [publicJwk] }, null, 2))
  }
  const jwk = JSON.parse(await readFile(PRIVATE_KEY_FILE, 'utf8')) as JWK
  return { key: await importJWK(jwk, DEMO_ALG) as CryptoKey | KeyObject, kid: DEMO_KID, alg: DEMO_ALG }
}

/** The demo gateway's own signing key (audit checkpoints, signed responses), made on first use and kept under .demo/. */
export async function demoGatewayKeyFile (): Promise<string> {
  const file = join(DEMO_DIR, 'gateway-signing-key.pem')
  if (!existsSync(file)) {
    await mkdir(DEMO_DIR, { recursive: true })
    await writeFile(file, newGatewayKeyPem(), { mode: 0o600 })
  }
  return file
}

/** Everything a demo client may ask for: its granted services, plus admin for admin clients. */
function defaultScopes (client: Client): string[] {
  return [...client.grants.map((grant) => grant.service), ...(client.admin === true ? ['admin'] : [])]
}

export class UnknownDemoClientError extends Error {}

/** A token from the demo identity provider for a client of demo/grants.json; scopes default to all it is granted. */
export async function signDemoToken (clientId: string, options: { scopes?: string[], ttlSeconds?: number } = {}): Promise<string> {
  const clients = await loadGrantsFile(DEMO_GRANTS_FILE)
  const client = clients.find((candidate) => candidate.clientId === clientId)
  if (client === undefined) {
    throw new UnknownDemoClientError(`unknown demo client ${clientId}; demo clients: ${clients.map((c) => c.clientId).join(', ')}`)
  }
  return await signClientToken({
    clientId,
    scopes: options.scopes ?? defaultScopes(client),
    issuer: DEMO_ISSUER,
    audience: DEMO_AUDIENCE,
    ...await demoSigningKey(),
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds })
  })
}
