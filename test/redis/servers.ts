import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { freePort } from '../../src/private-redis.js'
import { tempDir, type Teardown } from '../support/teardown.js'

/**
 * Private Redis topologies on loopback for one test: a master watched by a sentinel, or a 3-master Cluster.
 * Every process and file is the test's own, stopped and removed at teardown.
 */

export interface SentinelSetup {
  name: string
  masterPort: number
  sentinelPort: number
  password: string
  sentinelPassword: string
}

export interface ClusterSetup {
  ports: number[]
  password: string
}

/** A redis-server child (any arguments: a node, a sentinel), killed at teardown; resolves once it answers PING. */
async function redisServer (t: Teardown, args: string[], port: number, password: string): Promise<ChildProcess> {
  let output = ''
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output = (output + chunk).slice(-4000) })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output = (output + chunk).slice(-4000) })
  // once() rejects on 'error' (no redis-server): the spawn check below reports that
  const exited = once(child, 'exit').catch(() => {})
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
    child.kill('SIGKILL')
    await exited
  })
  const spawned = await once(child, 'spawn').then(() => true, () => false)
  if (!spawned) throw new Error('These tests need redis-server on PATH (Debian: apt-get install redis-server; macOS: brew install redis)')
  const probe = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) break
      try {
        if (probe.status !== 'ready') await probe.connect()
        await probe.ping()
        return child
      } catch {
        probe.disconnect()
        await sleep(50)
      }
    }
  } finally {
    probe.disconnect()
  }
  throw new Error(`redis-server ${args.join(' ')} did not answer on ${port}: ${output}`)
}

/** A master with a password, and one sentinel (its own password) monitoring it as `name` with quorum 1. */
export async function startSentinel (t: Teardown): Promise<SentinelSetup> {
  const dir = await tempDir(t, 'lgsp-redis-topology-')
  const setup = { name: 'lgsp-test-master', masterPort: await freePort(), sentinelPort: await freePort(), password: 'master-secret', sentinelPassword: 'sentinel-secret' }
  await redisServer(t, ['--port', String(setup.masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--requirepass', setup.password, '--masterauth', setup.password], setup.masterPort, setup.password)
  // a sentinel rewrites its configuration file: it must be a writable file of its own
  const conf = join(dir, 'sentinel.conf')
  await writeFile(conf, [
    `port ${setup.sentinelPort}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `requirepass ${setup.sentinelPassword}`,
    `sentinel monitor ${setup.name} 127.0.0.1 ${setup.masterPort} 1`,
    `sentinel auth-pass ${setup.name} ${setup.password}`,
    `sentinel down-after-milliseconds ${setup.name} 5000`,
    ''
  ].join('\n'))
  await redisServer(t, [conf, '--sentinel'], setup.sentinelPort, setup.sentinelPassword)
  return setup
}

/** Three masters, no replicas, all 16384 slots assigned, `cluster_state:ok` on every node. */
export async function startCluster (t: Teardown): Promise<ClusterSetup> {
  const password = 'cluster-secret'
  const ports: number[] = []
  for (let i = 0; i < 3; i++) {
    const dir = await tempDir(t, 'lgsp-redis-topology-')
    const port = await freePort()
    // the bus port is set apart: port + 10000 (the default) may be past 65535 for an ephemeral port
    await redisServer(t, ['--port', String(port), '--cluster-port', String(await freePort()), '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000',
      '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--requirepass', password, '--masterauth', password], port, password)
    ports.push(port)
  }
  const create = spawn('redis-cli', ['--no-auth-warning', '-a', password, '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas', '0', '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  create.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  create.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const [code] = await once(create, 'exit') as [number | null]
  if (code !== 0) throw new Error(`redis-cli --cluster create failed: ${output}`)

  // every node must agree the cluster is up before a client's slot map is worth anything
  for (const port of ports) {
    const node = new Redis({ host: '127.0.0.1', port, password, maxRetriesPerRequest: 1 })
    try {
      const deadline = Date.now() + 15_000
      while (!/^cluster_state:ok/m.test(await node.cluster('INFO'))) {
        if (Date.now() > deadline) throw new Error(`cluster_state is not ok on ${port}`)
        await sleep(100)
      }
    } finally {
      node.disconnect()
    }
  }
  return { ports, password }
}
