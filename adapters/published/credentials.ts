import { request } from 'undici'
import { UpstreamFaultError, UpstreamUnavailableError } from '../shared/errors.js'
import { transportError, readBody } from '../upstream-http.js'
import type { Credentials } from './declaration.js'

/**
 * How the gateway proves itself to a provider: a header per call (API key, HTTP Basic, an OAuth 2.0 bearer token),
 * or nothing at the HTTP level (a TLS client certificate is the connection's business: client.ts). Secrets come
 * from configuration, never from the declaration.
 */

export interface UpstreamSecrets {
  apiKey?: string
  username?: string
  password?: string
  clientId?: string
  clientSecret?: string
  /** Replaces the declaration's token URL (deployment-specific, like the base URLs). */
  tokenUrl?: string
  tls?: { cert: string, key: string, ca?: string }
}

export interface Authenticator {
  /** Headers for the next call. */
  headers (signal?: AbortSignal): Promise<Record<string, string>>
  /** The provider refused the credentials (401): a cached token is dropped, and true says a new one is worth a try. */
  refused (): boolean
}

/** A missing secret, named by what the configuration calls it. */
export class MissingSecretError extends Error {
  override name = 'MissingSecretError'
}

/** An access token is renewed this long before the provider says it expires, so none is sent about to lapse. */
const EXPIRY_MARGIN_S = 30
/** Used when the token endpoint does not say how long its token lasts (RFC 6749 §5.1 makes expires_in optional). */
const DEFAULT_TOKEN_LIFETIME_S = 300
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024

function required<T> (value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw new MissingSecretError(`${name} is not configured`)
  return value
}

export function authenticator (label: string, credentials: Credentials, secrets: UpstreamSecrets, timeoutMs: number): Authenticator {
  switch (credentials.kind) {
    case 'none':
    case 'tls-client-certificate':
      return { headers: async () => ({}), refused: () => false }
    case 'api-key': {
      const header = { [credentials.header.toLowerCase()]: required(secrets.apiKey, 'API_KEY') }
      return { headers: async () => header, refused: () => false }
    }
    case 'basic': {
      const token = Buffer.from(`${required(secrets.username, 'USERNAME')}:${required(secrets.password, 'PASSWORD')}`, 'utf8').toString('base64')
      return { headers: async () => ({ authorization: `Basic ${token}` }), refused: () => false }
    }
    case 'oauth2-client-credentials':
      return clientCredentials(label, {
        tokenUrl: secrets.tokenUrl ?? credentials.tokenUrl,
        clientId: required(secrets.clientId, 'CLIENT_ID'),
        clientSecret: required(secrets.clientSecret, 'CLIENT_SECRET'),
        ...(credentials.scope === undefined ? {} : { scope: credentials.scope })
      }, timeoutMs)
  }
}

interface ClientCredentials { tokenUrl: string, clientId: string, clientSecret: string, scope?: string }

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): one token at a time, fetched when none is held or it is about to
 * expire, by one request however many calls wait for it; dropped when the provider refuses it.
 */
function clientCredentials (label: string, options: ClientCredentials, timeoutMs: number): Authenticator {
  let held: { token: string, renewAt: number } | undefined
  let fetching: Promise<string> | undefined
  // RFC 6749 §2.3.1: client id and secret form-encoded, then as HTTP Basic credentials
  const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')
  const upstream = `${label} token endpoint`

  async function fetchToken (signal?: AbortSignal): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(options.scope === undefined ? {} : { scope: options.scope }) })
    let status: number
    let text: string
    try {
      const timeout = AbortSignal.timeout(timeoutMs)
      const answer = await request(options.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
      })
      status = answer.statusCode
      text = await readBody(answer.body, upstream, MAX_TOKEN_ANSWER_BYTES)
    } catch (err) {
      if (err instanceof UpstreamFaultError) throw err
      throw transportError(upstream, err, timeoutMs)
    }
    if (status === 503) throw new UpstreamUnavailableError(upstream)
    let answer: { access_token?: unknown, token_type?: unknown, expires_in?: unknown, error?: unknown } = {}
    try {
      answer = JSON.parse(text) as typeof answer
    } catch {}
    if (status !== 200) {
      const code = typeof answer.error === 'string' ? ` ${answer.error}` : ''
      throw new UpstreamFaultError(upstream, `refused the gateway's client credentials: HTTP ${status}${code}`)
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '' || typeof answer.token_type !== 'string' || answer.token_type.toLowerCase() !== 'bearer') {
      throw new UpstreamFaultError(upstream, 'answered without a bearer access_token')
    }
    const lifetime = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : DEFAULT_TOKEN_LIFETIME_S
    held = { token: answer.access_token, renewAt: Date.now() + Math.max(lifetime - Math.min(EXPIRY_MARGIN_S, lifetime / 10), 1) * 1000 }
    return answer.access_token
  }

  return {
    async headers (signal) {
      if (held !== undefined && Date.now() < held.renewAt) return { authorization: `Bearer ${held.token}` }
      fetching ??= fetchToken(signal).finally(() => { fetching = undefined })
      return { authorization: `Bearer ${await fetching}` }
    },
    refused () {
      held = undefined
      return true
    }
  }
}
