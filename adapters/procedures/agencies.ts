import type { Commune } from '../shared/admin-units.js'
import { HOME_PROVINCE } from '../shared/demo-units.js'
import type { Field } from './catalogue.js'
import type { Agency, Procedure } from './port.js'
import type { DossierStatus } from './statuses.js'

/**
 * Where dossiers are received and who works on them in the simulated province: the provincial public
 * administration service centre for provincial procedures, one centre per commune for commune procedures
 * (the 2025 model). Codes have the electronic agency-code shape (`000.00.20.H23`); they are synthetic.
 */

export const PROVINCIAL_CENTRE: Agency = { code: '000.00.20.H23', name: 'Trung tâm Phục vụ hành chính công tỉnh Phú Thọ' }

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)

export const COMMUNE_CENTRES: readonly Agency[] = HOME_PROVINCE.communes.map((commune, i) => ({
  code: `000.${String(i + 1).padStart(2, '0')}.31.H23`,
  name: `Trung tâm Phục vụ hành chính công ${lowerFirst(commune.name)}`
}))

/** The office that examines a dossier of this procedure received in this commune (or at the province). */
export function specialistUnit (procedure: Procedure, field: Field, commune: Commune): string {
  if (procedure.level === 'commune') return `${field.unit} ${lowerFirst(commune.name)}`
  return procedure.agency.startsWith(field.unit) ? procedure.agency : `${field.unit} - ${procedure.agency}`
}

/**
 * Who holds the dossier in a status: the reception desk before it is passed on and once the result (or the
 * file, when withdrawn) is back for the applicant; the specialist office in between.
 */
export function handlingUnitFor (status: DossierStatus, receivingAgency: Agency, specialist: string): string {
  return status === 'received' || status === 'returned' || status === 'withdrawn' ? receivingAgency.name : specialist
}
