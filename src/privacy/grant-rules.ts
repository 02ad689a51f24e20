import type { ClientGrant } from '../auth/grants.js'
import type { ServiceRegistry } from '../services.js'

/** What a grant may say about its service, checked when it is written (admin API) or loaded (grants file). */

export interface GrantProblem {
  /** JSON pointer inside the grant, e.g. `/rows/match/receivingAgencyCode`. */
  pointer: string
  detail: string
}

export function grantProblems (services: ServiceRegistry, grant: ClientGrant): GrantProblem[] {
  const definition = services.get(grant.service)
  if (definition === undefined) return [{ pointer: '/service', detail: `is not a service of this gateway (${services.names.join(', ')})` }]
  const problems: GrantProblem[] = []
  const filters = definition.filters ?? []
  if (grant.rows?.subject !== undefined && !filters.some((filter) => filter.subject === true)) {
    problems.push({ pointer: '/rows/subject', detail: `${grant.service} has no data-subject filter` })
  }
  for (const name of Object.keys(grant.rows?.match ?? {})) {
    if (!filters.some((filter) => filter.name === name && filter.matchable === true)) {
      const matchable = filters.filter((filter) => filter.matchable === true).map((filter) => filter.name)
      problems.push({ pointer: `/rows/match/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`, detail: `is not an equality filter of ${grant.service} (${matchable.length === 0 ? 'it has none' : matchable.join(', ')})` })
    }
  }
  const paths = definition.fieldPaths
  grant.fields?.forEach((field, i) => {
    if (paths !== undefined && !paths.has(field)) problems.push({ pointer: `/fields/${i}`, detail: `is not a field of a record ${grant.service} answers` })
  })
  const operations = definition.operationIds
  grant.operations?.forEach((operation, i) => {
    if (operations === undefined) problems.push({ pointer: `/operations/${i}`, detail: `${grant.service} is not a published service: its grants cannot name operations` })
    else if (!operations.includes(operation)) problems.push({ pointer: `/operations/${i}`, detail: `is not an operation of ${grant.service} (${operations.join(', ')})` })
  })
  if (grant.mismatchDetail === true && grant.service !== 'citizens.verify') {
    problems.push({ pointer: '/mismatchDetail', detail: 'applies to citizens.verify only' })
  }
  return problems
}
