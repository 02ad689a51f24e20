import { spawn } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * A private redis-server on a free loopback port, for demo mode and for tests when no Redis is given.
 * No npm package ships Redis: this needs `redis-server` on PATH and answers undefined when there is none.
 */

export interface PrivateRedis {
  url: string
  stop (): Promise<void>
}

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

async function answers (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

export async function startPrivateRedis (): Promise<PrivateRedis | undefined> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false))
    child.once('spawn', () => resolve(true))
  })
  if (!spawned) return undefined
  for (let attempt = 0; attempt < 100 && child.exitCode === null; attempt++) {
    if (await answers(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop () {
          if (child.exitCode !== null) return
          child.kill('SIGTERM')
          await new Promise((resolve) => child.once('exit', resolve))
        }
      }
    }
    await sleep(50)
  }
  child.kill('SIGKILL')
  return undefined
}
