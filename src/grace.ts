/**
 * How long a process may take to close after SIGTERM before it exits anyway (close-with-grace's delay). An
 * orchestrator must wait longer than this, plus any preStop pause (deploy/kubernetes checks it in a test).
 */

/** The gateway: requests in flight finish, then the store, Redis and an embedded sync worker close. */
export const GATEWAY_GRACE_MS = 10_000

/** The sync worker: the run in hand stops after its current page and commits its checkpoint. */
export const WORKER_GRACE_MS = 30_000
