import * as assert from "node:assert/strict";
import { formatFindings } from "../../cli/audit";
import { auditFindings, EngineContainer, EngineSnapshot, Finding } from "../../topology/audit";
import type { Plan, PlannedContainer } from "../../topology/types";
import { snapshotOf } from "../support/auditSnapshot";
import { planOf, stackConfig } from "../support/configs";

function container(snapshot: EngineSnapshot, name: string): EngineContainer {
  const c = snapshot.containers.find((c) => c.name === name);
  if (!c) throw new Error(`no ${name} in the snapshot`);
  return c;
}

function stranger(name: string, networks: string[], extra: Partial<EngineContainer> = {}): EngineContainer {
  return { id: `${name}-id`.padEnd(64, "0"), name, state: "running", labels: {}, networkMode: networks[0] ?? "bridge", networks, mounts: [], ...extra };
}

/** The lab plan with a Gluetun gateway and qBittorrent routed through it, as the VPN layer will plan it. */
function labWithVpn(): Plan {
  const plan = structuredClone(planOf(stackConfig("lab")));
  const ingress = plan.networks.find((n) => n.kind === "ingress")!.name;
  const base = plan.containers.find((c) => c.name === "lab-sonarr")!;
  const own = {
    ...plan.networks.find((n) => n.service === "sonarr")!,
    name: "lab-vnet-gluetun",
    service: "gluetun",
    subnet: "10.96.9.0/29",
    members: ["lab-gluetun"],
  };
  const labels = { "homelab.service": "gluetun", "homelab.role": "vpn-gateway" };
  const gluetun: PlannedContainer = {
    ...base,
    name: "lab-gluetun",
    service: "gluetun",
    role: "vpn-gateway",
    labels,
    networks: [ingress, own.name],
    mounts: [],
  };
  plan.networks.push(own);
  const qbit = plan.containers.find((c) => c.name === "lab-qbittorrent")!;
  qbit.networks = [];
  qbit.networkMode = "container:lab-gluetun";
  plan.containers.push(gluetun);
  for (const n of plan.networks) n.members = n.members.filter((m) => m !== "lab-qbittorrent");
  return plan;
}

const kinds = (findings: Finding[]) => findings.map((f) => `${f.kind} ${f.object}`);

describe("homelab audit: auditFindings (pure)", () => {
  const lab = planOf(stackConfig("lab"));
  const home = planOf(stackConfig("home"));

  it("finds nothing when the engine is exactly the plan (lab, home, and a VPN-routed plan)", () => {
    for (const plan of [lab, home, labWithVpn()]) assert.deepEqual(auditFindings(plan, snapshotOf(plan)), []);
  });

  it("ignores containers and networks that have nothing to do with the stack", () => {
    const engine = snapshotOf(lab);
    engine.containers.push(stranger("someone-elses-app", ["bridge"]), stranger("other-db", ["other-net"]));
    engine.networks.push(
      { id: "x", name: "other-net", subnets: ["10.250.0.0/24"], labels: {} },
      { id: "y", name: "vnet-jellyfin", subnets: ["10.1.0.0/29"], labels: {} },
    );
    assert.deepEqual(auditFindings(lab, engine), []);
  });

  it("reports an unknown container on a managed network", () => {
    const engine = snapshotOf(lab);
    engine.containers.push(stranger("intruder", ["lab-vnet-ingress", "bridge"]));
    assert.deepEqual(auditFindings(lab, engine), [
      { kind: "unknown-container", object: "intruder", expected: "only planned containers on lab-vnet-ingress", actual: "on lab-vnet-ingress" },
    ]);
  });

  it("reports a planned container on a network it should not be on, with the policy's reason", () => {
    const engine = snapshotOf(home);
    container(engine, "immich-db").networks.push("vnet-ingress");
    container(engine, "sonarr").networks.push("vnet-radarr");
    const findings = auditFindings(home, engine);
    assert.deepEqual(kinds(findings), ["unexpected-network immich-db", "unexpected-network sonarr", "policy immich-db", "policy sonarr"]);
    // The shared policy says it too, in its own words, without looking at the plan.
    assert.deepEqual(
      findings.slice(2).map((f) => f.actual),
      [
        "immich-db (database) must never be on vnet-ingress",
        "sonarr (web) joins vnet-radarr, the network of service 'radarr': nobody joins another service's network",
      ],
    );
    assert.match(findings[0].expected, /not on vnet-ingress \(plan: vnet-immich; a database container must never be on vnet-ingress\)/);
    assert.match(findings[1].expected, /nothing joins another service's network/);
  });

  it("reports a planned container missing from a planned network", () => {
    const engine = snapshotOf(lab);
    const dozzle = container(engine, "lab-dozzle");
    dozzle.networks = dozzle.networks.filter((n) => n !== "lab-vnet-socket");
    assert.deepEqual(auditFindings(lab, engine), [
      { kind: "missing-from-network", object: "lab-dozzle", expected: "on lab-vnet-socket", actual: "not on it (networks: lab-vnet-dozzle, lab-vnet-ingress)" },
      { kind: "policy", object: "lab-dozzle", expected: "the network policy", actual: "lab-dozzle (monitoring) must be on vnet-socket" },
    ]);
  });

  it("reports the Docker socket mounted by anything but the socket proxy, and the socket proxy mounting it read-write", () => {
    const engine = snapshotOf(lab);
    container(engine, "lab-whoami").mounts.push({ source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true });
    container(engine, "lab-cetusguard").mounts.forEach((m) => (m.readOnly = false));
    engine.containers.push(stranger("lab-sidecar", ["bridge"], { mounts: [{ source: "/run/docker.sock", target: "/sock", readOnly: false }] }));
    const findings = auditFindings(lab, engine);
    assert.deepEqual(kinds(findings), ["docker-socket lab-cetusguard", "docker-socket lab-sidecar", "docker-socket lab-whoami"]);
    assert.equal(findings[0].actual, "mounts /var/run/docker.sock read-write");
    assert.match(findings[2].expected, /only lab-cetusguard may mount it, read-only/);
  });

  it("reports subnets that differ, missing networks and stray vnet- networks of the stack", () => {
    const engine = snapshotOf(lab);
    engine.networks.find((n) => n.name === "lab-vnet-whoami")!.subnets = ["10.96.3.160/29"];
    engine.networks = engine.networks.filter((n) => n.name !== "lab-vnet-sonarr");
    engine.networks.push({ id: "old", name: "lab-vnet-oldapp", subnets: ["10.96.1.0/29"], labels: {} });
    container(engine, "lab-sonarr").networks = ["lab-vnet-ingress"];
    assert.deepEqual(auditFindings(lab, engine), [
      { kind: "missing-network", object: "lab-vnet-sonarr", expected: "service network 10.96.0.160/29", actual: "absent" },
      { kind: "subnet", object: "lab-vnet-whoami", expected: "10.96.3.144/29", actual: "10.96.3.160/29" },
      { kind: "stray-network", object: "lab-vnet-oldapp", expected: "not in the plan", actual: "10.96.1.0/29" },
      { kind: "missing-from-network", object: "lab-sonarr", expected: "on lab-vnet-sonarr", actual: "not on it (networks: lab-vnet-ingress)" },
      { kind: "policy", object: "lab-sonarr", expected: "the network policy", actual: "lab-sonarr (web) must be on its own service network" },
    ]);
  });

  it("reports missing and stopped containers", () => {
    const engine = snapshotOf(lab);
    engine.containers = engine.containers.filter((c) => c.name !== "lab-jellyfin");
    container(engine, "lab-sonarr").state = "exited";
    assert.deepEqual(kinds(auditFindings(lab, engine)), ["missing-container lab-jellyfin", "not-running lab-sonarr"]);
  });

  describe("VPN-routed containers", () => {
    const plan = labWithVpn();

    it("accepts the namespace given by Gluetun's name as well as by its id", () => {
      const engine = snapshotOf(plan);
      container(engine, "lab-qbittorrent").networkMode = "container:lab-gluetun";
      assert.deepEqual(auditFindings(plan, engine), []);
    });

    it("reports a routed container on its own networks instead of in Gluetun's namespace", () => {
      const engine = snapshotOf(plan);
      Object.assign(container(engine, "lab-qbittorrent"), { networkMode: "lab-vnet-ingress", networks: ["lab-vnet-ingress"] });
      assert.deepEqual(auditFindings(plan, engine), [
        { kind: "namespace", object: "lab-qbittorrent", expected: "in lab-gluetun's namespace (container:lab-gluetun)", actual: "networks: lab-vnet-ingress" },
        { kind: "policy", object: "lab-qbittorrent", expected: "the network policy", actual: "lab-qbittorrent (web) must be on its own service network" },
      ]);
    });

    it("reports a routed container left in the namespace of a Gluetun that was recreated", () => {
      const engine = snapshotOf(plan);
      container(engine, "lab-qbittorrent").networkMode = `container:${"f".repeat(64)}`;
      const [finding, ...rest] = auditFindings(plan, engine);
      assert.equal(rest.length, 0);
      assert.equal(finding.kind, "namespace");
      assert.equal(finding.actual, "in the namespace of ffffffffffff, a container that no longer exists");
    });

    it("reports a planned container that joined someone's namespace, and an unknown one in Gluetun's", () => {
      const engine = snapshotOf(plan);
      Object.assign(container(engine, "lab-sonarr"), { networkMode: "container:lab-gluetun", networks: [] });
      engine.containers.push(stranger("hitchhiker", [], { networkMode: `container:${container(engine, "lab-gluetun").id}` }));
      assert.deepEqual(auditFindings(plan, engine), [
        {
          kind: "unknown-container",
          object: "hitchhiker",
          expected: "only planned containers in a stack container's namespace",
          actual: "in lab-gluetun's namespace",
        },
        { kind: "namespace", object: "lab-sonarr", expected: "networks: lab-vnet-ingress, lab-vnet-sonarr", actual: "in lab-gluetun's namespace" },
      ]);
    });
  });

  it("formats findings as a table with a header", () => {
    const text = formatFindings([{ kind: "subnet", object: "lab-vnet-whoami", expected: "10.96.3.144/29", actual: "10.96.3.160/29" }]);
    assert.deepEqual(text.split("\n"), ["KIND    OBJECT           EXPECTED        ACTUAL", "subnet  lab-vnet-whoami  10.96.3.144/29  10.96.3.160/29"]);
  });
});
