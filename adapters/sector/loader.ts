import { readdir, readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv'
import { mainError, pointerSegment, schemaErrorText, strictAjv } from '../shared/ajv.js'
import { DeclarationError } from '../shared/declaration-error.js'
import {
  columnOf, datasetKey, FIELD_NAME, RESERVED_PARAMETERS, SQL_COLUMN,
  type DatasetDeclaration, type FieldSchema, type FilterDeclaration, type RestSource, type SqlSource
} from './declaration.js'

/**
 * Adding a dataset is a file, not code: `loadDatasets(dir, schemasDir)` reads every `*.json` declaration in a
 * folder, checks it against SectorDataset.json of the schemas folder and the rules a schema cannot state (every
 * name points at a field of the record, operators suit the field's type…), and refuses the first bad file with
 * an error naming the file and the field. Both folders are the caller's to give (the gateway's configuration).
 */

export class DatasetDeclarationError extends DeclarationError {
  override name = 'DatasetDeclarationError'
}

function declarationValidator (schemasDir: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(schemasDir, 'SectorDataset.json'), 'utf8')) as object
  return strictAjv().compile(schema)
}

function schemaError (file: string, error: ErrorObject): DatasetDeclarationError {
  const { field, detail } = schemaErrorText(error, 'a declaration')
  return new DatasetDeclarationError(file, field, detail)
}

const NUMERIC: ReadonlySet<string> = new Set(['integer', 'number'])

/** Checks one parsed declaration against SectorDataset.json in `schemasDir`; `file` names it in errors. */
export function parseDeclaration (data: unknown, file: string, schemasDir: string): DatasetDeclaration {
  return checkDeclaration(data, file, declarationValidator(schemasDir))
}

function checkDeclaration (data: unknown, file: string, validate: ValidateFunction): DatasetDeclaration {
  if (!validate(data)) {
    const source = (data as { source?: { kind?: unknown } } | null)?.source
    if (typeof source === 'object' && source !== null && source.kind !== 'sql' && source.kind !== 'rest') {
      return fail(file, '/source/kind', 'must be "sql" or "rest"')
    }
    const error = mainError(validate.errors ?? [])
    throw error === undefined ? new DatasetDeclarationError(file, '', 'is not a dataset declaration') : schemaError(file, error)
  }
  const declaration = data as DatasetDeclaration
  const ajv = strictAjv()
  checkRecordSchema(declaration, file, ajv)
  checkFilters(declaration, file, ajv)
  checkPersonalData(declaration, file)
  if (declaration.source.kind === 'sql') checkSqlSource(declaration, declaration.source, file)
  else checkRestSource(declaration, declaration.source, file)
  return declaration
}

function fail (file: string, field: string, detail: string): never {
  throw new DatasetDeclarationError(file, field, detail)
}

function fieldOf (declaration: DatasetDeclaration, name: string, file: string, at: string): FieldSchema {
  const field = declaration.recordSchema.properties[name]
  if (field === undefined || !Object.hasOwn(declaration.recordSchema.properties, name)) fail(file, at, `names ${JSON.stringify(name)}, which is not a field of recordSchema`)
  return field
}

function checkRecordSchema (declaration: DatasetDeclaration, file: string, ajv: Ajv): void {
  const { properties, required = [] } = declaration.recordSchema
  for (const [name, field] of Object.entries(properties)) {
    const at = `/recordSchema/properties/${pointerSegment(name)}`
    if (!FIELD_NAME.test(name)) fail(file, at, 'is not a camelCase field name (^[a-z][A-Za-z0-9]*$)')
    if (field.pattern !== undefined) {
      try {
        void new RegExp(field.pattern, 'u')
      } catch {
        fail(file, `${at}/pattern`, 'is not a valid regular expression')
      }
    }
    for (const [i, value] of (field.enum ?? []).entries()) {
      const fits = field.type === 'integer' ? Number.isInteger(value) : field.type === typeof value
      if (!fits) fail(file, `${at}/enum/${i}`, `is not a value of type ${field.type}`)
    }
  }
  required.forEach((name, i) => { fieldOf(declaration, name, file, `/recordSchema/required/${i}`) })
  try {
    ajv.compile(declaration.recordSchema)
  } catch (err) {
    fail(file, '/recordSchema', `is not a usable JSON Schema: ${(err as Error).message}`)
  }
  const id = fieldOf(declaration, declaration.idField, file, '/idField')
  if (id.type !== 'string' && id.type !== 'integer') fail(file, '/idField', 'must name a string or integer field')
  if (!required.includes(declaration.idField)) fail(file, '/idField', 'must name a field listed in recordSchema.required')
}

/** Whether a filter's value type suits its operator and the field it compares. */
function filterFits (filter: FilterDeclaration, field: FieldSchema): string | undefined {
  const value = filter.schema
  const temporal = field.type === 'string' && (field.format === 'date' || field.format === 'date-time')
  switch (filter.operator) {
    case 'prefix':
      return field.type === 'string' && value.type === 'string' && !temporal ? undefined : 'prefix compares text: the field and the value must be strings (not dates)'
    case 'gte':
    case 'lte':
      if (NUMERIC.has(field.type)) return NUMERIC.has(value.type) ? undefined : `${filter.operator} on a numeric field takes an integer or number`
      if (temporal) return value.type === 'string' && value.format === field.format ? undefined : `${filter.operator} on a ${field.format ?? ''} field takes a string of format ${field.format ?? ''}`
      return `${filter.operator} needs a numeric or date field`
    case 'eq':
      if (field.type === 'boolean') return 'boolean fields cannot be filtered'
      if (field.type === 'number') return NUMERIC.has(value.type) ? undefined : 'eq on a number field takes a number'
      return value.type === field.type ? undefined : `eq on a ${field.type} field takes a ${field.type}`
  }
}

function checkFilters (declaration: DatasetDeclaration, file: string, ajv: Ajv): void {
  const names = new Set<string>()
  declaration.filters.forEach((filter, i) => {
    const at = `/filters/${i}`
    if (RESERVED_PARAMETERS.has(filter.name)) fail(file, `${at}/name`, `${filter.name} is a parameter of every list`)
    if (names.has(filter.name)) fail(file, `${at}/name`, `${filter.name} is declared twice`)
    names.add(filter.name)
    const field = fieldOf(declaration, filter.field, file, `${at}/field`)
    const misfit = filterFits(filter, field)
    if (misfit !== undefined) fail(file, at, misfit)
    try {
      ajv.compile(filter.schema)
    } catch (err) {
      fail(file, `${at}/schema`, `is not a usable JSON Schema: ${(err as Error).message}`)
    }
  })
}

function checkPersonalData (declaration: DatasetDeclaration, file: string): void {
  const { fields, subjectIdField } = declaration.personalData
  fields.forEach((name, i) => { fieldOf(declaration, name, file, `/personalData/fields/${i}`) })
  if (subjectIdField !== undefined && !fields.includes(subjectIdField)) {
    fail(file, '/personalData/subjectIdField', 'must be one of personalData.fields')
  }
  if (declaration.cacheable && fields.length > 0) fail(file, '/cacheable', 'a dataset with personal data is never cached')
  if (declaration.cacheable && declaration.ttlSeconds === undefined) fail(file, '/ttlSeconds', 'is required when cacheable is true')
  if (!declaration.cacheable && declaration.ttlSeconds !== undefined) fail(file, '/ttlSeconds', 'only applies when cacheable is true')
}

function checkSqlSource (declaration: DatasetDeclaration, source: SqlSource, file: string): void {
  for (const field of Object.keys(source.columns ?? {})) fieldOf(declaration, field, file, `/source/columns/${pointerSegment(field)}`)
  for (const field of Object.keys(declaration.recordSchema.properties)) {
    const column = columnOf(source, field)
    if (!SQL_COLUMN.test(column)) fail(file, `/recordSchema/properties/${field}`, `maps to ${column}, not a valid column name: name the column in source.columns`)
  }
}

function checkRestSource (declaration: DatasetDeclaration, source: RestSource, file: string): void {
  const properties = declaration.recordSchema.properties
  for (const [name, mapping] of Object.entries(source.fields)) {
    const at = `/source/fields/${pointerSegment(name)}`
    const field = fieldOf(declaration, name, file, at)
    if (typeof mapping === 'string') continue
    if (mapping.format === 'yyyyMMdd' && !(field.type === 'string' && field.format === 'date')) fail(file, `${at}/format`, 'yyyyMMdd maps to a string field of format date')
    for (const [from, value] of Object.entries(mapping.values ?? {})) {
      const fits = field.type === 'integer' ? Number.isInteger(value) : field.type === typeof value
      if (!fits) fail(file, `${at}/values/${pointerSegment(from)}`, `is not a value of type ${field.type}`)
    }
  }
  for (const name of Object.keys(properties)) {
    if (!Object.hasOwn(source.fields, name)) fail(file, '/source/fields', `does not say where field ${name} comes from`)
  }
  const params = source.params ?? {}
  for (const name of Object.keys(params)) {
    if (!declaration.filters.some((filter) => filter.name === name)) fail(file, `/source/params/${pointerSegment(name)}`, 'is not a declared filter')
  }
  declaration.filters.forEach((filter, i) => {
    if (!Object.hasOwn(params, filter.name)) fail(file, `/filters/${i}`, `has no upstream parameter in source.params.${filter.name}`)
  })
  if ((source.cursorKey === undefined) !== (source.cursorParam === undefined)) {
    fail(file, source.cursorKey === undefined ? '/source/cursorKey' : '/source/cursorParam', 'cursorKey and cursorParam go together')
  }
}

/** Reads and checks every `*.json` declaration in `dir` (sorted by file name); refuses a dataset declared twice. */
export async function loadDatasets (dir: string, schemasDir: string): Promise<DatasetDeclaration[]> {
  const validate = declarationValidator(schemasDir)
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort()
  const declarations: DatasetDeclaration[] = []
  const seen = new Map<string, string>()
  for (const name of names) {
    const file = join(dir, name)
    let data: unknown
    try {
      data = JSON.parse(await readFile(file, 'utf8'))
    } catch (err) {
      throw new DatasetDeclarationError(file, '', `is not valid JSON: ${(err as Error).message}`)
    }
    const declaration = checkDeclaration(data, file, validate)
    const key = datasetKey(declaration)
    const earlier = seen.get(key)
    if (earlier !== undefined) throw new DatasetDeclarationError(file, '/dataset', `${key} is already declared in ${earlier}`)
    seen.set(key, file)
    declarations.push(declaration)
  }
  return declarations
}
