import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderOpenApiYaml } from '../src/openapi.js'
import { projectRoot } from '../src/paths.js'

// npm run openapi: regenerate the checked-in openapi.yaml (a test fails when it is stale).
const target = join(projectRoot, 'openapi.yaml')
await writeFile(target, await renderOpenApiYaml())
process.stdout.write(`wrote ${target}\n`)
