import fp from 'fastify-plugin'
import { createPublishedClient, type PublishedClient } from '../../../adapters/published/client.js'
import { MissingSecretError } from '../../../adapters/published/credentials.js'
import { loadPublishedServices, type PublishedService } from '../../../adapters/published/loader.js'
import { componentId } from '../../../adapters/published/provider-openapi.js'
import type { UpstreamResilience } from '../../../adapters/shared/resilience.js'
import { publishedEnvKey, type PublishedConfig } from '../../config/published.js'
import { schemasDir } from '../../paths.js'

/**
 * Agencies' APIs published by declaration (services/<service>/): loaded and checked at boot, one client per service
 * with the credentials configured for it, and the providers' component schemas added to the gateway's, so the
 * routes (routes/api/v1/published.ts) and /docs use them by name.
 */

export interface PublishedServices {
  readonly services: readonly PublishedService[]
  client (service: string): PublishedClient
  resilience (): UpstreamResilience[]
}

declare module 'fastify' {
  interface FastifyInstance {
    published: PublishedServices
  }
}

/** The provider's components that what callers send refers to, directly or through one another. */
function inputComponents (service: PublishedService): Set<string> {
  const found = new Set<string>()
  const visit = (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null) return
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && value.endsWith('Input#')) {
        const name = value.slice(service.schemaPrefix.length, -'Input#'.length)
        if (!found.has(name)) {
          found.add(name)
          visit(service.document.inputSchemas[name])
        }
      } else {
        visit(value)
      }
    }
  }
  for (const { provider } of service.operations) {
    for (const parameter of provider.parameters) visit(parameter.schema)
    visit(provider.body?.schema)
  }
  return found
}

export default fp<{ config: PublishedConfig }>(async function published (app, { config }) {
  const services = await loadPublishedServices(config.servicesDir, schemasDir)
  const clients = new Map<string, PublishedClient>()
  app.addHook('onClose', async () => { await Promise.all([...clients.values()].map(async (client) => { await client.close() })) })
  for (const service of services) {
    for (const [name, schema] of Object.entries(service.document.schemas)) app.addSchema({ ...schema, $id: componentId(service.schemaPrefix, name, 'answer') })
    for (const name of inputComponents(service)) app.addSchema({ ...service.document.inputSchemas[name], $id: componentId(service.schemaPrefix, name, 'input') })
    // a retired service answers 410 without calling anyone: no client, no secrets
    if (service.declaration.lifecycle?.status === 'retired') continue
    const key = publishedEnvKey(service.declaration.service)
    const upstream = config.upstreams[key]
    try {
      clients.set(service.declaration.service, createPublishedClient(service, {
        secrets: upstream?.secrets ?? {},
        ...(upstream?.urls === undefined ? {} : { urls: upstream.urls }),
        resilience: config.resilience
      }))
    } catch (err) {
      if (err instanceof MissingSecretError) throw new Error(`published service ${service.declaration.service} (${service.file}): PUBLISHED_${key}_${err.message}`)
      throw err
    }
  }
  app.decorate('published', {
    services,
    client (service) {
      const client = clients.get(service)
      if (client === undefined) throw new Error(`no published service ${service}`)
      return client
    },
    resilience: () => [...clients.values()].flatMap((client) => client.resilience())
  })
}, { name: 'published', dependencies: ['schemas'] })
