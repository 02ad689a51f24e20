import { cpus, loadavg, release, totalmem, type } from 'node:os'

/** The figures and tables of a benchmark's report, and the machine it ran on. */

export function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** A GitHub-flavoured markdown table, padded to be read as plain text too; `align` 'r' right-aligns a column. */
export function markdownTable (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align: ReadonlyArray<'l' | 'r'> = []): string {
  const cells = [header, ...rows].map((row) => row.map(String))
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => (row[column] ?? '').length)))
  const line = (row: readonly string[]): string =>
    `| ${widths.map((width, column) => align[column] === 'r' ? (row[column] ?? '').padStart(width) : (row[column] ?? '').padEnd(width)).join(' | ')} |`
  const rule = `| ${widths.map((width, column) => align[column] === 'r' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)).join(' | ')} |`
  const [head = [], ...body] = cells
  return [line(head), rule, ...body.map(line)].join('\n')
}

export interface Machine {
  cpuModel: string
  cores: number
  node: string
  os: string
  memoryGiB: number
  /** 1-minute load average when the run started: a busy machine makes every figure noisier. */
  loadAverage: number
  date: string
}

export function describeMachine (): Machine {
  const cpuList = cpus()
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: new Date().toISOString()
  }
}

export function machineRows (machine: Machine): Array<[string, string]> {
  return [
    ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
    ['Memory', `${machine.memoryGiB} GiB`],
    ['OS', machine.os],
    ['Node', machine.node],
    ['Date', machine.date],
    ['Load average (1 min) at start', String(machine.loadAverage)]
  ]
}
