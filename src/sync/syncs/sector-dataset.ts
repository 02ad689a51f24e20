import { InvalidInputError } from '../../../adapters/shared/errors.js'
import { datasetKey, type DatasetDeclaration, type Page, type SectorPort, type SectorRecord } from '../../../adapters/sector/port.js'
import type { SyncDefinition } from '../definition.js'

/**
 * sector-<sector>-<dataset>: a declared dataset copied whole into the shared store each run (sector databases
 * offer no change feed). Within a run the port's cursor is the checkpoint; after a completed run it goes back to
 * the start. Records arrive already checked against the declared recordSchema by the port.
 */

function isCursorRefusal (err: unknown): boolean {
  return err instanceof InvalidInputError && err.errors.some((error) => error.pointer === '/cursor')
}

export function sectorSyncName (declaration: DatasetDeclaration): string {
  return `sector-${declaration.sector}-${declaration.dataset}`
}

export function sectorDatasetSync (sector: SectorPort, declaration: DatasetDeclaration, options: { batchSize: number }): SyncDefinition<SectorRecord> {
  const key = datasetKey(declaration)
  return {
    name: sectorSyncName(declaration),
    title: `${declaration.title} → shared store`,
    source: `sector dataset ${key}`,
    destination: 'shared_sector_records',
    restartAfterCompletion: true,
    async read (position, context) {
      const list = async (cursor: string | null): Promise<Page<SectorRecord>> =>
        await sector.listRecords(declaration, { limit: options.batchSize, ...(cursor === null ? {} : { cursor }) }, { requestId: `sync-${context.runId}` })
      let page: Page<SectorRecord>
      try {
        page = await list(position)
      } catch (err) {
        // a cursor signed with another secret (gateways reconfigured, demo restarted): copy again from the start,
        // which the idempotent upsert makes harmless
        if (position === null || !isCursorRefusal(err)) throw err
        page = await list(null)
      }
      return {
        records: page.items.map((record) => ({ key: String(record[declaration.idField]), record })),
        position: page.nextCursor ?? null,
        more: page.nextCursor !== undefined
      }
    },
    async write (tx, records) {
      const rows = records.map(({ key: id, record }) => ({ record_id: id, record }))
      const [result] = await tx.query<{ written: number }>(
        `WITH written AS (
           INSERT INTO shared_sector_records (dataset, record_id, record)
           SELECT $1, record_id, record FROM jsonb_to_recordset($2::jsonb) AS r(record_id text, record jsonb)
           ON CONFLICT (dataset, record_id) DO UPDATE SET record = EXCLUDED.record, synced_at = now()
           WHERE shared_sector_records.record IS DISTINCT FROM EXCLUDED.record
           RETURNING 1)
         SELECT count(*)::integer AS written FROM written`, [key, JSON.stringify(rows)])
      return result?.written ?? 0
    }
  }
}
