import type { NationalPortalPort } from '../../adapters/national-portal/port.js'
import type { PopulationPort } from '../../adapters/population/port.js'
import type { ProceduresPort } from '../../adapters/procedures/port.js'
import type { SectorPort } from '../../adapters/sector/port.js'
import type { Db } from '../store/db.js'
import type { AnySyncDefinition } from './definition.js'
import { dossierStatusSync } from './syncs/dossier-status.js'
import { populationChangesSync } from './syncs/population-changes.js'
import { sectorDatasetSync } from './syncs/sector-dataset.js'

export interface SyncSources {
  db: Db
  population: PopulationPort
  procedures: ProceduresPort
  sector: SectorPort
  /** Without a configured national portal there is no dossier-status sync. */
  portal?: NationalPortalPort
  batchSize: number
}

/** Every sync of this deployment: population changes, dossier status (with a portal), one per declared dataset. */
export function syncDefinitions (sources: SyncSources): AnySyncDefinition[] {
  const { batchSize } = sources
  return [
    populationChangesSync(sources.population, { batchSize }),
    ...(sources.portal === undefined ? [] : [dossierStatusSync(sources.procedures, sources.portal, sources.db, { batchSize: Math.min(batchSize, 1000) })]),
    ...sources.sector.datasets.map((declaration) => sectorDatasetSync(sources.sector, declaration, { batchSize: Math.min(batchSize, 1000) }))
  ]
}
