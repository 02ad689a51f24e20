import type { Figures, StatisticsReport } from './statistics.js'

/**
 * The statistics report as CSV (RFC 4180, CRLF) for the province's periodic report: a header row, then one row per
 * group and no totals row, so a spreadsheet's column sums are the totals. Each problem type in the report gets a
 * column of its own (`refused:<type>`, `failed:<type>`), 0 where a group had none.
 */

const FIXED = ['calls', 'disclosed', 'refused', 'failed', 'upstream_errors', 'other', 'p50_ms', 'p95_ms'] as const

function fixedValues (figures: Figures): Array<number | null> {
  return [figures.calls, figures.disclosed, figures.refused, figures.failed, figures.upstreamErrors, figures.other,
    figures.latencyMs.p50, figures.latencyMs.p95]
}

/** A text field quoted when it must be; one a spreadsheet would run as a formula is prefixed with ' (OWASP). */
function textField (value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n']/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

export function statisticsCsv (report: StatisticsReport): string {
  const refusedTypes = [...new Set(report.groups.flatMap((group) => Object.keys(group.refusedByType)))].sort()
  const failedTypes = [...new Set(report.groups.flatMap((group) => Object.keys(group.failedByType)))].sort()
  const header = [report.groupBy, ...FIXED, ...refusedTypes.map((type) => `refused:${type}`), ...failedTypes.map((type) => `failed:${type}`)]
  const rows = report.groups.map((group) => [
    // an empty key cell: calls of no identified client, or of no service
    textField(group.key ?? ''),
    ...fixedValues(group).map((value) => value === null ? '' : String(value)),
    ...refusedTypes.map((type) => String(group.refusedByType[type] ?? 0)),
    ...failedTypes.map((type) => String(group.failedByType[type] ?? 0))
  ])
  return [header.map(textField), ...rows].map((row) => row.join(',') + '\r\n').join('')
}
