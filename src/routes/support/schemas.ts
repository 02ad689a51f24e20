/** Schema fragments every protected route repeats. */

export const SECURITY = [{ bearerAuth: [] }]

/** Headers of a personal-data call (the purpose is enforced by the auth plugin; declared here for the docs). */
export const personalDataHeaders = {
  type: 'object',
  properties: {
    'x-purpose': {
      type: 'string',
      description: 'Purpose of use from your grant, optionally with a reference: `TTHC` or `TTHC:000.00.20.H23-230223-0001`.',
      maxLength: 161
    },
    'x-user-id': {
      type: 'string',
      description: 'The official acting inside the calling system, recorded in the audit and passed to the upstream: ' +
        '1–64 Unicode letters (accents included), digits and `. @ _ -`, sent once, as UTF-8 (e.g. `cán.bộ@xã`), ' +
        'recorded in Unicode NFC. Anything else — a space, a comma, two X-User-Id headers, bytes that are not UTF-8 — ' +
        'is a 400 `validation` problem naming this header. Required by no route, but never dropped when sent.',
      // the header's bytes: 64 characters of up to 4 UTF-8 bytes each
      minLength: 1,
      maxLength: 256
    }
  },
  required: ['x-purpose']
}

export const LIMIT = { type: 'integer', minimum: 1, maximum: 100, default: 20 }
export const CURSOR = { type: 'string', minLength: 1, maxLength: 512, description: 'The `nextCursor` of the previous page' }

/** The Idempotency-Key header of a write that must not apply twice. */
export const IDEMPOTENCY_KEY = {
  type: 'string',
  pattern: '^[A-Za-z0-9._:-]{8,128}$',
  maxLength: 128,
  description: 'Unique per intended change: a repeat with the same key and body replays the first answer; the same key with another body is a 409.'
}
