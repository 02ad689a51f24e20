import { randomBytes } from 'node:crypto'
import { CIVIL_STATUS_SERVICE, startCivilStatusSimulator, type CivilStatusSimulator } from '../adapters/civil-status/simulator.js'
import { DIGITAL_ADDRESS_SERVICE, startDigitalAddressSimulator, type DigitalAddressSimulator } from '../adapters/digital-address/simulator.js'
import { startNationalPortalSimulator, type NationalPortalSimulator } from '../adapters/national-portal/simulator.js'
import { startPopulationSimulator, type PopulationSimulator } from '../adapters/population/simulator.js'
import { startProceduresSimulator, type ProceduresSimulator } from '../adapters/procedures/simulator.js'
import { sectorSeedData, seedSectorTables } from '../adapters/sector/seed.js'
import { startSectorRestSimulator, type SectorRestSimulator } from '../adapters/sector/simulator.js'
import type { Queryable } from './store/db.js'
import { publishedEnvKey } from './config/published.js'
import type { Config } from './config/index.js'
import { DEMO_AUDIENCE, DEMO_GRANTS_FILE, DEMO_ISSUER, DEMO_JWKS_FILE, demoGatewayKeyFile, signDemoToken } from './demo-identity.js'
import { startPrivateRedis, type PrivateRedis } from './private-redis.js'
import { describeRedis, type RedisTarget } from './redis/target.js'

/** Demo mode: simulators and a private Redis on loopback, the demo identity provider, and a banner to start from. */

export interface Demo {
  config: Config
  population: PopulationSimulator
  procedures: ProceduresSimulator
  /** The health department's facility register (REST dataset health/facilities). */
  health: SectorRestSimulator
  /** The national public-service portal the dossier-status sync pushes to. */
  portal: NationalPortalSimulator
  civilStatus: CivilStatusSimulator
  digitalAddress: DigitalAddressSimulator
  redis?: PrivateRedis
  /** A ready token for VN.H23.MOTCUA. */
  token: string
  /** A citizen who holds land parcels, for the banner's example. */
  landOwner: string
  /** Fills the land and enterprise tables the SQL datasets read (kept between runs; seeding again adds nothing). */
  seed (db: Queryable): Promise<void>
  close (): Promise<void>
}

export async function startDemo (config: Config): Promise<Demo> {
  // Fresh credentials each start: the simulator checks the adapter's per-request signature for real.
  const credentials = { username: 'lgsp-demo', secret: randomBytes(24).toString('base64url') }
  const population = await startPopulationSimulator({ credentials, host: '127.0.0.1', port: 0 })
  const proceduresKey = randomBytes(24).toString('base64url')
  // the same synthetic people apply for procedures, so a citizen looked up also has dossiers
  const procedures = await startProceduresSimulator({ apiKey: proceduresKey, population: population.population, host: '127.0.0.1', port: 0 })
  const healthKey = randomBytes(24).toString('base64url')
  const health = await startSectorRestSimulator({ apiKey: healthKey, host: '127.0.0.1', port: 0 })
  const portalCredentials = { username: 'lgsp-demo', password: randomBytes(24).toString('base64url') }
  const portal = await startNationalPortalSimulator({ credentials: portalCredentials, host: '127.0.0.1', port: 0 })
  // the published example services (services/): the civil-status register (OAuth 2.0) and the digital addresses (API key)
  const civilStatusCredentials = { clientId: 'lgsp-demo', clientSecret: randomBytes(24).toString('base64url') }
  const civilStatus = await startCivilStatusSimulator({ credentials: civilStatusCredentials, population: population.population, host: '127.0.0.1', port: 0 })
  const addressKey = randomBytes(24).toString('base64url')
  const digitalAddress = await startDigitalAddressSimulator({ apiKey: addressKey, population: population.population, host: '127.0.0.1', port: 0 })
  const redis = config.redis.target === undefined ? await startPrivateRedis() : undefined
  // also makes the demo key and JWKS on first start, before the gateway reads them
  const token = await signDemoToken('VN.H23.MOTCUA', { ttlSeconds: 12 * 3600 })
  // a Redis configured (any topology) is used as it is; else the private redis-server, one node
  const target: RedisTarget | undefined = config.redis.target ?? (redis === undefined ? undefined : { topology: 'single', url: redis.url })
  return {
    config: {
      ...config,
      population: { ...config.population, url: population.url, ...credentials },
      procedures: { ...config.procedures, url: procedures.url, apiKey: proceduresKey },
      auth: { ...config.auth, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, jwksFile: DEMO_JWKS_FILE, grantsFile: DEMO_GRANTS_FILE },
      signing: { ...config.signing, keyFile: config.signing.keyFile ?? await demoGatewayKeyFile() },
      redis: target === undefined ? {} : { target },
      sector: { ...config.sector, upstreams: { ...config.sector.upstreams, health: { url: health.url, apiKey: healthKey, timeoutMs: 5000 } } },
      syncs: { ...config.syncs, portal: { ...config.syncs.portal, url: portal.url, ...portalCredentials } },
      published: {
        ...config.published,
        upstreams: {
          ...config.published.upstreams,
          [publishedEnvKey(CIVIL_STATUS_SERVICE)]: { urls: [civilStatus.url], secrets: { ...civilStatusCredentials, tokenUrl: civilStatus.tokenUrl } },
          [publishedEnvKey(DIGITAL_ADDRESS_SERVICE)]: { urls: [digitalAddress.url], secrets: { apiKey: addressKey } }
        }
      }
    },
    population,
    procedures,
    health,
    portal,
    civilStatus,
    digitalAddress,
    landOwner: sectorSeedData().landParcels[0]?.ownerPersonalId ?? '',
    ...(redis === undefined ? {} : { redis }),
    token,
    async seed (db) {
      await seedSectorTables(db)
    },
    async close () {
      await population.close()
      await procedures.close()
      await health.close()
      await portal.close()
      await civilStatus.close()
      await digitalAddress.close()
      await redis?.stop()
    }
  }
}

export function demoBanner (gatewayUrl: string, demo: Demo): string {
  const ids = [0, 1, 2].map((index) => demo.population.population.citizenAt(index))
  const [first] = ids
  const target = demo.config.redis.target
  const redisLine = target === undefined
    ? '  Redis          none found (install redis-server, or set REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): rate limits are per process'
    : `  Redis          ${describeRedis(target)}${demo.redis === undefined ? '' : ' (private redis-server)'}`
  return [
    '',
    'LGSP gateway — demo mode (simulated upstreams on loopback, demo identity provider)',
    `  API            ${gatewayUrl}/api/v1`,
    `  Swagger UI     ${gatewayUrl}/docs   (Authorize → paste the token below)`,
    `  OpenAPI        ${gatewayUrl}/openapi.json`,
    `  Readiness      ${gatewayUrl}/readyz`,
    `  Population DB  ${demo.population.url} (SOAP simulator, ${demo.population.population.size} citizens)`,
    `  One-stop TTHC  ${demo.procedures.url} (JSON simulator, ${demo.procedures.data.procedures.length} procedures, ${demo.procedures.data.dossiers.length} dossiers)`,
    `  Sector data    land/parcels, enterprise/registrations (tables in the demo store); health/facilities ${demo.health.url} (REST simulator)`,
    `  DVC portal     ${demo.portal.url} (national public-service portal simulator; the dossier-status sync pushes here)`,
    `  Published      tuphap.ho-tich ${demo.civilStatus.url} (civil-status register, OAuth 2.0); khcn.dia-chi-so ${demo.digitalAddress.url} (digital addresses, API key)`,
    redisLine,
    target === undefined ? '  Syncs          disabled (no Redis)' : '  Syncs          worker running in this process; admin API /admin/v1/syncs, dashboard /admin/queues',
    '',
    'Demo citizens:',
    ...ids.map((c) => `  ${c.personalId}  ${c.fullName}, born ${c.dateOfBirth}`),
    '',
    'Token for VN.H23.MOTCUA (12 h; others: npm run -s token -- --client VN.H23.YTE):',
    `  TOKEN=${demo.token}`,
    '',
    'Try:',
    `  curl ${gatewayUrl}/api/v1/citizens/${first?.personalId ?? ''} -H "Authorization: Bearer $TOKEN" -H "X-Purpose: TTHC"`,
    `  curl ${gatewayUrl}/api/v1/services -H "Authorization: Bearer $TOKEN"`,
    `  curl "${gatewayUrl}/api/v1/sectors/land/parcels?ownerPersonalId=${demo.landOwner}" -H "Authorization: Bearer $TOKEN" -H "X-Purpose: TTHC"`,
    `  curl "${gatewayUrl}/api/v1/sectors/enterprise/registrations?limit=5" -H "Authorization: Bearer $TOKEN" -H "X-Purpose: TTHC"`,
    `  curl "${gatewayUrl}/api/v1/procedures?q=ho%20tich" -H "Authorization: Bearer $TOKEN"`,
    `  curl ${gatewayUrl}/api/v1/catalogue -H "Authorization: Bearer $TOKEN"`,
    `  curl ${gatewayUrl}/api/v1/services/tuphap.ho-tich/khai-sinh/${demo.civilStatus.examples.birth} -H "Authorization: Bearer $TOKEN" -H "X-Purpose: TTHC"`,
    `  curl ${gatewayUrl}/api/v1/services/khcn.dia-chi-so/dia-chi/${demo.digitalAddress.examples.address} -H "Authorization: Bearer $TOKEN" -H "X-Purpose: TTHC"`,
    `  curl -X POST ${gatewayUrl}/api/v1/citizens/verify -H "Authorization: Bearer $TOKEN" -H "X-Purpose: TTHC" -H 'content-type: application/json' \\`,
    `       -d '${JSON.stringify({ personalId: first?.personalId, fullName: first?.fullName, dateOfBirth: first?.dateOfBirth })}'`,
    ''
  ].join('\n')
}
