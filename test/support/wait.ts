import { setTimeout as sleep } from 'node:timers/promises'

/** `probe`'s first answer other than undefined, asked every `everyMs`; a failure naming `what` after `timeoutMs`. */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}
