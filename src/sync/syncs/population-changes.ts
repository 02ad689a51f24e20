import type { Citizen, CitizenChange, PopulationPort } from '../../../adapters/population/port.js'
import type { SyncDefinition } from '../definition.js'
import { schemaCheck } from '../record-checks.js'

/**
 * population-changes: the population database's change feed → the shared store's citizens. The feed's own
 * cursor is the checkpoint, so each run reads only what changed since the last one. A citizen changed twice
 * keeps the newer change, whichever order the rows arrive in (`source_seq`).
 */
export function populationChangesSync (population: PopulationPort, options: { batchSize: number }): SyncDefinition<CitizenChange> {
  const checkCitizen = schemaCheck<Citizen>('Citizen')
  return {
    name: 'population-changes',
    title: 'Citizens changed in the national population database → shared store',
    source: 'population database change feed',
    destination: 'shared_citizens',
    async read (position, context) {
      const page = await population.readChanges(position ?? undefined, options.batchSize, { requestId: `sync-${context.runId}`, ...(context.signal === undefined ? {} : { signal: context.signal }) })
      const first = page.items[0]?.seq
      return {
        records: page.items.map((item) => 'invalid' in item
          ? { key: String(item.seq), invalid: item.invalid }
          : { key: String(item.seq), record: item }),
        position: page.checkpoint,
        more: page.nextCursor !== undefined,
        ...(page.total === undefined || first === undefined ? {} : { remaining: page.total - first + 1 })
      }
    },
    check: (change) => checkCitizen(change.citizen),
    async write (tx, records) {
      // one row per citizen per statement (ON CONFLICT cannot touch a row twice): the newest change wins
      const newest = new Map<string, CitizenChange>()
      for (const { record } of records) {
        const known = newest.get(record.citizen.personalId)
        if (known === undefined || known.seq < record.seq) newest.set(record.citizen.personalId, record)
      }
      const rows = [...newest.values()].map((change) => ({
        personal_id: change.citizen.personalId,
        full_name: change.citizen.fullName,
        date_of_birth: change.citizen.dateOfBirth,
        gender: change.citizen.gender,
        record: change.citizen,
        source_seq: change.seq,
        changed_at: change.changedAt
      }))
      const [result] = await tx.query<{ written: number }>(
        `WITH written AS (
           INSERT INTO shared_citizens (personal_id, full_name, date_of_birth, gender, record, source_seq, changed_at)
           SELECT personal_id, full_name, date_of_birth, gender, record, source_seq, changed_at
           FROM jsonb_to_recordset($1::jsonb) AS r(personal_id text, full_name text, date_of_birth date, gender text, record jsonb, source_seq bigint, changed_at timestamptz)
           ON CONFLICT (personal_id) DO UPDATE SET full_name = EXCLUDED.full_name, date_of_birth = EXCLUDED.date_of_birth,
             gender = EXCLUDED.gender, record = EXCLUDED.record, source_seq = EXCLUDED.source_seq, changed_at = EXCLUDED.changed_at, synced_at = now()
           WHERE shared_citizens.source_seq < EXCLUDED.source_seq
           RETURNING 1)
         SELECT count(*)::integer AS written FROM written`, [JSON.stringify(rows)])
      return result?.written ?? 0
    }
  }
}
