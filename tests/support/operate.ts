// Shared set-up for the driver tests: a throw-away project and home folder, the fake `pulumi`
// first on PATH, and captured output.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EventEmitter } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { operate, Operation, type OperateOptions } from "../../cli/operate";

export const FAKE_BIN = path.join(__dirname, "..", "cli", "operate", "fixtures", "bin");

export interface Sandbox {
  root: string;
  projectDir: string;
  home: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

const created: string[] = [];

/** Removes every sandbox made so far; call from an `after` hook. */
export function removeSandboxes(): void {
  for (const root of created.splice(0)) fs.rmSync(root, { recursive: true, force: true });
}

export function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-operate-"));
  created.push(root);
  const projectDir = path.join(root, "project");
  const home = path.join(root, "home");
  fs.mkdirSync(projectDir);
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: homelab\nruntime: nodejs\n");
  fs.writeFileSync(path.join(projectDir, "Pulumi.lab.yaml"), "config:\n  homelab:domain: lab.example.test\n");
  const log = path.join(root, "pulumi-calls.jsonl");
  const env: NodeJS.ProcessEnv = {
    // node itself must stay reachable: the fake is a node script.
    PATH: [FAKE_BIN, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
    HOME: home,
    PULUMI_CONFIG_PASSPHRASE: "correct horse",
    FAKE_PULUMI_LOG: log,
    ...extraEnv,
  };
  return { root, projectDir, home, log, env };
}

export interface Call {
  argv: string[];
  cwd: string;
  backend?: string;
  passphrase: boolean;
}

export function calls(box: Sandbox): Call[] {
  if (!fs.existsSync(box.log)) return [];
  return fs
    .readFileSync(box.log, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Call);
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
  ms: number;
}

export async function run(box: Sandbox, op: Operation, stack = "lab", options: RunOptions = {}): Promise<RunResult> {
  return invoke(box, (opts) => operate(op, stack, opts), options);
}

export interface RunOptions {
  yes?: boolean;
  interactive?: boolean;
  answers?: string;
  env?: NodeJS.ProcessEnv;
  policy?: boolean;
  signals?: EventEmitter;
  onApplied?: OperateOptions["onApplied"];
}

/** Runs one driver entry point (operate, printCaCertificate…) in the sandbox with captured streams. */
export async function invoke(box: Sandbox, entry: (opts: OperateOptions) => Promise<number>, options: RunOptions = {}): Promise<RunResult> {
  const stdout = capture();
  const stderr = capture();
  const stdin = new PassThrough();
  if (options.answers !== undefined) stdin.end(options.answers);
  const started = Date.now();
  const code = await entry({
    projectDir: box.projectDir,
    env: options.env ?? box.env,
    yes: options.yes,
    interactive: options.interactive ?? false,
    stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
    policy: options.policy,
    // Never the test process's own signals: Ctrl-C is delivered through an emitter where a test wants it.
    signals: options.signals ?? new EventEmitter(),
    onApplied: options.onApplied,
  });
  return { code, out: stdout.text(), err: stderr.text(), ms: Date.now() - started };
}

/** Resolves once the fake CLI has an operation in flight (FAKE_PULUMI_HOLD), the moment to press Ctrl-C. */
export async function inFlight(box: Sandbox, timeoutMs = 20_000): Promise<void> {
  const marker = `${box.log}.inflight`;
  for (const started = Date.now(); !fs.existsSync(marker);) {
    if (Date.now() - started > timeoutMs) throw new Error("the fake pulumi never reached its held operation");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The signals the fake CLI received, in order. */
export function signalsReceived(box: Sandbox): string[] {
  const file = `${box.log}.signals`;
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { signal: string }).signal)
    : [];
}

export const stateBackend = (box: Sandbox, ...parts: string[]) => path.join(box.home, ".homelab", "state", ...parts);
