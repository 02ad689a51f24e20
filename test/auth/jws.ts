import { createHmac, KeyObject, sign } from 'node:crypto'
import type { CryptoKey } from 'jose'

/** Hand-made compact JWS, so attack tokens can carry headers and algorithms no well-behaved library would emit. */

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

export function unsigned (header: object, payload: object): string {
  return `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
}

export function signRaw (header: { alg: string } & Record<string, unknown>, payload: object, key: CryptoKey | Buffer): string {
  const input = unsigned(header, payload)
  let signature: Buffer
  if (Buffer.isBuffer(key)) {
    signature = createHmac('sha256', key).update(input).digest()
  } else {
    const keyObject = KeyObject.from(key)
    const hash = header.alg === 'EdDSA' ? null : `sha${header.alg.slice(2)}`
    signature = sign(hash, Buffer.from(input), header.alg.startsWith('ES') ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject)
  }
  return `${input}.${b64(signature)}`
}

export function claims (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { iss: 'https://idp.test.lgsp.local', aud: 'lgsp-gateway-test', sub: 'VN.TEST.FULL', scope: 'citizens.read citizens.verify', iat: now, exp: now + 600, ...overrides }
}
