import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { fromAdapterError, PROBLEM_KINDS, PROBLEM_TYPE_BASE, type FieldError, type ProblemCode, type ProblemKind } from '../../errors.js'

/**
 * Turns every failure — ours, Fastify's (404 route, 413, 415, bad JSON, schema validation) and unexpected
 * ones — into RFC 9457 problem+json. 5xx details are logged, never sent.
 */

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  instance: string
  requestId: string
  errors?: FieldError[]
  allowedStatuses?: string[]
}

// Fastify's own error codes and the gateway problem each one is.
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_ERR_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_ERR_MALFORMED_BODY',
  FST_ERR_BAD_URL: 'GW_ERR_BAD_REQUEST',
  // over the router's maxParamLength, which is above every path parameter's declared maxLength: a bad request
  FST_ERR_MAX_PARAM_LENGTH: 'GW_ERR_BAD_REQUEST',
  FST_ERR_VALIDATION: 'GW_ERR_VALIDATION'
}

const LOCATIONS: Record<string, FieldError['in']> = { body: 'body', params: 'params', querystring: 'query', headers: 'headers' }

interface AjvIssue {
  instancePath: string
  keyword: string
  message?: string
  params: { missingProperty?: string, additionalProperty?: string, format?: string, pattern?: string }
}

// The patterns schemas/ gives free text to keep control characters (NUL above all) out, said in words.
const PATTERN_DETAILS: Record<string, string> = {
  '^[^\\u0000-\\u001f\\u007f]*$': 'must not contain control characters (U+0000–U+001F, U+007F)',
  '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$': 'must not contain control characters other than tabs and line breaks'
}

function issueDetail ({ keyword, message, params }: AjvIssue): string {
  if (params.additionalProperty !== undefined) return 'is not an accepted property'
  if (keyword === 'pattern' && params.pattern !== undefined && Object.hasOwn(PATTERN_DETAILS, params.pattern)) return PATTERN_DETAILS[params.pattern] as string
  if (keyword === 'format' && params.format === 'personal-id') {
    return 'is not a valid personal id (12 digits: birth-registration province, century/gender digit, birth year, 6 digits)'
  }
  return message ?? 'is invalid'
}

function fieldErrors (error: FastifyError): FieldError[] | undefined {
  if ('errors' in error && Array.isArray(error.errors)) return error.errors as FieldError[]
  if (error.validation === undefined) return undefined
  const location = LOCATIONS[error.validationContext ?? 'body'] ?? 'body'
  return (error.validation as AjvIssue[]).map((issue) => {
    const child = issue.params.missingProperty ?? issue.params.additionalProperty
    return { in: location, pointer: child === undefined ? issue.instancePath : `${issue.instancePath}/${child}`, detail: issueDetail(issue) }
  })
}

function kindOf (error: FastifyError): ProblemKind {
  if (error.validation !== undefined) return PROBLEM_KINDS.GW_ERR_VALIDATION
  const code = (error.code in PROBLEM_KINDS ? error.code : FASTIFY_CODES[error.code]) as ProblemCode | undefined
  if (code !== undefined) return PROBLEM_KINDS[code]
  // JSON.parse failures and other client errors Fastify raises without one of the codes above
  if (error instanceof SyntaxError) return PROBLEM_KINDS.GW_ERR_MALFORMED_BODY
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return { ...PROBLEM_KINDS.GW_ERR_BAD_REQUEST, status }
  return PROBLEM_KINDS.GW_ERR_INTERNAL
}

const instanceOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? request.url

export function problemFor (request: FastifyRequest, kind: ProblemKind, detail?: string, errors?: FieldError[]): Problem {
  return {
    type: PROBLEM_TYPE_BASE + kind.slug,
    title: kind.title,
    status: kind.status,
    ...(detail === undefined ? {} : { detail }),
    instance: instanceOf(request),
    requestId: request.id,
    ...(errors === undefined ? {} : { errors })
  }
}

/** A problem kept from an earlier request (an idempotent replay), addressed to the request now answered. */
export function readdressed (request: FastifyRequest, problem: Problem): Problem {
  return { ...problem, instance: instanceOf(request), requestId: request.id }
}

export function sendProblem (reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem)
}

function answerError (thrown: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // an adapter's own error (no HTTP status of its own) becomes the gateway error it is answered as
  const error = fromAdapterError(thrown) as FastifyError
  const kind = kindOf(error)
  if (kind.status >= 500) {
    // Upstream failures are expected operational events; anything else is a bug worth a stack.
    if (error.code in PROBLEM_KINDS) request.log.warn({ code: error.code, detail: error.message, cause: (error.cause as Error | undefined)?.message }, 'dependency problem')
    else request.log.error({ err: error }, 'unhandled error')
  }
  const detail = kind === PROBLEM_KINDS.GW_ERR_INTERNAL
    ? 'An internal error occurred. Quote the request id when reporting it.'
    : kind === PROBLEM_KINDS.GW_ERR_VALIDATION ? undefined : error.message
  const errors = kind === PROBLEM_KINDS.GW_ERR_VALIDATION ? fieldErrors(error) : undefined
  if ('headers' in error && typeof error.headers === 'object' && error.headers !== null) reply.headers(error.headers)
  if (kind.status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"')
  const problem = problemFor(request, kind, detail ?? `${errors?.length ?? 0} field(s) failed validation`, errors)
  const extensions = 'extensions' in error && typeof error.extensions === 'object' ? error.extensions : {}
  return sendProblem(reply, { ...extensions, ...problem })
}

const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The path is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is longer than any this gateway declares'
}

/**
 * Fastify's `frameworkErrors` option: errors raised before any route or hook runs — a URL that does not decode
 * (FST_ERR_BAD_URL), a path parameter over the router's maxParamLength — answered as the same problems, with the
 * request id echoed here since no onRequest hook has run.
 */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id)
  // Fastify's messages quote the whole path, however long
  const detail = FRAMEWORK_DETAILS[error.code]
  answerError(detail === undefined ? error : Object.assign(error, { message: detail }), request, reply)
}

export default fp(async function problemDetails (app) {
  app.setErrorHandler(function (error: FastifyError, request, reply) {
    answerError(error, request, reply)
  })

  app.setNotFoundHandler(function (request, reply) {
    sendProblem(reply, problemFor(request, PROBLEM_KINDS.GW_ERR_ROUTE_NOT_FOUND, `No route ${request.method} ${request.url.split('?')[0] ?? ''}`))
  })
}, { name: 'problem-details' })
