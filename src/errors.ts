import createError from '@fastify/error'
import type { FieldError } from '../domain/field-error.js'
import * as adapter from '../adapters/shared/errors.js'

/**
 * Every error the gateway answers with, defined once. Handlers throw these; adapters throw their own
 * (adapters/shared/errors.ts), which fromAdapterError below translates; the problem-details plugin turns them
 * (and Fastify's own errors) into RFC 9457 bodies with a stable `type`.
 */

export const PROBLEM_TYPE_BASE = 'https://errors.gateway.local/'

export interface ProblemKind {
  status: number
  /** Last segment of the stable `type` URI. */
  slug: string
  title: string
}

/** One failing field, located by a JSON pointer inside the part of the request it came from (defined in the domain kernel). */
export type { FieldError } from '../domain/field-error.js'

export const PROBLEM_KINDS = {
  GW_ERR_VALIDATION: { status: 400, slug: 'validation', title: 'Request validation failed' },
  GW_ERR_MALFORMED_BODY: { status: 400, slug: 'malformed-body', title: 'Malformed request body' },
  // refused by Node's HTTP parser before any route runs (plugins/app/client-errors.ts)
  GW_ERR_MALFORMED_REQUEST: { status: 400, slug: 'malformed-request', title: 'Malformed HTTP request' },
  GW_ERR_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', title: 'Request not received in time' },
  GW_ERR_HEADER_TOO_LARGE: { status: 431, slug: 'header-too-large', title: 'Request header fields too large' },
  GW_ERR_UNAUTHORIZED: { status: 401, slug: 'unauthorized', title: 'Authentication required' },
  GW_ERR_FORBIDDEN: { status: 403, slug: 'forbidden', title: 'Not granted' },
  GW_ERR_PURPOSE_REQUIRED: { status: 403, slug: 'purpose-required', title: 'Purpose of use required' },
  GW_ERR_PURPOSE_NOT_GRANTED: { status: 403, slug: 'purpose-not-granted', title: 'Purpose of use not granted' },
  GW_ERR_FILTER_NOT_GRANTED: { status: 403, slug: 'filter-not-granted', title: 'Filter not granted' },
  GW_ERR_SUBJECT_REQUIRED: { status: 403, slug: 'subject-required', title: 'Data subject required' },
  GW_ERR_NOT_FOUND: { status: 404, slug: 'not-found', title: 'Resource not found' },
  GW_ERR_ROUTE_NOT_FOUND: { status: 404, slug: 'route-not-found', title: 'No such route' },
  GW_ERR_METHOD_NOT_ALLOWED: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  GW_ERR_PAYLOAD_TOO_LARGE: { status: 413, slug: 'payload-too-large', title: 'Request body too large' },
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported media type' },
  GW_ERR_RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  GW_ERR_VERIFY_ATTEMPTS: { status: 429, slug: 'verify-attempts-exceeded', title: 'Too many verifications of one person' },
  GW_ERR_BAD_REQUEST: { status: 400, slug: 'bad-request', title: 'Bad request' },
  GW_ERR_INTERNAL: { status: 500, slug: 'internal', title: 'Internal error' },
  GW_ERR_UPSTREAM: { status: 502, slug: 'upstream-error', title: 'Upstream system error' },
  GW_ERR_UPSTREAM_UNAVAILABLE: { status: 503, slug: 'upstream-unavailable', title: 'Upstream system unavailable' },
  GW_ERR_RATE_LIMIT_UNAVAILABLE: { status: 503, slug: 'rate-limit-unavailable', title: 'Rate limiting unavailable' },
  GW_ERR_NOT_READY: { status: 503, slug: 'not-ready', title: 'Gateway not ready' },
  GW_ERR_OVERLOADED: { status: 503, slug: 'overloaded', title: 'Gateway overloaded' },
  GW_ERR_AUDIT_UNAVAILABLE: { status: 503, slug: 'audit-unavailable', title: 'Audit store unavailable' },
  GW_ERR_STORE_UNAVAILABLE: { status: 503, slug: 'store-unavailable', title: 'Gateway store unavailable' },
  GW_ERR_SYNCS_UNAVAILABLE: { status: 503, slug: 'syncs-unavailable', title: 'Syncs unavailable' },
  GW_ERR_CONFLICT: { status: 409, slug: 'conflict', title: 'Conflict with the current state' },
  GW_ERR_UPSTREAM_TIMEOUT: { status: 504, slug: 'upstream-timeout', title: 'Upstream system timed out' },
  GW_ERR_SERVICE_RETIRED: { status: 410, slug: 'service-retired', title: 'Service retired' }
} as const satisfies Record<string, ProblemKind>

export type ProblemCode = keyof typeof PROBLEM_KINDS

export const UnauthorizedError = createError('GW_ERR_UNAUTHORIZED', 'Invalid or missing bearer token: %s', 401)
export const ForbiddenError = createError('GW_ERR_FORBIDDEN', '%s', 403)
export const PurposeRequiredError = createError('GW_ERR_PURPOSE_REQUIRED', 'Service %s returns personal data: send X-Purpose with a purpose code from your grant', 403)
export const PurposeNotGrantedError = createError('GW_ERR_PURPOSE_NOT_GRANTED', 'Purpose %s is not granted to this client for %s', 403)
/** Granted, but not a purpose the published operation declares it serves. */
export const PurposeNotServedError = createError('GW_ERR_PURPOSE_NOT_GRANTED', '%s', 403)
export const RateLimitUnavailableError = createError('GW_ERR_RATE_LIMIT_UNAVAILABLE', 'Rate limiting is unavailable; personal-data services are refused until it is back', 503)
export const StoreUnavailableError = createError('GW_ERR_STORE_UNAVAILABLE', 'The gateway\'s store cannot be reached; retry later', 503)
/** A list filter on a field the grant does not disclose: filtering would reveal the field bit by bit. */
export const FilterNotGrantedError = createError('GW_ERR_FILTER_NOT_GRANTED', '%s', 403)
/** The grant's rows need the data subject named (`rows.subject: required`): no listing of a whole register. */
export const SubjectRequiredError = createError('GW_ERR_SUBJECT_REQUIRED', 'Your grant of %s only answers lists that name their data subject: send %s', 403)
export const NotFoundError = createError('GW_ERR_NOT_FOUND', '%s', 404)
/** A published service its owner retired: gone for good, the catalogue says what replaced it. */
export const ServiceRetiredError = createError('GW_ERR_SERVICE_RETIRED', '%s', 410)
/** Runs cannot be queued: no Redis configured (syncs disabled), or Redis cannot be reached. */
export const SyncsUnavailableError = createError('GW_ERR_SYNCS_UNAVAILABLE', '%s', 503)
const ConflictBase = createError('GW_ERR_CONFLICT', '%s', 409)
export const UpstreamError = createError('GW_ERR_UPSTREAM', 'The %s answered with an error: %s', 502)
export const UpstreamUnavailableError = createError('GW_ERR_UPSTREAM_UNAVAILABLE', 'The %s cannot be reached', 503)
export const UpstreamTimeoutError = createError('GW_ERR_UPSTREAM_TIMEOUT', 'The %s did not answer within %d ms', 504)

const RateLimitedBase = createError('GW_ERR_RATE_LIMITED', 'Rate limit of %d requests per %d s exceeded for %s', 429)

/** Errors may carry response headers (Retry-After, WWW-Authenticate); the problem handler sends them. */
export interface WithHeaders {
  headers: Record<string, string>
}

export function rateLimitedError (limit: number, windowSeconds: number, service: string, retryAfterSeconds: number): Error & WithHeaders {
  return Object.assign(new RateLimitedBase(limit, windowSeconds, service), { headers: { 'retry-after': String(retryAfterSeconds) } })
}

const VerifyAttemptsBase = createError('GW_ERR_VERIFY_ATTEMPTS', 'At most %d verifications of one person per %d s; retry later', 429)

/** The per-subject verification limit: a verify-only client cannot find a person's details by trying values. */
export function verifyAttemptsError (limit: number, windowSeconds: number, retryAfterSeconds: number): Error & WithHeaders {
  return Object.assign(new VerifyAttemptsBase(limit, windowSeconds), { headers: { 'retry-after': String(retryAfterSeconds) } })
}

const OverloadedBase = createError('GW_ERR_OVERLOADED', 'The gateway is overloaded and sheds load; retry after %d s', 503)
const NotReadyBase = createError('GW_ERR_NOT_READY', '%s', 503)

/** The event loop is saturated (plugins/external/under-pressure.ts): refused before any work is done. */
export function overloadedError (retryAfterSeconds: number): Error & WithHeaders {
  return Object.assign(new OverloadedBase(retryAfterSeconds), { headers: { 'retry-after': String(retryAfterSeconds) } })
}

/** The process is draining before exit: requests in flight finish, new ones are sent elsewhere. */
export function shuttingDownError (): Error & WithHeaders {
  return Object.assign(new NotReadyBase('This gateway instance is shutting down; retry the request (another instance will answer it)'), { headers: { 'retry-after': '1' } })
}

/** Problem members beyond RFC 9457's own, e.g. the statuses a dossier may move to (the problem handler adds them). */
export interface WithExtensions {
  extensions: Record<string, unknown>
}

export function conflictError (detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): Error & WithExtensions & WithHeaders {
  return Object.assign(new ConflictBase(detail), { extensions, headers })
}

const ValidationErrorBase = createError('GW_ERR_VALIDATION', '%s', 400)

/** Thrown by handlers for checks a JSON Schema cannot express (e.g. a birth date that contradicts the personal id). */
export function validationError (errors: FieldError[]): Error & { errors: FieldError[] } {
  const summary = errors.map((e) => `${e.in}${e.pointer} ${e.detail}`).join('; ')
  return Object.assign(new ValidationErrorBase(summary), { errors })
}

/**
 * The gateway error an adapter's error is answered as: the one place where a port's failure gets a problem type,
 * a status and headers (Retry-After while a circuit is open). The message and the cause (kept for the logs)
 * stay the adapter's. Anything that is not an adapter error is returned as it is.
 */
export function fromAdapterError (err: unknown): unknown {
  const withCause = (error: Error, from: Error): Error => {
    error.message = from.message
    if (from.cause !== undefined) error.cause = from.cause
    return error
  }
  if (err instanceof adapter.UpstreamUnavailableError) {
    const error = withCause(new UpstreamUnavailableError(err.upstream), err)
    return err.retryAfterSeconds === undefined ? error : Object.assign(error, { headers: { 'retry-after': String(err.retryAfterSeconds) } })
  }
  if (err instanceof adapter.UpstreamTimeoutError) return withCause(new UpstreamTimeoutError(err.upstream, err.timeoutMs), err)
  if (err instanceof adapter.UpstreamFaultError) return withCause(new UpstreamError(err.upstream, err.reason), err)
  if (err instanceof adapter.InvalidInputError) return validationError(err.errors)
  if (err instanceof adapter.UnknownResourceError || err instanceof adapter.NoSuchRecordError) return withCause(new NotFoundError(err.message), err)
  if (err instanceof adapter.StateConflictError) return conflictError(err.message)
  return err
}
