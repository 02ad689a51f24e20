import type { AuditEntry } from '../../src/audit/record.js'

/** The n-th of a run of audit entries for chain tests: distinct times, ids and latencies, one data subject. */
export function auditEntry (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    recordedAt: new Date(Date.UTC(2025, 6, 1, 0, 0, 0, n)).toISOString(),
    requestId: `chain-${n}`,
    clientId: 'VN.TEST.FULL',
    officialId: n % 2 === 0 ? 'canbo.01' : null,
    service: 'citizens.read',
    method: 'GET',
    route: '/api/v1/citizens/:personalId',
    purpose: 'TTHC',
    purposeReference: null,
    subjects: ['025090000001'],
    status: 200,
    upstream: 'population',
    latencyMs: 1.234 + n,
    ...overrides
  }
}
