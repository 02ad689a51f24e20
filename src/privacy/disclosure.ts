import type { FastifyRequest } from 'fastify'
import type { ClientGrant } from '../auth/grants.js'
import { FilterNotGrantedError, SubjectRequiredError, UpstreamError } from '../errors.js'
import { cursorSeal } from './sealed-cursors.js'
import type { ServiceDefinition, ServiceFilter, ServiceRegistry } from '../services.js'

/**
 * The one step every answer passes through (STYLE 12): the grant's row conditions, its fields and the data
 * subjects recorded for the audit happen together, so a handler cannot do one and forget the other. The audit
 * hook refuses a personal-data answer that did not pass here (plugins/app/audit.ts).
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** Personal ids whose data this call touched; the audit records them. */
    dataSubjects: string[] | null
    /** Set once the answer went through the disclosure step. */
    disclosed: boolean
  }
}

const PERSONAL_ID = /^[0-9]{12}$/

type Query = Readonly<Record<string, unknown>>

export interface Disclosure {
  /**
   * The filters a list call may use under the caller's grant: those on disclosed fields, the data subject's when
   * the grant allows it, plus the filters the grant fixes (`rows.match`). Refuses (403) anything else, and a list
   * without its subject when the grant requires one. Returns the query to send upstream.
   */
  listQuery<Q extends object> (request: FastifyRequest, given: Q): Q
  /** Whether one record is within the grant's rows (a single read outside them answers 404, like a missing one). */
  reachable (request: FastifyRequest, record: object): boolean
  /** The records reduced to the grant's fields, their data subjects recorded; `asked` are subjects the caller named. */
  records<T extends object> (request: FastifyRequest, records: readonly T[], asked?: Iterable<unknown>): Array<Partial<T>>
  /** An answer that is not a record (e.g. a verification), recorded with the subjects it concerns. */
  answer<T> (request: FastifyRequest, answer: T, subjects: Iterable<unknown>): T
  /** An upstream's page cursor as the caller may see it: sealed, bound to the caller (privacy/sealed-cursors.ts). */
  sealCursor (request: FastifyRequest, upstreamCursor: string): string
  /** The upstream's cursor inside a sealed one; 400 at `cursor` when it is not one sealed for this caller. */
  openCursor (request: FastifyRequest, token: string): string
}

function serviceOf (request: FastifyRequest): string {
  const service = request.routeOptions.config.service
  if (service === undefined) throw new Error(`route ${request.routeOptions.url ?? ''} discloses without a service`)
  return service
}

function recordSubjects (request: FastifyRequest, ids: Iterable<unknown>): void {
  request.dataSubjects ??= []
  for (const id of ids) if (typeof id === 'string' && PERSONAL_ID.test(id)) request.dataSubjects.push(id)
}

function valueOf (filter: ServiceFilter, record: object): unknown {
  return filter.valueOf === undefined ? (record as Record<string, unknown>)[filter.field] : filter.valueOf(record)
}

export function createDisclosure (services: ServiceRegistry, options: { cursorSecret?: string } = {}): Disclosure {
  const cursors = cursorSeal(options.cursorSecret)
  function fixedFilters (definition: ServiceDefinition | undefined, grant: ClientGrant | undefined): Array<[ServiceFilter, string]> {
    return Object.entries(grant?.rows?.match ?? {}).map(([name, value]) => {
      const filter = definition?.filters?.find((candidate) => candidate.name === name && candidate.matchable === true)
      // grants are checked against the services when written; one that slipped through must not widen access
      if (filter === undefined) throw new Error(`grant of ${grant?.service ?? ''} fixes ${name}, which is no matchable filter`)
      return [filter, value]
    })
  }

  function reachable (request: FastifyRequest, record: object): boolean {
    const definition = services.get(serviceOf(request))
    return fixedFilters(definition, request.caller?.grant).every(([filter, value]) => String(valueOf(filter, record)) === value)
  }

  return {
    listQuery (request, asked) {
      const given = asked as Query
      const service = serviceOf(request)
      const definition = services.get(service)
      const grant = request.caller?.grant
      const filters = definition?.filters ?? []
      const subjectFilter = filters.find((filter) => filter.subject === true)
      if (grant?.rows?.subject === 'required' && (subjectFilter === undefined || given[subjectFilter.name] === undefined)) {
        throw new SubjectRequiredError(service, subjectFilter === undefined ? 'a data subject' : `\`${subjectFilter.name}\``)
      }
      const query: Record<string, unknown> = { ...given }
      for (const filter of filters) {
        if (given[filter.name] === undefined) continue
        if (services.discloses(service, grant?.fields, filter.field)) continue
        if (filter.subject === true && grant?.rows?.subject !== undefined) continue
        throw new FilterNotGrantedError(`Filter \`${filter.name}\` reads \`${filter.field}\`, which your grant of ${service} does not disclose`)
      }
      for (const [filter, value] of fixedFilters(definition, grant)) {
        const requested = given[filter.name]
        if (requested !== undefined && String(requested) !== value) {
          throw new FilterNotGrantedError(`Filter \`${filter.name}\` is fixed by your grant of ${service}`)
        }
        query[filter.name] = value
      }
      return query as typeof asked
    },

    reachable,

    records (request, records, asked = []) {
      const service = serviceOf(request)
      const definition = services.get(service)
      // the upstream was asked for the grant's rows only; an answer beyond them is the upstream's fault, not a disclosure
      const stray = records.find((record) => !reachable(request, record))
      if (stray !== undefined) throw new UpstreamError(service, 'a record outside the rows asked for')
      recordSubjects(request, [...asked, ...records.flatMap((record) => definition?.subjectsOf?.(record) ?? [])])
      request.disclosed = true
      return records.map((record) => services.filterFields(record, request.caller?.grant?.fields, service))
    },

    answer (request, answer, subjects) {
      recordSubjects(request, subjects)
      request.disclosed = true
      return answer
    },

    sealCursor: (request, upstreamCursor) => cursors.seal(upstreamCursor, request.caller?.clientId ?? ''),
    openCursor: (request, token) => cursors.open(token, request.caller?.clientId ?? '')
  }
}
