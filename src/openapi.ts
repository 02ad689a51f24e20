import { loadPublishedServices } from '../adapters/published/loader.js'
import { loadDatasets } from '../adapters/sector/loader.js'
import { buildApp } from './app.js'
import { loadConfig } from './config/index.js'
import { publishedEnvKey } from './config/published.js'
import { DEMO_GRANTS_FILE } from './demo-identity.js'
import { schemasDir } from './paths.js'

/**
 * openapi.yaml as the app generates it from schemas/ and the routes. The config is fixed so the document
 * depends on the code alone; nothing is called.
 */
export async function renderOpenApiYaml (): Promise<string> {
  const config = loadConfig({ DEMO: 'true', LOG_LEVEL: 'silent' })
  const restUpstreams = (await loadDatasets(config.sector.datasetsDir, schemasDir)).flatMap(({ source }) => source.kind === 'rest' ? [source.upstream.toLowerCase()] : [])
  // placeholder credentials of every kind: building a client contacts nothing
  const unused = { apiKey: 'openapi-unused', username: 'openapi', password: 'openapi-unused', clientId: 'openapi', clientSecret: 'openapi-unused' }
  const published = (await loadPublishedServices(config.published.servicesDir, schemasDir))
    .map(({ declaration }) => [publishedEnvKey(declaration.service), { urls: ['http://127.0.0.1:9/'], secrets: unused }])
  const app = await buildApp({
    ...config,
    population: { ...config.population, url: 'http://127.0.0.1:9/ws/dancu' },
    procedures: { ...config.procedures, url: 'http://127.0.0.1:9/api', apiKey: 'openapi-unused' },
    // a remote JWKS is fetched on first use only, so nothing is contacted here
    auth: { ...config.auth, issuer: 'openapi', audience: 'openapi', jwksUrl: 'http://127.0.0.1:9/jwks.json', grantsFile: DEMO_GRANTS_FILE },
    sector: { ...config.sector, upstreams: Object.fromEntries(restUpstreams.map((name) => [name, { url: 'http://127.0.0.1:9/api', timeoutMs: 1000 }])) },
    published: { ...config.published, upstreams: Object.fromEntries(published) },
    // an embedded store in memory, thrown away: the document must not touch the demo's data
    store: { driver: 'pglite' }
  })
  try {
    await app.ready()
    return app.swagger({ yaml: true })
  } finally {
    await app.close()
  }
}
