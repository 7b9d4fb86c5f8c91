import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackConfig } from "../../config/load";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import type { Plan, PlanProblem, PlanResult } from "../../topology/types";
import { PROJECT_DIR } from "./program";

/** The shipped stacks. */
export const STACKS = ["home", "lab"] as const;

/** Every VPN-capable service the home stack runs (whisparr is disabled there). */
export const HOME_MEDIA = [
  "bazarr",
  "jellyfin",
  "jellyseerr",
  "lidarr",
  "mylar",
  "plex",
  "prowlarr",
  "qbittorrent",
  "radarr",
  "readarr",
  "sabnzbd",
  "sonarr",
  "tdarr",
  "unpackerr",
];

/** Cloudflare remote access on, for tests that need a tunnel: made-up account and zone ids. */
export const CLOUDFLARE = {
  enabled: true,
  accountId: "0123456789abcdef0123456789abcdef",
  zoneId: "fedcba9876543210fedcba9876543210",
  zone: "example.com",
  allow: { emails: ["owner@example.com"] },
};

/** The raw config of a shipped stack, as the CLI and the program see it, with whole top-level keys replaced (undefined removes one). */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...readStackConfig(PROJECT_DIR, stack), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete raw[key];
  return raw;
}

/** A shipped stack's config with whole top-level keys replaced (null or undefined removes one) and per-service settings merged in. */
export function stackWith(
  stack: string,
  overrides: Record<string, unknown> = {},
  services: Record<string, Record<string, unknown>> = {},
): Record<string, unknown> {
  const raw = stackConfig(stack, Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, value ?? undefined])));
  const current = (raw.services ?? {}) as Record<string, Record<string, unknown>>;
  raw.services = { ...current, ...Object.fromEntries(Object.entries(services).map(([name, s]) => [name, { ...current[name], ...s }])) };
  return raw;
}

/** Reads a stack file after a textual edit, the way an owner changes it. */
export function stackFileEdited(stack: string, edit: (text: string) => string): Record<string, unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-stack-"));
  const file = `Pulumi.${stack}.yaml`;
  fs.writeFileSync(path.join(dir, file), edit(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8")));
  try {
    return readStackConfig(dir, stack);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A small valid config to vary in unit tests. */
export function minimalConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { domain: "home.example.com", lan: "192.168.1.0/24", services: { jellyfin: {} }, ...overrides };
}

/** minimalConfig with a few stateful services and homelab:backup on (a local restic repository). */
export function minimalBackupConfig(backup: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return minimalConfig({
    services: { jellyfin: {}, immich: {}, sonarr: {} },
    backup: { repository: "/srv/backups/restic", ...backup },
    backupCredentials: { password: new SecretValue("pw") },
    ...extra,
  });
}

/** The plan of any raw config; fails with every error when the config does not plan. */
export function planOf(raw: unknown): Plan {
  const result = buildPlan(raw);
  if (!result.ok) throw new Error(`expected a plan, got errors:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  return result.plan;
}

/** The plan of a shipped stack with whole top-level keys replaced (see stackConfig). */
export function stackPlan(stack: string, overrides?: Record<string, unknown>): Plan {
  const result = buildPlan(stackConfig(stack, overrides));
  if (!result.ok) assert.fail(`stack ${stack} does not plan:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  return result.plan;
}

/** A plan result's errors as `path: message` lines (none when it planned). */
export function errorsOf(result: PlanResult): string[] {
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

/** The problems of a raw config that must not plan; fails when it does. */
export function planProblems(raw: unknown): PlanProblem[] {
  const result = buildPlan(raw);
  if (result.ok) throw new Error("expected the plan to fail");
  return result.errors;
}
