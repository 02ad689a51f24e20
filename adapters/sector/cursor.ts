import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidInputError } from '../shared/errors.js'

/**
 * Opaque, tamper-evident page cursors: base64url(JSON {dataset, filters digest, position}) + '.' + a truncated
 * HMAC-SHA256 under the port's secret. A cursor altered in any byte, made for another dataset, or replayed with
 * other filters is refused as the caller's mistake (InvalidInputError on `cursor`). Gateways behind one load balancer must
 * share the secret; without one, each port makes its own and its cursors die with it.
 */

const MAX_CURSOR_LENGTH = 2048
const MAC_BYTES = 16

export type Position = string | number

export interface Cursors {
  issue (dataset: string, filtersDigest: string, position: Position): string
  /** The position a cursor carries; throws InvalidInputError when it is not one of ours for this query. */
  read (token: string, dataset: string, filtersDigest: string): Position
}

const refused = (): Error => new InvalidInputError([{ in: 'query', pointer: '/cursor', detail: 'is not a cursor this service issued for this dataset and these filters' }])

export function cursors (secret?: string): Cursors {
  const key = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8')
  const mac = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest().subarray(0, MAC_BYTES)

  return {
    issue (dataset, filtersDigest, position) {
      const payload = Buffer.from(JSON.stringify({ d: dataset, f: filtersDigest, p: position }), 'utf8').toString('base64url')
      return `${payload}.${mac(payload).toString('base64url')}`
    },

    read (token, dataset, filtersDigest) {
      if (token.length > MAX_CURSOR_LENGTH) throw refused()
      const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token)
      if (match === null) throw refused()
      const [, payload = '', signature = ''] = match
      const given = Buffer.from(signature, 'base64url')
      // base64url decoding ignores what it cannot read: insist the text is exactly what we would have written
      if (given.length !== MAC_BYTES || given.toString('base64url') !== signature || !timingSafeEqual(given, mac(payload))) throw refused()
      let decoded: unknown
      try {
        decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      } catch {
        throw refused()
      }
      const { d, f, p } = (decoded ?? {}) as { d?: unknown, f?: unknown, p?: unknown }
      if (d !== dataset || f !== filtersDigest || (typeof p !== 'string' && typeof p !== 'number')) throw refused()
      return p
    }
  }
}

/** A short digest of the validated filters, independent of the order they were given in. */
export function filtersDigest (filters: ReadonlyArray<{ name: string, value: string | number }>): string {
  const canonical = JSON.stringify([...filters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => [f.name, f.value]))
  return createHash('sha256').update(canonical).digest().subarray(0, 12).toString('base64url')
}
