import type { FastifyInstance } from 'fastify'
import type { GroupBy } from '../../../audit/statistics.js'
import { statisticsCsv } from '../../../audit/statistics-csv.js'
import { validationError } from '../../../errors.js'
import { preferredType } from '../../support/accept.js'
import { problemResponses } from '../../support/problems.js'
import { SECURITY } from '../../support/schemas.js'

/** Usage statistics from the audit trail, as JSON or as CSV for the province's periodic report. */

/** The longest period one report covers, in days: a leap year. */
export const MAX_REPORT_DAYS = 366

const DAY_MS = 86_400_000
const CSV = 'text/csv'

export default async function statisticsRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { from: string, to: string, groupBy: GroupBy } }>('/statistics', {
    config: { admin: true },
    schema: {
      tags: ['audit'],
      operationId: 'auditStatistics',
      summary: 'Calls per client, service or day: disclosed, refused by problem type, failed, upstream errors, p50 and p95 latency',
      description: 'Days are calendar days in Asia/Ho_Chi_Minh (UTC+07:00), `from` inclusive and `to` exclusive, at most ' +
        `${MAX_REPORT_DAYS} days. Figures include every audit record committed before the request. ` +
        'With `Accept: text/csv`, the same report as CSV: a header row, then one row per group (no totals row), a column per problem type.',
      security: SECURITY,
      querystring: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: {
          from: { type: 'string', format: 'date', description: 'First day, inclusive (YYYY-MM-DD)' },
          to: { type: 'string', format: 'date', description: 'Day after the last, exclusive (YYYY-MM-DD)' },
          groupBy: { type: 'string', enum: ['client', 'service', 'day'], default: 'day' }
        }
      },
      response: {
        200: {
          description: 'The report',
          content: {
            'application/json': { schema: { $ref: 'StatisticsReport#' } },
            [CSV]: { schema: { type: 'string', description: 'RFC 4180, UTF-8, CRLF; columns: the group, calls, disclosed, refused, failed, upstream_errors, other, p50_ms, p95_ms, then refused:<type> and failed:<type> per problem type' } }
          }
        },
        ...problemResponses(400, 401, 403, 503)
      }
    }
  }, async (request, reply) => {
    const { from, to, groupBy } = request.query
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS
    if (days <= 0) throw validationError([{ in: 'query', pointer: '/to', detail: 'must be a day after from' }])
    if (days > MAX_REPORT_DAYS) throw validationError([{ in: 'query', pointer: '/to', detail: `at most ${MAX_REPORT_DAYS} days after from` }])
    const report = await app.statistics.report({ from, to, groupBy })
    if (preferredType(request.headers.accept, ['application/json', CSV]) !== CSV) return report
    return await reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="statistics-${groupBy}-${from}-${to}.csv"`)
      .send(statisticsCsv(report))
  })
}
