import { DOCKER_SOCKET, DOCKER_SOCKETS, exposesDockerSocket, judgeContainer, sharedNamespaceOwner } from "../policy/networkPolicy";
import { compareNames } from "./order";
import { networksByName, plannedView, servicesWithDatabase } from "./policy";
import type { Plan, PlannedContainer, PlannedNetwork } from "./types";

/**
 * A Mermaid `graph TD` of a plan, drawn in the seed documents' style: thick green paths for what
 * is secured (SSO-guarded routes, the VPN, the tunnel), orange for what bypasses SSO, blue for the
 * Docker API. Networks are subgraphs: each service's containers (databases included) inside its
 * own vnet-<service>, those inside vnet-ingress when they face the proxy; containers that share
 * another container's namespace (VPN-routed services in Gluetun's) are drawn inside it.
 *
 * Pure and deterministic: the same plan always gives the same text, so the generated docs can be
 * compared byte for byte.
 */

type EdgeStyle = "secure" | "bypass" | "api" | "internal" | "danger";

const LINK_STYLES: Record<EdgeStyle, string> = {
  secure: "stroke:green,stroke-width:2px",
  bypass: "stroke:#FFA500,stroke-width:2px",
  api: "stroke:#0088FF,stroke-width:2px",
  internal: "stroke:#888888,stroke-width:1px",
  danger: "stroke:red,stroke-width:3px",
};

const NODE_CLASSES = {
  secured: "stroke:green,stroke-width:2px",
  bypass: "stroke:orange,stroke-width:2px",
  api: "stroke:#0088FF,stroke-width:2px",
  danger: "stroke:red,stroke-width:3px",
} as const;
type NodeClass = keyof typeof NODE_CLASSES;

const SECURED_ROLES = new Set(["proxy", "auth", "ips", "vpn-gateway", "tunnel", "socket-proxy"]);

/** Mermaid ids allow letters, digits and `_`: names map one-to-one (`-` → `_`, anything else → `_<hex>`). */
function mermaidId(kind: string, name: string): string {
  return `${kind}_${name.replace(/[^A-Za-z0-9-]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}`).replace(/-/g, "_")}`;
}

function quote(text: string): string {
  return `"${text.replace(/"/g, "#quot;")}"`;
}

export function containerNodeId(name: string): string {
  return mermaidId("c", name);
}

export function networkNodeId(name: string): string {
  return mermaidId("n", name);
}

/** `container:<name>` → `<name>` (the plan names the container, Docker stores its id). */
const namespaceOwner = (c: PlannedContainer): string | undefined => sharedNamespaceOwner(c.networkMode);

/** Where each container is drawn: the namespaces others share, and the network whose box holds it. */
interface Layout {
  byName: Map<string, PlannedContainer>;
  ingress?: PlannedNetwork;
  socket?: PlannedNetwork;
  /** Namespace owner → the containers living in its namespace. */
  guests: Map<string, PlannedContainer[]>;
  /** Container → the network box it sits in (undefined: loose on the host). */
  home: Map<string, string | undefined>;
  serviceNets: PlannedNetwork[];
  facesIngress: (n: PlannedNetwork) => boolean;
}

/** The diagram's text as it is written: lines, node classes, and edges numbered for linkStyle. */
class Drawing {
  readonly lines: string[] = [];
  private readonly classes = new Map<NodeClass, string[]>();
  private readonly edgeStyles = new Map<EdgeStyle, number[]>();
  private edgeCount = 0;

  classify(id: string, cls: NodeClass): void {
    this.classes.set(cls, [...(this.classes.get(cls) ?? []), id]);
  }

  edge(from: string, arrow: string, to: string, style: EdgeStyle, label?: string): void {
    this.lines.push(`  ${from} ${arrow}${label ? `|${quote(label)}|` : ""} ${to}`);
    this.edgeStyles.set(style, [...(this.edgeStyles.get(style) ?? []), this.edgeCount++]);
  }

  /** The text, with the class and link styles last. */
  finish(): string {
    for (const [cls, ids] of this.classes) this.lines.push(`  class ${ids.join(",")} ${cls}`);
    for (const style of Object.keys(LINK_STYLES) as EdgeStyle[]) {
      const indices = this.edgeStyles.get(style);
      if (indices?.length) this.lines.push(`  linkStyle ${indices.join(",")} ${LINK_STYLES[style]}`);
    }
    return this.lines.join("\n") + "\n";
  }
}

const hosted = (c: PlannedContainer) => !namespaceOwner(c);
const mountsSocket = (c: PlannedContainer) => c.mounts.filter((m) => (m.type === "bind" && exposesDockerSocket(m.source)) || DOCKER_SOCKETS.includes(m.target));

function layout(plan: Plan): Layout {
  const networks = new Map(plan.networks.map((n) => [n.name, n]));
  const ingress = plan.networks.find((n) => n.kind === "ingress");
  const socket = plan.networks.find((n) => n.kind === "socket" && !n.remoteEngine);
  const guests = new Map<string, PlannedContainer[]>();
  for (const c of plan.containers) {
    const owner = namespaceOwner(c);
    if (owner) guests.set(owner, [...(guests.get(owner) ?? []), c]);
  }
  // Where each (non-namespaced) container is drawn: its own service network, else the first shared one.
  const home = new Map<string, string | undefined>();
  for (const c of plan.containers.filter(hosted)) {
    const own = c.networks.find((n) => networks.get(n)?.kind === "service" && networks.get(n)?.service === c.service);
    const shared = [ingress?.name, socket?.name].find((n) => n && c.networks.includes(n));
    home.set(c.name, own ?? shared);
  }
  const facesIngress = (n: PlannedNetwork) => !!ingress && plan.containers.some((c) => home.get(c.name) === n.name && c.networks.includes(ingress.name));
  return {
    byName: new Map(plan.containers.map((c) => [c.name, c])),
    ingress,
    socket,
    guests,
    home,
    serviceNets: plan.networks.filter((n) => n.kind === "service"),
    facesIngress,
  };
}

export function renderDiagram(plan: Plan): string {
  const at = layout(plan);
  const out = new Drawing();
  out.lines.push("graph TD");
  for (const [cls, style] of Object.entries(NODE_CLASSES)) out.lines.push(`  classDef ${cls} ${style}`);
  drawOutside(plan, out);
  drawHost(plan, at, out);
  drawEdges(plan, at, out);
  return out.finish();
}

/** Outside the host: who comes in, and from where. */
function drawOutside(plan: Plan, out: Drawing): void {
  if (plan.tunnel) {
    const apps = plan.access?.length ?? 0;
    out.lines.push(`  internet((${quote("Internet")}))`);
    out.lines.push(`  cloudflare{${quote(`Cloudflare${apps ? `<br/>Zero Trust Access: ${apps} app${apps === 1 ? "" : "s"}` : ""}`)}}`);
    out.classify("internet", "bypass");
    out.classify("cloudflare", "secured");
  }
  if (plan.containers.some((c) => c.hostPorts.length > 0)) out.lines.push(`  lan([${quote("LAN clients")}])`);
  if (plan.containers.some((c) => c.role === "vpn-gateway")) {
    out.lines.push(`  vpn{${quote("VPN server<br/>anchor point")}}`);
    out.classify("vpn", "secured");
  }
}

/** The Docker host: networks as boxes, containers inside them (and inside the namespaces they share), the socket. */
function drawHost(plan: Plan, at: Layout, out: Drawing): void {
  const routedAuth = new Map(plan.routes.map((r) => [r.service, r.auth]));
  const servicesByName = new Map(plan.services.map((s) => [s.name, s]));
  // Red is whatever the shared network policy refuses, judged exactly as the planner, the pack and the audit judge it.
  const index = networksByName(plan);
  const withDatabase = servicesWithDatabase(plan.containers);
  const breaksPolicy = (c: PlannedContainer) => judgeContainer(plannedView(plan, c, index, withDatabase)).length > 0;

  const nodeLine = (c: PlannedContainer, indent: string) => {
    const id = containerNodeId(c.name);
    const label = quote(`${c.name}<br/><small>${c.role}</small>`);
    const shape = c.role === "database" || c.role === "cache" ? `[(${label})]` : c.role === "proxy" ? `{{${label}}}` : `[${label}]`;
    out.lines.push(`${indent}${id}${shape}`);
    const main = servicesByName.get(c.service)?.containers[0] === c.name;
    if (breaksPolicy(c)) out.classify(id, "danger");
    else if (namespaceOwner(c) || SECURED_ROLES.has(c.role)) out.classify(id, "secured");
    else if (routedAuth.get(c.service) === "bypass" && main) out.classify(id, "bypass");
    else if (routedAuth.has(c.service) && main) out.classify(id, "secured");
  };

  /** A container, wrapped with everything that shares its namespace when something does. */
  const drawContainer = (c: PlannedContainer, indent: string) => {
    const guests = at.guests.get(c.name);
    if (!guests) return nodeLine(c, indent);
    const title = c.role === "vpn-gateway" ? `${c.name} namespace · traffic leaves through the VPN` : `${c.name} namespace`;
    out.lines.push(`${indent}subgraph ${mermaidId("ns", c.name)}[${quote(title)}]`);
    nodeLine(c, `${indent}  `);
    for (const g of guests) drawContainer(g, `${indent}  `);
    out.lines.push(`${indent}end`);
  };

  const drawNetwork = (n: PlannedNetwork, indent: string, nested: PlannedNetwork[] = []) => {
    out.lines.push(`${indent}subgraph ${networkNodeId(n.name)}[${quote(`${n.name}<br/>${n.subnet}`)}]`);
    for (const c of plan.containers) if (hosted(c) && at.home.get(c.name) === n.name) drawContainer(c, `${indent}  `);
    for (const child of nested) drawNetwork(child, `${indent}  `);
    out.lines.push(`${indent}end`);
  };

  const socketUsers = plan.containers.filter((c) => mountsSocket(c).length > 0);
  if (plan.hosts) {
    // Several hosts: one subgraph each, holding its local networks and their containers; the overlays that
    // join hosts drawn between them, linked to every host they span.
    const networks = new Map(plan.networks.map((n) => [n.name, n]));
    for (const h of plan.hosts) {
      out.lines.push(`  subgraph ${mermaidId("host", h.name)}[${quote(`Docker host ${h.name}${h.manager ? " · swarm manager" : ""}<br/>${h.docker}`)}]`);
      const onHost = (c: PlannedContainer) => c.host === h.name;
      for (const n of plan.networks.filter((n) => n.kind !== "link" && n.driver !== "overlay" && n.hosts?.includes(h.name))) {
        const id = n.kind === "socket" ? mermaidId("n", `${n.name}@${h.name}`) : networkNodeId(n.name);
        out.lines.push(`    subgraph ${id}[${quote(`${n.name}<br/>${n.subnet}`)}]`);
        for (const c of plan.containers) if (hosted(c) && onHost(c) && at.home.get(c.name) === n.name) drawContainer(c, "      ");
        out.lines.push("    end");
      }
      const overlayHomed = (c: PlannedContainer) => networks.get(at.home.get(c.name) ?? "")?.driver === "overlay";
      for (const c of plan.containers) if (hosted(c) && onHost(c) && (at.home.get(c.name) === undefined || overlayHomed(c))) drawContainer(c, "    ");
      if (socketUsers.some(onHost)) {
        out.lines.push(`    ${dockerSocketNode(h.name)}[/${quote(`Docker socket<br/>${DOCKER_SOCKET}`)}/]`);
        out.classify(dockerSocketNode(h.name), "api");
      }
      out.lines.push("  end");
    }
    for (const n of plan.networks.filter((n) => n.kind === "link" || n.driver === "overlay"))
      out.lines.push(`  ${networkNodeId(n.name)}{{${quote(`${n.name}<br/>${n.subnet}${n.driver === "overlay" ? "<br/>swarm overlay" : ""}`)}}}`);
    return;
  }
  out.lines.push(`  subgraph host[${quote("Docker host")}]`);
  if (at.ingress) drawNetwork(at.ingress, "    ", at.serviceNets.filter(at.facesIngress));
  if (at.socket) drawNetwork(at.socket, "    ");
  for (const n of at.serviceNets.filter((n) => !at.facesIngress(n))) drawNetwork(n, "    ");
  for (const c of plan.containers) if (hosted(c) && at.home.get(c.name) === undefined) drawContainer(c, "    ");
  for (const n of plan.networks.filter((n) => n.kind === "link")) out.lines.push(`    ${networkNodeId(n.name)}{{${quote(`${n.name}<br/>${n.subnet}`)}}}`);
  if (socketUsers.length) {
    out.lines.push(`    dockersock[/${quote(`Docker socket<br/>${DOCKER_SOCKET}`)}/]`);
    out.classify("dockersock", "api");
  }
  out.lines.push("  end");
}

/** The Docker socket's node: one per host on a multi-host stack. */
const dockerSocketNode = (host: string | undefined) => (host === undefined ? "dockersock" : mermaidId("dockersock", host));

/** Edges, in the order written (linkStyle refers to them by index): tunnel, LAN, routes, companions, Docker API, links, VPN. */
function drawEdges(plan: Plan, at: Layout, out: Drawing): void {
  drawTunnelEdges(plan, out);
  for (const c of plan.containers.filter((c) => c.hostPorts.length > 0))
    out.edge("lan", "-->", containerNodeId(c.name), "internal", c.hostPorts.map((p) => `:${p.external}${p.protocol === "udp" ? "/udp" : ""}`).join(" "));
  drawRouteEdges(plan, at, out);

  for (const s of plan.services) {
    const [main, ...companions] = s.containers;
    // A host's own socket proxy is a copy on another host, not a companion.
    for (const comp of companions)
      if (at.byName.has(main) && at.byName.has(comp) && at.byName.get(comp)!.host === at.byName.get(main)!.host)
        out.edge(containerNodeId(main), "---", containerNodeId(comp), "internal");
  }

  // Each consumer reads its own host's socket proxy (there is one per host on a multi-host stack).
  const socketProxies = plan.containers.filter((c) => c.role === "socket-proxy");
  const socketProxyOf = (c: PlannedContainer) => socketProxies.find((p) => p.host === c.host) ?? socketProxies[0];
  if (at.socket && socketProxies.length)
    for (const c of plan.containers)
      if (c.role !== "socket-proxy" && c.networks.includes(at.socket.name))
        out.edge(containerNodeId(c.name), "-.->", containerNodeId(socketProxyOf(c).name), "api", "Docker API");
  // Dashboards reading another host's engine: through that host's socket proxy, on the host's vnet-socket-<host>.
  for (const n of plan.networks.filter((n) => n.remoteEngine)) {
    const proxy = socketProxies.find((p) => p.host === n.remoteEngine);
    if (proxy)
      for (const m of n.members.filter((m) => m !== proxy.name))
        out.edge(containerNodeId(m), "-.->", containerNodeId(proxy.name), "api", `Docker API of ${n.remoteEngine}`);
  }
  for (const c of plan.containers.filter((c) => mountsSocket(c).length > 0)) {
    const ro = mountsSocket(c).every((m) => m.readOnly);
    out.edge(containerNodeId(c.name), "-->", dockerSocketNode(c.host), c.role === "socket-proxy" && ro ? "api" : "danger", ro ? "read-only" : "read-write");
  }
  for (const n of plan.networks.filter((n) => n.driver === "overlay"))
    for (const h of n.hosts ?? []) out.edge(mermaidId("host", h), "---", networkNodeId(n.name), "internal", "overlay");

  for (const n of plan.networks.filter((n) => n.kind === "link"))
    for (const member of n.members) out.edge(containerNodeId(member), "---", networkNodeId(n.name), "internal");

  for (const [owner, guests] of at.guests)
    if (at.byName.has(owner)) for (const g of guests) out.edge(containerNodeId(g.name), "---", containerNodeId(owner), "secure");
  for (const gw of plan.containers.filter((c) => c.role === "vpn-gateway")) out.edge(containerNodeId(gw.name), "==>", "vpn", "secure", "Secure VPN");
}

/** Internet → Cloudflare → the connector → the containers its ingress rules name, with how many hostnames each. */
function drawTunnelEdges(plan: Plan, out: Drawing): void {
  const tunnel = plan.tunnel;
  if (!tunnel) return;
  out.edge("internet", "==>", "cloudflare", "secure", "HTTPS");
  const connector = plan.containers.find((c) => c.name === tunnel.connector) ?? plan.containers.find((c) => c.role === "tunnel");
  if (!connector) return;
  out.edge("cloudflare", "==>", containerNodeId(connector.name), "secure", `tunnel${tunnel.name ? ` ${tunnel.name}` : ""}`);
  const targets = new Map<string, number>();
  for (const rule of tunnel.ingress) {
    const target = plan.containers.find((c) => new RegExp(`^[a-z]+://${c.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(:|/|$)`).test(rule.service));
    if (target && rule.hostname) targets.set(target.name, (targets.get(target.name) ?? 0) + 1);
  }
  for (const [target, count] of [...targets].sort(([a], [b]) => compareNames(a, b)))
    out.edge(containerNodeId(connector.name), "==>", containerNodeId(target), "secure", `${count} hostname${count === 1 ? "" : "s"}`);
}

/** The proxy → each routed service's main container: solid when SSO guards it, dotted when it bypasses SSO. */
function drawRouteEdges(plan: Plan, at: Layout, out: Drawing): void {
  const proxy = plan.containers.find((c) => c.role === "proxy");
  if (!proxy) return;
  const servicesByName = new Map(plan.services.map((s) => [s.name, s]));
  for (const r of plan.routes) {
    const target = servicesByName.get(r.service)?.containers[0];
    if (!target || !at.byName.has(target)) continue;
    const sub = r.host.endsWith(`.${plan.domain}`) ? r.host.slice(0, -plan.domain.length - 1) : r.host;
    const label = `${sub}<br/>${r.auth}${r.expose === "tunnel" ? " · remote" : ""}`;
    if (r.auth === "bypass") out.edge(containerNodeId(proxy.name), "-.->", containerNodeId(target), "bypass", label);
    else out.edge(containerNodeId(proxy.name), "==>", containerNodeId(target), "secure", label);
  }
}

export function diagramPath(stack: string): string {
  return `docs/diagram-${stack}.md`;
}

/** The committed doc: a heading, how it was made, the diagram and its legend. */
export function diagramMarkdown(stack: string, plan: Plan): string {
  return [
    `# Stack \`${stack}\`: topology`,
    "",
    `Generated from \`Pulumi.${stack}.yaml\` by \`homelab diagram ${stack} --write\`. Do not edit by hand: a test fails when this file is stale.`,
    "",
    `${plan.services.length} services, ${plan.containers.length} containers, ${plan.networks.length} networks; proxy ${plan.proxy}; domain ${plan.domain}.`,
    "",
    "```mermaid",
    renderDiagram(plan).trimEnd(),
    "```",
    "",
    "Legend: boxes with a subnet are Docker networks; a service's containers (its database too) sit inside its own",
    "`vnet-<service>`, and those that face the proxy inside `vnet-ingress`. Thick green: SSO-guarded routes, the tunnel",
    "and the VPN; dotted orange: routes that bypass SSO; dotted blue: Docker API calls through the socket proxy;",
    "grey: a service's internal links and link networks; red: anything the network policy forbids.",
    "",
  ].join("\n");
}
