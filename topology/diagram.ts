import { DOCKER_SOCKETS, exposesDockerSocket, judgeContainer, sharedNamespaceOwner } from "../policy/networkPolicy";
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

/** Remote-access parts of a plan, read structurally: the diagram draws them when the planner produces them. */
interface RemoteAccessView {
  tunnel?: { name?: string; connector?: string; ingress: { hostname?: string; service: string }[] };
  access?: { domain: string }[];
}

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

export function renderDiagram(plan: Plan): string {
  const remote = plan as Plan & RemoteAccessView;
  const byName = new Map(plan.containers.map((c) => [c.name, c]));
  const networks = new Map(plan.networks.map((n) => [n.name, n]));
  const ingress = plan.networks.find((n) => n.kind === "ingress");
  const socket = plan.networks.find((n) => n.kind === "socket");
  const hosted = (c: PlannedContainer) => !namespaceOwner(c);

  const routed = new Map<string, PlannedContainer[]>();
  for (const c of plan.containers) {
    const owner = namespaceOwner(c);
    if (owner) routed.set(owner, [...(routed.get(owner) ?? []), c]);
  }

  // Where each (non-namespaced) container is drawn: its own service network, else the first shared one.
  const home = new Map<string, string | undefined>();
  for (const c of plan.containers.filter(hosted)) {
    const own = c.networks.find((n) => networks.get(n)?.kind === "service" && networks.get(n)?.service === c.service);
    const shared = [ingress?.name, socket?.name].find((n) => n && c.networks.includes(n));
    home.set(c.name, own ?? shared);
  }
  const serviceNets = plan.networks.filter((n) => n.kind === "service");
  const facesIngress = (n: PlannedNetwork) => !!ingress && plan.containers.some((c) => home.get(c.name) === n.name && c.networks.includes(ingress.name));

  const lines: string[] = [];
  const classes = new Map<NodeClass, string[]>();
  const classify = (id: string, cls: NodeClass) => classes.set(cls, [...(classes.get(cls) ?? []), id]);
  const routedAuth = new Map(plan.routes.map((r) => [r.service, r.auth]));
  const servicesByName = new Map(plan.services.map((s) => [s.name, s]));
  const mountsSocket = (c: PlannedContainer) =>
    c.mounts.filter((m) => (m.type === "bind" && exposesDockerSocket(m.source)) || DOCKER_SOCKETS.includes(m.target));
  // Red is whatever the shared network policy refuses, judged exactly as the planner, the pack and the audit judge it.
  const index = networksByName(plan);
  const withDatabase = servicesWithDatabase(plan.containers);
  const breaksPolicy = (c: PlannedContainer) => judgeContainer(plannedView(plan, c, index, withDatabase)).length > 0;

  const nodeLine = (c: PlannedContainer, indent: string) => {
    const id = containerNodeId(c.name);
    const label = quote(`${c.name}<br/><small>${c.role}</small>`);
    const shape = c.role === "database" || c.role === "cache" ? `[(${label})]` : c.role === "proxy" ? `{{${label}}}` : `[${label}]`;
    lines.push(`${indent}${id}${shape}`);
    if (breaksPolicy(c)) classify(id, "danger");
    else if (namespaceOwner(c) || SECURED_ROLES.has(c.role)) classify(id, "secured");
    else if (routedAuth.get(c.service) === "bypass" && servicesByName.get(c.service)?.containers[0] === c.name) classify(id, "bypass");
    else if (routedAuth.has(c.service) && servicesByName.get(c.service)?.containers[0] === c.name) classify(id, "secured");
  };

  /** A container, wrapped with everything that shares its namespace when something does. */
  const drawContainer = (c: PlannedContainer, indent: string) => {
    const guests = routed.get(c.name);
    if (!guests) return nodeLine(c, indent);
    const title = c.role === "vpn-gateway" ? `${c.name} namespace · traffic leaves through the VPN` : `${c.name} namespace`;
    lines.push(`${indent}subgraph ${mermaidId("ns", c.name)}[${quote(title)}]`);
    nodeLine(c, `${indent}  `);
    for (const g of guests) drawContainer(g, `${indent}  `);
    lines.push(`${indent}end`);
  };

  const drawNetwork = (n: PlannedNetwork, indent: string, nested: PlannedNetwork[] = []) => {
    lines.push(`${indent}subgraph ${networkNodeId(n.name)}[${quote(`${n.name}<br/>${n.subnet}`)}]`);
    for (const c of plan.containers) if (hosted(c) && home.get(c.name) === n.name) drawContainer(c, `${indent}  `);
    for (const child of nested) drawNetwork(child, `${indent}  `);
    lines.push(`${indent}end`);
  };

  lines.push("graph TD");
  for (const [cls, style] of Object.entries(NODE_CLASSES)) lines.push(`  classDef ${cls} ${style}`);

  // Outside the host: who comes in, and from where.
  const tunnel = remote.tunnel;
  const connector = tunnel && (plan.containers.find((c) => c.name === tunnel.connector) ?? plan.containers.find((c) => c.role === "tunnel"));
  const published = plan.containers.filter((c) => c.hostPorts.length > 0);
  const vpnGateways = plan.containers.filter((c) => c.role === "vpn-gateway");
  if (tunnel) {
    const apps = remote.access?.length ?? 0;
    lines.push(`  internet((${quote("Internet")}))`);
    lines.push(`  cloudflare{${quote(`Cloudflare${apps ? `<br/>Zero Trust Access: ${apps} app${apps === 1 ? "" : "s"}` : ""}`)}}`);
    classify("internet", "bypass");
    classify("cloudflare", "secured");
  }
  if (published.length) lines.push(`  lan([${quote("LAN clients")}])`);
  if (vpnGateways.length) {
    lines.push(`  vpn{${quote("VPN server<br/>anchor point")}}`);
    classify("vpn", "secured");
  }

  lines.push(`  subgraph host[${quote("Docker host")}]`);
  if (ingress) drawNetwork(ingress, "    ", serviceNets.filter(facesIngress));
  if (socket) drawNetwork(socket, "    ");
  for (const n of serviceNets.filter((n) => !facesIngress(n))) drawNetwork(n, "    ");
  for (const c of plan.containers) if (hosted(c) && home.get(c.name) === undefined) drawContainer(c, "    ");
  for (const n of plan.networks.filter((n) => n.kind === "link")) lines.push(`    ${networkNodeId(n.name)}{{${quote(`${n.name}<br/>${n.subnet}`)}}}`);
  const socketUsers = plan.containers.filter((c) => mountsSocket(c).length > 0);
  if (socketUsers.length) {
    lines.push(`    dockersock[/${quote("Docker socket<br/>/var/run/docker.sock")}/]`);
    classify("dockersock", "api");
  }
  lines.push("  end");

  // Edges, numbered in the order written (linkStyle refers to them by index).
  const edgeStyles = new Map<EdgeStyle, number[]>();
  let edgeCount = 0;
  const edge = (from: string, arrow: string, to: string, style: EdgeStyle, label?: string) => {
    lines.push(`  ${from} ${arrow}${label ? `|${quote(label)}|` : ""} ${to}`);
    edgeStyles.set(style, [...(edgeStyles.get(style) ?? []), edgeCount++]);
  };
  const proxy = plan.containers.find((c) => c.role === "proxy");

  if (tunnel) {
    edge("internet", "==>", "cloudflare", "secure", "HTTPS");
    if (connector) {
      edge("cloudflare", "==>", containerNodeId(connector.name), "secure", `tunnel${tunnel.name ? ` ${tunnel.name}` : ""}`);
      const targets = new Map<string, number>();
      for (const rule of tunnel.ingress) {
        const target = plan.containers.find((c) => new RegExp(`^[a-z]+://${c.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(:|/|$)`).test(rule.service));
        if (target && rule.hostname) targets.set(target.name, (targets.get(target.name) ?? 0) + 1);
      }
      for (const [target, count] of [...targets].sort(([a], [b]) => a.localeCompare(b)))
        edge(containerNodeId(connector.name), "==>", containerNodeId(target), "secure", `${count} hostname${count === 1 ? "" : "s"}`);
    }
  }
  for (const c of published)
    edge("lan", "-->", containerNodeId(c.name), "internal", c.hostPorts.map((p) => `:${p.external}${p.protocol === "udp" ? "/udp" : ""}`).join(" "));

  if (proxy) {
    for (const r of plan.routes) {
      const target = servicesByName.get(r.service)?.containers[0];
      if (!target || !byName.has(target)) continue;
      const sub = r.host.endsWith(`.${plan.domain}`) ? r.host.slice(0, -plan.domain.length - 1) : r.host;
      const label = `${sub}<br/>${r.auth}${r.expose === "tunnel" ? " · remote" : ""}`;
      if (r.auth === "bypass") edge(containerNodeId(proxy.name), "-.->", containerNodeId(target), "bypass", label);
      else edge(containerNodeId(proxy.name), "==>", containerNodeId(target), "secure", label);
    }
  }

  for (const s of plan.services) {
    const [main, ...companions] = s.containers;
    for (const comp of companions) if (byName.has(main) && byName.has(comp)) edge(containerNodeId(main), "---", containerNodeId(comp), "internal");
  }

  const socketProxy = plan.containers.find((c) => c.role === "socket-proxy");
  if (socket && socketProxy)
    for (const c of plan.containers)
      if (c !== socketProxy && c.networks.includes(socket.name)) edge(containerNodeId(c.name), "-.->", containerNodeId(socketProxy.name), "api", "Docker API");
  for (const c of socketUsers) {
    const ro = mountsSocket(c).every((m) => m.readOnly);
    edge(containerNodeId(c.name), "-->", "dockersock", c.role === "socket-proxy" && ro ? "api" : "danger", ro ? "read-only" : "read-write");
  }

  for (const n of plan.networks.filter((n) => n.kind === "link"))
    for (const member of n.members) edge(containerNodeId(member), "---", networkNodeId(n.name), "internal");

  for (const [owner, guests] of routed) if (byName.has(owner)) for (const g of guests) edge(containerNodeId(g.name), "---", containerNodeId(owner), "secure");
  for (const gw of vpnGateways) edge(containerNodeId(gw.name), "==>", "vpn", "secure", "Secure VPN");

  for (const [cls, ids] of classes) lines.push(`  class ${ids.join(",")} ${cls}`);
  for (const style of Object.keys(LINK_STYLES) as EdgeStyle[]) {
    const indices = edgeStyles.get(style);
    if (indices?.length) lines.push(`  linkStyle ${indices.join(",")} ${LINK_STYLES[style]}`);
  }
  return lines.join("\n") + "\n";
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
