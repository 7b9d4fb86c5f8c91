import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dump, load } from "js-yaml";
import { PROJECT_DIR } from "./program";

/**
 * A throw-away project folder holding Pulumi.yaml and one stack file: a shipped stack's config with
 * whole `homelab:` keys replaced (e.g. `hosts` and `services` for a multi-host stack), for CLI runs.
 */
export function projectWith(base: string, stack: string, overrides: Record<string, unknown>): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-hosts-"));
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const doc = load(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${base}.yaml`), "utf8")) as { config: Record<string, unknown> };
  for (const [key, value] of Object.entries(overrides)) doc.config[`homelab:${key}`] = value;
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), dump(doc));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs bin/homelab over a project folder; `home` is HOMELAB_HOME (where the local state would go). */
export function runHomelab(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [path.join(PROJECT_DIR, "bin", "homelab"), ...args],
      { env: { ...process.env, HOMELAB_PROJECT_DIR: dir, ...env }, timeout: 60_000 },
      (e, out, err) => resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err }),
    ),
  );
}
