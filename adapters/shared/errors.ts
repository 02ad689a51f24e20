import type { FieldError } from '../../domain/field-error.js'

/**
 * What a port can fail with, in the adapters' own words: which upstream, what went wrong. No HTTP status, no
 * problem type, no response header: the gateway translates these in one place (fromAdapterError in the
 * gateway's errors module), a sync reads them as they are. Every class has a stable `code`, for logs and for
 * callers that match on it.
 */

export type { FieldError }

/** The upstream cannot be reached: refused or reset connection, a 503 answer, a store gone, or its circuit open. */
export class UpstreamUnavailableError extends Error {
  override name = 'UpstreamUnavailableError'
  readonly code = 'UPSTREAM_UNAVAILABLE'
  readonly upstream: string
  /** Set when the gateway itself stopped calling the upstream for a while (circuit open). */
  readonly circuitOpen: boolean
  /** With an open circuit: the seconds until a probe call is let through. */
  readonly retryAfterSeconds?: number

  constructor (upstream: string, options: { cause?: unknown, retryAfterSeconds?: number } = {}) {
    const open = options.retryAfterSeconds !== undefined
    super(open
      ? `The ${upstream} is failing; the gateway stopped calling it for now (circuit open). Retry after ${options.retryAfterSeconds} s`
      : `The ${upstream} cannot be reached`, options.cause === undefined ? undefined : { cause: options.cause })
    this.upstream = upstream
    this.circuitOpen = open
    if (open) this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** The upstream did not answer within the call's deadline. */
export class UpstreamTimeoutError extends Error {
  override name = 'UpstreamTimeoutError'
  readonly code = 'UPSTREAM_TIMEOUT'
  readonly upstream: string
  readonly timeoutMs: number

  constructor (upstream: string, timeoutMs: number, options: { cause?: unknown } = {}) {
    super(`The ${upstream} did not answer within ${timeoutMs} ms`, options.cause === undefined ? undefined : { cause: options.cause })
    this.upstream = upstream
    this.timeoutMs = timeoutMs
  }
}

/** The upstream answered, but with an error or with something that is not what its contract promises. */
export class UpstreamFaultError extends Error {
  override name = 'UpstreamFaultError'
  readonly code = 'UPSTREAM_FAULT'
  readonly upstream: string
  /** What was wrong with the answer, without the "The … answered with an error" frame. */
  readonly reason: string

  constructor (upstream: string, reason: string, options: { cause?: unknown } = {}) {
    super(`The ${upstream} answered with an error: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.upstream = upstream
    this.reason = reason
  }
}

/** The caller's input is refused before (or instead of) asking the upstream: a bad cursor, a limit out of range. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError'
  readonly code = 'INVALID_INPUT'
  readonly errors: FieldError[]

  constructor (errors: FieldError[]) {
    super(errors.map((e) => `${e.in}${e.pointer} ${e.detail}`).join('; '))
    this.errors = errors
  }
}

/** The thing asked for is not one the adapter serves (e.g. an undeclared dataset): not "the upstream has no such record". */
export class UnknownResourceError extends Error {
  override name = 'UnknownResourceError'
  readonly code = 'UNKNOWN_RESOURCE'
}

/** The upstream says the record asked for does not exist (a published provider's 404). */
export class NoSuchRecordError extends Error {
  override name = 'NoSuchRecordError'
  readonly code = 'NO_SUCH_RECORD'
}

/** A change the upstream refuses because of the current state of what it would change (a workflow rule, a stale version). */
export class StateConflictError extends Error {
  override name = 'StateConflictError'
  readonly code = 'STATE_CONFLICT'
}
