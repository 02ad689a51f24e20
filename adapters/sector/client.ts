import type { ValidateFunction } from 'ajv'
import { InvalidInputError, UnknownResourceError, UpstreamFaultError } from '../shared/errors.js'
import { strictAjv } from '../shared/ajv.js'
import { cursors as makeCursors, filtersDigest } from './cursor.js'
import { datasetKey, type DatasetDeclaration, type SectorRecord } from './declaration.js'
import { filterChecker, satisfies, type FilterChecker } from './filters.js'
import { MAX_PAGE, type DatasetRef, type ListQuery, type Page, type SectorPort } from './port.js'
import { restDatasetSource, restUpstream, type RestUpstream, type RestUpstreamOptions } from './rest-source.js'
import { sqlDatasetSource, type SqlDatabase } from './sql-source.js'
import type { DatasetSource } from './source.js'

/**
 * The sector port over every declared dataset: checks what callers send (dataset, filters, limit, cursor) and
 * what sources answer (every record against its declared recordSchema, every REST record against the filters
 * asked), and leaves reading to the dataset's source — a table or view through a SqlDatabase (the gateway's store has its shape), or a REST
 * upstream through undici.
 */

export interface SectorClientOptions {
  datasets: readonly DatasetDeclaration[]
  /** Databases by the name declarations give in `source.database` (`default` when they give none). Not closed by the port. */
  databases?: Readonly<Record<string, SqlDatabase>>
  /** REST upstreams by the name declarations give in `source.upstream`. Their pools are closed by the port. */
  upstreams?: Readonly<Record<string, RestUpstreamOptions>>
  /** Signs page cursors; share it between gateways behind one load balancer. Random per port otherwise. */
  cursorSecret?: string
  /** Deadline of one SQL statement (UpstreamTimeoutError past it); none by default. */
  statementTimeoutMs?: number
}

interface Served {
  declaration: DatasetDeclaration
  key: string
  source: DatasetSource
  filters: FilterChecker
  /** The id as the source compares it, or undefined when the id field's schema refuses it. */
  id (given: string | number): string | number | undefined
  record (raw: Record<string, unknown>): SectorRecord
  /** REST answers are checked against the filters asked; SQL ones are the database's own evaluation of them. */
  recheckFilters: boolean
}

function checkLimit (limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidInputError([{ in: 'query', pointer: '/limit', detail: `must be an integer from 1 to ${MAX_PAGE}` }])
  }
}

export function createSectorClient (options: SectorClientOptions): SectorPort {
  if (options.cursorSecret !== undefined && options.cursorSecret.length < 16) throw new RangeError('cursorSecret must be at least 16 characters')
  const cursors = makeCursors(options.cursorSecret)
  const ajv = strictAjv({ allErrors: false })
  const upstreams = new Map<string, RestUpstream>()
  const served = new Map<string, Served>()

  function upstreamFor (name: string, dataset: string): RestUpstream {
    let upstream = upstreams.get(name)
    if (upstream === undefined) {
      const config = options.upstreams?.[name]
      if (config === undefined || !Object.hasOwn(options.upstreams ?? {}, name)) throw new Error(`dataset ${dataset} reads REST upstream "${name}", which is not configured`)
      upstream = restUpstream(name, config)
      upstreams.set(name, upstream)
    }
    return upstream
  }

  function serve (declaration: DatasetDeclaration): Served {
    const key = datasetKey(declaration)
    let source: DatasetSource
    if (declaration.source.kind === 'sql') {
      const name = declaration.source.database ?? 'default'
      const db = Object.hasOwn(options.databases ?? {}, name) ? options.databases?.[name] : undefined
      if (db === undefined) throw new Error(`dataset ${key} reads database "${name}", which is not configured`)
      source = sqlDatasetSource(declaration, declaration.source, db, options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs })
    } else {
      source = restDatasetSource(declaration, declaration.source, upstreamFor(declaration.source.upstream, key))
    }

    const idSchema = declaration.recordSchema.properties[declaration.idField]
    const validateId = ajv.compile(idSchema ?? {})
    const validateRecord: ValidateFunction = ajv.compile(declaration.recordSchema)
    return {
      declaration,
      key,
      source,
      filters: filterChecker(declaration),
      recheckFilters: declaration.source.kind === 'rest',
      id (given) {
        let id: string | number = given
        if (idSchema?.type === 'integer' && typeof given === 'string') {
          if (!/^-?[0-9]{1,15}$/.test(given)) return undefined
          id = Number(given)
        }
        if (idSchema?.type === 'string') id = String(given).normalize('NFC')
        // as for integer filters: a number no column holds is an id no record has
        if (typeof id === 'number' && (idSchema?.type === 'integer' ? !Number.isSafeInteger(id) : !Number.isFinite(id))) return undefined
        if (typeof id === 'string' && id.includes('\u0000')) return undefined // PostgreSQL text cannot hold NUL
        return validateId(id) ? id : undefined
      },
      record (raw) {
        if (!validateRecord(raw)) {
          const id = raw[declaration.idField]
          const detail = ajv.errorsText(validateRecord.errors, { dataVar: 'record' })
          throw new UpstreamFaultError(source.upstream, `record ${typeof id === 'string' || typeof id === 'number' ? id : '(no id)'} of ${key} does not match its declared schema: ${detail}`)
        }
        return raw as SectorRecord
      }
    }
  }

  try {
    for (const declaration of options.datasets) {
      const key = datasetKey(declaration)
      if (served.has(key)) throw new Error(`dataset ${key} is declared twice`)
      served.set(key, serve(declaration))
    }
  } catch (err) {
    for (const upstream of upstreams.values()) void upstream.close()
    throw err
  }

  function resolve (dataset: DatasetRef): Served {
    const key = typeof dataset === 'string' ? dataset : datasetKey(dataset)
    const found = served.get(key)
    if (found === undefined) throw new UnknownResourceError(`No dataset ${key}`)
    return found
  }

  return {
    datasets: [...served.values()].map((entry) => entry.declaration),

    dataset (key) {
      return served.get(key)?.declaration
    },

    async getRecord (dataset, id, context) {
      const entry = resolve(dataset)
      const wanted = entry.id(id)
      if (wanted === undefined) return undefined // cannot exist: not worth a query
      const raw = await entry.source.get(wanted, context)
      if (raw === undefined) return undefined
      const record = entry.record(raw)
      if (record[entry.declaration.idField] !== wanted) {
        throw new UpstreamFaultError(entry.source.upstream, `asked for ${String(wanted)}, answered ${String(record[entry.declaration.idField])}`)
      }
      return record
    },

    async listRecords (dataset, query: ListQuery, context): Promise<Page<SectorRecord>> {
      const entry = resolve(dataset)
      checkLimit(query.limit)
      const filters = entry.filters.check(query.filters)
      const digest = filtersDigest(filters)
      const after = query.cursor === undefined ? undefined : cursors.read(query.cursor, entry.key, digest)
      const page = await entry.source.list(filters, after, query.limit, context)
      const items = page.records.map((raw) => entry.record(raw))
      if (entry.recheckFilters) {
        for (const item of items) {
          const missed = filters.find((filter) => !satisfies(item, filter))
          if (missed !== undefined) {
            throw new UpstreamFaultError(entry.source.upstream, `record ${String(item[entry.declaration.idField])} does not match the filter ${missed.name} it was asked for`)
          }
        }
      }
      return page.next === undefined ? { items } : { items, nextCursor: cursors.issue(entry.key, digest, page.next) }
    },

    resilience: () => [...upstreams.values()].map((upstream) => upstream.resilience()),

    async checkHealth () {
      const sqlChecks = [...served.values()].filter((entry) => entry.declaration.source.kind === 'sql').map(async (entry) => { await entry.source.check() })
      const restChecks = [...upstreams.values()].map(async (upstream) => { await upstream.check() })
      await Promise.all([...sqlChecks, ...restChecks])
    },

    async close () {
      await Promise.all([...upstreams.values()].map(async (upstream) => { await upstream.close() }))
    }
  }
}
