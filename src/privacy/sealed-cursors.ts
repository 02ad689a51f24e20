import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import { validationError } from '../errors.js'

/**
 * Page cursors of upstreams the gateway passes through are sealed (AES-256-GCM) before they reach a client. An
 * upstream's cursor says where the last page ended — the one-stop system's holds the last dossier's reception
 * time — which a grant may hide: sorting must not disclose what filtering may not. The seal also binds a cursor
 * to the client it was issued to. The IV is derived from the client and the cursor (as in SIV), so one page's
 * cursor is the same text each time it is given out — a kept answer replays byte for byte. Gateways behind one load balancer share the secret; without one, each gateway
 * makes its own and its cursors die with it.
 */

export interface CursorSeal {
  seal (upstreamCursor: string, clientId: string): string
  /** The upstream's cursor; a 400 at `cursor` when the token is not one this gateway sealed for this client. */
  open (token: string, clientId: string): string
}

const IV_BYTES = 12
const TAG_BYTES = 16
const MAX_TOKEN_LENGTH = 1024

const refused = (): Error => validationError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this gateway issued to this client' }])

export function cursorSeal (secret?: string): CursorSeal {
  // a key of its own, derived from the shared secret, so no other use of that secret meets this one
  const root = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8')
  const derive = (label: string): Buffer => createHash('sha256').update(`lgsp upstream cursors: ${label}\n`).update(root).digest()
  const key = derive('encryption')
  const ivKey = derive('iv')
  return {
    seal (upstreamCursor, clientId) {
      const iv = createHmac('sha256', ivKey).update(clientId).update('\u0000').update(upstreamCursor).digest().subarray(0, IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(clientId, 'utf8'))
      const sealed = Buffer.concat([iv, cipher.update(upstreamCursor, 'utf8'), cipher.final(), cipher.getAuthTag()])
      return sealed.toString('base64url')
    },
    open (token, clientId) {
      if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw refused()
      const bytes = Buffer.from(token, 'base64url')
      if (bytes.length <= IV_BYTES + TAG_BYTES) throw refused()
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES)).setAAD(Buffer.from(clientId, 'utf8'))
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        throw refused()
      }
    }
  }
}
