// Runs the restic binary: one place that turns its failures into one clear line and its --json
// status stream into progress. Message shapes: restic internal/ui/backup/json.go (status, summary).
import { spawn } from "node:child_process";

/** A failure the owner fixes by changing their setup; printed as one line. */
export class BackupError extends Error {}

export interface Repository {
  url: string;
  /** RESTIC_PASSWORD and the backend's credentials, as restic reads them from its environment. */
  env: Record<string, string>;
}

export interface ResticResult {
  stdout: string;
  stderr: string;
}

interface RunOptions {
  /** Each --json line of stdout, parsed, as it arrives. */
  onJson?: (message: Record<string, unknown>) => void;
  /** The environment restic starts from (the repository's variables are added); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * What went wrong, from restic's stderr, in words the owner acts on. restic 0.14 (Debian) has no
 * distinct exit codes for these (0.17 added 10 and 12), so the messages decide.
 */
export function describeFailure(repo: string, stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.some((l) => /wrong password|no key found/i.test(l)))
    return `homelab: wrong password for the restic repository ${repo} (homelab:backupCredentials.password); nothing was changed`;
  if (lines.some((l) => /Is there a repository at the following location|repository does not exist/i.test(l)))
    return `homelab: no restic repository at ${repo} yet: 'homelab backup <stack>' creates it; nothing was changed`;
  if (lines.some((l) => /unable to open|connection refused|no such host|dial tcp|ssh command exited|permission denied|timeout/i.test(l)))
    return `homelab: the restic repository ${repo} is unreachable (${lines.find((l) => l.startsWith("Fatal:"))?.slice(7) ?? lines.at(-1)}); nothing was changed`;
  return `homelab: restic failed: ${lines.filter((l) => !l.startsWith("{")).at(-1) ?? "no error output"}`;
}

export function restic(repo: Repository, args: string[], options: RunOptions = {}): Promise<ResticResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("restic", args, {
      env: { ...(options.env ?? process.env), ...repo.env, RESTIC_REPOSITORY: repo.url, RESTIC_PROGRESS_FPS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (!options.onJson) return;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        try {
          options.onJson(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a partial or foreign line: progress is best effort, the summary is read from stdout at the end
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        new BackupError(
          err.code === "ENOENT"
            ? "homelab: restic is not installed (Debian: apt-get install restic); nothing was changed"
            : `homelab: restic could not start: ${err.message}`,
        ),
      ),
    );
    child.on("close", (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new BackupError(describeFailure(repo.url, stderr)))));
  });
}

/** Opens the repository (reachable, password right) before anything is touched; creates it only when asked and it does not exist. */
export async function checkRepository(repo: Repository, create: boolean): Promise<"opened" | "created"> {
  try {
    await restic(repo, ["cat", "config"]);
    return "opened";
  } catch (err) {
    if (!create || !(err instanceof BackupError) || !/no restic repository/.test(err.message)) throw err;
    await restic(repo, ["init"]);
    return "created";
  }
}

export interface Snapshot {
  id: string;
  short_id: string;
  time: string;
  tags?: string[];
  paths: string[];
  hostname: string;
}

export async function snapshots(repo: Repository, filters: string[]): Promise<Snapshot[]> {
  const { stdout } = await restic(repo, ["snapshots", "--json", ...filters]);
  return (JSON.parse(stdout || "[]") as Snapshot[] | null) ?? [];
}
