import type { ValidateFunction } from 'ajv'
import { strictAjv } from '../../adapters/shared/ajv.js'
import { readSchemas } from '../schemas/read.js'

/**
 * Checks records against the API's own schemas (schemas/) before a sync writes them: what the shared store
 * holds is what the API would answer. Answers the first failure as a reason for the dead-letter table.
 */
export function schemaCheck<R> (schemaId: string): (record: R) => string | undefined {
  // the same formats (standard and personal-id) as the sector adapter; schemas/ carries annotations, so not strict
  const ajv = strictAjv({ allErrors: false, strict: false })
  for (const schema of readSchemas()) ajv.addSchema(schema)
  const validate = ajv.getSchema(schemaId) as ValidateFunction | undefined
  if (validate === undefined) throw new Error(`no schema ${schemaId}`)
  return (record) => validate(record) ? undefined : `does not match ${schemaId}: ${ajv.errorsText(validate.errors, { dataVar: 'record' })}`
}
