import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { readSchemas } from '../plugins/app/schemas.js'
import { isPersonalId } from '../domain/personal-id.js'

/**
 * Checks records against the API's own schemas (schemas/) before a sync writes them: what the shared store
 * holds is what the API would answer. Answers the first failure as a reason for the dead-letter table.
 */
export function schemaCheck<R> (schemaId: string): (record: R) => string | undefined {
  const ajv = new Ajv({ allErrors: false, strict: false })
  addFormats.default(ajv)
  ajv.addFormat('personal-id', { type: 'string', validate: isPersonalId })
  for (const schema of readSchemas()) ajv.addSchema(schema)
  const validate = ajv.getSchema(schemaId) as ValidateFunction | undefined
  if (validate === undefined) throw new Error(`no schema ${schemaId}`)
  return (record) => validate(record) ? undefined : `does not match ${schemaId}: ${ajv.errorsText(validate.errors, { dataVar: 'record' })}`
}
