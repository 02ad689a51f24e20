import { createHash, randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { serializeDictionary, type Item } from 'structured-headers'
import { validationError } from '../../errors.js'
import { AcceptSignatureError, parseAcceptSignature, type SignatureRequest } from '../../signing/accept-signature.js'
import { contentDigest, wantsSha256 } from '../../signing/content-digest.js'
import { SIGNATURE_ALGORITHMS, signResponse, type SignedMessage } from '../../signing/message-signature.js'
import { responseSha256 } from '../../audit/body-digest.js'

/**
 * Responses signed on request. `Want-Content-Digest: sha-256=…` gets a Content-Digest (RFC 9530) of the body as
 * sent; `Accept-Signature` (RFC 9421 §5.1) gets that and a signature by the gateway's key under each label asked
 * for, covering at least @status, content-digest, x-message-id and date. Runs after the audit's onSend, on the
 * final body, so refusals and problems are signed too. A streamed body's bytes are not known before they go: it
 * gets neither. An Accept-Signature that cannot be honoured is a 400 problem, itself signed under `sig1`.
 */

type Asked = SignatureRequest[] | { problem: string } | undefined

const DEFAULT_SIGNATURE: SignatureRequest = { label: 'sig1', components: [] }

function fieldOf (value: string | number | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  // RFC 9421 §2.1: each value trimmed, several joined by ", "
  return (Array.isArray(value) ? value : [String(value)]).map((part) => part.trim()).join(', ')
}

function messageOf (request: FastifyRequest, reply: FastifyReply): SignedMessage {
  return {
    status: reply.statusCode,
    field: (name) => fieldOf(reply.getHeader(name)),
    request: { method: request.method, url: request.url, field: (name) => fieldOf(request.headers[name]) }
  }
}

export default fp(async function responseSignature (app) {
  const key = app.gatewayKey
  const signer = { keyId: key.keyId, alg: SIGNATURE_ALGORITHMS[key.alg] }
  const asked = new WeakMap<FastifyRequest, Asked>()

  // read once, whichever hook comes first (a refusal before this plugin's onRequest goes straight to onSend)
  function askedOf (request: FastifyRequest): Asked {
    if (asked.has(request)) return asked.get(request)
    const header = fieldOf(request.headers['accept-signature'])
    let result: Asked
    try {
      result = header === undefined ? undefined : parseAcceptSignature(header, signer)
    } catch (err) {
      if (!(err instanceof AcceptSignatureError)) throw err
      result = { problem: err.message }
    }
    asked.set(request, result)
    return result
  }

  // refused before any work is done: the client asked for a signature it cannot have
  app.addHook('onRequest', async (request) => {
    const wanted = askedOf(request)
    if (wanted !== undefined && 'problem' in wanted) throw validationError([{ in: 'headers', pointer: '/accept-signature', detail: wanted.problem }])
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const wanted = askedOf(request)
    if (wanted === undefined && !wantsSha256(request.headers['want-content-digest'])) return payload
    // no body (204, 304) is an empty one
    const sha256 = payload === undefined || payload === null ? createHash('sha256').digest() : responseSha256(request, payload)
    if (sha256 === null) return payload
    reply.header('content-digest', contentDigest(sha256))
    if (wanted === undefined) return payload

    const created = new Date()
    reply.header('date', created.toUTCString())
    // a refusal before request-id's hook (load shedding) has none yet
    if (!reply.hasHeader('x-message-id')) reply.header('x-message-id', request.messageId === '' ? randomUUID() : request.messageId)
    const message = messageOf(request, reply)
    const signatures = ('problem' in wanted ? [DEFAULT_SIGNATURE] : wanted).map((one) => signResponse(one, message, key, created))
    reply.header('signature-input', signatures.map(({ label, input }) => `${label}=${input}`).join(', '))
    reply.header('signature', serializeDictionary(new Map(signatures.map(({ label, signature }): [string, Item] => [label, [signature, new Map()]]))))
    return payload
  })
}, { name: 'response-signature', dependencies: ['gateway-key', 'request-id', 'audit'] })
