import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ALLOWED_ALGORITHMS } from '../../auth/token-verifier.js'

export const API_INFO = {
  title: 'Provincial data-sharing gateway (LGSP)',
  version: '1.0.0',
  description: 'One shared-data REST API in front of the national population database, the provincial ' +
    'administrative-procedure system and sector databases. Errors are RFC 9457 problem details. Any response is ' +
    'signed on request (RFC 9421, with an RFC 9530 Content-Digest): the request headers are the components\' ' +
    '`parameters`, the response headers their `headers`, the verification keys at `GET /api/v1/signing-keys`.'
}

/** Tag groups (Redoc's x-tagGroups): administration apart from the data services (OWASP API5:2023). */
const TAG_GROUPS = [
  { name: 'Data services', tags: ['citizens', 'procedures', 'dossiers', 'discovery'] },
  { name: 'Administration', tags: ['admin', 'audit'] },
  { name: 'Operations', tags: ['operations'] }
]

/**
 * Headers of every operation, declared once as components (the routes do not repeat them): signed responses on
 * request (plugins/app/response-signature.ts) and the exchange's message id.
 */
const COMMON_PARAMETERS = {
  AcceptSignature: {
    name: 'Accept-Signature',
    in: 'header',
    description: 'RFC 9421 §5.1: sign the response. A Dictionary of label → components with parameters, e.g. ' +
      '`sig1=("@status" "content-digest" "x-message-id" "date");keyid="<kid>";nonce="<nonce>"`. Components: `"@status"`, ' +
      'response field names, and `"@method";req`, `"@path";req`, `"@query";req` or a request field with `;req`; parameters: ' +
      '`created`, `keyid` and `alg` (the gateway\'s only), `nonce`, `tag`. Up to 4 labels. Anything else is a 400 `validation` ' +
      'problem (itself signed under `sig1`).',
    schema: { type: 'string', maxLength: 4096 }
  },
  WantContentDigest: {
    name: 'Want-Content-Digest',
    in: 'header',
    description: 'RFC 9530: `sha-256=<preference>` (above 0) gets a `Content-Digest` of the body as sent; anything else is ignored.',
    schema: { type: 'string' }
  }
} as const
const COMMON_HEADERS = {
  'Content-Digest': { description: 'RFC 9530 `sha-256=:<base64>:` of the body as sent; when asked for (`Want-Content-Digest` or `Accept-Signature`).', schema: { type: 'string' } },
  'Signature-Input': { description: 'RFC 9421: per label, the covered components and `created`, `keyid`, `alg` (`ed25519` or `ecdsa-p256-sha256`), and `nonce`, `tag` when asked for.', schema: { type: 'string' } },
  Signature: { description: 'RFC 9421: per label, the signature (`:<base64>:`) by the key `keyid` of `GET /api/v1/signing-keys`.', schema: { type: 'string' } },
  'X-Message-Id': { description: 'The exchange\'s message id: the caller\'s when well-formed and new for that client, else the gateway\'s; in the audit record and covered by every response signature.', schema: { type: 'string' } }
} as const

const ADMIN_NOTE = 'Administration: needs an admin client (registered with `admin: true`) and a token with the `admin` scope; any other caller gets 403.'

/** The bearer scheme as the token verifier enforces it (src/auth/token-verifier.ts), in RFC 8725's terms. */
const BEARER_DESCRIPTION = [
  'A JWT (compact JWS) for your client, verified as RFC 8725 (JWT Best Current Practices) asks:',
  `- **Algorithms**: only ${ALLOWED_ALGORITHMS.join(', ')}, from an allow list checked before the signature; \`none\`, HMAC (HS*) and any other \`alg\` are refused. No \`crit\` header parameters.`,
  '- **Keys**: by `kid` (required) from the identity provider\'s JWKS (a fixed key set in demo mode); never from the token itself (`jwk`, `jku`, `x5u` are ignored).',
  '- **Claims**: `iss` and `aud` must equal the configured issuer and audience; `exp` and `sub` are required (`sub` = the registered client id); `nbf` is honoured; `scope` lists the granted services (and `admin` for administration). Clock tolerance is small and configured.',
  '- **Lifetime**: keep tokens short-lived (minutes to hours). The gateway refuses (401) an expired token and one that lives longer than `AUTH_MAX_TOKEN_TTL_S` (default 24 h): `exp − iat` when `iat` is present, `exp − now` always.',
  'In demo mode, `npm run token` prints one.'
].join('\n')

/**
 * OpenAPI generated from the routes' schemas; Swagger UI for administrators at /docs. Admin routes (config
 * `admin`) say so in their description; every tag is in a tag group, a sector's tag with the data services.
 */
export default fp(async function openapi (app) {
  app.addHook('onRoute', (routeOptions) => {
    const schema = routeOptions.schema
    if (routeOptions.config?.admin !== true || schema === undefined || schema.hide === true) return
    routeOptions.schema = { ...schema, description: schema.description === undefined ? ADMIN_NOTE : `${ADMIN_NOTE} ${schema.description}` }
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: API_INFO,
      tags: [
        { name: 'citizens', description: 'National population database' },
        { name: 'procedures', description: 'Administrative-procedure catalogue of the provincial one-stop system' },
        { name: 'dossiers', description: 'Dossiers of the provincial one-stop system' },
        { name: 'discovery', description: 'What the caller may use' },
        { name: 'admin', description: 'Administration of clients, grants and syncs (admin clients with the admin scope only)' },
        { name: 'audit', description: 'The tamper-evident audit trail and the data subject\'s access report (admin clients with the admin scope only)' },
        { name: 'operations', description: 'Probes for operators and orchestrators' }
      ],
      components: {
        parameters: COMMON_PARAMETERS,
        headers: COMMON_HEADERS,
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: BEARER_DESCRIPTION
          }
        }
      }
    },
    // Shared schemas keep their $id as their component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (documentObject) => withTagGroups(('openapiObject' in documentObject ? documentObject.openapiObject : {}) as OpenApiObject) as never
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, displayRequestDuration: true, persistAuthorization: true } })
}, { name: 'openapi' })

interface OpenApiObject {
  tags?: Array<{ name: string, description?: string }>
  paths?: Record<string, Record<string, { tags?: string[] }>>
  [key: string]: unknown
}

/** Tags the routes made up (one per sector) join the data services; every tag ends up declared and grouped. */
function withTagGroups (document: OpenApiObject): OpenApiObject {
  const grouped = new Set(TAG_GROUPS.flatMap((group) => group.tags))
  const used = Object.values(document.paths ?? {}).flatMap((item) => Object.values(item).flatMap((operation) => operation.tags ?? []))
  const extra = [...new Set(used)].filter((tag) => !grouped.has(tag)).sort()
  const groups = TAG_GROUPS.map((group) => group.name === 'Data services' ? { ...group, tags: [...group.tags, ...extra] } : group)
  return {
    ...document,
    tags: [...(document.tags ?? []), ...extra.map((name) => ({ name }))],
    'x-tagGroups': groups
  }
}
