import { isInnerList, parseDictionary, type BareItem } from 'structured-headers'

/**
 * A client's Accept-Signature (RFC 9421 §5.1): which labelled signatures it wants on the response, covering which
 * components, with which parameters. Read strictly: a demanding client would rather be told (400) than get an
 * answer signed otherwise than it asked.
 */

/** A component to cover: a response field by name, `@status`, or (with `req`) a part of the request. */
export interface RequestedComponent {
  name: string
  /** Taken from the request the response answers (RFC 9421 §2.4). */
  req: boolean
}

export interface SignatureRequest {
  label: string
  components: RequestedComponent[]
  nonce?: string
  tag?: string
}

export class AcceptSignatureError extends Error {
  override name = 'AcceptSignatureError'
}

/** What the gateway can sign with: its key's id and RFC 9421 algorithm name. */
export interface SignerIdentity { keyId: string, alg: string }

const MAX_LENGTH = 4096
const MAX_LABELS = 4
const MAX_COMPONENTS = 32
const MAX_PARAMETER_LENGTH = 256
// lower-case field names (RFC 9421 §2.1); what a token allows otherwise
const FIELD_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/
// request parts a response signature can cover with `;req` (their values are the gateway's own view of the request)
const REQUEST_DERIVED = new Set(['@method', '@path', '@query'])

function componentOf (value: BareItem, params: Map<string, BareItem>): RequestedComponent {
  if (typeof value !== 'string') throw new AcceptSignatureError('each component must be a quoted string, e.g. "content-digest"')
  for (const [name, param] of params) {
    if (name !== 'req' || param !== true) throw new AcceptSignatureError(`component "${value}": parameter ${name} is not supported (only req)`)
  }
  const req = params.get('req') === true
  if (value.startsWith('@')) {
    if (value === '@status' && !req) return { name: value, req }
    if (REQUEST_DERIVED.has(value) && req) return { name: value, req }
    throw new AcceptSignatureError(`component "${value}"${req ? ';req' : ''} is not supported: "@status", and "@method", "@path", "@query" with ;req`)
  }
  if (!FIELD_NAME.test(value)) throw new AcceptSignatureError(`component "${value}" is not a lower-case field name`)
  return { name: value, req }
}

function stringParameter (name: string, value: BareItem): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PARAMETER_LENGTH) {
    throw new AcceptSignatureError(`parameter ${name} must be a string of 1–${MAX_PARAMETER_LENGTH} characters`)
  }
  return value
}

/** The signatures an Accept-Signature header asks for; AcceptSignatureError says why it cannot be honoured. */
export function parseAcceptSignature (header: string, signer: SignerIdentity): SignatureRequest[] {
  if (header.length > MAX_LENGTH) throw new AcceptSignatureError(`longer than ${MAX_LENGTH} characters`)
  let dictionary
  try {
    dictionary = parseDictionary(header)
  } catch (err) {
    throw new AcceptSignatureError(`not a structured-field Dictionary (RFC 8941): ${(err as Error).message}`)
  }
  if (dictionary.size === 0 || dictionary.size > MAX_LABELS) throw new AcceptSignatureError(`ask for 1–${MAX_LABELS} labelled signatures`)
  const requests: SignatureRequest[] = []
  for (const [label, member] of dictionary) {
    if (!isInnerList(member)) throw new AcceptSignatureError(`${label}: the components must be an inner list, e.g. ${label}=("@status" "content-digest")`)
    const [items, params] = member
    if (items.length > MAX_COMPONENTS) throw new AcceptSignatureError(`${label}: at most ${MAX_COMPONENTS} components`)
    const components = items.map(([value, itemParams]) => componentOf(value, itemParams))
    const ids = components.map((component) => `${component.name}${component.req ? ';req' : ''}`)
    if (new Set(ids).size !== ids.length) throw new AcceptSignatureError(`${label}: a component is listed twice`)
    const request: SignatureRequest = { label, components }
    for (const [name, value] of params) {
      switch (name) {
        case 'created': break // always given
        case 'keyid':
          if (stringParameter(name, value) !== signer.keyId) throw new AcceptSignatureError(`${label}: key ${String(value)} is not the gateway's signing key (${signer.keyId}, published at /api/v1/signing-keys)`)
          break
        case 'alg':
          if (stringParameter(name, value) !== signer.alg) throw new AcceptSignatureError(`${label}: the gateway signs with ${signer.alg}, not ${String(value)}`)
          break
        case 'nonce': request.nonce = stringParameter(name, value); break
        case 'tag': request.tag = stringParameter(name, value); break
        default: throw new AcceptSignatureError(`${label}: parameter ${name} is not supported (created, keyid, alg, nonce, tag)`)
      }
    }
    requests.push(request)
  }
  return requests
}
