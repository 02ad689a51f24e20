const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request (see `errors` for each failing field)',
  401: 'Missing, invalid or expired bearer token',
  403: 'The client is not granted this service or purpose (types forbidden, purpose-required, purpose-not-granted)',
  409: 'Conflict with the current state (illegal status change, stale expectedSequence, Idempotency-Key reused for another request or still in progress)',
  429: 'Rate limit exceeded; Retry-After says when to try again',
  404: 'Not found',
  410: 'The service was retired by its owner (type service-retired)',
  413: 'Request body too large',
  415: 'Unsupported media type',
  502: 'The upstream system answered with an error',
  503: 'The upstream system (or rate limiting, for personal data) is unavailable',
  504: 'The upstream system did not answer in time'
}

/** Route response declarations for the problems a route can answer with (problem+json, plugins/app/problem-details.ts). */
export function problemResponses (...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: STATUS_TEXT[status] ?? 'Problem',
    content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } }
  }]))
}
