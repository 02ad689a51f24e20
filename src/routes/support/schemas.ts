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
    'x-user-id': { type: 'string', description: 'The official acting inside the calling system (recorded in audit).', maxLength: 64 }
  },
  required: ['x-purpose']
}

export const LIMIT = { type: 'integer', minimum: 1, maximum: 100, default: 20 }
export const CURSOR = { type: 'string', minLength: 1, maxLength: 512, description: 'The `nextCursor` of the previous page' }
