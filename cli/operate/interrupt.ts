// Ctrl-C while Pulumi works: the first one stops gracefully, a second one aborts at once.
//
// The first interrupt aborts the operation's AbortSignal, the Automation API's own way to stop a running
// command (UpOptions.signal & co.: the CLI gets SIGINT). The CLI then cancels: it starts nothing new,
// lets the resource operations in flight finish, writes the state and releases the stack's lock
// (pulumi/pulumi pkg/backend/cancellation_scope.go). `Stack.cancel()` is not that: it runs `pulumi cancel`,
// which on a file backend only deletes the lock files while the update keeps running
// (pulumi/pulumi pkg/backend/diy/backend.go, CancelCurrentUpdate) — the "very dangerous" case its doc warns of.
// The second interrupt sends the CLI SIGINT again, its "terminate immediately", and homelab returns at once.
import type { PulumiProcesses } from "./pulumiProcess";

export type Interruption = "none" | "stopping" | "aborted";

/** Where interrupts come from: the process, or a test's emitter. */
export interface SignalSource {
  on(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** Exit code of a run ended by an interrupt (128 + SIGINT, as shells report it). */
export const INTERRUPTED_EXIT = 130;

export class InterruptGuard {
  private readonly controller = new AbortController();
  private abortedAtOnce?: () => void;
  state: Interruption = "none";
  /** Whether the operation under way applies changes (its interruption then leaves something to resume). */
  applying = false;
  /** Settles when the second interrupt comes: the caller stops waiting for the CLI. */
  readonly aborted: Promise<void> = new Promise((resolve) => (this.abortedAtOnce = resolve));

  constructor(
    private readonly source: SignalSource,
    private readonly processes: PulumiProcesses,
    private readonly say: (line: string) => void,
    private readonly messages: { stopping: string; aborted: string },
  ) {}

  /** The signal to hand to the Automation API call. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Runs one engine operation with interrupts handled; outside of it Ctrl-C keeps its usual meaning (nothing
   * runs during the questions). Resolves `undefined` when the second interrupt came first.
   */
  async during<T>(work: () => Promise<T>): Promise<T | undefined> {
    const onSignal = () => this.interrupt();
    for (const s of SIGNALS) this.source.on(s, onSignal);
    const running = work();
    // After an abort nobody awaits the CLI's own (failed) end any more.
    running.catch(() => undefined);
    try {
      return await Promise.race([running, this.aborted.then(() => undefined)]);
    } finally {
      for (const s of SIGNALS) this.source.off(s, onSignal);
    }
  }

  private interrupt(): void {
    if (this.state === "none") {
      this.state = "stopping";
      this.say(this.messages.stopping);
      this.controller.abort();
    } else if (this.state === "stopping") {
      this.state = "aborted";
      this.processes.interruptAll();
      this.say(this.messages.aborted);
      this.abortedAtOnce?.();
    }
  }
}
