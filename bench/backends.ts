import { tmpdir } from 'node:os'
import type { Client } from '../src/auth/grants.js'
import { gatewayEnv } from '../test/support/env.js'
import { identityFiles, signTestToken, type IdentityFiles } from '../test/support/identity.js'
import { redisPrefix, redisUrl } from '../test/support/redis.js'
import { storeEnv } from '../test/support/store.js'
import { BENCH_DIGITAL_ADDRESS_KEY, startUpstreamsProcess, type UpstreamsProcess } from './children.js'
import type { Cleanup } from './script.js'

/**
 * What a gateway benchmark stands on: the tests' identity, Redis, store and simulators (test/support/), so a
 * benchmark measures the gateway the tests check, set up the same way; the client it calls as; what the report
 * says of them.
 */

export interface BenchRedis {
  url: string
  /** A key prefix of this run's own (the start of several): keys under it are deleted at cleanup. */
  prefix: string
  description: string
}

/** The given Redis, or a private redis-server; either way a key prefix of the run's own. */
export async function benchRedis (cleanup: Cleanup, givenUrl: string | undefined): Promise<BenchRedis> {
  const url = await redisUrl(cleanup, givenUrl)
  return { url, prefix: await redisPrefix(cleanup, url, 'bench'), description: givenUrl === undefined ? 'private redis-server' : 'BENCH_REDIS_URL' }
}

export interface BenchStore {
  /** DATABASE_URL + DATABASE_SCHEMA, or STORE_DIR. */
  env: Record<string, string>
  description: string
}

/**
 * A store no one else uses, removed at cleanup: a schema `bench_<random>` on `databaseUrl` (PostgreSQL), else an
 * embedded PGlite in a temp dir on disk, as a deployment has it. PGlite is single-process, so every gateway
 * process needs a store of its own.
 */
export async function benchStore (cleanup: Cleanup, databaseUrl: string | undefined): Promise<BenchStore> {
  const env = await storeEnv(cleanup, databaseUrl, { label: 'bench', pgliteParent: tmpdir() })
  return { env, description: databaseUrl === undefined ? `PGlite (embedded) in ${tmpdir()}` : 'PostgreSQL (BENCH_DATABASE_URL)' }
}

/**
 * The one-stop system every gateway benchmark calls as: personal data for purpose TTHC with the one-stop field set,
 * reference data, and the published digital addresses (khcn.dia-chi-so) for TTHC with the demo's field list, the
 * household head's name only (a nested path: the disclosure step walks into chuHo). Its limits are the most a grant may have (16,667 req/s), above what one gateway serves: the
 * limiter counts in Redis but never refuses.
 */
export const BENCH_CLIENT: Client = {
  clientId: 'VN.BENCH.MOTCUA',
  name: 'Benchmark one-stop system',
  status: 'active',
  grants: [
    { service: 'citizens.read', purposes: ['TTHC'], fields: ['fullName', 'dateOfBirth', 'gender', 'permanentAddress', 'currentAddress'], rateLimitPerMinute: 1_000_000 },
    { service: 'procedures.read', rateLimitPerMinute: 1_000_000 },
    {
      service: 'khcn.dia-chi-so',
      purposes: ['TTHC'],
      fields: ['maDiaChi', 'soNha', 'duong', 'thonXom', 'xaPhuong', 'tinhThanh', 'toaDo', 'chuHo.hoTen', 'loaiCongTrinh', 'capNhatLuc'],
      rateLimitPerMinute: 1_000_000
    }
  ]
}

/** The purpose (with a dossier reference) the benchmarks' citizen lookups state in X-Purpose. */
const BENCH_PURPOSE = 'TTHC:000.00.20.H23-230223-0001'

/** What the benchmark client's calls carry: its token with these scopes (valid `ttlSeconds`), the purpose, an official. */
export async function benchCallerHeaders (scopes: string[], ttlSeconds: number): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${await signTestToken({ clientId: BENCH_CLIENT.clientId, scopes, ttlSeconds })}`,
    'x-purpose': BENCH_PURPOSE,
    'x-user-id': 'canbo.motcua.01'
  }
}

/**
 * What every gateway benchmark starts with: JWKS and grants files, Redis, and the upstream simulators in a process
 * (the digital-address registry among them).
 */
export interface BenchBackends {
  identity: IdentityFiles
  redis: BenchRedis
  upstreams: UpstreamsProcess
}

export async function startBenchBackends (cleanup: Cleanup, options: { clients: Client[], ids: number, redisUrl: string | undefined }): Promise<BenchBackends> {
  const identity = await identityFiles(cleanup, options.clients)
  const redis = await benchRedis(cleanup, options.redisUrl)
  const upstreams = await startUpstreamsProcess(cleanup, { ids: options.ids, digitalAddress: true })
  process.stderr.write(`population simulator at ${upstreams.populationUrl}, procedures simulator at ${upstreams.proceduresUrl}, ` +
    `digital-address simulator at ${upstreams.digitalAddressUrl ?? '–'}; Redis: ${redis.description} at ${redis.url}\n`)
  return { identity, redis, upstreams }
}

/**
 * A production-shaped gateway's environment on these backends (add the store's). Rate limits are far above the
 * load so they are counted, not hit; sector datasets and sync queues are configured though a benchmark may not
 * use them; every Redis key is under the run's prefix. The published digital addresses go to their simulator;
 * the civil-status register (tuphap.ho-tich), which no benchmark calls, keeps the tests' unreachable URL and dummy
 * secrets (test/support/env.ts), enough for the gateway to boot.
 */
export function benchGatewayEnv ({ identity, redis, upstreams }: BenchBackends): Record<string, string> {
  return {
    ...gatewayEnv({ upstreams, identity, redis }),
    ...(upstreams.digitalAddressUrl === undefined
      ? {}
      : { PUBLISHED_KHCN_DIA_CHI_SO_URL: upstreams.digitalAddressUrl, PUBLISHED_KHCN_DIA_CHI_SO_API_KEY: BENCH_DIGITAL_ADDRESS_KEY }),
    // warnings and errors (an audit record not committed, Redis away) still show; nothing per request
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...JSON.parse(process.env.BENCH_EXTRA_ENV ?? '{}')
  }
}
