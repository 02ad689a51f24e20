import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Per-request authentication the population database expects:
 * `Authorization: Basic base64(user:sha256(url + user + timestamp + secret))` with `Timestamp` (ms since epoch).
 */

export function signRequest (url: string, username: string, secret: string, timestamp: string): string {
  const digest = createHash('sha256').update(url + username + timestamp + secret).digest('hex')
  return 'Basic ' + Buffer.from(`${username}:${digest}`).toString('base64')
}

export function verifySignature (
  authorization: string | undefined, url: string, timestamp: string | undefined,
  credentials: { username: string, secret: string }, now = Date.now(), maxSkewMs = 300_000
): boolean {
  if (authorization === undefined || timestamp === undefined || !/^[0-9]{10,16}$/.test(timestamp)) return false
  if (Math.abs(now - Number(timestamp)) > maxSkewMs) return false
  const expected = Buffer.from(signRequest(url, credentials.username, credentials.secret, timestamp))
  const given = Buffer.from(authorization)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
