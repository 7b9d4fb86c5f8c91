/**
 * The timeout of the property suites: a fixed amount of CPU work (hundreds to a thousand generated cases), so
 * the bound only guards against a hang. 20 s was cut close on a loaded two-core machine (the 1,000-sequence
 * subnet case took 15-20 s there), and the CI machine has run three times slower than that.
 */
export const PROPERTY_TIMEOUT_MS = 180_000;

/**
 * The per-test (and per-hook) timeout of suites that realise on the engine. It is a guard against a hang,
 * not a speed target: the CI machine has run three to eight times slower than this one, and a test cut off
 * half-way costs more than a slow one.
 */
export const ENGINE_TIMEOUT_MS = 300_000;
