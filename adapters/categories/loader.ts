import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { schemaErrorText, strictAjv } from '../shared/ajv.js'
import { DeclarationError } from '../shared/declaration-error.js'
import { readAdminUnits, type AdminRegister } from '../shared/admin-units.js'
import type { AdminUnitsSource, Category, CategoryDeclaration, CategoryItem } from './port.js'
import { adminUnitItems } from './admin-unit-items.js'

/**
 * Adding a category is a file, not code: `loadCategories(dir, schemasDir)` reads every `*.json` declaration in a
 * folder, checks it against CategoryDeclaration.json and the rules a schema cannot state (codes unique, dates in
 * order, every parent code an item of the parent category, the register file inside the folder), and refuses
 * the first bad file with an error naming the file and the field, before the gateway serves anything.
 */

export class CategoryDeclarationError extends DeclarationError {
  override name = 'CategoryDeclarationError'
}

function fail (file: string, field: string, detail: string): never {
  throw new CategoryDeclarationError(file, field, detail)
}

async function declarationValidator (schemasDir: string): Promise<ValidateFunction> {
  return strictAjv().compile(JSON.parse(await readFile(join(schemasDir, 'CategoryDeclaration.json'), 'utf8')) as object)
}

function schemaError (file: string, error: ErrorObject): never {
  const { field, detail } = schemaErrorText(error, 'a declaration')
  fail(file, field, detail)
}

function checkDeclaration (data: unknown, file: string, validate: ValidateFunction): CategoryDeclaration {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const has = (name: string): boolean => Object.hasOwn(data, name)
    // the schema's oneOf would only say "must match exactly one schema": name the fields
    if (has('items') === has('source')) fail(file, has('items') ? '/source' : '/items', has('items') ? 'cannot come with items: a category lists its items or names a source' : 'is required (or source)')
  }
  if (!validate(data)) schemaError(file, (validate.errors ?? []).find((error) => error.keyword !== 'oneOf') ?? (validate.errors ?? [])[0] as ErrorObject)
  const declaration = data as CategoryDeclaration
  const { effectiveFrom, effectiveUntil } = declaration
  if (effectiveFrom !== undefined && effectiveUntil !== undefined && effectiveUntil < effectiveFrom) fail(file, '/effectiveUntil', `is before effectiveFrom (${effectiveFrom})`)
  if (declaration.parent === declaration.code) fail(file, '/parent', 'names the category itself')
  return declaration
}

/** The items of an inline list, checked: unique codes, a parent exactly when the declaration names a parent category. */
function inlineItems (declaration: CategoryDeclaration, file: string): CategoryItem[] {
  const seen = new Set<string>()
  const items = declaration.items ?? []
  items.forEach((item, i) => {
    if (seen.has(item.code)) fail(file, `/items/${i}/code`, `${item.code} is listed twice`)
    seen.add(item.code)
    if (declaration.parent !== undefined && item.parent === undefined) fail(file, `/items/${i}/parent`, `is required: the category declares parent ${declaration.parent}`)
    if (declaration.parent === undefined && item.parent !== undefined) fail(file, `/items/${i}/parent`, 'needs the declaration\'s parent (the category its codes belong to)')
  })
  return [...items].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
}

/** A path the declaration names, which must stay inside the declarations' folder. */
function inside (dir: string, name: string, file: string, field: string): string {
  const path = resolve(dir, name)
  if (relative(dir, path).startsWith('..')) fail(file, field, 'must name a file inside the categories folder')
  return path
}

async function registerOf (source: AdminUnitsSource, dir: string, file: string, registers: Map<string, AdminRegister>): Promise<AdminRegister> {
  const path = inside(dir, source.file, file, '/source/file')
  const names = source.legacyProvinceNames === undefined ? undefined : inside(dir, source.legacyProvinceNames, file, '/source/legacyProvinceNames')
  const key = `${path}\n${names ?? ''}`
  const known = registers.get(key)
  if (known !== undefined) return known
  try {
    const register = readAdminUnits(path, names)
    registers.set(key, register)
    return register
  } catch (err) {
    return fail(file, '/source/file', `cannot be read as the register of administrative units: ${(err as Error).message}`)
  }
}

function digestOf (items: readonly CategoryItem[]): string {
  return createHash('sha256').update(JSON.stringify(items)).digest('base64url').slice(0, 22)
}

/** Reads and checks every `*.json` declaration in `dir` (sorted by file name); refuses a category declared twice. */
export async function loadCategories (dir: string, schemasDir: string): Promise<Category[]> {
  const validate = await declarationValidator(schemasDir)
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort()
  const registers = new Map<string, AdminRegister>()
  const categories: Category[] = []
  const byCode = new Map<string, Category>()
  for (const name of names) {
    const file = join(dir, name)
    let data: unknown
    try {
      data = JSON.parse(await readFile(file, 'utf8'))
    } catch (err) {
      fail(file, '', `is not valid JSON: ${(err as Error).message}`)
    }
    const declaration = checkDeclaration(data, file, validate)
    const earlier = byCode.get(declaration.code)
    if (earlier !== undefined) fail(file, '/code', `${declaration.code} is already declared in ${earlier.file}`)
    const category: Category = declaration.source === undefined
      ? { declaration, file, items: inlineItems(declaration, file), digest: '' }
      : await (async () => {
        const register = await registerOf(declaration.source as AdminUnitsSource, dirname(file), file, registers)
        return { declaration, file, items: adminUnitItems(register, (declaration.source as AdminUnitsSource).list), digest: '', register }
      })()
    category.digest = digestOf(category.items)
    byCode.set(declaration.code, category)
    categories.push(category)
  }
  for (const category of categories) checkReferences(category, byCode)
  return categories
}

/** Categories named by others exist, and every item's parent is an item of the parent category. */
function checkReferences (category: Category, byCode: ReadonlyMap<string, Category>): void {
  const { declaration, file } = category
  for (const field of ['supersedes', 'supersededBy'] as const) {
    const named = declaration[field]
    if (named !== undefined && !byCode.has(named)) fail(file, `/${field}`, `names no declared category (${named})`)
  }
  if (declaration.parent === undefined) return
  const parent = byCode.get(declaration.parent)
  if (parent === undefined) fail(file, '/parent', `names no declared category (${declaration.parent})`)
  const codes = new Set(parent.items.map((item) => item.code))
  const orphan = category.items.findIndex((item) => item.parent !== undefined && !codes.has(item.parent))
  if (orphan >= 0) {
    const item = category.items[orphan] as CategoryItem
    fail(file, declaration.items === undefined ? '/source' : `/items/${(declaration.items).findIndex((listed) => listed.code === item.code)}/parent`,
      `gives ${item.code} the parent ${item.parent ?? ''}, which is not an item of ${declaration.parent}`)
  }
}
