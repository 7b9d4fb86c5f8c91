import { catalogEntry, GLUETUN, GLUETUN_PORTS, type ContainerSpec } from "../config/catalog";
import type { StackConfig, VpnConfig, VpnCredentials } from "../config/schema";
import { SecretEnvRef } from "../config/secret";
import { containerSpecs, PUBLISHED_LABEL } from "./containers";
import type { Naming } from "./naming";
import { compareNames } from "./order";
import { sharedNamespaceMode } from "./policy";
import type { PlannedContainer, PlannedNetwork, PlanProblem, ResolvedService, Route, VpnClient } from "./types";

/**
 * VPN routing through Gluetun (seed 001's *full* and *minimal* modes). Three steps, run by the planner:
 *   1. `routeServices` — which services are routed (mode + per-service `vpn`), port clashes inside the shared
 *      namespace (remapped where the image allows it, an error otherwise), the Gluetun service added;
 *   2. `attachToGateway` — routed containers share Gluetun's namespace, Gluetun gets their ports, the
 *      networks their links need, its provider settings, firewall subnets and credentials;
 *   3. `routeUpstreams` — the proxy reaches a routed service at `<gluetun>:<port>`.
 */

const CREDENTIALS_KEY = "homelab:vpnCredentials";

export interface VpnDecision {
  /** Names of the services routed through Gluetun. */
  routed: Set<string>;
  /** The services with Gluetun added (when anything is routed) and remapped ports applied. */
  services: ResolvedService[];
  /** VPN_PORT_FORWARDING_UP_COMMAND: hands the forwarded port to the routed app that takes one (qBittorrent). */
  forwardedPortCommand?: string;
  problems: PlanProblem[];
  warnings: string[];
}

/** Why a service can never be routed, or undefined when it can. */
export function notRoutable(svc: ResolvedService): string | undefined {
  const roles = containerSpecs(svc).map((c) => c.role);
  if (svc.entry.main.role === "vpn-gateway") return "it is the VPN gateway itself";
  if (roles.includes("proxy")) return "the reverse proxy must stay reachable from the LAN and the Internet";
  if (roles.includes("auth")) return "the SSO portal must stay reachable by the proxy and the browser";
  if (roles.includes("tunnel")) return "the Cloudflare tunnel must reach Cloudflare directly";
  if (roles.includes("socket-proxy")) return "the Docker API proxy serves vnet-socket only";
  if (roles.some((r) => r === "database" || r === "cache")) return `its database/cache talks to it over vnet-${svc.name}, which a shared namespace cannot join`;
  if (svc.entry.companions?.length) return `its companion containers talk to it over vnet-${svc.name}, which a shared namespace cannot join`;
  if (svc.entry.dockerApi) return "it reads the Docker API over vnet-socket, which Gluetun does not join";
  if (!svc.entry.vpnCapable) return "its catalog entry is not VPN-capable";
  return undefined;
}

/** Whether the mode (or the service's own `vpn` key) routes it; `homelab import` asks this to choose the mode. */
export function wantsVpn(svc: ResolvedService, mode: "full" | "minimal" | "off"): boolean {
  if (svc.config.vpn !== undefined) return svc.config.vpn;
  if (notRoutable(svc)) return false;
  return mode === "full" || (mode === "minimal" && !!svc.entry.downloader);
}

/** Gluetun's own ports, reserved in the namespace its clients share (the proxies only when turned on). */
function gatewayPorts(cfg: StackConfig): Map<number, string> {
  return new Map([
    [GLUETUN_PORTS.control, "Gluetun's control server"],
    [GLUETUN_PORTS.health, "Gluetun's health server"],
    ...(cfg.vpn?.httpProxy ? [[GLUETUN_PORTS.httpProxy, "Gluetun's HTTP proxy"] as const] : []),
    ...(cfg.vpn?.shadowsocks ? [[GLUETUN_PORTS.shadowsocks, "Gluetun's Shadowsocks server"] as const] : []),
  ]);
}

export function routeServices(cfg: StackConfig, services: ResolvedService[]): VpnDecision {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const mode = cfg.vpn?.mode ?? "off";
  const routed = new Set<string>();
  for (const svc of services) {
    if (!wantsVpn(svc, mode)) continue;
    const reason = notRoutable(svc);
    if (reason) problems.push({ path: `homelab:services.${svc.name}.vpn`, message: `'${svc.name}' cannot be routed through the VPN: ${reason}` });
    else routed.add(svc.name);
  }
  // Gluetun may also be listed on its own, e.g. for its HTTP proxy, with nothing routed through it.
  const listed = services.some((s) => s.name === GLUETUN);
  if (routed.size === 0 && !listed) return { routed, services, problems, warnings };

  if (!cfg.vpn) {
    const why = routed.size ? `${[...routed].join(", ")} ${routed.size === 1 ? "is" : "are"} routed through the VPN` : `homelab:services.${GLUETUN} is enabled`;
    problems.push({ path: "homelab:vpn", message: `is required (provider, type): ${why}` });
  } else {
    problems.push(...checkCredentials(cfg));
  }
  if (!cfg.lan) warnings.push("homelab:lan is not set: services routed through the VPN cannot reach the LAN");

  const routable = services.filter((s) => !notRoutable(s));
  const {
    remapped,
    problems: clashes,
    warnings: remaps,
  } = resolvePortClashes(
    services.filter((s) => routed.has(s.name)),
    routable,
    gatewayPorts(cfg),
  );
  problems.push(...clashes);
  warnings.push(...remaps);
  const result = services.map((s) => remapped.get(s.name) ?? s);
  if (!result.some((s) => s.name === GLUETUN)) {
    result.push({ name: GLUETUN, entry: catalogEntry(GLUETUN)!, config: cfg.services[GLUETUN] ?? {}, catalog: GLUETUN, implicit: true });
    result.sort((a, b) => compareNames(a.name, b.name));
  }
  const forwarded = planPortForwarding(
    cfg,
    result.filter((s) => routed.has(s.name)),
  );
  problems.push(...forwarded.problems);
  warnings.push(...forwarded.warnings);
  return { routed, services: result, problems, warnings, forwardedPortCommand: forwarded.command };
}

/** Providers forward one port (PIA, ProtonVPN): exactly one routed app may take it. */
function planPortForwarding(cfg: StackConfig, routed: ResolvedService[]): { command?: string; problems: PlanProblem[]; warnings: string[] } {
  if (!cfg.vpn?.portForwarding) return { problems: [], warnings: [] };
  const takers = routed.filter((s) => s.entry.forwardedPortCommand && s.entry.main.port);
  if (takers.length === 0)
    return { problems: [], warnings: ["homelab:vpn.portForwarding is on but no routed service takes the forwarded port (qbittorrent does)"] };
  if (takers.length > 1) {
    return {
      problems: [
        { path: "homelab:vpn.portForwarding", message: `the provider forwards one port, but ${takers.map((s) => s.name).join(" and ")} would both take it` },
      ],
      warnings: [],
    };
  }
  const [taker] = takers;
  return { command: taker.entry.forwardedPortCommand!(taker.entry.main.port!), problems: [], warnings: [] };
}

/** Only what the chosen VPN type (and the proxies asked for) needs is required. */
function checkCredentials(cfg: StackConfig): PlanProblem[] {
  const vpn = cfg.vpn!;
  const creds: VpnCredentials = cfg.vpnCredentials ?? {};
  const needed: [keyof VpnCredentials, string][] = [
    ...(vpn.type === "wireguard" ? [["wireguardPrivateKey", "vpn.type is wireguard"] as [keyof VpnCredentials, string]] : []),
    ...(vpn.type === "openvpn"
      ? ([
          ["openvpnUser", "vpn.type is openvpn"],
          ["openvpnPassword", "vpn.type is openvpn"],
        ] as [keyof VpnCredentials, string][])
      : []),
    ...(vpn.httpProxy
      ? ([
          ["httpProxyUser", "vpn.httpProxy is on"],
          ["httpProxyPassword", "vpn.httpProxy is on"],
        ] as [keyof VpnCredentials, string][])
      : []),
    ...(vpn.shadowsocks ? [["shadowsocksPassword", "vpn.shadowsocks is on"] as [keyof VpnCredentials, string]] : []),
  ];
  return needed
    .filter(([field]) => creds[field] === undefined)
    .map(([field, why]) => ({
      path: `${CREDENTIALS_KEY}.${field}`,
      message: `is required because ${why}: pulumi config set --secret --path 'vpnCredentials.${field}' <value>`,
    }));
}

/** The web port a clash may move, when the image reads it from an env var (LinuxServer qBittorrent: WEBUI_PORT). */
function movablePort(svc: ResolvedService): number | undefined {
  return svc.entry.main.portEnv && svc.entry.main.port ? svc.entry.main.port : undefined;
}

/**
 * Routed services all listen in one network namespace, so their ports must be distinct (and clear of Gluetun's).
 * Two fixed ports that clash are an error. A movable web port (an image that reads it from an env var) steps
 * aside to the next free port — free of every service that *could* be routed too, so switching another service
 * between VPN and direct never moves it. The plan shows the new port; nothing is silent.
 */
function resolvePortClashes(routed: ResolvedService[], routable: ResolvedService[], reserved: Map<number, string>) {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const remapped = new Map<string, ResolvedService>();
  const byName = (a: ResolvedService, b: ResolvedService) => compareNames(a.name, b.name);
  const fixedPorts = (svc: ResolvedService) =>
    containerSpecs(svc).flatMap((c) => [...(c.port && c.port !== movablePort(svc) ? [c.port] : []), ...(c.extraPorts ?? [])]);
  const owner = new Map(reserved);
  for (const svc of [...routed].sort(byName)) {
    for (const port of fixedPorts(svc)) {
      const taken = owner.get(port);
      if (taken)
        problems.push({
          path: `homelab:services.${svc.name}.vpn`,
          message: `'${svc.name}' and ${taken} both listen on port ${port} inside Gluetun's network namespace: route only one of them through the VPN (vpn: false)`,
        });
      else owner.set(port, `'${svc.name}'`);
    }
  }
  const claimed = new Map(owner);
  for (const svc of routable.filter((s) => !routed.includes(s)))
    for (const port of [...fixedPorts(svc), ...(movablePort(svc) ? [movablePort(svc)!] : [])]) if (!claimed.has(port)) claimed.set(port, `'${svc.name}'`);
  for (const svc of [...routed].sort(byName)) {
    const port = movablePort(svc);
    if (port === undefined) continue;
    if (!claimed.has(port) || claimed.get(port) === `'${svc.name}'`) {
      claimed.set(port, `'${svc.name}'`);
      continue;
    }
    let free = port + 1;
    while (claimed.has(free)) free++;
    warnings.push(
      `${svc.name}: port ${port} inside Gluetun's namespace belongs to ${claimed.get(port)}, so ${svc.name} listens on ${free} instead (${svc.entry.main.portEnv})`,
    );
    claimed.set(free, `'${svc.name}'`);
    remapped.set(svc.name, { ...svc, entry: { ...svc.entry, main: movePort(svc.entry.main, port, free) } });
  }
  return { remapped, problems, warnings };
}

function movePort(spec: ContainerSpec, from: number, to: number): ContainerSpec {
  const env = spec.env;
  return {
    ...spec,
    port: to,
    env: (n) => ({ ...env?.(n), [spec.portEnv!]: String(to) }),
    // The catalog's HTTP probes name the port in the URL (`http://127.0.0.1:8080/…`).
    healthcheck: spec.healthcheck && { ...spec.healthcheck, test: spec.healthcheck.test.map((t) => t.replace(`:${from}/`, `:${to}/`)) },
  };
}

/**
 * Step 2, on the planned containers (networks already allocated): routed containers share Gluetun's namespace
 * and lose their own networks and ports; Gluetun gets their ports, joins their link networks, and its settings.
 * Returns the containers with those changes; the ones given are left as they are.
 */
export function attachToGateway(args: {
  cfg: StackConfig;
  vpn: VpnDecision;
  containers: PlannedContainer[];
  networks: PlannedNetwork[];
  linksOf: (service: string) => string[];
  names: Naming;
}): PlannedContainer[] {
  const { cfg, containers, names } = args;
  const { routed } = args.vpn;
  const gateway = containers.find((c) => c.name === names.container(GLUETUN));
  if (!gateway || !cfg.vpn) return containers;
  const clients = containers.filter((c) => routed.has(c.service));
  const attached = gatewayWithClients(gateway, clients, args);
  return containers.map((c) =>
    c === gateway
      ? attached
      : // A routed app listens in Gluetun's namespace, so its LAN ports are published on Gluetun: Docker refuses port publishing
        // with a container: network mode (moby runconfig/errors.go ErrConflictNetworkPublishPorts: "conflicting options: port publishing and the container type network mode").
        routed.has(c.service)
        ? { ...c, networks: [], networkMode: sharedNamespaceMode(gateway.name), hostPorts: [] }
        : c,
  );
}

/** Gluetun with its clients' ports, host ports and link networks, its provider settings and credentials. */
function gatewayWithClients(
  gateway: PlannedContainer,
  routed: PlannedContainer[],
  args: { cfg: StackConfig; vpn: VpnDecision; networks: PlannedNetwork[]; linksOf: (service: string) => string[]; names: Naming },
): PlannedContainer {
  const { names } = args;
  const vpn = args.cfg.vpn!;
  const clients: VpnClient[] = routed.map((c) => ({ service: c.service, container: c.name, ports: c.ports }));
  const links = new Set(routed.flatMap((c) => args.linksOf(c.service).map(names.linkNetwork)));
  const published = [gateway.labels[PUBLISHED_LABEL], ...routed.map((c) => c.labels[PUBLISHED_LABEL])].filter(Boolean).join(",");
  const networks = [...gateway.networks, ...[...links].sort().filter((n) => !gateway.networks.includes(n))];
  return {
    ...gateway,
    networks,
    env: { ...gateway.env, ...gatewayEnv(args.cfg, vpn, networks, args.networks, args.vpn.forwardedPortCommand) },
    secretEnv: { ...gateway.secretEnv, ...gatewaySecretEnv(args.cfg, vpn) },
    ports: [...new Set([...gateway.ports, ...clients.flatMap((c) => c.ports)])].sort((a, b) => a - b),
    hostPorts: [...gateway.hostPorts, ...routed.flatMap((c) => c.hostPorts)],
    labels: published ? { ...gateway.labels, [PUBLISHED_LABEL]: published } : gateway.labels,
    vpnClients: clients.sort((a, b) => compareNames(a.service, b.service)),
    capabilities: ["CAP_NET_ADMIN"],
  };
}

/** Gluetun's provider settings; the LAN and the networks it is on stay reachable outside the tunnel. */
function gatewayEnv(
  cfg: StackConfig,
  vpn: VpnConfig,
  gatewayNetworks: string[],
  networks: PlannedNetwork[],
  forwardedPortCommand: string | undefined,
): Record<string, string> {
  const subnets = new Map(networks.map((n) => [n.name, n.subnet]));
  const outbound = [...(cfg.lan ? [cfg.lan] : []), ...gatewayNetworks.map((n) => subnets.get(n)).filter((s): s is string => !!s)];
  return {
    VPN_SERVICE_PROVIDER: vpn.provider,
    VPN_TYPE: vpn.type,
    ...(vpn.countries?.length ? { SERVER_COUNTRIES: vpn.countries.join(",") } : {}),
    ...(vpn.cities?.length ? { SERVER_CITIES: vpn.cities.join(",") } : {}),
    // The LAN and the networks Gluetun is on stay reachable outside the tunnel: the proxy, linked *arr apps, the NAS.
    FIREWALL_OUTBOUND_SUBNETS: [...new Set(outbound)].join(","),
    HTTPPROXY: vpn.httpProxy ? "on" : "off",
    SHADOWSOCKS: vpn.shadowsocks ? "on" : "off",
    VPN_PORT_FORWARDING: vpn.portForwarding ? "on" : "off",
    ...(forwardedPortCommand ? { VPN_PORT_FORWARDING_UP_COMMAND: forwardedPortCommand } : {}),
  };
}

/** The credentials the VPN type (and the proxies asked for) need, as secret config keys. */
function gatewaySecretEnv(cfg: StackConfig, vpn: VpnConfig): Record<string, SecretEnvRef> {
  const creds = cfg.vpnCredentials ?? {};
  const secretEnv: Record<string, keyof VpnCredentials> = {
    ...(vpn.type === "wireguard" ? { WIREGUARD_PRIVATE_KEY: "wireguardPrivateKey" as const } : {}),
    ...(vpn.type === "wireguard" && creds.wireguardAddresses !== undefined ? { WIREGUARD_ADDRESSES: "wireguardAddresses" as const } : {}),
    ...(vpn.type === "openvpn" ? { OPENVPN_USER: "openvpnUser" as const, OPENVPN_PASSWORD: "openvpnPassword" as const } : {}),
    ...(vpn.httpProxy ? { HTTPPROXY_USER: "httpProxyUser" as const, HTTPPROXY_PASSWORD: "httpProxyPassword" as const } : {}),
    ...(vpn.shadowsocks ? { SHADOWSOCKS_PASSWORD: "shadowsocksPassword" as const } : {}),
  };
  return Object.fromEntries(Object.entries(secretEnv).map(([env, field]) => [env, SecretEnvRef.config(`${CREDENTIALS_KEY}.${field}`)]));
}

/** Step 3: the proxy reaches a routed service through Gluetun, which holds its ports: `<gluetun>:<port>`. */
export function routeUpstreams(routes: Route[], routed: Set<string>, names: Naming): Route[] {
  return routes.map((r) =>
    routed.has(r.service) ? { ...r, upstream: `${names.container(GLUETUN)}:${r.upstream.slice(r.upstream.lastIndexOf(":") + 1)}` } : r,
  );
}
