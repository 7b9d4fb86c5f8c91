import * as assert from "node:assert/strict";
import { buildPlan } from "../../topology/plan";
import { TRAEFIK_HOSTS_FILE } from "../../topology/hostsProxy";
import { planAllows } from "../../topology/reachability";
import { planOnHost } from "../../topology/hosts";
import { renderDiagram } from "../../topology/diagram";
import { formatNetworkTable } from "../../cli/format";
import type { Plan } from "../../topology/types";
import { errorsOf, minimalConfig, planOf, stackConfig } from "../support/configs";

const HOSTS = { nas: { docker: "ssh://me@nas", manager: true }, gpu: { docker: "ssh://me@gpubox" } };
const twoHosts = (services: Record<string, unknown>, extra: Record<string, unknown> = {}) => minimalConfig({ hosts: HOSTS, services, ...extra });
const net = (plan: Plan, name: string) => plan.networks.find((n) => n.name === name)!;
const container = (plan: Plan, name: string) => plan.containers.find((c) => c.name === name)!;

describe("several Docker hosts (homelab:hosts)", () => {
  it("leaves a stack without homelab:hosts exactly as it was: no host, no driver, nothing new in the plan", () => {
    for (const stack of ["home", "lab"]) {
      const plan = planOf(stackConfig(stack));
      assert.equal(plan.hosts, undefined, stack);
      for (const n of plan.networks) assert.deepEqual([n.hosts, n.driver, n.encrypted], [undefined, undefined, undefined], n.name);
      for (const c of plan.containers) assert.deepEqual([c.host, c.networkAliases], [undefined, undefined], c.name);
      for (const s of plan.services) assert.equal(s.host, undefined, s.name);
    }
  });

  it("keeps every subnet of the single-host plan, and puts each container on its service's host (default: the first)", () => {
    const services = { jellyfin: { host: "gpu" }, sonarr: {}, immich: { host: "gpu" } };
    const single = planOf(minimalConfig({ services: { jellyfin: {}, sonarr: {}, immich: {} } }));
    const multi = planOf(twoHosts(services));
    assert.deepEqual(
      multi.networks.map((n) => [n.name, n.subnet, n.gateway, n.ipRange]),
      single.networks.map((n) => [n.name, n.subnet, n.gateway, n.ipRange]),
    );
    assert.equal(container(multi, "jellyfin").host, "gpu");
    assert.equal(container(multi, "immich-db").host, "gpu", "a service's database goes with it");
    assert.equal(container(multi, "sonarr").host, "nas");
    assert.equal(container(multi, "traefik").host, "nas");
    assert.deepEqual(
      multi.hosts?.map((h) => [h.name, h.manager]),
      [
        ["nas", true],
        ["gpu", false],
      ],
    );
  });

  it("makes only the networks whose members are on several hosts swarm overlays, encrypted unless turned off", () => {
    const plan = planOf(twoHosts({ jellyfin: { host: "gpu" }, sonarr: {} }));
    const ingress = net(plan, "vnet-ingress");
    assert.equal(ingress.driver, "overlay");
    assert.equal(ingress.encrypted, true);
    assert.deepEqual(ingress.hosts, ["nas", "gpu"]);
    for (const [name, host] of [
      ["vnet-jellyfin", "gpu"],
      ["vnet-sonarr", "nas"],
      ["vnet-traefik", "nas"],
    ]) {
      assert.equal(net(plan, name).driver, undefined, name);
      assert.deepEqual(net(plan, name).hosts, [host], name);
    }
    const clear = planOf(twoHosts({ jellyfin: { host: "gpu" }, sonarr: {} }, { overlay: { encrypted: false } }));
    assert.equal(net(clear, "vnet-ingress").encrypted, false);
    const together = planOf(twoHosts({ jellyfin: {}, sonarr: {} }));
    assert.equal(net(together, "vnet-ingress").driver, undefined, "nothing on the second host: no overlay");
  });

  it("a link between services on two hosts becomes an overlay", () => {
    const plan = planOf(twoHosts({ sonarr: {}, jellyfin: { host: "gpu" } }, { links: { media: { services: ["sonarr", "jellyfin"] } } }));
    assert.equal(net(plan, "vnet-link-media").driver, "overlay");
  });

  it("never spans vnet-socket: each host with a Docker-API consumer gets its own socket proxy, answering to the proxy's name", () => {
    const plan = planOf(twoHosts({ dozzle: { host: "gpu" }, homepage: {} }));
    const socket = net(plan, "vnet-socket");
    assert.equal(socket.driver, undefined);
    assert.deepEqual(socket.hosts, ["nas", "gpu"]);
    const own = container(plan, "cetusguard-gpu");
    assert.equal(own.host, "gpu");
    assert.deepEqual(own.networkAliases, { "vnet-socket": ["cetusguard"] });
    assert.deepEqual(own.networks, ["vnet-socket", "vnet-socket-gpu"], "its host's vnet-socket, and the overlay Homepage on nas reads it on");
    assert.ok(socket.members.includes("cetusguard-gpu") && socket.members.includes("cetusguard"));
    assert.equal(container(plan, "dozzle").env.DOCKER_HOST ?? plan.socketProxy!.endpoint, plan.socketProxy!.endpoint);
    const alone = planOf(twoHosts({ sonarr: {}, jellyfin: { host: "gpu" } }));
    assert.equal(
      alone.containers.find((c) => c.name.startsWith("cetusguard-")),
      undefined,
      "no consumer on gpu and nobody reading it: no socket proxy there",
    );
    const agent = planOf(twoHosts({ dozzle: {}, jellyfin: { host: "gpu" } }));
    assert.deepEqual(
      agent.containers.filter((c) => c.host === "gpu" && c.networks.includes("vnet-socket")).map((c) => c.name),
      ["dozzle-agent-gpu", "cetusguard-gpu"],
      "Dozzle's agent on gpu reads gpu's engine through gpu's own socket proxy",
    );
  });

  it("keeps Gluetun and the services routed through it on one host: they follow Gluetun, and a different host is an error", () => {
    const vpn = { mode: "minimal", provider: "mullvad" };
    const credentials = { wireguardPrivateKey: { $secret: "k" }, wireguardAddresses: "10.64.0.2/32" };
    const ok = planOf(twoHosts({ qbittorrent: { vpn: true }, gluetun: { host: "gpu" } }, { vpn, vpnCredentials: withSecrets(credentials) }));
    assert.equal(container(ok, "qbittorrent").host, "gpu");
    assert.equal(container(ok, "gluetun").host, "gpu");
    const split = buildPlan(twoHosts({ qbittorrent: { vpn: true, host: "nas" }, gluetun: { host: "gpu" } }, { vpn, vpnCredentials: withSecrets(credentials) }));
    assert.deepEqual(
      errorsOf(split).filter((e) => e.includes(".host")),
      [
        "homelab:services.qbittorrent.host: qbittorrent is routed through gluetun, which runs on 'gpu': a container can only share the network namespace of a container on its own host (set host: gpu, or vpn: false)",
      ],
    );
  });

  it("routes Traefik to a service on another host through its file provider, over the overlay", () => {
    const plan = planOf(twoHosts({ jellyfin: { host: "gpu" }, sonarr: {} }));
    const file = container(plan, "traefik").files!.find((f) => f.path === TRAEFIK_HOSTS_FILE)!;
    assert.equal(file.reload, "watched");
    assert.match(file.content, /jellyfin:\n {6}rule: Host\(`jellyfin\.home\.example\.com`\)/);
    assert.match(file.content, /url: http:\/\/jellyfin:8096/);
    assert.doesNotMatch(file.content, /sonarr/, "a service on Traefik's own host keeps its labels only");
  });

  it("refuses a backup that would read folders of a service on another host", () => {
    const backup = { repository: "/srv/backup", schedule: "03:30" };
    const errors = errorsOf(buildPlan(twoHosts({ jellyfin: { host: "gpu" } }, { backup, backupCredentials: withSecrets({ password: { $secret: "p" } }) })));
    assert.ok(
      errors.some((e) => e.startsWith("homelab:backup: the backup runs on 'nas' and reads host folders there, but jellyfin runs on another host")),
      errors.join("\n"),
    );
  });
});

describe("back to one host (docs/multi-host.md)", () => {
  it("every service on the first host: no overlay, no per-host copy, no agent; without homelab:hosts: the single-host plan", () => {
    const services = { dozzle: {}, homepage: {}, jellyfin: {}, sonarr: {} };
    const single = planOf(minimalConfig({ services }));
    const gathered = planOf(twoHosts(services));
    assert.deepEqual(
      gathered.networks.map((n) => [n.name, n.subnet, n.driver, n.hosts]),
      single.networks.map((n) => [n.name, n.subnet, undefined, ["nas"]]),
    );
    assert.deepEqual(
      gathered.containers.map((c) => [c.name, c.host]),
      single.containers.map((c) => [c.name, "nas"]),
    );
    const strip = (plan: Plan) => ({
      ...plan,
      hosts: undefined,
      networks: plan.networks.map((n) => ({ ...n, hosts: undefined })),
      containers: plan.containers.map((c) => ({ ...c, host: undefined })),
      services: plan.services.map((sv) => ({ ...sv, host: undefined })),
    });
    assert.deepEqual(JSON.parse(JSON.stringify(strip(gathered))), JSON.parse(JSON.stringify(single)), "apart from where things live, the same plan");
  });
});

describe("dashboards see every host", () => {
  const plan = () => planOf(twoHosts({ dozzle: { host: "gpu" }, homepage: {}, jellyfin: { host: "gpu" }, sonarr: {} }));

  it("gives Dozzle an agent on each other host, on Dozzle's own network (now an overlay) and that host's socket proxy", () => {
    const p = plan();
    const agent = container(p, "dozzle-agent-nas");
    assert.deepEqual(
      [agent.host, agent.role, agent.command, agent.ports, agent.networks, agent.hostPorts],
      ["nas", "worker", ["agent"], [7007], ["vnet-dozzle", "vnet-socket"], []],
    );
    assert.deepEqual(agent.env, { TZ: "Etc/UTC", DOCKER_HOST: "tcp://cetusguard:2375", DOZZLE_HOSTNAME: "nas" });
    assert.equal(agent.labels["homelab.expose"], undefined, "the agent has no route");
    assert.equal(container(p, "dozzle").env.DOZZLE_REMOTE_AGENT, "dozzle-agent-nas:7007");
    assert.deepEqual([net(p, "vnet-dozzle").driver, net(p, "vnet-dozzle").hosts], ["overlay", ["nas", "gpu"]]);
    assert.equal(planAllows(p, "dozzle", "dozzle-agent-nas", "vnet-dozzle"), true, "Dozzle reaches its agent across hosts");
    assert.equal(planAllows(p, "dozzle-agent-nas", "cetusguard", "vnet-socket"), true, "the agent reads nas's engine");
    assert.equal(planAllows(p, "traefik", "dozzle-agent-nas", "vnet-ingress"), false, "nothing routes to the agent");
  });

  it("lets Homepage read the other host's engine through that host's socket proxy, on an overlay of their own", () => {
    const p = plan();
    const remote = net(p, "vnet-socket-gpu");
    assert.deepEqual([remote.kind, remote.driver, remote.hosts, remote.remoteEngine], ["socket", "overlay", ["nas", "gpu"], "gpu"]);
    assert.deepEqual(remote.members.sort(), ["cetusguard-gpu", "homepage"]);
    assert.equal(planAllows(p, "homepage", "cetusguard-gpu", "vnet-socket-gpu"), true);
    assert.equal(planAllows(p, "homepage", "cetusguard", "vnet-socket"), true, "and its own host's, as before");
    assert.ok(
      p.networks.every((n) => !planAllows(p, "dozzle", "cetusguard", n.name)),
      "Dozzle reads nas only through its agent",
    );
    const docker = container(p, "homepage").files!.find((f) => f.path === "/app/config/docker.yaml")!;
    assert.equal(docker.content, "homelab:\n  host: cetusguard\n  port: 2375\ngpu:\n  host: cetusguard-gpu\n  port: 2375\n");
    const services = container(p, "homepage").files!.find((f) => f.path === "/app/config/services.yaml")!.content;
    assert.match(services, /- jellyfin:\n(.*\n)*? {8}server: gpu\n {8}container: jellyfin\n/);
    assert.match(services, /- sonarr:\n(.*\n)*? {8}server: homelab\n {8}container: sonarr\n/);
    assert.ok(!p.warnings.some((w) => /own host .* only/.test(w)), p.warnings.join("\n"));
  });

  it("allocates the remote-read overlay from the pool like any network, and locks it under its key", () => {
    const p = plan();
    const remote = net(p, "vnet-socket-gpu");
    assert.equal(remote.origin, "allocated");
    const pinned = planOf(
      twoHosts({ dozzle: { host: "gpu" }, homepage: {}, jellyfin: { host: "gpu" }, sonarr: {} }, { allocations: { "vnet-socket-gpu": remote.subnet } }),
    );
    assert.deepEqual([net(pinned, "vnet-socket-gpu").subnet, net(pinned, "vnet-socket-gpu").origin], [remote.subnet, "locked"]);
  });

  it("puts Portainer on each other host's proxy overlay, and leaves adding the environment to `homelab wire` (no warning)", () => {
    const p = planOf(twoHosts({ portainer: {}, jellyfin: { host: "gpu" } }, { socketProxy: { allowWrite: true } }));
    assert.deepEqual(container(p, "cetusguard-gpu").networks, ["vnet-socket", "vnet-socket-gpu"]);
    assert.ok(container(p, "portainer").networks.includes("vnet-socket-gpu"));
    assert.ok(!p.warnings.some((w) => /Portainer|environment/.test(w)), p.warnings.join("\n"));
  });

  it("names each host's proxy <proxy>-<host> on its overlay, the one that kept the plain name too (that name is the reader's own host's)", () => {
    const p = planOf(twoHosts({ portainer: { host: "gpu" }, homepage: { host: "gpu" }, sonarr: {} }, { socketProxy: { allowWrite: true } }));
    assert.deepEqual(container(p, "cetusguard").networkAliases, { "vnet-socket-nas": ["cetusguard-nas"] });
    assert.deepEqual(container(p, "cetusguard-gpu").networkAliases, { "vnet-socket": ["cetusguard"] });
    const docker = container(p, "homepage").files!.find((f) => f.path === "/app/config/docker.yaml")!;
    assert.match(docker.content, /nas:\n {2}host: cetusguard-nas\n/, "Homepage names nas's proxy by the name it answers to");
  });

  it("adds nothing on one host, or when every dashboard and service share a host", () => {
    const together = planOf(twoHosts({ dozzle: {}, homepage: {}, sonarr: {} }));
    assert.ok(!together.containers.some((c) => c.name.includes("agent") || c.name.startsWith("cetusguard-")));
    assert.ok(!together.networks.some((n) => n.remoteEngine));
  });
});

/** `{ $secret: v }` → the SecretValue the loader makes of a secret config value. */
function withSecrets(o: Record<string, unknown>): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecretValue } = require("../../config/secret") as typeof import("../../config/secret");
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v && typeof v === "object" && "$secret" in v ? new SecretValue(String(v.$secret)) : v]));
}

describe("reachability on several hosts (topology/reachability.ts)", () => {
  it("joins hosts only through an overlay: a per-host vnet-socket reaches its own host's proxy, not the other's", () => {
    const plan = planOf(twoHosts({ dozzle: { host: "gpu" }, homepage: {}, jellyfin: { host: "gpu" } }));
    assert.equal(planAllows(plan, "dozzle", "cetusguard-gpu", "vnet-socket"), true);
    assert.equal(planAllows(plan, "dozzle", "cetusguard", "vnet-socket"), false);
    assert.equal(planAllows(plan, "homepage", "cetusguard", "vnet-socket"), true);
    assert.equal(planAllows(plan, "traefik", "jellyfin", "vnet-ingress"), true, "the overlay spans nas and gpu");
  });
});

describe("homelab network and diagram show the hosts", () => {
  const plan = () => planOf(twoHosts({ jellyfin: { host: "gpu" }, dozzle: { host: "gpu" }, homepage: {} }));

  it("draws each host as a subgraph with its own networks, the overlay joining them, each consumer to its host's socket proxy", () => {
    const text = renderDiagram(plan());
    assert.match(text, /\n {2}subgraph host_nas\["Docker host nas · swarm manager<br\/>ssh:\/\/me@nas"\]\n/);
    assert.match(text, /\n {2}subgraph host_gpu\["Docker host gpu<br\/>ssh:\/\/me@gpubox"\]\n {4}subgraph n_vnet_socket_40gpu/);
    assert.match(text, /\n {2}n_vnet_ingress\{\{"vnet-ingress<br\/>192\.168\.90\.0\/24<br\/>swarm overlay"\}\}\n/);
    assert.match(text, /\n {2}host_gpu ---\|"overlay"\| n_vnet_ingress\n/);
    assert.match(text, /\n {2}c_dozzle -\.->\|"Docker API"\| c_cetusguard_gpu\n/);
    assert.match(text, /\n {2}c_homepage -\.->\|"Docker API"\| c_cetusguard\n/);
    assert.doesNotMatch(text, /c_cetusguard --- c_cetusguard_gpu/, "a host's own socket proxy is not a companion");
    const gpu = text.slice(text.indexOf("subgraph host_gpu"), text.indexOf("\n  end", text.indexOf("subgraph host_gpu")));
    assert.ok(gpu.includes("c_jellyfin[") && !gpu.includes("c_traefik"), gpu);
  });

  it("lists the hosts and, per network, an overlay across hosts or a bridge per host", () => {
    const text = formatNetworkTable(plan());
    assert.match(text, /^HOST +DOCKER +ROLE +CONTAINERS\nnas +ssh:\/\/me@nas +manager +\d+\ngpu +ssh:\/\/me@gpubox +worker +\d+\n/);
    assert.match(text, /\nvnet-ingress .* overlay: nas \+ gpu \(encrypted\) .*jellyfin@gpu/);
    assert.match(text, /\nvnet-socket .* bridge on nas, gpu .*cetusguard-gpu@gpu/);
    assert.match(text, /\nvnet-jellyfin .* bridge on gpu +jellyfin@gpu\n/);
  });
});

describe("each host's slice of the plan, for homelab audit (planOnHost)", () => {
  it("holds the host's containers, its local networks and the overlays it takes part in (the manager holds every overlay)", () => {
    const plan = planOf(twoHosts({ jellyfin: { host: "gpu" }, dozzle: { host: "gpu" } }));
    const gpu = planOnHost(plan, "gpu");
    assert.deepEqual(gpu.containers.map((c) => c.name).sort(), ["cetusguard-gpu", "dozzle", "jellyfin"]);
    assert.deepEqual(gpu.networks.map((n) => n.name).sort(), ["vnet-dozzle", "vnet-ingress", "vnet-jellyfin", "vnet-socket"]);
    assert.deepEqual(gpu.networks.find((n) => n.name === "vnet-socket")!.members, ["dozzle", "cetusguard-gpu"]);
    const nas = planOnHost(plan, "nas");
    assert.ok(!nas.networks.some((n) => n.name === "vnet-jellyfin"));
    assert.deepEqual(nas.networks.find((n) => n.name === "vnet-ingress")!.members.sort(), ["authelia", "crowdsec", "traefik"]);
    const linkOnly = planOf(twoHosts({ sonarr: { host: "gpu" }, radarr: { host: "gpu" } }, { links: { arr: { services: ["sonarr", "radarr"] } } }));
    assert.ok(!planOnHost(linkOnly, "nas").networks.some((n) => n.name === "vnet-link-arr"), "a one-host link is a bridge on that host only");
  });
});
