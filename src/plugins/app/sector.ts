import fp from 'fastify-plugin'
import { createSectorClient } from '../../../adapters/sector/client.js'
import { loadDatasets } from '../../../adapters/sector/loader.js'
import type { DatasetDeclaration, SectorPort } from '../../../adapters/sector/port.js'
import type { RestUpstreamOptions } from '../../../adapters/sector/rest-source.js'
import type { SectorConfig } from '../../config/sector.js'
import { openDb, type Db } from '../../store/db.js'
import { datasetSchemas } from '../../sector/dataset-schemas.js'
import { schemasDir } from '../../paths.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The declared sector datasets, through their sources (SQL tables/views or REST upstreams). */
    sector: SectorPort
  }
}

function restUpstreams (datasets: readonly DatasetDeclaration[], config: SectorConfig): Record<string, RestUpstreamOptions> {
  const upstreams: Record<string, RestUpstreamOptions> = {}
  for (const { source, sector, dataset } of datasets) {
    if (source.kind !== 'rest') continue
    const options = config.upstreams[source.upstream.toLowerCase()]
    if (options === undefined) {
      throw new Error(`dataset ${sector}/${dataset} reads REST upstream "${source.upstream}": set SECTOR_UPSTREAM_${source.upstream.toUpperCase()}_URL`)
    }
    upstreams[source.upstream] = options
  }
  return upstreams
}

/** Loads every declaration, serves it through one port, and registers each dataset's record and page schemas. */
export default fp<{ config: SectorConfig }>(async function sector (app, { config }) {
  const datasets = await loadDatasets(config.datasetsDir, schemasDir)
  const upstreams = restUpstreams(datasets, config)
  // SQL datasets read a sector database of their own when configured, else tables next to the gateway's store
  const own: Db | undefined = config.database === undefined ? undefined : await openDb(config.database)
  const port = createSectorClient({
    datasets,
    databases: { default: own ?? app.store },
    upstreams,
    statementTimeoutMs: config.statementTimeoutMs,
    ...(config.cursorSecret === undefined ? {} : { cursorSecret: config.cursorSecret })
  })
  app.decorate('sector', port)
  for (const declaration of datasets) for (const schema of datasetSchemas(declaration)) app.addSchema(schema)
  app.addHook('onClose', async () => {
    await port.close()
    await own?.close()
  })
}, { name: 'sector', dependencies: ['store', 'schemas'] })
