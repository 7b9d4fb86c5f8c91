import { catalogEntry } from "../config/catalog";
import { serviceConfig, stackConfig } from "../config/schema";
import { buildPlan } from "../topology/plan";
import type { Plan } from "../topology/types";
import { changedLeaves, mentions } from "./diff";
import type { RecordedResource } from "./graph";

export type ChangeKind = "add" | "remove" | "vpn" | "tunnel" | "image" | "docker-api" | "user";

/** One one-line edit of a stack config, and what identifies the service it is about. */
export interface Change {
  kind: ChangeKind;
  label: string;
  service: string;
  /** The edited raw config; absent when the change is not applicable (`na` says why). */
  raw?: Record<string, unknown>;
  /**
   * The config the edit starts from, when not the stack as shipped: adding a service the stack already
   * has is measured from the stack without it.
   */
  base?: Record<string, unknown>;
  na?: string;
  /** Logical names that belong to the service: the service, its containers, its own network. */
  owners: string[];
  /** Words that name the service inside other resources' inputs: owners plus its host name. */
  tokens: string[];
  /** The service's image references before and after (their RemoteImages may come or go). */
  images: string[];
}

export const ADDED_SERVICE = "benchadd";
const ADDED_IMAGE = "example/app:1.0.0";
const CONTAINER = "docker:index/container:Container";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
/** Resources of the feature a change switches on: created with the first VPN client / first tunnelled service. */
const FEATURE: Partial<Record<ChangeKind, RegExp>> = { vpn: /gluetun|vpn/i, tunnel: /cloudflare|cloudflared|tunnel/i, "docker-api": /cetusguard|socket/i };
/** The user the Authelia edit adds. */
export const ADDED_USER = "benchuser";

function planOrThrow(raw: Record<string, unknown>): Plan {
  const r = buildPlan(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("; "));
  return r.plan;
}

function identity(plan: Plan, service: string): Pick<Change, "owners" | "tokens" | "images"> {
  const s = plan.services.find((x) => x.name === service);
  const owners = [service, ...(s?.containers ?? []), ...(s?.network ? [s.network] : [])];
  const host = plan.routes.find((r) => r.service === service)?.host;
  const images = plan.containers.filter((c) => c.service === service).map((c) => c.image);
  return { owners, tokens: [...owners, ...(host ? [host] : [])], images };
}

const withService = (raw: Record<string, unknown>, name: string, cfg: Record<string, unknown> | undefined) => {
  const services = { ...(raw.services as Record<string, unknown>) };
  if (cfg) services[name] = cfg;
  else delete services[name];
  return { ...raw, services };
};

/** Tries an edit: the change if the planner accepts it, otherwise n/a with the planner's first complaint. */
function attempt(kind: ChangeKind, label: string, service: string, before: Plan, raw: Record<string, unknown>, base?: Record<string, unknown>): Change {
  const result = buildPlan(raw);
  if (!result.ok) return { kind, label, service, na: `n/a: refused (${result.errors[0].path}: ${result.errors[0].message})`, ...identity(before, service) };
  const a = identity(before, service);
  const b = identity(result.plan, service);
  const union = (x: string[], y: string[]) => [...new Set([...x, ...y])];
  return { kind, label, service, raw, base, owners: union(a.owners, b.owners), tokens: union(a.tokens, b.tokens), images: union(a.images, b.images) };
}

/**
 * The edits the issue about shared services names: a Docker-API consumer comes (Dozzle) or goes
 * (Portainer), the tunnel goes off for one service, a user joins Authelia. None of them may replace a
 * shared service (the socket proxy, the proxy, Authelia, the dashboard).
 */
function sharedServiceEdits(raw: Record<string, unknown>, plan: Plan, candidates: Plan["services"]): Change[] {
  const configured = (raw.services ?? {}) as Record<string, Record<string, unknown>>;
  const changes: Change[] = [];
  if (configured.dozzle) {
    const base = withService(raw, "dozzle", undefined);
    const basePlan = buildPlan(base);
    if (basePlan.ok) changes.push(attempt("docker-api", "add Dozzle", "dozzle", basePlan.plan, raw, base));
    else
      changes.push({
        kind: "docker-api",
        label: "add Dozzle",
        service: "dozzle",
        na: `n/a: the stack without Dozzle does not plan (${basePlan.errors[0].message})`,
        ...identity(plan, "dozzle"),
      });
  } else {
    changes.push(attempt("docker-api", "add Dozzle", "dozzle", plan, withService(raw, "dozzle", {})));
  }
  if (configured.portainer) changes.push(attempt("docker-api", "remove Portainer", "portainer", plan, withService(raw, "portainer", undefined)));
  else
    changes.push({
      kind: "docker-api",
      label: "remove Portainer",
      service: "portainer",
      na: "n/a: the stack has no Portainer",
      ...identity(plan, "portainer"),
    });

  const tunnelled = candidates.find((s) => s.expose === "tunnel")?.name;
  // remoteAuth only applies on the tunnel: it goes with it.
  const { remoteAuth: _tunnelOnly, ...offTunnel } = configured[tunnelled ?? ""] ?? {};
  if (tunnelled) changes.push(attempt("tunnel", `${tunnelled} off the tunnel`, tunnelled, plan, withService(raw, tunnelled, { ...offTunnel, expose: "lan" })));
  else
    changes.push({
      kind: "tunnel",
      label: "a service off the tunnel",
      service: "-",
      na: "n/a: no service of the owner's is on the tunnel",
      owners: [],
      tokens: [],
      images: [],
    });

  const authelia = (raw.authelia ?? {}) as Record<string, unknown>;
  const users = {
    ...((authelia.users ?? {}) as Record<string, unknown>),
    [ADDED_USER]: { displayname: "Bench User", email: `${ADDED_USER}@example.com`, groups: ["users"] },
  };
  changes.push(attempt("user", "add a user to Authelia", ADDED_USER, plan, { ...raw, authelia: { ...authelia, users } }));
  return changes;
}

/**
 * The one-line edits for a shipped stack: five about one service of the owner's, then the shared-service ones. The edited service is picked, not hard-coded: the first
 * (by name) of the owner's own catalog services that is routed, joins no link, is not the proxy and does
 * not read the Docker API — a plain web app whose removal the planner accepts as it stands; for the VPN
 * edit the first such service that may use the VPN, for the tunnel edit the first not on the tunnel yet.
 * VPN and tunnel edits are only made if the schema knows them (a `vpn` key on services; a Cloudflare
 * section for the stack); otherwise they are reported n/a.
 */
export function changesFor(raw: Record<string, unknown>): Change[] {
  const plan = planOrThrow(raw);
  const linked = new Set(Object.values((raw.links ?? {}) as Record<string, { services: string[] }>).flatMap((l) => l.services));
  const configured = (raw.services ?? {}) as Record<string, Record<string, unknown>>;
  const candidates = plan.services.filter(
    (s) => !s.implicit && s.catalog && s.name !== plan.proxy && !s.dockerApi && !linked.has(s.name) && s.expose !== "none" && configured[s.name],
  );
  const target = candidates[0] ?? plan.services.find((s) => !s.implicit && s.name !== plan.proxy)!;
  const t = target.name;
  const changes: Change[] = [];

  changes.push(attempt("add", `add service ${ADDED_SERVICE}`, ADDED_SERVICE, plan, withService(raw, ADDED_SERVICE, { image: ADDED_IMAGE, port: 8080 })));
  changes.push(attempt("remove", `remove ${t}`, t, plan, withService(raw, t, undefined)));

  const vpnTarget = candidates.find((s) => catalogEntry(s.name)?.vpnCapable)?.name ?? t;
  if (!("vpn" in serviceConfig.shape))
    changes.push({
      kind: "vpn",
      label: `${vpnTarget} behind the VPN`,
      service: vpnTarget,
      na: "n/a: VPN not landed (services have no `vpn` key)",
      ...identity(plan, vpnTarget),
    });
  else changes.push(attempt("vpn", `${vpnTarget} behind the VPN`, vpnTarget, plan, withService(raw, vpnTarget, { ...configured[vpnTarget], vpn: true })));

  const tunnelKey = Object.keys(stackConfig.shape).find((k) => /cloudflare|tunnel|remote/i.test(k));
  const tunnelTarget = candidates.find((s) => s.expose !== "tunnel")?.name ?? t;
  const label = `${tunnelTarget} on the tunnel`;
  if (!tunnelKey)
    changes.push({
      kind: "tunnel",
      label,
      service: tunnelTarget,
      na: "n/a: remote access not landed (no Cloudflare section in the schema)",
      ...identity(plan, tunnelTarget),
    });
  else changes.push(attempt("tunnel", label, tunnelTarget, plan, withService(raw, tunnelTarget, { ...configured[tunnelTarget], expose: "tunnel" })));

  const current = plan.containers.find((c) => c.service === t && c.name === target.containers[0])!.image;
  const bumped = current.replace(/:([A-Za-z0-9_][A-Za-z0-9._-]*)$/, (_, tag: string) => `:${tag}-1`);
  changes.push(attempt("image", `${t} image → ${bumped.split("/").pop()}`, t, plan, withService(raw, t, { ...configured[t], image: bumped })));
  changes.push(...sharedServiceEdits(raw, plan, candidates));
  return changes;
}

export interface Finding {
  op: "create" | "delete" | "update";
  type: string;
  name: string;
  why: string;
}

export interface ChurnResult {
  needed: Finding[];
  collateral: Finding[];
}

/**
 * Splits what an edit changed (by URN: created, deleted, inputs updated) into what the edit needs and
 * collateral. Needed, strictly:
 *  - the edited service's own resources (its component and everything under it, its containers, its
 *    own network) — for an image change only their `image` input may change;
 *  - the RemoteImage of an image the service uses or stops using (shared cache: pulled or dropped);
 *  - for VPN / tunnel edits, newly created resources of that feature (the first client creates Gluetun,
 *    the first exposure the tunnel);
 *  - any other non-container resource whose every changed part names the service (a route, a dashboard
 *    entry, a tunnel ingress rule, a DNS record or Access application for its host).
 * Everything else is collateral — in particular any update to another service's container, since almost
 * every container input forces a replacement.
 */
export function classifyChurn(
  change: Pick<Change, "kind" | "owners" | "tokens" | "images">,
  before: readonly RecordedResource[],
  after: readonly RecordedResource[],
): ChurnResult {
  const all = new Map<string, RecordedResource>([...before, ...after].map((r) => [r.urn, r]));
  const lineage = (r: RecordedResource): RecordedResource[] => {
    const chain = [r];
    for (let p = r.parent && all.get(r.parent); p && chain.length < 50; p = p.parent ? all.get(p.parent) : undefined) chain.push(p);
    return chain;
  };
  const owned = (r: RecordedResource) => lineage(r).some((x) => change.owners.includes(x.name));
  const feature = FEATURE[change.kind];
  const ofFeature = (r: RecordedResource) => !!feature && lineage(r).some((x) => feature.test(x.type) || feature.test(x.name));
  const names = (r: RecordedResource) => mentions(`${r.name} ${JSON.stringify(r.inputs ?? {})}`, change.tokens);

  const result: ChurnResult = { needed: [], collateral: [] };
  const note = (needed: boolean, f: Finding) => (needed ? result.needed : result.collateral).push(f);
  const beforeByUrn = new Map(before.map((r) => [r.urn, r]));
  const afterByUrn = new Map(after.map((r) => [r.urn, r]));

  for (const [op, r] of [
    ...after.filter((r) => !beforeByUrn.has(r.urn)).map((r) => ["create", r] as const),
    ...before.filter((r) => !afterByUrn.has(r.urn)).map((r) => ["delete", r] as const),
  ]) {
    const f = { op, type: r.type, name: r.name };
    if (owned(r)) note(change.kind !== "image", { ...f, why: change.kind === "image" ? "an image change should update in place" : "the service's own" });
    else if (ofFeature(r) && op === "create") note(true, { ...f, why: `new ${change.kind} resource` });
    else if (r.type === REMOTE_IMAGE) note(change.images.includes(String(r.inputs?.name)), { ...f, why: `image ${String(r.inputs?.name)}` });
    else note(r.type !== CONTAINER && names(r), { ...f, why: names(r) ? "names the service" : "unrelated to the service" });
  }

  for (const r of after) {
    const old = beforeByUrn.get(r.urn);
    if (!old) continue;
    const leaves = changedLeaves(old.inputs ?? {}, r.inputs ?? {});
    if (leaves.length === 0) continue;
    const f = { op: "update" as const, type: r.type, name: r.name };
    const paths = [...new Set(leaves.map((l) => l.path.split(/[.[:]/)[0]))].join(", ");
    if (owned(r)) {
      const stray = change.kind === "image" ? leaves.filter((l) => l.path !== "image") : [];
      note(stray.length === 0, { ...f, why: stray.length ? `also changed: ${stray.map((l) => l.path).join(", ")}` : `the service's own (${paths})` });
    } else if (r.type === CONTAINER) {
      note(false, { ...f, why: `replaces another container (${paths})` });
    } else {
      const stray = leaves.filter((l) => !mentions(JSON.stringify([l.before, l.after]), change.tokens));
      note(stray.length === 0, {
        ...f,
        why: stray.length ? `changed without naming the service: ${stray.map((l) => l.path).join(", ")}` : `lists the service (${paths})`,
      });
    }
  }
  return result;
}
