import { portalItems } from '../../../adapters/national-portal/items.js'
import { ERROR_CODES } from '../../../adapters/national-portal/protocol.js'
import type { DossierStatusPush, NationalPortalPort, PortalMappings, PushResult } from '../../../adapters/national-portal/port.js'
import type { Applicant, DossierChange, ProceduresPort } from '../../../adapters/procedures/port.js'
import { isFinalStatus } from '../../../adapters/procedures/statuses.js'
import type { Db } from '../../store/db.js'
import type { SyncDefinition } from '../definition.js'
import { loadPortalMappings } from '../portal-mappings.js'

/**
 * dossier-status: status changes of the one-stop system's dossiers → the national public-service portal.
 * The one-stop change feed's cursor is the checkpoint. The portal keys a change by (dossier code, status
 * sequence), so a batch pushed again after a crash is recorded once; the push log in the store is keyed the
 * same way. A change the mapping tables cannot translate, or the portal refuses as data, is a dead letter.
 */

/** The portal's "invalid data" refusal: permanent for these items, unlike an outage. */
const refusesData = (err: unknown): boolean => (err as { portalErrorCode?: number }).portalErrorCode === ERROR_CODES.invalidData

const key = (change: { dossierCode: string, sequence: number }): string => `${change.dossierCode}#${change.sequence}`

export function dossierStatusSync (procedures: ProceduresPort, portal: NationalPortalPort, db: Db, options: { batchSize: number }): SyncDefinition<DossierStatusPush> {
  // per page: the tables in force and the portal's answers, read by check() and write() of the same page
  let mappings: PortalMappings | undefined
  const results = new Map<string, PushResult>()

  // the feed carries no applicant: each dossier of the page is read once, a few at a time
  async function applicants (changes: DossierChange[], requestId: string): Promise<Map<string, Applicant | undefined>> {
    const codes = [...new Set(changes.map((change) => change.dossierCode))]
    const found = new Map<string, Applicant | undefined>()
    const reader = async (): Promise<void> => {
      for (let code = codes.pop(); code !== undefined; code = codes.pop()) found.set(code, (await procedures.getDossier(code, { requestId }))?.applicant)
    }
    await Promise.all(Array.from({ length: 8 }, reader))
    return found
  }

  return {
    name: 'dossier-status',
    title: 'Dossier status changes of the one-stop system → national public-service portal',
    source: 'one-stop system change feed',
    destination: 'national public-service portal',
    // check() and write() use the tables and answers of the page in hand: no page read ahead
    sequential: true,
    async read (position, context) {
      mappings = await loadPortalMappings(db)
      const requestId = `sync-${context.runId}`
      const page = await procedures.dossierChanges({ limit: options.batchSize, ...(position === null ? {} : { since: position }) }, { requestId })
      const people = await applicants(page.changes, requestId)
      return {
        records: page.changes.map((change) => {
          const applicant = people.get(change.dossierCode)
          const id = key({ dossierCode: change.dossierCode, sequence: change.dossierSequence })
          if (applicant === undefined) return { key: id, invalid: { reason: `dossier ${change.dossierCode} is no longer in the one-stop system`, raw: change } }
          return {
            key: id,
            record: {
              dossierCode: change.dossierCode,
              procedureCode: change.procedureCode,
              applicant,
              receivedAt: change.receivedAt,
              dueAt: change.dueAt,
              ...(isFinalStatus(change.status) ? { finishedAt: change.at } : {}),
              status: change.status,
              sequence: change.dossierSequence,
              // the feed names the official by id only; the handling unit is the department
              official: { name: change.officialId ?? 'Bộ phận một cửa', title: 'Cán bộ xử lý hồ sơ', department: change.handlingUnit },
              ...(change.note === undefined ? {} : { note: change.note }),
              changedAt: change.at
            }
          }
        }),
        position: page.nextCursor,
        more: page.hasMore
      }
    },
    check (push) {
      try {
        portalItems(push, mappings as PortalMappings)
        return undefined
      } catch (err) {
        return (err as Error).message
      }
    },
    async deliver (records, context) {
      results.clear()
      const pushContext = { requestId: `sync-${context.runId}`, mappings: mappings as PortalMappings }
      try {
        for (const answer of await portal.pushDossierStatuses(records.map(({ record }) => record), pushContext)) results.set(key(answer), answer)
        return []
      } catch (err) {
        if (!refusesData(err)) throw err
      }
      // the portal refuses a whole call for one bad item: push one by one to find it, and dead-letter only that one
      const refused: Array<{ key: string, reason: string }> = []
      for (const { key: id, record } of records) {
        try {
          results.set(id, await portal.pushDossierStatus(record, pushContext))
        } catch (err) {
          if (!refusesData(err)) throw err
          refused.push({ key: id, reason: (err as Error).message })
        }
      }
      return refused
    },
    async write (tx, records) {
      const rows = records.flatMap(({ key: id, record }) => {
        const answer = results.get(id)
        return answer === undefined
          ? []
          : [{ dossier_code: record.dossierCode, dossier_sequence: record.sequence, status: record.status, national_status: answer.nationalStatus, outcome: answer.outcome, mapping_versions: answer.mappingVersions }]
      })
      const [result] = await tx.query<{ written: number }>(
        `WITH written AS (
           INSERT INTO portal_status_pushes (dossier_code, dossier_sequence, status, national_status, outcome, mapping_versions)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(dossier_code text, dossier_sequence integer, status text, national_status text, outcome text, mapping_versions jsonb)
           ON CONFLICT (dossier_code, dossier_sequence) DO NOTHING
           RETURNING 1)
         SELECT count(*)::integer AS written FROM written`, [JSON.stringify(rows)])
      return result?.written ?? 0
    }
  }
}
