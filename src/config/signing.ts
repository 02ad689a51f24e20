import { requireUnlessDemo, type EnvOf } from './env.js'

/** The gateway's own signing key: it signs the audit chain's checkpoints, archives and, on request, responses. */

export const SIGNING_ENV = {
  /** A PKCS#8 PEM private key, EC P-256 (ES256) or Ed25519 (EdDSA). */
  GATEWAY_SIGNING_KEY_FILE: { type: 'string', minLength: 1 },
  /** The key's id as published; default: its RFC 7638 thumbprint. */
  GATEWAY_SIGNING_KEY_ID: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' }
} as const

export interface SigningConfig {
  /** Unset only in demo mode, where server.ts makes one under .demo/ (and a bare demo build, an ephemeral one). */
  keyFile?: string
  keyId?: string
}

export function readSigning (raw: EnvOf<typeof SIGNING_ENV>, { demo }: { demo: boolean }): SigningConfig {
  if (!demo) requireUnlessDemo(raw, ['GATEWAY_SIGNING_KEY_FILE'])
  return {
    ...(raw.GATEWAY_SIGNING_KEY_FILE === undefined ? {} : { keyFile: raw.GATEWAY_SIGNING_KEY_FILE }),
    ...(raw.GATEWAY_SIGNING_KEY_ID === undefined ? {} : { keyId: raw.GATEWAY_SIGNING_KEY_ID })
  }
}
