import fp from 'fastify-plugin'
import { rollUp, statisticsReport, type StatisticsQuery, type StatisticsReport } from '../../audit/statistics.js'

/**
 * Usage statistics from the audit trail. Each gateway rolls the new audit records up into the daily aggregates
 * every AUDIT_STATISTICS_EVERY_S, and again before each report, so a report includes every record committed
 * before it was asked for. Roll-ups of several gateways take turns on the watermark's row lock.
 */

export interface Statistics {
  /** Rolls up what is new, then reports. */
  report (query: StatisticsQuery): Promise<StatisticsReport>
  /** Rolls up every record committed so far; returns the watermark reached. */
  rollUp (): Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    statistics: Statistics
  }
}

export default fp<{ everyMs: number, chunk: number }>(async function statistics (app, { everyMs, chunk }) {
  // one roll-up at a time in this process: a report arriving during the timer's waits for it, then catches up
  let queue: Promise<unknown> = Promise.resolve()
  const rollUpNow = async (): Promise<number> => {
    const next = queue.then(async () => await rollUp(app.store, { chunk }))
    queue = next.catch(() => {})
    return await next
  }
  const timer = setInterval(() => {
    rollUpNow().catch((err: Error) => { app.log.error({ err: err.message }, 'audit statistics not rolled up') })
  }, everyMs).unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await queue // a roll-up in flight finishes before the store closes
  })

  app.decorate('statistics', {
    rollUp: rollUpNow,
    async report (query) {
      await rollUpNow()
      return await statisticsReport(app.store, query)
    }
  } satisfies Statistics)
}, { name: 'statistics', dependencies: ['store'] })
