import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { listStacks } from "../../config/load";
import { containerNodeId, diagramMarkdown, diagramPath, networkNodeId, renderDiagram } from "../../topology/diagram";
import type { Plan, PlannedContainer } from "../../topology/types";
import { planOf, stackConfig } from "../support/configs";
import { PROJECT_DIR } from "../support/program";

/** Node id → the subgraph ids around it, innermost first. */
function enclosures(mermaid: string): Map<string, string[]> {
  const stack: string[] = [];
  const where = new Map<string, string[]>();
  for (const raw of mermaid.split("\n")) {
    const line = raw.trim();
    const sub = /^subgraph (\S+?)\[/.exec(line);
    if (sub) {
      where.set(sub[1], [...stack].reverse());
      stack.push(sub[1]);
    } else if (line === "end") stack.pop();
    else {
      const node = /^([A-Za-z0-9_]+)[[({/]/.exec(line);
      if (node) where.set(node[1], [...stack].reverse());
    }
  }
  return where;
}

function edges(mermaid: string): string[] {
  return mermaid
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => / (---|-->|==>|-\.->)/.test(l) && !l.startsWith("subgraph"));
}

/** The edge indices a linkStyle line colours with the given stroke. */
function styledEdges(mermaid: string, stroke: string): number[] {
  return mermaid
    .split("\n")
    .filter((l) => l.trim().startsWith("linkStyle ") && l.includes(`stroke:${stroke}`))
    .flatMap((l) => l.trim().split(" ")[1].split(",").map(Number));
}

/** The lab plan with two pieces other layers add: a VPN gateway with qBittorrent in its namespace, and a Cloudflare tunnel. */
function labWithVpnAndTunnel(): Plan {
  const plan = structuredClone(planOf(stackConfig("lab")));
  const ingress = plan.networks.find((n) => n.kind === "ingress")!;
  const base = plan.containers.find((c) => c.name === "lab-sonarr")!;
  const gluetun: PlannedContainer = { ...base, name: "lab-gluetun", service: "gluetun", role: "vpn-gateway", networks: [ingress.name], labels: {} };
  const cloudflared: PlannedContainer = { ...base, name: "lab-cloudflared", service: "cloudflared", role: "tunnel", networks: [ingress.name], labels: {} };
  const qbit = plan.containers.find((c) => c.name === "lab-qbittorrent")!;
  qbit.networks = [];
  qbit.networkMode = "container:lab-gluetun";
  plan.containers.push(gluetun, cloudflared);
  const routed = plan.routes.find((r) => r.service === "jellyfin")!;
  routed.expose = "tunnel";
  return Object.assign(plan, {
    tunnel: { name: "lab", connector: "lab-cloudflared", ingress: [{ hostname: routed.host, service: "http://lab-swag:80" }, { service: "http_status:404" }] },
    access: [{ domain: routed.host }],
  });
}

describe("homelab diagram", () => {
  describe("committed docs", () => {
    for (const stack of listStacks(PROJECT_DIR)) {
      it(`${diagramPath(stack)} is up to date with Pulumi.${stack}.yaml`, () => {
        const file = path.join(PROJECT_DIR, diagramPath(stack));
        const expected = diagramMarkdown(stack, planOf(stackConfig(stack)));
        const actual = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        assert.ok(
          actual === expected,
          `${diagramPath(stack)} is ${actual === undefined ? "missing" : "stale"}: run \`homelab diagram ${stack} --write\` (or \`homelab diagram --all --write\`) and commit it`,
        );
      });
    }
  });

  describe("layout of the lab and home plans", () => {
    const lab = planOf(stackConfig("lab"));
    const home = planOf(stackConfig("home"));
    const labText = renderDiagram(lab);
    const homeText = renderDiagram(home);

    it("is deterministic and starts with graph TD", () => {
      assert.equal(renderDiagram(structuredClone(lab)), labText);
      assert.match(labText, /^graph TD\n/);
    });

    it("draws every network as a subgraph with its subnet and every container once", () => {
      for (const [plan, text] of [
        [lab, labText],
        [home, homeText],
      ] as const) {
        const where = enclosures(text);
        for (const n of plan.networks.filter((n) => n.kind !== "link")) {
          assert.ok(where.has(networkNodeId(n.name)), `${n.name} has no subgraph`);
          assert.ok(text.includes(`${n.name}<br/>${n.subnet}`), `${n.name} is drawn without its subnet`);
        }
        for (const c of plan.containers)
          assert.equal(
            text.split("\n").filter((l) => l.trim().startsWith(`${containerNodeId(c.name)}[`) || l.trim().startsWith(`${containerNodeId(c.name)}{`)).length,
            1,
            `${c.name} is not declared exactly once`,
          );
      }
    });

    it("puts databases and caches inside their service network, and that inside vnet-ingress when the service faces the proxy", () => {
      const where = enclosures(homeText);
      assert.deepEqual(where.get(containerNodeId("immich-db")), [networkNodeId("vnet-immich"), networkNodeId("vnet-ingress"), "host"]);
      assert.deepEqual(where.get(containerNodeId("immich-redis")), [networkNodeId("vnet-immich"), networkNodeId("vnet-ingress"), "host"]);
      assert.ok(homeText.includes(`${containerNodeId("immich-db")}[(`), "the database is drawn as a cylinder");
      // unpackerr is a worker on no shared network: its vnet sits directly in the host
      assert.deepEqual(where.get(networkNodeId("vnet-unpackerr")), ["host"]);
    });

    it("draws the socket proxy alone on vnet-socket, mounting the Docker socket read-only, with the monitoring tools calling it", () => {
      const where = enclosures(homeText);
      assert.deepEqual(where.get(containerNodeId("cetusguard")), [networkNodeId("vnet-socket"), "host"]);
      assert.ok(homeText.includes(`${containerNodeId("cetusguard")} -->|"read-only"| dockersock`));
      for (const tool of ["dozzle", "homepage", "portainer", "traefik"])
        assert.ok(homeText.includes(`${containerNodeId(tool)} -.->|"Docker API"| ${containerNodeId("cetusguard")}`), tool);
    });

    it("routes every host from the proxy: SSO-guarded ones green and thick, bypass ones orange and dotted", () => {
      const all = edges(labText);
      const fromProxy = all.map((e, i) => [e, i] as const).filter(([e]) => e.startsWith(`${containerNodeId("lab-swag")} `));
      assert.equal(fromProxy.length, lab.routes.length);
      const green = styledEdges(labText, "green");
      const orange = styledEdges(labText, "#FFA500");
      for (const [e, i] of fromProxy) {
        if (e.includes("bypass")) {
          assert.ok(e.includes("-.->") && orange.includes(i), e);
        } else assert.ok(e.includes("==>") && green.includes(i), e);
      }
      assert.match(labText, /class c_lab_jellyfin bypass/);
    });

    it("draws a link network as a node joined by its members", () => {
      const link = home.networks.find((n) => n.kind === "link")!;
      for (const member of link.members) assert.ok(homeText.includes(`${containerNodeId(member)} --- ${networkNodeId(link.name)}`), member);
    });
  });

  describe("pieces other layers add", () => {
    const plan = labWithVpnAndTunnel();
    const text = renderDiagram(plan);

    it("draws VPN-routed containers inside the gateway's namespace, with the gateway's secure VPN path", () => {
      const where = enclosures(text);
      assert.equal(where.get(containerNodeId("lab-qbittorrent"))?.[0], "ns_lab_gluetun");
      assert.equal(where.get(containerNodeId("lab-gluetun"))?.[0], "ns_lab_gluetun");
      assert.ok(text.includes(`${containerNodeId("lab-qbittorrent")} --- ${containerNodeId("lab-gluetun")}`));
      assert.ok(text.includes(`${containerNodeId("lab-gluetun")} ==>|"Secure VPN"| vpn`));
    });

    it("draws Internet → Cloudflare → tunnel connector → proxy when the plan has a tunnel", () => {
      const all = edges(text);
      const order = ["internet ==>", "cloudflare ==>", `${containerNodeId("lab-cloudflared")} ==>`];
      for (const start of order)
        assert.ok(
          all.some((e) => e.startsWith(start)),
          `missing an edge starting '${start}'`,
        );
      assert.ok(all.includes(`${containerNodeId("lab-cloudflared")} ==>|"1 hostname"| ${containerNodeId("lab-swag")}`));
      assert.match(text, /Zero Trust Access: 1 app"/);
      assert.match(text, /jellyfin<br\/>bypass · remote/);
      assert.deepEqual(enclosures(text).get(containerNodeId("lab-cloudflared")), [networkNodeId("lab-vnet-ingress"), "host"]);
    });

    it("has no Internet or Cloudflare without a tunnel", () => {
      const labText = renderDiagram(planOf(stackConfig("lab")));
      assert.ok(!/\binternet\b|\bcloudflare\b/.test(labText));
    });

    it("marks a Docker socket mounted outside the socket proxy red", () => {
      const bad = structuredClone(planOf(stackConfig("lab")));
      bad.containers
        .find((c) => c.name === "lab-whoami")!
        .mounts.push({ source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, type: "bind" });
      const badText = renderDiagram(bad);
      assert.match(badText, /class c_lab_whoami danger/);
      const i = edges(badText).indexOf(`${containerNodeId("lab-whoami")} -->|"read-write"| dockersock`);
      assert.ok(i >= 0 && styledEdges(badText, "red").includes(i));
    });
  });
});
