// Ctrl-C during an engine operation, delivered at a known point: the fake CLI holds its first change in
// flight (FAKE_PULUMI_HOLD) and the test interrupts then. In-process runs get their signals from an
// emitter; the last test sends a real SIGINT to a real process group, as a terminal does.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { calls, inFlight, removeSandboxes, run, sandbox, signalsReceived, stateBackend } from "../../support/operate";

const REPO = path.resolve(__dirname, "..", "..", "..");
const lock = (box: ReturnType<typeof sandbox>) => stateBackend(box, ".fake-locks", "lab");
const recorded = (box: ReturnType<typeof sandbox>) =>
  JSON.parse(fs.readFileSync(stateBackend(box, ".fake-state", "lab.json"), "utf8")) as { finished: string[] };

/** A process's group (Linux: field 5 of /proc/<pid>/stat, after the parenthesised command name). */
function processGroup(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe("Ctrl-C during preview|up|destroy|refresh", function () {
  this.timeout(60_000);
  after(removeSandboxes);

  it("first Ctrl-C during up: says it is stopping, lets the change in flight finish, state saved, lock released, says how to resume", async () => {
    const box = sandbox({ FAKE_PULUMI_HOLD: "up" });
    const signals = new EventEmitter();
    const running = run(box, "up", "lab", { yes: true, signals });
    await inFlight(box);
    assert.ok(fs.existsSync(lock(box)), "the CLI holds the stack's lock while it applies");
    signals.emit("SIGINT");
    const result = await running;
    assert.equal(result.code, 130, result.err);
    assert.match(
      result.err,
      /^homelab: stopping: Pulumi starts nothing new, lets the operations under way finish, saves the state and unlocks the stack\. Press Ctrl-C again to abort at once\.$/m,
    );
    assert.match(
      result.err,
      /^homelab: stopped\. The state records every operation that finished and the stack is unlocked; run 'homelab up lab' to carry on from there\.$/m,
    );
    assert.deepEqual(signalsReceived(box), ["SIGINT"], "exactly one interrupt reached the CLI");
    assert.ok(!fs.existsSync(lock(box)), "the lock is released");
    // The change that was in flight finished and is recorded; nothing after it was started.
    assert.deepEqual(recorded(box).finished.at(-1), "lab-jellyfin");
    assert.ok(!recorded(box).finished.includes("lab-sonarr"));
    assert.equal(signals.listenerCount("SIGINT"), 0, "Ctrl-C has its usual meaning again afterwards");
  });

  it("a second Ctrl-C aborts at once and says the state may need `homelab refresh`", async () => {
    const box = sandbox({ FAKE_PULUMI_HOLD: "up", FAKE_PULUMI_FINISH_MS: "20000" });
    const signals = new EventEmitter();
    const running = run(box, "up", "lab", { yes: true, signals });
    await inFlight(box);
    signals.emit("SIGINT");
    await until(() => signalsReceived(box).length === 1, "the first interrupt to reach the CLI");
    const second = Date.now();
    signals.emit("SIGINT");
    const result = await running;
    assert.ok(Date.now() - second < 2000, `returned ${Date.now() - second} ms after the second Ctrl-C (the CLI would take 20 s to finish)`);
    assert.equal(result.code, 130);
    assert.match(
      result.err,
      /^homelab: aborted at once: operations that were under way may be cut off half-way, so the state may not match the host\. Run 'homelab refresh lab' before the next 'homelab up lab'\.$/m,
    );
    assert.doesNotMatch(result.err, /homelab: stopped\./);
    await until(() => signalsReceived(box).length === 2, "the second interrupt to reach the CLI");
    assert.deepEqual(signalsReceived(box), ["SIGINT", "SIGINT"]);
  });

  it("Ctrl-C during the preview of up stops there: nothing is applied", async () => {
    const box = sandbox({ FAKE_PULUMI_HOLD: "preview" });
    const signals = new EventEmitter();
    const running = run(box, "up", "lab", { yes: true, signals });
    await inFlight(box);
    signals.emit("SIGINT");
    const result = await running;
    assert.equal(result.code, 130);
    assert.match(result.err, /^homelab: stopped before anything was applied; nothing was changed\.$/m);
    assert.ok(!calls(box).some((call) => call.argv[0] === "up"), "pulumi up never ran");
  });

  it("destroy and refresh say how to resume with their own command", async () => {
    for (const op of ["destroy", "refresh"] as const) {
      const box = sandbox({ FAKE_PULUMI_HOLD: op, FAKE_PULUMI_SCENARIO: "drift" });
      const signals = new EventEmitter();
      const running = run(box, op, "lab", { yes: true, signals });
      // The preview-only run comes first and is not held; the apply is.
      await inFlight(box);
      signals.emit("SIGINT");
      const result = await running;
      assert.equal(result.code, 130, `${op}: ${result.err}`);
      assert.match(result.err, new RegExp(`run 'homelab ${op} lab' to carry on from there`));
      assert.ok(!fs.existsSync(lock(box)));
    }
  });

  it("a terminal's Ctrl-C (SIGINT to the whole process group) reaches the CLI once, through homelab", async () => {
    const box = sandbox({ FAKE_PULUMI_HOLD: "up" });
    fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(box.projectDir, "Pulumi.yaml"));
    // A group leader of its own, like a shell's foreground job: the group signal goes to it and its children.
    const child = spawn(process.execPath, [path.join(REPO, "bin", "homelab"), "up", "lab", "--yes"], {
      env: { ...box.env, HOMELAB_PROJECT_DIR: box.projectDir },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.resume();
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => ((running = false), resolve(code))));
    // Whatever fails, leave nothing running: homelab's group, and the CLI (in its own group when isolated).
    const cleanUp = () => {
      if (fs.existsSync(lock(box))) killQuietly(-Number(fs.readFileSync(lock(box), "utf8")));
      if (running) killQuietly(-child.pid!);
    };
    try {
      await check();
    } finally {
      cleanUp();
    }
    async function check() {
      await inFlight(box);
      // The fake CLI writes its pid into the lock it holds.
      const cli = Number(fs.readFileSync(lock(box), "utf8"));
      assert.notEqual(processGroup(cli), processGroup(child.pid!), "the CLI runs in a process group of its own");
      process.kill(-child.pid!, "SIGINT");
      const code = await exited;
      assert.equal(code, 130, err);
      assert.deepEqual(signalsReceived(box), ["SIGINT"], "one Ctrl-C is one interrupt for the CLI, not two (two would terminate it)");
      assert.ok(!fs.existsSync(lock(box)));
      assert.match(err, /run 'homelab up lab' to carry on from there/);
    }
  });
});
