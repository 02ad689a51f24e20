import { realpathSync } from 'node:fs'
import { copyFile, lstat, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import YAML from 'yaml'
import { loadPublishedServices } from '../adapters/published/loader.js'
import { ProviderDocumentError } from '../adapters/published/provider-openapi.js'
import { DEFAULT_SERVICES_DIR, schemasDir } from '../src/paths.js'
import { CLASSIFICATIONS, ImportError, importService, reviewText, type Classification } from '../src/published/import.js'

/**
 * Onboarding an agency's API: import its OpenAPI document, review, commit.
 *   npm run service:import -- --openapi provider.yaml [--service tuphap.ho-tich] [--owner-code H25.18 --owner-name "…"]
 * Writes <out>/<service>/service.json and a copy of the document, checked by the gateway's loader in a staging
 * folder first, so a refused import leaves nothing behind; prints what to review. The logic is src/published/import.ts.
 */
export const USAGE = `Usage: npm run -s service:import -- --openapi FILE [--service ID] [--owner-code CODE] [--owner-name NAME]
         [--classification LEVEL] [--out DIR] [--force]

Writes a starting declaration of an agency's API published through the gateway: <out>/<service>/service.json and a
copy of the provider's OpenAPI document, checked by the gateway's loader; then lists what to review before committing.
  --openapi FILE          the provider's OpenAPI 3.0/3.1 document, a .json, .yaml or .yml file (required)
  --service ID            service id, e.g. tuphap.ho-tich (default: from info.title when it gives one)
  --owner-code CODE       owner agency code, e.g. H25.18 (default: the placeholder CHUA.XAC.DINH)
  --owner-name NAME       owner agency name, e.g. "Sở Tư pháp tỉnh Phú Thọ" (default: a placeholder)
  --classification LEVEL  public, internal, restricted or confidential (default restricted)
  --out DIR               the folder of published services (default services/ of the gateway)
  --force                 replace <out>/<service>/ if it exists
  -h, --help              this text
`

export interface Output { write (text: string): unknown }

/** An error in words, one line on stderr: exit 1, nothing written. */
class Refusal extends Error {}

const exists = async (path: string): Promise<boolean> => await lstat(path).then(() => true, () => false)

function options (argv: string[]): ReturnType<typeof parse> {
  try {
    return parse(argv)
  } catch (err) {
    // parseArgs' messages are one line ("Unknown option '--x'…"); its stack helps no one calling a script
    throw new Refusal(`${(err as Error).message} (--help for the usage)`)
  }
}

function parse (argv: string[]): { values: { openapi?: string | undefined, service?: string | undefined, 'owner-code'?: string | undefined, 'owner-name'?: string | undefined, classification?: string | undefined, out?: string | undefined, force: boolean, help: boolean } } {
  return parseArgs({
    args: argv,
    options: {
      openapi: { type: 'string' },
      service: { type: 'string' },
      'owner-code': { type: 'string' },
      'owner-name': { type: 'string' },
      classification: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
}

/** The provider's document: its file name beside service.json (kept unless the declaration could not name it so), and its content. */
async function readDocument (file: string): Promise<{ name: string, parsed: unknown }> {
  const extension = /\.(json|ya?ml)$/i.exec(file)?.[1]?.toLowerCase()
  if (extension === undefined) throw new Refusal(`--openapi ${file}: must be a .json, .yaml or .yml file`)
  const text = await readFile(file, 'utf8').catch((err: Error) => { throw new Refusal(`--openapi ${file}: cannot be read (${err.message})`) })
  let parsed: unknown
  try {
    parsed = extension === 'json' ? JSON.parse(text) : YAML.parse(text)
  } catch (err) {
    throw new Refusal(`${file}: is not valid ${extension === 'json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  const own = basename(file)
  return { name: /^[A-Za-z0-9][A-Za-z0-9._-]*\.(json|ya?ml)$/.test(own) ? own : `provider.${extension}`, parsed }
}

async function run (argv: string[], stdout: Output): Promise<void> {
  const { values } = options(argv)
  if (values.help) {
    stdout.write(USAGE)
    return
  }
  if (values.openapi === undefined || values.openapi === '') throw new Refusal('--openapi FILE is required: the provider\'s OpenAPI document (--help for the usage)')
  const classification = values.classification
  if (classification !== undefined && !(CLASSIFICATIONS as readonly string[]).includes(classification)) {
    throw new Refusal(`--classification must be one of ${CLASSIFICATIONS.join(', ')} (got ${JSON.stringify(classification)})`)
  }
  const source = resolve(values.openapi)
  const { name, parsed } = await readDocument(source)
  let result: ReturnType<typeof importService>
  try {
    result = importService(parsed, {
      openapiFile: name,
      service: values.service,
      owner: { agencyCode: values['owner-code'], name: values['owner-name'] },
      classification: classification as Classification | undefined
    })
  } catch (err) {
    if (err instanceof ImportError) throw new Refusal(`${values.openapi}: ${err.message}`)
    if (err instanceof ProviderDocumentError) throw new Refusal(`${values.openapi}: ${err.message}`)
    throw err
  }
  const out = resolve(values.out ?? DEFAULT_SERVICES_DIR)
  const target = join(out, result.declaration.service)
  const nearby = relative(process.cwd(), target)
  const shown = nearby.startsWith('..') || isAbsolute(nearby) ? target : nearby
  if (await exists(target) && !values.force) throw new Refusal(`${shown} exists: review it, or pass --force to replace it`)

  // written and checked beside the services folder (not inside it: the gateway reads every folder there), then moved in
  await mkdir(out, { recursive: true })
  const staging = await mkdtemp(join(dirname(out), '.service-import-'))
  try {
    const folder = join(staging, result.declaration.service)
    await mkdir(folder)
    await writeFile(join(folder, 'service.json'), `${JSON.stringify(result.declaration, null, 2)}\n`)
    await copyFile(source, join(folder, name))
    try {
      await loadPublishedServices(staging, schemasDir)
    } catch (err) {
      throw new Refusal(`the declaration written for ${values.openapi} does not load, so nothing was kept: ${(err as Error).message}`)
    }
    const replaced = join(staging, 'replaced')
    const replacing = await exists(target)
    if (replacing) await rename(target, replaced)
    await rename(folder, target).catch(async (err: unknown) => {
      if (replacing) await rename(replaced, target)
      throw err
    })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  stdout.write(reviewText(result, shown))
}

/** The command line: 0 written, 1 refused (bad arguments, a document that gives no declaration, an existing folder). */
export async function main (argv: string[], io: { stdout: Output, stderr: Output } = process): Promise<number> {
  try {
    await run(argv, io.stdout)
    return 0
  } catch (err) {
    // a refusal, or the file system's (EACCES, ENOSPC…): one line; anything else is a bug and keeps its stack
    if (!(err instanceof Refusal) && (err as NodeJS.ErrnoException).code === undefined) throw err
    io.stderr.write(`service:import: ${(err as Error).message.replaceAll('\n', ' ')}\n`)
    return 1
  }
}

/** Run as `node dist/scripts/service-import.js`, not when a test imports main. */
function invokedDirectly (): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url
  } catch {
    return false
  }
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2))
