/**
 * One homelab over two Docker hosts, on a real Docker Swarm: two extra dockerd, each in its own network
 * namespace, linked by a veth pair (tests/support/engine/swarmDaemons.ts). The real program (index.ts) is recorded
 * under Pulumi mocks for a two-host stack — Traefik, Authelia and CrowdSec on host a; Immich with its
 * database and cache, and Gluetun with qBittorrent routed through it, on host b — and every resource is
 * realised on the daemon of the provider it was registered through. Then: the reachability matrix measured
 * across both hosts equals the plan's; removing host b's services leaves no orphan network on either host.
 * The preview's swarm check is run against the same daemons before and after they form a swarm.
 *
 * Overlays here are not encrypted: this kernel has no IPsec ESP (dockerd logs "Failed Adding rSA{…Proto: esp…}:
 * function not implemented" and an encrypted overlay carries nothing), so the stack sets overlay.encrypted: false.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import type Docker from "dockerode";
import { swarmRefusal } from "../../cli/swarm";
import { planOf, stackConfig } from "../support/configs";
import { recordProgram, type RegisteredResource } from "../support/program";
import type { Plan } from "../../topology/types";
import { DOCKER_TYPES, HARNESS_IMAGE, LABELS } from "../support/engine/engineMapping";
import { REQUIRE_DOCKER } from "../support/engine/engineSuite";
import { diffMatrices, expectedMatrix, formatMatrix, inspectFacts, matrixSummary, measureMatrix, type ContainerFacts } from "../support/engine/probe";
import { membershipDifferences, planRule } from "../support/engine/policyPrediction";
import { engineStatus, newRunId, realise, reconcile, runWorkDir } from "../support/engine/realise";
import { formSwarm, loadImage, pairUnavailable, startPair, sweepStalePairs, type DaemonPair } from "../support/engine/swarmDaemons";

const GROUP = "two";
const B_SERVICES = { immich: { host: "b" }, qbittorrent: { vpn: true }, gluetun: { host: "b" } };
// Homepage on a reads b's engine through b's socket proxy (vnet-socket-b); Dozzle on a reads it through its agent on b.
const A_SERVICES = { whoami: { image: "traefik/whoami:v1.11.0", port: 80 }, homepage: {}, dozzle: {} };
const VPN = { vpn: { mode: "minimal", provider: "mullvad", type: "wireguard" } };

function overrides(pair: DaemonPair, services: Record<string, unknown>, withVpn: boolean) {
  return {
    proxy: "traefik",
    hosts: { a: { docker: pair.a.url, manager: true }, b: { docker: pair.b.url } },
    overlay: { encrypted: false },
    services,
    allocations: {},
    ...(withVpn ? VPN : { vpn: null }),
  };
}

/** The plan the CLI makes of the same config (the home stack file's credentials are already a secret value). */
function planFor(o: Record<string, unknown>, withVpn: boolean): Plan {
  const raw: Record<string, unknown> = { ...stackConfig("lab"), ...o, ...(withVpn ? { vpnCredentials: stackConfig("home").vpnCredentials } : {}) };
  for (const [k, v] of Object.entries(raw)) if (v === null) delete raw[k];
  return planOf(raw);
}

const runNetworks = async (docker: Docker, runId: string) =>
  (await docker.listNetworks({ filters: { label: [`${LABELS.run}=${runId}`] } })).map((n) => ({ name: n.Name, scope: n.Scope, id: n.Id }));

describe("one homelab over two Docker hosts on a real swarm (e2e)", function () {
  this.timeout(120_000);
  const runId = newRunId();
  let pair: DaemonPair | undefined;
  let plan: Plan;
  let facts: ContainerFacts[] = [];
  const log = (line: string) => console.log(`      ${line}`);

  before(async function () {
    const missing = (await pairUnavailable()) ?? (await engineStatus().then((s) => (s.ok ? undefined : s.reason)));
    if (missing) {
      if (REQUIRE_DOCKER) throw new Error(`HOMELAB_REQUIRE_DOCKER=1 but the swarm test cannot run: ${missing}`);
      this.skip();
    }
    const swept = await sweepStalePairs();
    if (swept.length) log(`removed leftovers of killed runs: ${swept.join(", ")}`);
    const started = Date.now();
    pair = await startPair(runId, log);
    await loadImage(pair, HARNESS_IMAGE);
    log(`two daemons and the image in ${Date.now() - started} ms`);
  });

  after(async function () {
    this.timeout(60_000);
    await pair?.stop();
    fs.rmSync(runWorkDir(runId), { recursive: true, force: true });
  });

  it("preview refuses while the hosts are not one swarm, printing the init and join commands; passes once they are", async () => {
    const p = planFor(overrides(pair!, { ...A_SERVICES, ...B_SERVICES }, true), true);
    const refusal = await swarmRefusal(p);
    assert.ok(refusal, "two daemons outside any swarm must be refused");
    assert.match(refusal, /nothing was created/);
    assert.match(refusal, new RegExp(`host 'a' is not in a swarm \\(state: inactive\\); start one there:\\n\\s+docker -H ${pair!.a.url} swarm init`));
    assert.match(refusal, new RegExp(`host 'b' is not in the swarm \\(state: inactive\\); join it:\\n\\s+docker -H ${pair!.b.url} swarm join --token`));
    await formSwarm(pair!);
    assert.equal(await swarmRefusal(p), undefined);
  });

  it("realises each host's resources on its own daemon, overlays through the manager", async () => {
    const o = overrides(pair!, { ...A_SERVICES, ...B_SERVICES }, true);
    plan = planFor(o, true);
    const run = await recordProgram("lab", { ...o, vpnCredentials: { wireguardPrivateKey: { $secret: "wg-test-key" }, wireguardAddresses: "10.64.0.2/32" } });
    assert.equal(run.error, undefined);
    const docker = run.resources.filter((r) => r.type.startsWith("docker:"));
    const on = (host: string) => docker.filter((r) => r.provider === `docker-${host}`);
    assert.equal(on("a").length + on("b").length, docker.length, "every Docker resource names its host's provider");
    const overlays = on("a").filter((r) => r.type === DOCKER_TYPES.network && r.inputs.driver === "overlay");
    assert.deepEqual(overlays.map((r) => r.inputs.name).sort(), ["lab-vnet-dozzle", "lab-vnet-ingress", "lab-vnet-socket-b"]);

    const started = Date.now();
    await realise(on("a") as RegisteredResource[], { runId, group: GROUP, docker: pair!.a.docker, dockerSocket: pair!.a.socket });
    await realise([...overlays, ...on("b")] as RegisteredResource[], {
      runId,
      group: GROUP,
      docker: pair!.b.docker,
      dockerSocket: pair!.b.socket,
      elsewhere: new Set(overlays.map((r) => r.inputs.name as string)),
    });
    log(`realised on two hosts in ${Date.now() - started} ms`);

    const [onA, onB] = await Promise.all([inspectFacts(runId, pair!.a.docker), inspectFacts(runId, pair!.b.docker)]);
    facts = [...onA, ...onB];
    const hostOf = (name: string) => plan.containers.find((c) => c.name === name)?.host;
    assert.deepEqual(
      onA.map((f) => f.name).filter((n) => hostOf(n) !== "a"),
      [],
    );
    assert.deepEqual(
      onB.map((f) => f.name).filter((n) => hostOf(n) !== "b"),
      [],
    );
    assert.ok(onB.some((f) => f.name === "lab-immich-db") && onB.some((f) => f.name === "lab-qbittorrent"));
    const [netsA, netsB] = await Promise.all([runNetworks(pair!.a.docker, runId), runNetworks(pair!.b.docker, runId)]);
    assert.equal(netsA.find((n) => n.name.endsWith("-lab-vnet-ingress"))?.scope, "swarm");
    assert.equal(
      netsB.find((n) => n.name.endsWith("-lab-vnet-ingress"))?.id,
      netsA.find((n) => n.name.endsWith("-lab-vnet-ingress"))?.id,
      "one overlay, seen by both",
    );
  });

  it("measures across both hosts exactly the reachability the plan and its policy predict", async () => {
    assert.ok(facts.length > 0, "realised");
    const plans = new Map([[GROUP, plan]]);
    assert.deepEqual(membershipDifferences(facts, plans), []);
    const engines = new Map(facts.map((f) => [f.key, plan.containers.find((c) => c.name === f.name)!.host === "a" ? pair!.a.docker : pair!.b.docker]));
    const measured = await measureMatrix(facts, { engineOf: (source) => engines.get(source)!, timeoutSeconds: 1, concurrency: 8 });
    const diff = diffMatrices(expectedMatrix(facts, planRule(plans)), measured);
    log(`matrix: ${JSON.stringify(matrixSummary(measured))}`);
    assert.deepEqual(diff, [], `measured matrix differs from the plan's prediction:\n${diff.join("\n")}\nmeasured:\n${formatMatrix(measured)}`);

    // The promises that matter most across hosts, named: the proxy on a reaches Immich and qBittorrent (via
    // Gluetun) on b through the overlay; nothing on a reaches Immich's database or cache on b.
    const reached = (from: string, to: string) => measured.cells.some((c) => c.from === from && c.to === to && c.reachable);
    assert.ok(reached("lab-traefik", "lab-immich"), "traefik (a) -> immich (b)");
    assert.ok(reached("lab-traefik", "lab-qbittorrent"), "traefik (a) -> qbittorrent behind gluetun (b)");
    assert.ok(reached("lab-immich", "lab-immich-db"), "immich -> its database, on b");
    assert.ok(reached("lab-dozzle", "lab-dozzle-agent-b"), "dozzle (a) -> its agent (b)");
    assert.ok(reached("lab-dozzle-agent-b", "lab-cetusguard-b"), "the agent -> b's socket proxy");
    assert.ok(reached("lab-homepage", "lab-cetusguard-b"), "homepage (a) -> b's socket proxy, over vnet-socket-b");
    assert.ok(!reached("lab-dozzle", "lab-cetusguard-b"), "dozzle (a) reads b only through its agent");
    for (const from of facts.filter((f) => plan.containers.find((c) => c.name === f.name)!.host === "a"))
      for (const store of ["lab-immich-db", "lab-immich-redis"]) assert.ok(!reached(from.key, store), `${from.key} (a) must not reach ${store} (b)`);
  });

  it("removing host b's services leaves no orphan network on either host", async () => {
    const after = planFor(overrides(pair!, A_SERVICES, false), false);
    assert.ok(!after.containers.some((c) => c.host === "b"));
    const b = pair!.b.docker;
    for (const c of await b.listContainers({ all: true, filters: { label: [`${LABELS.run}=${runId}`] } })) {
      // One at a time: Debian's docker.io 20.10.24 can deadlock when several leave one network at once (moby/moby#46661).
      await b.getContainer(c.Id).remove({ force: true, v: true });
    }
    for (const n of (await runNetworks(b, runId)).filter((n) => n.scope === "local")) await b.getNetwork(n.id).remove();
    // A worker drops its copy of an overlay once no local container is attached to it; bounded wait.
    const deadline = Date.now() + 15_000;
    let leftOnB = await runNetworks(b, runId);
    while (leftOnB.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      leftOnB = await runNetworks(b, runId);
    }
    assert.deepEqual(leftOnB, [], "host b keeps none of the stack's networks");
    // What the apply does on a: the plan without b's services no longer reads b's engine, so vnet-socket-b goes;
    // nothing else of a's changes presence.
    const afterRun = await recordProgram("lab", overrides(pair!, A_SERVICES, false));
    assert.equal(afterRun.error, undefined);
    const onAfterA = afterRun.resources.filter((r) => r.type.startsWith("docker:") && r.provider === "docker-a") as RegisteredResource[];
    const report = await reconcile(runId, onAfterA, { group: GROUP, docker: pair!.a.docker, dockerSocket: pair!.a.socket });
    const prefix = `hlt-${runId}-`;
    // Homepage leaves vnet-socket-b, so it is replaced (the provider replaces a container whose networks change).
    assert.deepEqual(report.removed, { containers: [`${prefix}lab-homepage`], networks: [`${prefix}lab-vnet-socket-b`], volumes: [] });
    assert.deepEqual(report.created, { containers: [`${prefix}lab-homepage`], networks: [], volumes: [] });
    const onA = (await runNetworks(pair!.a.docker, runId)).map((n) => n.name.slice(prefix.length)).sort();
    assert.deepEqual(onA, after.networks.map((n) => n.name).sort(), "host a has exactly the networks of the plan without b's services");
  });
});
