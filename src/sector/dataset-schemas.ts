import { datasetKey, hasPersonalData, serviceName, type DatasetDeclaration } from '../../adapters/sector/port.js'
import type { ServiceDefinition } from '../services.js'

/**
 * What a dataset declaration becomes in the API: its record and page schemas (OpenAPI components), and its
 * service. The declaration is the single source for a dataset, as schemas/ is for the API's own types.
 */

const pascal = (code: string): string => code.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('')

/** `land/parcels` → `SectorLandParcels`. */
export function recordSchemaId (declaration: DatasetDeclaration): string {
  return `Sector${pascal(declaration.sector)}${pascal(declaration.dataset)}`
}

export function pageSchemaId (declaration: DatasetDeclaration): string {
  return `${recordSchemaId(declaration)}Page`
}

export function datasetSchemas (declaration: DatasetDeclaration): Array<{ $id: string, [keyword: string]: unknown }> {
  const { required: _required, ...record } = declaration.recordSchema
  const id = recordSchemaId(declaration)
  return [
    {
      ...record,
      $id: id,
      title: declaration.title,
      description: `${declaration.description ?? declaration.title} Limited to the fields the caller is granted; \`${declaration.idField}\` is always present.`,
      // a granted field list may drop any other field, so only the id is sure to be there
      required: [declaration.idField]
    },
    {
      $id: pageSchemaId(declaration),
      type: 'object',
      description: `Records of ${datasetKey(declaration)} ordered by \`${declaration.idField}\`; pass \`nextCursor\` as \`cursor\` for the next page.`,
      additionalProperties: false,
      required: ['items'],
      properties: {
        items: { type: 'array', items: { $ref: `${id}#` } },
        nextCursor: { type: 'string' }
      }
    }
  ]
}

/** The grantable service of each dataset, keyed by its name `sector.<sector>.<dataset>.read`. */
export function datasetServices (datasets: readonly DatasetDeclaration[]): Record<string, ServiceDefinition> {
  return Object.fromEntries(datasets.map((declaration) => [serviceName(declaration), {
    title: declaration.title,
    personalData: hasPersonalData(declaration),
    schema: recordSchemaId(declaration),
    keyFields: [declaration.idField],
    about: {
      kind: 'dataset',
      version: '1.0.0',
      ...(declaration.description === undefined ? {} : { description: declaration.description }),
      owner: { name: `Cơ sở dữ liệu chuyên ngành: ${declaration.sector}` },
      legalBasis: [{ document: '194/2025/NĐ-CP', title: 'Kết nối, chia sẻ dữ liệu' }],
      classification: hasPersonalData(declaration) ? 'restricted' : 'internal',
      lifecycle: { status: 'active' }
    },
    filters: declaration.filters.map((filter) => ({
      name: filter.name,
      field: filter.field,
      ...(filter.field === declaration.personalData.subjectIdField && filter.operator === 'eq' ? { subject: true } : {}),
      ...(filter.operator === 'eq' ? { matchable: true } : {})
    })),
    ...(declaration.personalData.subjectIdField === undefined
      ? {}
      : { subjectsOf: (record: object) => [(record as Record<string, unknown>)[declaration.personalData.subjectIdField as string]] })
  }]))
}
