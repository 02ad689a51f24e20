import { createReadStream, createWriteStream } from 'node:fs'
import { access, readFile, rename, rm } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { JWK } from 'jose'
import type { GatewayKey } from '../signing/gateway-key.js'
import type { Db } from '../store/db.js'
import { archiveLines, planArchive, recordVerifiedArchive, type ArchiveHeader } from './archive.js'
import { verifyArchive, type ArchiveVerification, type VerifyArchiveOptions } from './archive-verify.js'

/** Archives as files: written, read back and verified, and only then recorded as archived (retention trusts that). */

export class ArchiveFileError extends Error {
  override name = 'ArchiveFileError'
}

/** The lines of a file, read as a stream. */
export function fileLines (file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
}

export async function verifyArchiveFile (file: string, options: VerifyArchiveOptions = {}): Promise<ArchiveVerification> {
  return await verifyArchive(fileLines(file), options)
}

/** The keys of a JWKS file ({keys: [...]}), as `--keys` gives them. */
export async function readJwks (file: string): Promise<JWK[]> {
  let jwks: unknown
  try {
    jwks = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new ArchiveFileError(`cannot read the keys ${file}: ${(err as Error).message}`)
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) throw new ArchiveFileError(`${file} is not a JWKS: no "keys" array`)
  return keys as JWK[]
}

export interface WrittenArchive {
  header: ArchiveHeader
  verification: ArchiveVerification
}

/**
 * Writes the archive of [from, to) to `file` (never over an existing one), verifies the written file offline, and
 * records it in audit_archives as verified. A file that does not verify is removed and nothing is recorded.
 */
export async function writeArchiveFile (db: Db, key: GatewayKey, period: { from: string, to: string }, file: string): Promise<WrittenArchive> {
  if (await access(file).then(() => true, () => false)) throw new ArchiveFileError(`${file} exists already: archives are never overwritten`)
  const plan = await planArchive(db, key, period)
  const partial = `${file}.partial`
  try {
    await pipeline(Readable.from(archiveLines(db, key, plan)), createWriteStream(partial, { flags: 'wx' }))
    const verification = await verifyArchiveFile(partial)
    if (!verification.ok || verification.header?.archiveId !== plan.header.archiveId) {
      const failure = verification.failure
      throw new ArchiveFileError(`the written archive does not verify: line ${failure?.line ?? '?'}${failure?.seq === undefined ? '' : `, seq ${failure.seq}`}: ${failure?.reason ?? 'another archive'}`)
    }
    await rename(partial, file)
    await recordVerifiedArchive(db, plan.header, verification.sha256)
    return { header: plan.header, verification }
  } finally {
    await rm(partial, { force: true })
  }
}
