export const DEFAULT_RETRY = Object.freeze({ maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 5000 });
/** The wait after failed attempt `attempt` (1 for the first); `unit` in [0, 1) is the jitter. */
export function backoffMs(policy, attempt, unit) {
    const doubled = policy.initialBackoffMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20);
    return Math.min(doubled, policy.maxBackoffMs) * (0.5 + 0.5 * Math.min(Math.max(unit, 0), 1));
}
