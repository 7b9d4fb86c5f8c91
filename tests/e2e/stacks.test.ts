/**
 * The shipped stacks, realised on a real engine from what the real program (index.ts) registers
 * under Pulumi mocks: the measured reachability matrix must equal the plan's prediction, the
 * policy's promises must hold on the engine, two stacks side by side must not reach each other,
 * and teardown must leave nothing behind.
 */
import { strict as assert } from "node:assert";
import { planOf, stackConfig } from "../support/configs";
import { recordProgram } from "../support/program";
import type { Plan } from "../../topology/types";
import { DOCKER_SOCKET } from "../../topology/policy";
import { engineRuns, realiseWhenAddressesFree } from "../support/engine/engineSuite";
import {
  ContainerFacts,
  ReachabilityMatrix,
  diffMatrices,
  expectedMatrix,
  formatMatrix,
  inspectFacts,
  matrixSummary,
  measureMatrix,
} from "../support/engine/probe";
import { membershipDifferences, plannedNetworks, planRule, unqualified } from "../support/engine/policyPrediction";
import { connectEngine, leftovers, newRunId, runPrefix, teardown } from "../support/engine/realise";
import { probeHost } from "../../cli/probe";
import { DOCKER_API_PORTS, routedContainers } from "../../topology/probeVerdict";
import { HARNESS_IMAGE } from "../support/engine/engineMapping";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

/**
 * `homelab audit --probe` over a realised run: no isolation finding and no broken needed path. Its VPN egress
 * half is proven in probeAudit.test.ts (the harness's Gluetun stand-in has no tunnel); here the echo endpoint is
 * the run's own proxy namespace, so no probe leaves the run's networks.
 */
async function probeIsClean(stack: string, plan: Plan, runId: string): Promise<number> {
  const docker = connectEngine();
  const proxy = (await docker.getContainer(`${runPrefix(runId)}${plan.containers.find((c) => c.role === "proxy")!.name}`).inspect()).Id;
  const report = await probeHost(docker, stack, plan, {
    image: HARNESS_IMAGE,
    echoUrl: "http://127.0.0.1:7/",
    hostNetworkMode: `container:${proxy}`,
    timeoutSeconds: 1,
    concurrency: 8,
    enginePrefix: runPrefix(runId),
    dockerApiPorts: DOCKER_API_PORTS,
    leftoverAgeSeconds: 120,
  });
  assert.deepEqual(
    report.probes.filter((p) => p.verdict === "finding"),
    [],
    `${stack}: unexpected reachability`,
  );
  assert.deepEqual(report.neededFailures, [], `${stack}: needed paths that do not answer`);
  // Without a routed service the echo endpoint is never asked.
  if (routedContainers(plan).length === 0) assert.equal(report.host, undefined);
  return report.namespaces;
}

async function recorded(stack: string) {
  const run = await recordProgram(stack);
  if (run.error) throw new Error(`the program refused stack ${stack}: ${run.error}`);
  return run.resources;
}

const roleOf = (plans: ReadonlyMap<string, Plan>, f: ContainerFacts) => plans.get(f.group)!.containers.find((c) => c.name === f.name)!;

/** The network policy's promises, checked on what the engine did and measured. */
function assertPolicyHolds(facts: ContainerFacts[], measured: ReachabilityMatrix, plans: ReadonlyMap<string, Plan>): void {
  const byKey = new Map(facts.map((f) => [f.key, f]));
  const ownerOf = (f: ContainerFacts) => (f.netnsOwner ? byKey.get(f.netnsOwner)! : f);

  // Matrix == plan prediction, and the engine's memberships == the plan's.
  assert.deepEqual(membershipDifferences(facts, plans), []);
  const diff = diffMatrices(expectedMatrix(facts, planRule(plans)), measured);
  assert.deepEqual(diff, [], `measured matrix differs from the plan's prediction:\n${diff.join("\n")}\nmeasured:\n${formatMatrix(measured)}`);

  // No database or cache reachable from anything outside its own service.
  for (const cell of measured.cells.filter((c) => c.reachable)) {
    const target = roleOf(plans, byKey.get(cell.to)!);
    if (target.role !== "database" && target.role !== "cache") continue;
    const source = roleOf(plans, ownerOf(byKey.get(cell.from)!));
    assert.equal(source.service, target.service, `${cell.from} reaches ${target.role} ${cell.to} on ${cell.network}`);
  }

  // The Docker socket: mounted by the socket proxy only, read-only; reached from vnet-socket only.
  for (const f of facts) {
    const socket = f.mounts.filter((m) => m.target === DOCKER_SOCKET || m.source === DOCKER_SOCKET);
    const role = roleOf(plans, f).role;
    if (role === "socket-proxy")
      assert.deepEqual(
        socket.map((m) => m.readOnly),
        [true],
        `${f.key} mounts the socket read-only`,
      );
    else assert.deepEqual(socket, [], `${f.key} (${role}) must not mount the Docker socket`);
  }
  for (const cell of measured.cells.filter((c) => c.reachable && roleOf(plans, byKey.get(c.to)!).role === "socket-proxy")) {
    const group = byKey.get(cell.to)!.group;
    assert.ok(unqualified(cell.network, group).endsWith("vnet-socket"), `${cell.from} reaches the socket proxy on ${cell.network}`);
  }

  // Namespace sharers: no interface of their own.
  for (const f of facts.filter((x) => x.netnsOwner)) {
    assert.deepEqual(f.networks, {});
    assert.deepEqual(f.interfaceIps, ownerOf(f).interfaceIps);
  }
  for (const f of facts) assert.deepEqual(f.publishedPorts, [], `${f.key} publishes nothing on the test host`);
}

describe("shipped stacks realised on a real Docker engine", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runs = engineRuns();

  it("lab: the measured matrix equals the plan's prediction, the policy holds, teardown is clean", async () => {
    const runId = newRunId();
    runs.push(runId);
    const plans = new Map([["lab", planOf(stackConfig("lab"))]]);
    const started = Date.now();
    await realiseWhenAddressesFree(await recorded("lab"), { runId, group: "lab" });
    const facts = await inspectFacts(runId);
    const measured = await measureMatrix(facts);
    const s = matrixSummary(measured);
    console.log(
      `      lab: ${facts.length} containers, ${s.sources} sources × ${s.targets} targets = ${s.probes} probes (${s.reachable} reachable, ${s.rechecked} rechecked) in ${Date.now() - started} ms`,
    );
    assertPolicyHolds(facts, measured, plans);
    // Something is reachable and something is not, in both directions of the policy.
    assert.ok(s.reachable > 0 && s.reachable < s.probes);
    const probeStarted = Date.now();
    const namespaces = await probeIsClean("lab", plans.get("lab")!, runId);
    console.log(`      lab: homelab audit --probe of ${facts.length} containers (${namespaces} namespaces) in ${Date.now() - probeStarted} ms`);
    await teardown({ runId });
    assert.deepEqual(await leftovers(runId), { containers: [], networks: [], volumes: [], workDir: false });
  });

  it("catches a policy broken on purpose: the socket proxy also attached to vnet-ingress", async () => {
    const runId = newRunId();
    runs.push(runId);
    const plans = new Map([["lab", planOf(stackConfig("lab"))]]);
    // What a raw override slipping past the planner would register.
    const resources = (await recorded("lab")).map((r) =>
      r.inputs.name === "lab-cetusguard"
        ? { ...r, inputs: { ...r.inputs, networksAdvanced: [...r.inputs.networksAdvanced, { name: "lab-vnet-ingress" }] } }
        : r,
    );
    await realiseWhenAddressesFree(resources, { runId, group: "lab" });
    const facts = await inspectFacts(runId);
    const measured = await measureMatrix(facts);
    assert.deepEqual(membershipDifferences(facts, plans), ["lab: lab-cetusguard is on [lab-vnet-ingress,lab-vnet-socket], planned [lab-vnet-socket]"]);
    const diff = diffMatrices(expectedMatrix(facts, planRule(plans)), measured);
    assert.ok(diff.includes("lab-jellyfin -> lab-cetusguard @lab-vnet-ingress:2375: expected unreachable, measured reachable"), diff.join("\n"));
    assert.throws(() => assertPolicyHolds(facts, measured, plans));
    await teardown({ runId });
  });

  it("home and lab side by side: each matches its plan, neither reaches the other, teardown is clean", async () => {
    const stacks = ["home", "lab"];
    const ids = stacks.map(() => newRunId());
    runs.push(...ids);
    const plans = new Map(stacks.map((stack) => [stack, planOf(stackConfig(stack))]));
    const started = Date.now();
    const resources = await Promise.all(stacks.map(recorded));
    await Promise.all(stacks.map((stack, i) => realiseWhenAddressesFree(resources[i], { runId: ids[i], group: stack })));
    const facts = await inspectFacts(ids);
    const measured = await measureMatrix(facts);
    const s = matrixSummary(measured);
    console.log(
      `      home+lab: ${facts.length} containers, ${s.sources} sources × ${s.targets} targets = ${s.probes} probes (${s.reachable} reachable, ${s.rechecked} rechecked) in ${Date.now() - started} ms`,
    );
    assertPolicyHolds(facts, measured, plans);
    const probeStarted = Date.now();
    const namespaces = await Promise.all(stacks.map((stack, i) => probeIsClean(stack, plans.get(stack)!, ids[i])));
    const probeMs = Date.now() - probeStarted;
    console.log(
      `      home+lab: homelab audit --probe of ${facts.length} containers (${namespaces[0] + namespaces[1]} namespaces), both stacks at once, in ${probeMs} ms`,
    );
    assert.ok(probeMs <= 60_000, `the probe of ${facts.length} containers took ${probeMs} ms (at most 60 s)`);
    const cross = measured.cells.filter((c) => byGroup(c.from) !== byGroup(c.to));
    assert.ok(cross.length > 0, "cross-stack cells were probed");
    assert.deepEqual(
      cross.filter((c) => c.reachable),
      [],
      "no stack reaches the other",
    );
    // Every planned container is realised, and every one reaches at least its own networks' peers.
    for (const [stack, plan] of plans) {
      for (const c of plan.containers) assert.ok(plannedNetworks(plan, c.name).length > 0, `${stack}/${c.name} has networks`);
    }
    await Promise.all(ids.map((runId) => teardown({ runId })));
    for (const runId of ids) assert.deepEqual(await leftovers(runId), { containers: [], networks: [], volumes: [], workDir: false });
  });
});

const byGroup = (key: string) => key.split("/")[0];
