import { parseDictionary } from 'structured-headers'

/** RFC 9530 Content-Digest of a response body exactly as sent. The gateway offers sha-256 only. */

/** Whether a Want-Content-Digest header (a Dictionary of algorithm=preference) asks for sha-256; anything unreadable asks nothing. */
export function wantsSha256 (header: string | string[] | undefined): boolean {
  if (header === undefined) return false
  try {
    const preference = parseDictionary(Array.isArray(header) ? header.join(', ') : header).get('sha-256')?.[0]
    // 0 means "not acceptable" (RFC 9530 §4)
    return typeof preference === 'number' && preference > 0
  } catch {
    return false
  }
}

/** The Content-Digest field value for a body's SHA-256. */
export function contentDigest (sha256: Buffer): string {
  return `sha-256=:${sha256.toString('base64')}:`
}
