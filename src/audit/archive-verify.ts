import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose'
import { ARCHIVE_FORMAT, ARCHIVE_TYP, ARCHIVE_VERSION, type ArchiveHeader, type ArchiveSeal } from './archive.js'
import { verifyCheckpoint, type ChainHead, type Checkpoint } from './checkpoints.js'
import { chainHash, type AuditRecord } from './record.js'

/**
 * Verifies an archive (archive.ts) offline, line by line, with nothing but the file and optionally the keys one
 * trusts: every record's hash and link from the anchor, seq continuity, every checkpoint's signature and that the
 * record at its seq has the hash signed, the archive ending on a checkpoint, and the archive's own signature.
 * Stops at the first thing that does not verify and names it.
 */

export interface ArchiveFailure {
  /** 1-based line of the file. */
  line: number
  /** The record or checkpoint's seq, when the failure is about one. */
  seq?: number
  reason: string
}

export interface ArchiveVerification {
  ok: boolean
  header?: ArchiveHeader
  records: number
  checkpoints: number
  /** SHA-256 (hex) of the whole file as read. */
  sha256: string
  failure?: ArchiveFailure
}

export interface VerifyArchiveOptions {
  /** When given, every signature must be by one of these keys (same kid, same key). */
  trustedKeys?: readonly JWK[]
}

class Failed extends Error {
  constructor (readonly failure: Omit<ArchiveFailure, 'line'>) {
    super(failure.reason)
  }
}

const fail = (reason: string, seq?: number): never => { throw new Failed(seq === undefined ? { reason } : { seq, reason }) }

function parseHeader (value: unknown): ArchiveHeader {
  const header = (value as { header?: ArchiveHeader } | null)?.header
  if (header === undefined || header.format !== ARCHIVE_FORMAT) fail(`not an ${ARCHIVE_FORMAT} file: its first line is not the header`)
  const { version, anchor, last, keys } = header as ArchiveHeader
  if (version !== ARCHIVE_VERSION) fail(`version ${String(version)} is not one this verifier reads (${ARCHIVE_VERSION})`)
  if (!Number.isSafeInteger(anchor?.seq) || typeof anchor.hash !== 'string' || !Number.isSafeInteger(last?.seq) ||
    typeof last.hash !== 'string' || !Array.isArray(keys)) fail('the header lacks its anchor, last record or keys')
  return header as ArchiveHeader
}

/** The header's keys, each checked against the trusted ones when there are. */
async function usableKeys (header: ArchiveHeader, trusted: readonly JWK[] | undefined): Promise<Map<string, JWK>> {
  const trustedPrints = trusted === undefined
    ? undefined
    : new Set(await Promise.all(trusted.map(async (jwk) => `${jwk.kid ?? ''} ${await calculateJwkThumbprint(jwk)}`)))
  const keys = new Map<string, JWK>()
  for (const jwk of header.keys) {
    if (typeof jwk.kid !== 'string') fail('a key in the header has no kid')
    const kid = jwk.kid as string
    if (trustedPrints !== undefined && !trustedPrints.has(`${kid} ${await calculateJwkThumbprint(jwk)}`)) continue
    keys.set(kid, jwk)
  }
  return keys
}

function keyFor (keys: Map<string, JWK>, kid: string, trusted: boolean, what: string, seq?: number): JWK {
  const jwk = keys.get(kid)
  if (jwk === undefined) fail(`${what} is signed with key ${kid}, which is not among the ${trusted ? 'trusted' : 'archive\'s'} keys`, seq)
  return jwk as JWK
}

export async function verifyArchive (lines: AsyncIterable<string> | Iterable<string>, options: VerifyArchiveOptions = {}): Promise<ArchiveVerification> {
  const whole = createHash('sha256')
  const sealed = createHash('sha256')
  const trusted = options.trustedKeys !== undefined
  let line = 0
  let header: ArchiveHeader | undefined
  let keys = new Map<string, JWK>()
  let head: ChainHead = { seq: 0, hash: '' }
  let records = 0
  let checkpoints = 0
  let lastCheckpointSeq = -1
  let signed = false
  const result = (failure?: ArchiveFailure): ArchiveVerification => ({
    ok: failure === undefined, ...(header === undefined ? {} : { header }), records, checkpoints, sha256: whole.digest('hex'), ...(failure === undefined ? {} : { failure })
  })

  try {
    for await (const text of lines) {
      line++
      whole.update(text + '\n')
      if (signed) {
        if (text.trim() === '') continue
        fail('content after the archive\'s signature')
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        fail('not a JSON line')
      }
      if (header === undefined) {
        header = parseHeader(value)
        keys = await usableKeys(header, options.trustedKeys)
        head = header.anchor
        sealed.update(text + '\n')
        continue
      }
      const { record, checkpoint, signature } = value as { record?: AuditRecord, checkpoint?: Checkpoint, signature?: { sha256: string, jws: string } }
      if (record !== undefined) {
        const seq = record.seq
        if (!Number.isSafeInteger(seq) || seq <= head.seq) fail(`record out of order after seq ${head.seq}`, seq)
        if (seq > header.last.seq) fail(`beyond the archive's last record (${header.last.seq})`, seq)
        if (seq !== head.seq + 1) fail(`record missing (next present is ${seq})`, head.seq + 1)
        if (record.prevHash !== head.hash) fail('does not link to the previous record', seq)
        if (chainHash(seq, record, record.prevHash) !== record.hash) fail('contents changed after it was written', seq)
        // kind is derived from the summary, not hashed: a changed one must not pass
        if (record.kind !== (record.summary == null ? 'call' : 'refusal-summary')) fail('its kind does not match its contents', seq)
        head = { seq, hash: record.hash }
        records++
      } else if (checkpoint !== undefined) {
        const what = `checkpoint of seq ${checkpoint.seq}`
        if (checkpoint.seq !== head.seq) fail(`${what} is out of place (after seq ${head.seq})`, checkpoint.seq)
        try {
          await verifyCheckpoint(checkpoint, [keyFor(keys, checkpoint.keyId, trusted, what, checkpoint.seq)])
        } catch (err) {
          if (err instanceof Failed) throw err
          fail(`${what} signed by ${checkpoint.keyId}: ${(err as Error).message}`, checkpoint.seq)
        }
        if (checkpoint.hash !== head.hash) fail(`the record differs from the ${what} signed by ${checkpoint.keyId}: records up to it were changed and re-hashed`, checkpoint.seq)
        lastCheckpointSeq = checkpoint.seq
        checkpoints++
      } else if (signature !== undefined) {
        await checkSeal(header, head, records, lastCheckpointSeq, sealed.digest('hex'), signature, keys, trusted)
        signed = true
      } else {
        fail('neither a record, a checkpoint nor the signature')
      }
      if (!signed) sealed.update(text + '\n')
    }
    if (header === undefined) fail('empty: no header')
    if (!signed) fail('the archive ends without its signature (cut short?)')
    return result()
  } catch (err) {
    if (!(err instanceof Failed)) throw err
    return result({ line, ...err.failure })
  }
}

async function checkSeal (header: ArchiveHeader, head: ChainHead, records: number, lastCheckpointSeq: number, sha256: string,
  signature: { sha256: string, jws: string }, keys: Map<string, JWK>, trusted: boolean): Promise<void> {
  if (head.seq < header.last.seq) fail(`records ${head.seq + 1}..${header.last.seq} are missing`, head.seq + 1)
  if (head.hash !== header.last.hash || records !== header.records) fail('the last record is not the one the header names', head.seq)
  if (records > 0 && lastCheckpointSeq !== head.seq) fail('the archive does not end on a signed checkpoint', head.seq)
  let kid: string
  try {
    kid = decodeProtectedHeader(signature.jws).kid ?? ''
  } catch {
    return fail('the archive\'s signature is not a JWS')
  }
  const jwk = keyFor(keys, kid, trusted, 'the archive')
  let seal: ArchiveSeal
  try {
    const verified = await compactVerify(signature.jws, await importJWK(jwk, jwk.alg), { algorithms: [jwk.alg ?? ''] })
    if (verified.protectedHeader.typ !== ARCHIVE_TYP) throw new Error('typ')
    seal = JSON.parse(Buffer.from(verified.payload).toString('utf8')) as ArchiveSeal
  } catch {
    return fail(`the archive's signature by ${kid} does not verify`)
  }
  if (seal.sha256 !== sha256 || signature.sha256 !== sha256) fail('the archive was changed after it was signed (its SHA-256 differs from the one signed)')
  if (seal.archiveId !== header.archiveId || seal.records !== records || seal.last?.seq !== head.seq || seal.last.hash !== head.hash) {
    fail('the archive\'s signature is for another archive')
  }
}
