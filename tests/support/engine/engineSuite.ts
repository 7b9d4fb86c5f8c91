/**
 * Shared plumbing for test suites that need the real Docker engine.
 *
 * Without an engine those suites skip — unless `HOMELAB_REQUIRE_DOCKER=1` (CI), where they fail
 * with the reason, so a CI run can never pass by silently skipping them.
 */
import { randomInt } from "node:crypto";
import { MappingError, RegisteredResource } from "./engineMapping";
import { Realised, RealiseOptions, engineStatus, realise, sweepStaleRuns, teardown } from "./realise";

export const REQUIRE_DOCKER = process.env.HOMELAB_REQUIRE_DOCKER === "1";

/** Call from a `before` hook (`function () {…}`, not an arrow function). */
export async function requireEngine(ctx: Mocha.Context): Promise<void> {
  const status = await engineStatus();
  if (status.ok) return;
  if (REQUIRE_DOCKER) throw new Error(`HOMELAB_REQUIRE_DOCKER=1 but the engine tests cannot run: ${status.reason}`);
  ctx.skip();
}

/**
 * A random block of `count` consecutive /28 subnets in 10.200.0.0/13 (outside Docker's default
 * pools), so concurrent runs of hand-written fixtures do not ask for the same addresses.
 */
export function randomSubnets(count: number): { subnet: string; gateway: string }[] {
  const second = 200 + randomInt(8);
  const third = randomInt(256);
  const firstBlock = randomInt(16 - count + 1);
  return Array.from({ length: count }, (_, i) => {
    const base = (firstBlock + i) * 16;
    return { subnet: `10.${second}.${third}.${base}/28`, gateway: `10.${second}.${third}.${base + 1}` };
  });
}

/**
 * Realises fixtures whose subnets are drawn at random, drawing again (bounded) when the engine
 * reports an address pool overlap with another run.
 */
export async function realiseWithFreshSubnets(build: () => RegisteredResource[], options: RealiseOptions, attempts = 5): Promise<Realised> {
  for (let i = 1; ; i++) {
    try {
      return await realise(build(), options);
    } catch (e) {
      if (e instanceof MappingError || i >= attempts || !/overlap/i.test((e as Error).message)) throw e;
    }
  }
}

/**
 * Realises a shipped stack, whose subnets are fixed: when another run on the same engine holds
 * them (the engine reports an address pool overlap), waits for it, bounded, and tries again.
 */
export async function realiseWhenAddressesFree(resources: RegisteredResource[], options: RealiseOptions, maxWaitMs = 90_000): Promise<Realised> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    try {
      return await realise(resources, options);
    } catch (e) {
      if (e instanceof MappingError || !/overlap/i.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

let orphanSweep: Promise<string[]> | undefined;

/**
 * Once per test process, before the first engine suite: removes what crashed or killed runs left on the
 * engine (their fixed subnets would otherwise fail every later realise of the same stack).
 */
function sweepOrphansOnce(): Promise<string[]> {
  orphanSweep ??= sweepStaleRuns().then((swept) => {
    if (swept.length > 0) console.log(`      removed the leftovers of ${swept.length} orphaned engine run(s): ${swept.join(", ")}`);
    return swept;
  });
  return orphanSweep;
}

/**
 * The gate and clean-up every engine suite needs: skips (or, in CI, fails) without an engine, and tears down
 * every run id pushed onto the returned list, also when a test failed half-way. Call it first in a describe
 * block so its `before` runs ahead of the suite's own.
 */
export function engineRuns(options: { sequentialTeardown?: boolean } = {}): string[] {
  const runs: string[] = [];
  let engineUp = false;
  before(async function () {
    await requireEngine(this);
    engineUp = true;
    await sweepOrphansOnce();
  });
  after(async function () {
    if (!engineUp) return;
    if (options.sequentialTeardown) for (const runId of runs) await teardown({ runId });
    else await Promise.all(runs.map((runId) => teardown({ runId })));
  });
  return runs;
}
