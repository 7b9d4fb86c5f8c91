import * as assert from "node:assert/strict";
import { byType, CONTAINER, LIVE_FILE, NETWORK, recordProgram, REMOTE_IMAGE, type ProgramRun } from "../support/program";

const PROVIDER = "pulumi:providers:docker";
const HOSTS = { a: { docker: "unix:///run/a.sock", manager: true }, b: { docker: "ssh://me@b" } };
const SERVICES = { jellyfin: { host: "b" }, sonarr: {}, dozzle: { host: "b" }, whoami: { image: "traefik/whoami:v1.11.0", port: 80 } };

describe("one Docker provider per host (components/hosts.ts)", function () {
  this.timeout(60_000);
  let run: ProgramRun;
  let single: ProgramRun;
  before(async () => {
    [run, single] = await Promise.all([recordProgram("lab", { hosts: HOSTS, services: SERVICES }), recordProgram("lab")]);
    assert.equal(run.error, undefined);
  });
  const named = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!;

  it("registers one provider per host, with the host's Docker URL", () => {
    assert.deepEqual(
      byType(run, PROVIDER).map((p) => [p.name, p.inputs.host]),
      [
        ["docker-a", "unix:///run/a.sock"],
        ["docker-b", "ssh://me@b"],
      ],
    );
  });

  it("registers every container and image through its host's provider", () => {
    const hostOf: Record<string, string> = { "lab-jellyfin": "b", "lab-dozzle": "b", "lab-cetusguard-b": "b" };
    for (const c of byType(run, CONTAINER)) assert.equal(c.provider, `docker-${hostOf[c.name] ?? "a"}`, c.name);
    for (const i of byType(run, REMOTE_IMAGE)) assert.equal(i.provider, `docker-${i.name.slice(-1)}`, i.name);
    assert.ok(
      byType(run, REMOTE_IMAGE).some((i) => i.name === "images-ghcr.io-hectorm-cetusguard-v1.1.3.b"),
      "each host pulls its own copy",
    );
  });

  it("creates a spanning network once, through the manager, as an attachable encrypted overlay", () => {
    const ingress = named(NETWORK, "lab-vnet-ingress");
    assert.equal(ingress.provider, "docker-a");
    assert.deepEqual([ingress.inputs.driver, ingress.inputs.attachable, ingress.inputs.options], ["overlay", true, { encrypted: "" }]);
    assert.deepEqual(ingress.inputs.ipamConfigs[0].subnet, "10.90.0.0/24", "the single-host plan's subnet");
    assert.equal(byType(run, NETWORK).filter((n) => n.inputs.name === "lab-vnet-ingress").length, 1);
  });

  it("keeps one-host networks local bridges on their host, and vnet-socket a bridge on each host its own containers join", () => {
    assert.deepEqual([named(NETWORK, "lab-vnet-jellyfin").provider, named(NETWORK, "lab-vnet-jellyfin").inputs.driver], ["docker-b", "bridge"]);
    assert.deepEqual([named(NETWORK, "lab-vnet-sonarr").provider, named(NETWORK, "lab-vnet-sonarr").inputs.driver], ["docker-a", "bridge"]);
    const sockets = byType(run, NETWORK).filter((n) => n.inputs.name === "lab-vnet-socket");
    assert.deepEqual(
      sockets.map((n) => [n.name, n.provider, n.inputs.driver]),
      [
        ["lab-vnet-socket", "docker-a", "bridge"],
        ["lab-vnet-socket.b", "docker-b", "bridge"],
      ],
    );
    const dozzle = named(CONTAINER, "lab-dozzle");
    assert.ok(dozzle.dependsOn.includes("lab-vnet-socket.b"), `dozzle waits for b's vnet-socket: ${dozzle.dependsOn.join(", ")}`);
    assert.ok(!dozzle.dependsOn.includes("lab-vnet-socket"));
    const proxyB = named(CONTAINER, "lab-cetusguard-b");
    assert.deepEqual(proxyB.inputs.networksAdvanced[0].aliases, ["lab-cetusguard-b", "lab-cetusguard"], "answers to the proxy's name on b");
  });

  it("writes live files into a container through its own host's engine", () => {
    const commands = byType(run, LIVE_FILE);
    const rulesB = commands.find((c) => c.name.startsWith("lab-cetusguard-b:"))!;
    assert.equal(rulesB.inputs.environment.DOCKER_HOST, "ssh://me@b");
    const swag = commands.find((c) => c.name.startsWith("lab-swag:"))!;
    assert.equal(swag.inputs.environment.DOCKER_HOST, "unix:///run/a.sock");
  });

  it("leaves a single-host stack on the default provider, with no provider resource", () => {
    assert.equal(byType(single, PROVIDER).length, 0);
    for (const r of single.resources.filter((r) => r.type.startsWith("docker:"))) assert.equal(r.provider, undefined, r.name);
  });
});
