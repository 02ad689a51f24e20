import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import { renderOpenApiYaml } from '../src/openapi.js'
import { projectRoot } from '../src/paths.js'

t.test('the checked-in openapi.yaml is what the app generates (run `npm run openapi` after changing a route or schema)', async (t) => {
  const generated = await renderOpenApiYaml()
  const checkedIn = await readFile(join(projectRoot, 'openapi.yaml'), 'utf8')
  t.equal(checkedIn, generated, 'openapi.yaml is stale')
})

t.test('the generated document is a valid OpenAPI 3.0 description', async (t) => {
  const validator = new Validator()
  const result = await validator.validate(await renderOpenApiYaml())
  t.same(result.errors ?? [], [])
  t.equal(result.valid, true)
})
