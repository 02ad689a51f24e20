import type { FastifyInstance } from 'fastify'
import { publicKeys } from '../../../signing/key-register.js'

// short: a verifier that meets an unknown keyid fetches again, and a new key (another replica's, a rotation) is listed at its first use
const MAX_AGE_SECONDS = 300

/** The gateway's public keys, open to anyone: verifiers of signed responses and of the audit's checkpoints. */
export default async function signingKeyRoutes (app: FastifyInstance): Promise<void> {
  app.get('/signing-keys', {
    schema: {
      tags: ['discovery'],
      operationId: 'signingKeys',
      summary: 'The gateway\'s public signing keys (JWKS)',
      description: 'No token needed. Every key the gateway has ever signed with, old ones included, to verify signed responses ' +
        '(RFC 9421, asked for with `Accept-Signature`) by their `keyid`, and the audit\'s signed checkpoints.',
      response: {
        200: {
          description: 'The keys',
          headers: { 'cache-control': { type: 'string', description: `\`public, max-age=${MAX_AGE_SECONDS}\`: fetch again sooner when a signature names a key not listed.` } },
          $ref: 'SigningKeys#'
        }
      }
    }
  }, async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${MAX_AGE_SECONDS}`)
    return await publicKeys(app.store)
  })
}
