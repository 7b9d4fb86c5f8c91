import type { SecretEnvRef } from "../config/secret";
import type { PlannedContainer, PlannedFile, PlannedMount } from "./types";

/**
 * What a planner step adds to a container another step planned (the proxy's routes, a database password, the
 * tunnel token): steps return these instead of changing the containers, and plan.ts merges them in step order.
 * Maps are merged key by key, lists are appended; `args` are appended to the container's command.
 */
export interface ContainerPatch {
  /** Docker name of the container. */
  container: string;
  env?: Record<string, string>;
  secretEnv?: Record<string, SecretEnvRef>;
  labels?: Record<string, string>;
  files?: PlannedFile[];
  mounts?: PlannedMount[];
  args?: string[];
  addresses?: Record<string, string>;
}

function applyPatch(c: PlannedContainer, p: ContainerPatch): PlannedContainer {
  const next = { ...c };
  if (p.env) next.env = { ...c.env, ...p.env };
  if (p.secretEnv) next.secretEnv = { ...c.secretEnv, ...p.secretEnv };
  if (p.labels) next.labels = { ...c.labels, ...p.labels };
  if (p.addresses) next.addresses = { ...c.addresses, ...p.addresses };
  if (p.files) next.files = [...(c.files ?? []), ...p.files];
  if (p.mounts) next.mounts = [...c.mounts, ...p.mounts];
  if (p.args) next.command = [...(c.command ?? []), ...p.args];
  return next;
}

/** The containers with every patch merged, in the order given; a patch for a container the plan lacks changes nothing. */
export function applyPatches(containers: PlannedContainer[], patches: ContainerPatch[]): PlannedContainer[] {
  const byContainer = new Map<string, ContainerPatch[]>();
  for (const p of patches) byContainer.set(p.container, [...(byContainer.get(p.container) ?? []), p]);
  return containers.map((c) => (byContainer.get(c.name) ?? []).reduce(applyPatch, c));
}
