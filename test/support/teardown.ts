import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Where a support function registers what undoes it: a tap test (`t`), or a benchmark's cleanup stack
 * (bench/shared.ts). Steps run last registered first, once the test (or the benchmark) ends.
 */
export interface Teardown {
  /** `name` says what the step does, for a benchmark's report of a step that failed (tap has no use for it). */
  teardown (fn: () => unknown, name?: string): void
}

/** A temp dir of its own, removed at teardown. */
export async function tempDir (t: Teardown, prefix = 'lgsp-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }), `remove ${dir}`)
  return dir
}

/** These files (name → content) in a temp dir of their own; answers name → path. */
export async function tempFiles (t: Teardown, files: Record<string, string>): Promise<Record<string, string>> {
  const dir = await tempDir(t)
  const paths: Record<string, string> = {}
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name)
    await writeFile(paths[name], content)
  }
  return paths
}
