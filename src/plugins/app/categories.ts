import fp from 'fastify-plugin'
import { loadCategories } from '../../../adapters/categories/loader.js'
import { createCategoryStore, type CategoryStore } from '../../../adapters/categories/store.js'
import type { CategoriesConfig } from '../../config/categories.js'
import { schemasDir } from '../../paths.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared categories declared in CATEGORIES_DIR, in memory: the administrative units and the province's own lists. */
    categories: CategoryStore
  }
}

/** Loads every declaration at boot: a bad file stops the gateway, naming the file and the field. */
export default fp<{ config: CategoriesConfig }>(async function categories (app, { config }) {
  app.decorate('categories', createCategoryStore(await loadCategories(config.dir, schemasDir)))
}, { name: 'categories' })
