import { serializeInnerList, serializeItem, type BareItem, type Item } from 'structured-headers'
import type { GatewayKey, GatewayKeyAlg } from './gateway-key.js'
import type { RequestedComponent, SignatureRequest } from './accept-signature.js'

/** RFC 9421 HTTP Message Signatures of a response: the signature base (§2.5) and the signature over it. */

/** RFC 9421 §6.2.2 algorithm names of the gateway's key types. */
export const SIGNATURE_ALGORITHMS: Record<GatewayKeyAlg, string> = { EdDSA: 'ed25519', ES256: 'ecdsa-p256-sha256' }

/** What every response signature covers, whatever the client asked for. */
export const REQUIRED_COMPONENTS: readonly RequestedComponent[] = ['@status', 'content-digest', 'x-message-id', 'date']
  .map((name) => ({ name, req: false }))

/** The message as the signature sees it: the response, and the request it answers. */
export interface SignedMessage {
  status: number
  /** A response field's value, undefined when absent. */
  field (name: string): string | undefined
  request: { method: string, url: string, field (name: string): string | undefined }
}

/** A component's value (RFC 9421 §2.1, §2.2), undefined when the message has none. */
function valueOf (component: RequestedComponent, message: SignedMessage): string | undefined {
  const { request } = message
  const query = request.url.indexOf('?')
  switch (component.name) {
    case '@status': return String(message.status)
    case '@method': return request.method.toUpperCase()
    case '@path': return (query === -1 ? request.url : request.url.slice(0, query)) || '/'
    case '@query': return query === -1 ? '?' : request.url.slice(query)
    default: return component.req ? request.field(component.name) : message.field(component.name)
  }
}

function identifierOf (component: RequestedComponent): Item {
  return [component.name, new Map<string, BareItem>(component.req ? [['req', true]] : [])]
}

export interface ResponseSignature {
  label: string
  /** The member value of Signature-Input: the covered components and the signature parameters. */
  input: string
  signature: Buffer
}

/**
 * Signs a response as one Accept-Signature member asked: the required components, then the client's own (a field
 * the message lacks is left out, so Signature-Input names exactly what is covered).
 */
export function signResponse (asked: SignatureRequest, message: SignedMessage, key: GatewayKey, created: Date): ResponseSignature {
  const covered = [...REQUIRED_COMPONENTS]
  for (const component of asked.components) {
    if (!covered.some((listed) => listed.name === component.name && listed.req === component.req)) covered.push(component)
  }
  const lines: string[] = []
  const identifiers: Item[] = []
  for (const component of covered) {
    const value = valueOf(component, message)
    if (value === undefined) continue
    const identifier = identifierOf(component)
    identifiers.push(identifier)
    lines.push(`${serializeItem(identifier)}: ${value}`)
  }
  const params = new Map<string, BareItem>([
    ['created', Math.floor(created.getTime() / 1000)],
    ['keyid', key.keyId],
    ['alg', SIGNATURE_ALGORITHMS[key.alg]]
  ])
  if (asked.nonce !== undefined) params.set('nonce', asked.nonce)
  if (asked.tag !== undefined) params.set('tag', asked.tag)
  const input = serializeInnerList([identifiers, params])
  lines.push(`"@signature-params": ${input}`)
  return { label: asked.label, input, signature: key.signBytes(Buffer.from(lines.join('\n'))) }
}
