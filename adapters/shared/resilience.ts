import {
  BrokenCircuitError, CircuitState, ConsecutiveBreaker, ExponentialBackoff, IsolatedCircuitError, circuitBreaker, handleWhen, retry,
  type CircuitBreakerPolicy, type IBackoff, type IBackoffFactory
} from 'cockatiel'
import { UpstreamTimeoutError, UpstreamUnavailableError } from './errors.js'

/**
 * What stands between an adapter and its upstream: a circuit breaker (cockatiel) so a failing upstream is left
 * alone for a while instead of being called by every request, and retries (cockatiel, exponential backoff with
 * decorrelated jitter) of idempotent calls after a connection-level failure, inside the call's deadline and a
 * retry budget so they cannot multiply the load of an outage. One policy per upstream per client instance.
 *
 *   breaker( retry( attempt ) ): the breaker counts calls (after their retries), not attempts.
 *
 * Counted as failures: the upstream unreachable or resetting the connection, a timeout, a 503, any other 5xx
 * answer. Not counted (and not resetting the count): refusals of the caller's input, 4xx answers, a caller that
 * went away. Retried: only failures where the request got no answer (reset, refused, connect timeout), never a
 * 503 or 5xx answer (the upstream said it is overloaded: the breaker handles that), never a non-idempotent call.
 */

export interface ResilienceOptions {
  /** Consecutive failed calls that open the circuit. Default 10. */
  breakerFailures?: number
  /** How long the circuit stays open before one probe call is let through. Default 10 000 ms. */
  breakerHalfOpenAfterMs?: number
  /** Retries of an idempotent call after a connection-level failure; 0 turns retries off. Default 2. */
  retries?: number
  /** First retry delay (exponential, decorrelated jitter). Default 100 ms. */
  retryInitialDelayMs?: number
  /** Longest retry delay. Default 1000 ms. */
  retryMaxDelayMs?: number
  /** Retries allowed in the window, as a share of the calls made in it. Default 0.2. */
  retryBudgetRatio?: number
  /** Retries allowed in the window whatever the traffic, so a quiet upstream can still retry. Default 5. */
  retryBudgetMin?: number
  /** The retry budget's sliding window. Default 10 000 ms. */
  retryBudgetWindowMs?: number
  /** Told of every attempt made on the upstream (metrics); given by the app, never module-level. */
  observe?: UpstreamObserver
}

/**
 * How one attempt went: `answered` (any status but 5xx), `failed` (a 5xx answer), `unavailable` (503 or no
 * connection), `timeout`, `error` (anything else: a malformed answer, the caller gone).
 */
export type AttemptOutcome = 'answered' | 'failed' | 'unavailable' | 'timeout' | 'error'
export type UpstreamObserver = (upstream: string, seconds: number, outcome: AttemptOutcome) => void

export const RESILIENCE_DEFAULTS: Required<Omit<ResilienceOptions, 'observe'>> = {
  breakerFailures: 10,
  breakerHalfOpenAfterMs: 10_000,
  retries: 2,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 1000,
  retryBudgetRatio: 0.2,
  retryBudgetMin: 5,
  retryBudgetWindowMs: 10_000
}

export type CircuitStateName = 'closed' | 'open' | 'half-open'

/** One upstream's breaker and counters, for readiness and metrics. */
export interface UpstreamResilience {
  upstream: string
  state: CircuitStateName
  /** Failed calls in a row so far (what opens the circuit at `breakerFailures`). */
  consecutiveFailures: number
  /** While open: when the circuit opened, and the seconds until a probe is let through (0: the next call probes). */
  openedAt?: string
  retryAfterSeconds?: number
  /** Since the client was created. */
  counters: {
    /** Calls let through to the upstream (each may make several attempts). */
    calls: number
    /** Calls counted as upstream failures. */
    failures: number
    retries: number
    /** Retries a call wanted but the retry budget refused. */
    retriesOverBudget: number
    /** Calls refused without calling the upstream while the circuit was open or probing. */
    rejected: number
    /** Times the circuit opened. */
    opened: number
  }
}

/** What a port that calls upstreams over HTTP reports, e.g. for /readyz and /metrics. */
export interface WithResilience {
  resilience (): UpstreamResilience[]
}

export interface CallPlan {
  /** Safe to send again: a lookup, or a write the upstream keys (so a repeat changes nothing). */
  idempotent: boolean
  /** The whole call's deadline, every attempt and backoff included. */
  timeoutMs: number
  /** The caller going away: no retry after it. */
  signal?: AbortSignal
}

export interface UpstreamPolicy {
  readonly upstream: string
  /**
   * Runs one call under the breaker: `attempt` gets the time left to the deadline and is retried (when the plan
   * is idempotent and the failure transient) while time and the retry budget allow. Refused without calling
   * `attempt` while the circuit is open (UpstreamUnavailableError with retryAfterSeconds).
   */
  call<T>(attempt: (remainingMs: number) => Promise<T>, plan: CallPlan): Promise<T>
  state(): UpstreamResilience
}

/** Error codes of a request that got no answer at all: safe to repeat when idempotent, and likely to work soon. */
const TRANSIENT_CAUSES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN'])
/** Below this, another attempt is not worth making. */
const MIN_ATTEMPT_MS = 50

const codeOf = (value: unknown): string | undefined => {
  const code = (value as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** A failure of the upstream itself, as the breaker counts them. */
export function isUpstreamFailure (err: unknown): err is UpstreamUnavailableError | UpstreamTimeoutError {
  return err instanceof UpstreamUnavailableError || err instanceof UpstreamTimeoutError
}

/** An answer the upstream gave while failing: a 5xx (503 is thrown before it gets here). */
function isFailedAnswer (value: unknown): boolean {
  const status = (value as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 500
}

/** A failure where the request got no answer (cause kept by transportError): worth another attempt. */
export function isTransientFailure (err: unknown): boolean {
  const cause = (err as { cause?: unknown } | null)?.cause
  return isUpstreamFailure(err) && TRANSIENT_CAUSES.has(codeOf(cause) ?? '')
}

/** A call refused because the circuit is open: unavailable, with the seconds until a probe is let through. */
export function circuitOpenError (upstream: string, retryAfterSeconds: number): UpstreamUnavailableError {
  return new UpstreamUnavailableError(upstream, { retryAfterSeconds })
}

/** Counts events over a sliding window, in ten slots (constant memory whatever the traffic). */
function windowCounter (windowMs: number): { add: (now: number) => void, total: (now: number) => number } {
  const slots = 10
  const slotMs = Math.max(1, windowMs / slots)
  const counts = new Array<number>(slots).fill(0)
  const epochs = new Array<number>(slots).fill(-Infinity)
  return {
    add (now) {
      const epoch = Math.floor(now / slotMs)
      const i = epoch % slots
      if (epochs[i] !== epoch) {
        epochs[i] = epoch
        counts[i] = 0
      }
      counts[i] = (counts[i] as number) + 1
    },
    total (now) {
      const epoch = Math.floor(now / slotMs)
      let sum = 0
      for (let i = 0; i < slots; i++) if (epoch - (epochs[i] as number) < slots) sum += counts[i] as number
      return sum
    }
  }
}

/** Retries allowed while those of the window stay under `min + ratio × calls of the window` (Finagle's RetryBudget). */
export function retryBudget (options: { ratio: number, min: number, windowMs: number }): { deposit: () => void, withdraw: () => boolean } {
  const calls = windowCounter(options.windowMs)
  const retries = windowCounter(options.windowMs)
  return {
    deposit () { calls.add(performance.now()) },
    withdraw () {
      const now = performance.now()
      if (retries.total(now) + 1 > options.min + options.ratio * calls.total(now)) return false
      retries.add(now)
      return true
    }
  }
}

/** The backoff's delays, cut so that at least MIN_ATTEMPT_MS of the deadline is left for the attempt after them. */
function withinDeadline<C> (backoff: IBackoffFactory<C>, deadlineAt: number): IBackoffFactory<C> {
  const cut = (step: IBackoff<C>): IBackoff<C> => ({
    duration: Math.max(0, Math.min(step.duration, deadlineAt - performance.now() - MIN_ATTEMPT_MS)),
    next: (context) => cut(step.next(context))
  })
  return { next: (context) => cut(backoff.next(context)) }
}

function positive (name: keyof ResilienceOptions, value: number, integer: boolean, min = 0): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(`resilience option ${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min} (got ${value})`)
  }
  return value
}

export function upstreamPolicy (upstream: string, options: ResilienceOptions = {}): UpstreamPolicy {
  const settings = { ...RESILIENCE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) }
  const failuresToOpen = positive('breakerFailures', settings.breakerFailures, true, 1)
  const halfOpenAfterMs = positive('breakerHalfOpenAfterMs', settings.breakerHalfOpenAfterMs, true)
  const retries = positive('retries', settings.retries, true)
  const observe = options.observe
  const backoff = new ExponentialBackoff({
    initialDelay: positive('retryInitialDelayMs', settings.retryInitialDelayMs, true),
    maxDelay: positive('retryMaxDelayMs', settings.retryMaxDelayMs, true)
  })
  const budget = retryBudget({
    ratio: positive('retryBudgetRatio', settings.retryBudgetRatio, false),
    min: positive('retryBudgetMin', settings.retryBudgetMin, true),
    windowMs: positive('retryBudgetWindowMs', settings.retryBudgetWindowMs, true, 1)
  })

  const consecutive = new ConsecutiveBreaker(failuresToOpen)
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen(isUpstreamFailure).orWhenResult(isFailedAnswer), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: consecutive
  })
  const counters = { calls: 0, failures: 0, retries: 0, retriesOverBudget: 0, rejected: 0, opened: 0 }
  let openedAt = 0
  breaker.onBreak(() => {
    openedAt = Date.now()
    counters.opened++
  })
  breaker.onFailure(({ handled }) => { if (handled) counters.failures++ })

  const secondsToProbe = (): number => Math.max(0, Math.ceil((openedAt + halfOpenAfterMs - Date.now()) / 1000))

  function stateName (): CircuitStateName {
    switch (breaker.state) {
      case CircuitState.Closed: return 'closed'
      case CircuitState.HalfOpen: return 'half-open'
      default: return 'open'
    }
  }

  /** One call's retry policy: its deadline, its attempts so far and the shared budget decide each retry. */
  function retryPolicy (plan: CallPlan, deadlineAt: number, attempts: { made: number }) {
    return retry(handleWhen((err) => {
      if (attempts.made > retries || !isTransientFailure(err) || plan.signal?.aborted === true) return false
      if (deadlineAt - performance.now() < 2 * MIN_ATTEMPT_MS) return false
      if (!budget.withdraw()) {
        counters.retriesOverBudget++
        return false
      }
      counters.retries++
      return true
    }), { maxAttempts: retries, backoff: withinDeadline(backoff, deadlineAt) })
  }

  return {
    upstream,

    async call<T> (attempt: (remainingMs: number) => Promise<T>, plan: CallPlan): Promise<T> {
      const deadlineAt = performance.now() + plan.timeoutMs
      // While a probe is out, the others are refused rather than queued behind it.
      if (breaker.state === CircuitState.HalfOpen) {
        counters.rejected++
        throw circuitOpenError(upstream, 1)
      }
      const attempts = { made: 0 }
      const once = async (): Promise<T> => {
        attempts.made++
        const remainingMs = Math.floor(deadlineAt - performance.now())
        if (remainingMs <= 0) throw new UpstreamTimeoutError(upstream, plan.timeoutMs)
        if (observe === undefined) return await attempt(remainingMs)
        const started = performance.now()
        try {
          const result = await attempt(remainingMs)
          observe(upstream, (performance.now() - started) / 1000, isFailedAnswer(result) ? 'failed' : 'answered')
          return result
        } catch (err) {
          observe(upstream, (performance.now() - started) / 1000, err instanceof UpstreamTimeoutError ? 'timeout' : err instanceof UpstreamUnavailableError ? 'unavailable' : 'error')
          throw err
        }
      }
      try {
        return await breaker.execute(async () => {
          counters.calls++
          budget.deposit()
          if (!plan.idempotent || retries === 0) return await once()
          return await retryPolicy(plan, deadlineAt, attempts).execute(once, plan.signal)
        })
      } catch (err) {
        if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
          counters.rejected++
          throw circuitOpenError(upstream, Math.max(1, secondsToProbe()))
        }
        throw err
      }
    },

    state (): UpstreamResilience {
      const state = stateName()
      return {
        upstream,
        state,
        consecutiveFailures: consecutive.state,
        ...(state === 'open' ? { openedAt: new Date(openedAt).toISOString(), retryAfterSeconds: secondsToProbe() } : {}),
        counters: { ...counters }
      }
    }
  }
}
