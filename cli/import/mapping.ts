import * as path from "node:path";
import { catalogEntry, SOCKET_PROXY, type CatalogEntry } from "../../config/catalog";
import { NAME_PATTERN, serviceConfig } from "../../config/schema";
import type { ComposeService, Located, VolumeSpec } from "./compose";
import { catalogByImage, parseImage, unpinned } from "./images";
import { provided, PROVIDED_ROLES } from "./provided";
import { isSecretName, schemaTakesSecretAt } from "./secrets";
import { dropUndefined, findDomain, mostCommon, ruleSubdomain } from "./settings";
import type { Context, ImportResult } from "./types";
import { ImportError } from "./errors";
import { linksFromCompose } from "./links";
import { pruneInvalid } from "./prune";
import { chooseVpnMode, type VpnRouting } from "./vpnMode";

/** Images doing the job of a service the stack provides, under another name. */
const EQUIVALENTS: Record<string, string> = { "tecnativa/docker-socket-proxy": SOCKET_PROXY, "linuxserver/socket-proxy": SOCKET_PROXY };
/** Env the catalog decides for LinuxServer-style images (PUID/PGID/TZ become stack settings). */
const STACK_ENV = new Set(["PUID", "PGID", "TZ", "UMASK", "UMASK_SET"]);
/** Whether the schema has per-service LAN ports (`publish`), so the report can offer them. */
const PUBLISH_KEY = "publish" in serviceConfig.shape;
const DOCKER_SOCKET = /(^|\/)docker\.sock$/;

/** A compose service name as a homelab service name (a lower-case DNS label). */
export function serviceName(name: string): string | undefined {
  const n = name
    .toLowerCase()
    .replace(/[_.\s]+/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/^[^a-z]+/, "")
    .slice(0, 32)
    .replace(/-+$/, "");
  return NAME_PATTERN.test(n) ? n : undefined;
}

export function mapCompose(composeServices: ComposeService[], options: { domain?: string } = {}): ImportResult {
  const errors: string[] = [];
  for (const s of composeServices) {
    if (!s.image && s.build)
      errors.push(`${s.build.at}: service '${s.name}' has only build: — homelab runs published images: build and push it, then give it an image:`);
    else if (!s.image) errors.push(`${s.at}: service '${s.name}' has no image`);
  }
  const domain = findDomain(composeServices, options.domain);
  if (!domain) errors.push("no domain found (no Traefik Host rule, no SWAG URL): pass --domain, e.g. --domain home.example.com");
  if (errors.length) throw new ImportError(errors);

  const ctx: Context = {
    domain: domain!,
    services: {},
    secrets: [],
    report: { catalog: [], provided: [], custom: [], dropped: [], changes: [], warnings: [] },
    comments: {},
    ids: { puid: [], pgid: [], tz: [], config: [], data: [] },
    listed: new Map(),
    routedInCompose: new Set(),
    socketWrite: false,
  };
  const lookup = catalogByImage();
  const entryOf = (s: ComposeService) => lookup(s.image!.value) ?? equivalent(s) ?? providedByName(s);
  const gateways = composeServices.filter((s) => entryOf(s)?.main.role === "vpn-gateway");
  const gatewayRefs = new Set(gateways.flatMap((g) => [`service:${g.name}`, `container:${g.containerName ?? g.name}`]));

  const stack: Record<string, unknown> = { domain: ctx.domain };
  for (const svc of composeServices) {
    const entry = entryOf(svc);
    collectIds(svc, ctx);
    if (entry && PROVIDED_ROLES.has(entry.main.role)) provided(svc, entry, stack, ctx);
    else mapApp(svc, entry, gatewayRefs, ctx);
  }
  if (!stack.proxy) stack.proxy = "traefik";
  if (stack.proxy === "traefik" && !composeServices.some((s) => entryOf(s)?.main.role === "proxy"))
    ctx.report.changes.push("no reverse proxy in the compose files: Traefik is added (homelab:proxy: traefik)");
  if (!composeServices.some((s) => entryOf(s)?.main.role === "ips"))
    ctx.report.changes.push("CrowdSec is added in front of the proxy (homelab:crowdsec.enabled: false turns it off)");

  Object.assign(stack, stackIds(ctx));
  if (ctx.socketWrite) stack.socketProxy = { allowWrite: true };
  stack.services = ctx.services;
  const linked = linksFromCompose(composeServices, ctx.listed, (n) => ctx.services[n]?.enabled !== false);
  if (Object.keys(linked.links).length) stack.links = linked.links;
  ctx.report.changes.push(...linked.changes);
  carrySecretEnv(stack, ctx);
  const valid = pruneInvalid(stack, ctx.secrets, ctx.report);
  applyRouting(stack, chooseVpnMode(valid, new Set(ctx.listed.values()), ctx.routedInCompose), ctx);
  return { config: dropUndefined(stack), secrets: ctx.secrets, report: ctx.report, comments: ctx.comments };
}

/** Images the catalog does not hold but the stack replaces with one it does (a socket proxy by cetusguard). */
function equivalent(s: ComposeService): CatalogEntry | undefined {
  const name = EQUIVALENTS[parseImage(s.image!.value).repository];
  return name ? catalogEntry(name) : undefined;
}

/** A service named like one the stack runs itself (gluetun, traefik …) is that one, whatever image it runs. */
function providedByName(s: ComposeService): CatalogEntry | undefined {
  const entry = catalogEntry(serviceName(s.name) ?? "");
  return entry && PROVIDED_ROLES.has(entry.main.role) ? entry : undefined;
}

function collectIds(svc: ComposeService, ctx: Context): void {
  const env = svc.environment;
  if (env.get("PUID")) ctx.ids.puid.push(env.get("PUID")!.value);
  if (env.get("PGID")) ctx.ids.pgid.push(env.get("PGID")!.value);
  if (env.get("TZ")) ctx.ids.tz.push(env.get("TZ")!.value);
}

function stackIds(ctx: Context): Record<string, unknown> {
  const num = (v?: string) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const config = mostCommon(ctx.ids.config);
  const data = mostCommon(ctx.ids.data);
  return dropUndefined({
    timezone: mostCommon(ctx.ids.tz),
    puid: num(mostCommon(ctx.ids.puid)),
    pgid: num(mostCommon(ctx.ids.pgid)),
    paths: config || data ? dropUndefined({ config, data }) : undefined,
  });
}

/** A catalog app or a custom service: one entry in homelab:services. */
function mapApp(svc: ComposeService, entry: CatalogEntry | undefined, gatewayRefs: Set<string>, ctx: Context): void {
  const image = parseImage(svc.image!.value);
  const taken = entry && Object.prototype.hasOwnProperty.call(ctx.services, entry.name);
  const catalog = entry && !taken ? entry : undefined;
  const name = catalog?.name ?? serviceName(svc.name);
  if (!name || ctx.services[name]) {
    ctx.report.dropped.push({
      service: svc.name,
      text: `the service: its name cannot be a homelab service name${name ? ` ('${name}' is taken)` : ""}; add it by hand under another name`,
      at: svc.at,
    });
    return;
  }
  ctx.listed.set(svc.name, name);
  const cfg: Record<string, unknown> = {};
  const notes: string[] = [];
  const sub = ruleSubdomain(svc, ctx.domain);
  if (sub && sub !== name && NAME_PATTERN.test(sub)) cfg.subdomain = sub;

  // an image of its own under a catalog name (jellyfin/jellyfin as jellyfin): the catalog entry with that image
  const named = catalog ?? (entry ? undefined : catalogEntry(name));
  if (named) {
    const pinned = parseImage(named.main.image).tag;
    if (!catalog && !unpinned(image)) {
      cfg.image = svc.image!.value;
      notes.push(`the catalog entry with your image ${svc.image!.value}`);
    } else if (!catalog) notes.push(`your image ${svc.image!.value} is not pinned: the catalog's ${named.main.image} instead`);
    else if (unpinned(image)) notes.push(`${image.tag ?? "untagged"} → pinned ${pinned}`);
    else if (image.tag !== pinned) notes.push(`compose pinned ${image.tag}, the catalog pins ${pinned}`);
  } else {
    const port = mainPort(svc);
    if (port) cfg.port = port;
    if (unpinned(image)) {
      cfg.enabled = false;
      ctx.comments[name] = `${svc.image!.value} is not pinned: set image: to a version tag, then remove enabled: false`;
      notes.push(`image ${svc.image!.value} is not pinned: left disabled for you to pin`);
    } else cfg.image = svc.image!.value;
  }
  if (svc.networkMode) {
    if (gatewayRefs.has(svc.networkMode.value)) ctx.routedInCompose.add(name);
    else
      ctx.report.dropped.push({ service: svc.name, text: `network_mode: ${svc.networkMode.value}: homelab gives it its own network`, at: svc.networkMode.at });
  }
  mapVolumes(svc, name, named, cfg, ctx);
  mapEnv(svc, name, named, cfg, ctx);
  for (const n of svc.notCarried) ctx.report.dropped.push({ service: svc.name, text: n.value, at: n.at });
  if (!named && svc.command)
    ctx.report.dropped.push({ service: svc.name, text: "command/entrypoint: custom services run their image's own", at: svc.command.at });
  const url = `https://${String(cfg.subdomain ?? name)}.${ctx.domain}`;
  const webPort = named?.main.port ?? (cfg.port as number | undefined);
  for (const p of svc.ports.filter((p) => p.value.published)) {
    const web = p.value.target === webPort;
    ctx.report.dropped.push({
      service: svc.name,
      text: `host port ${p.value.published}:${p.value.target}${web ? ` (the web UI moves behind the proxy: ${url})` : ": homelab publishes only the proxy's 80/443"}`,
      at: p.at,
    });
    const keep = PUBLISH_KEY ? ` (publish: [${p.value.target}] keeps IP:port too)` : "";
    if (web) ctx.report.changes.push(`${name}: ${url} instead of port ${p.value.published!.split(":").pop()} on the host's IP${keep}`);
  }

  ctx.services[name] = cfg;
  const as = name === svc.name ? name : `${name} (was ${svc.name})`;
  const line = { service: svc.name, text: `${as}${notes.length ? `: ${notes.join("; ")}` : ""}`, at: svc.image!.at };
  (named ? ctx.report.catalog : ctx.report.custom).push(line);
}

/** The port behind the proxy: Traefik's loadbalancer port label, else the first published port's container side. */
function mainPort(svc: ComposeService): number | undefined {
  const label = [...svc.labels].find(([k]) => /^traefik\.http\.services\.[^.]+\.loadbalancer\.server\.port$/.test(k))?.[1].value;
  const port = Number(label ?? svc.ports[0]?.value.target);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

function mapVolumes(svc: ComposeService, name: string, catalog: CatalogEntry | undefined, cfg: Record<string, unknown>, ctx: Context): void {
  const mounts = catalog
    ? [catalog.main, ...(catalog.companions ?? [])].flatMap((c) => c.mounts ?? [])
    : [{ source: { kind: "config" as const }, target: "/config" }];
  const configTargets = new Set(mounts.filter((m) => m.source.kind === "config").map((m) => m.target));
  const dataTargets = new Set(mounts.filter((m) => m.source.kind === "data").map((m) => m.target));
  for (const v of svc.volumes) {
    const { source, target } = v.value;
    if (source && DOCKER_SOCKET.test(source)) {
      socketMount(svc, catalog, v, cfg, ctx);
      continue;
    }
    if (v.value.bind && configTargets.has(target) && configTargets.size === 1) {
      const folder = path.posix.basename(source!);
      ctx.ids.config.push(path.posix.dirname(source!));
      if (folder !== name) ctx.report.changes.push(`${name}: its config folder becomes <paths.config>/${name}: move ${source} there`);
      continue;
    }
    if (v.value.bind && dataTargets.has(target)) {
      ctx.ids.data.push(source!);
      continue;
    }
    ctx.report.dropped.push({
      service: svc.name,
      text: `volume ${describeVolume(v.value)}: homelab mounts <paths.config>/${name}${dataTargets.size ? " and <paths.data> at /data" : " at /config"}`,
      at: v.at,
    });
  }
}

const describeVolume = (v: VolumeSpec) => `${v.source ?? "(anonymous)"}:${v.target}${v.readOnly ? ":ro" : ""}`;

/** The Docker socket: only the socket proxy mounts it; a custom service reads the API through it instead. */
function socketMount(svc: ComposeService, catalog: CatalogEntry | undefined, v: Located<VolumeSpec>, cfg: Record<string, unknown>, ctx: Context): void {
  if (catalog?.dockerApi) {
    ctx.socketWrite ||= catalog.dockerApi === "write" && !v.value.readOnly;
    ctx.report.changes.push(
      `${catalog.name}: reads the Docker API through the socket proxy instead of ${v.value.source}${catalog.dockerApi === "write" ? " (write access granted: homelab:socketProxy.allowWrite)" : ""}`,
    );
    return;
  }
  if (!catalog) {
    cfg.role = "monitoring";
    cfg.dockerApi = "read";
  }
  ctx.report.dropped.push({
    service: svc.name,
    text: `volume ${describeVolume(v.value)}: the Docker socket is mounted only by the socket proxy${catalog ? "" : "; it reads the API through it (dockerApi: read; write access needs dockerApi: write and homelab:socketProxy.allowWrite)"}`,
    at: v.at,
  });
}

/** Plain env stays in the stack file; secret env goes to the secret commands (or is reported when the schema cannot hold it). */
function mapEnv(svc: ComposeService, name: string, catalog: CatalogEntry | undefined, cfg: Record<string, unknown>, ctx: Context): void {
  const decided = new Set([
    ...STACK_ENV,
    ...(catalog?.main.portEnv ? [catalog.main.portEnv] : []),
    ...(catalog?.dockerApi ? ["DOCKER_HOST"] : []),
    ...Object.keys(catalog?.main.env?.({ container: () => "", service: () => "", domain: "" }) ?? {}),
  ]);
  const env: Record<string, string> = {};
  for (const [key, v] of svc.environment) {
    if (decided.has(key)) {
      if (!STACK_ENV.has(key)) ctx.report.dropped.push({ service: svc.name, text: `env ${key}: set by homelab's catalog entry`, at: v.at });
      continue;
    }
    if (isSecretName(key) || [...v.vars].some(isSecretName) || catalog?.dbPasswordEnv === key) {
      if (v.value) ctx.secrets.push({ path: ["services", name, "env", key], value: v.value, at: v.at });
      continue;
    }
    env[key] = v.value;
  }
  if (Object.keys(env).length) cfg.env = env;
}

/** Secret env the schema cannot hold as a secret (plain-text-only keys) is reported, never written. */
function carrySecretEnv(stack: Record<string, unknown>, ctx: Context): void {
  ctx.secrets = ctx.secrets.filter((s) => {
    if (s.path[0] !== "services" || schemaTakesSecretAt(stack, s.path)) return true;
    ctx.report.dropped.push({
      service: s.path[1],
      text: `env ${s.path[3]} (a secret): homelab:services.${s.path[1]}.env holds plain text only, so it is not carried; set it in the app`,
      at: s.at,
    });
    return false;
  });
}

function applyRouting(stack: Record<string, unknown>, routing: VpnRouting, ctx: Context): void {
  if (!stack.vpn && ctx.routedInCompose.size) ctx.report.warnings.push("services use another container's network, but no Gluetun was found");
  if (stack.vpn) (stack.vpn as Record<string, unknown>).mode = routing.mode;
  for (const [name, vpn] of routing.overrides) ctx.services[name].vpn = vpn;
  for (const [name, reason] of routing.notRoutable) ctx.report.dropped.push({ service: name, text: `network_mode through Gluetun: ${reason}`, at: "" });
  if (routing.mode !== "off")
    ctx.report.changes.push(
      `VPN mode ${routing.mode}: routed through Gluetun: ${[...routing.routed].sort().join(", ")}; a routed service shares Gluetun's network namespace`,
    );
  ctx.report.changes.push(
    "every service gets its own network (vnet-<service>) instead of the compose networks; web UIs sit behind the proxy and Authelia at https://<service>." +
      ctx.domain,
  );
}
