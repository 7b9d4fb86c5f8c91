/**
 * The lifecycle of the `lab` stack on a real engine (issue 7, item 4): teardown leaves nothing of
 * the run behind; applying the same program again changes nothing (no object created, removed or
 * recreated); dropping one service from the config removes exactly that service's objects, and the
 * generated files that follow it (SWAG's route and certificate list, Authelia's rules) change inside
 * the running proxy and Authelia, which keep their containers.
 */
import { strict as assert } from "node:assert";
import Docker from "dockerode";
import { readStackConfig } from "../../config/load";
import { PROJECT_DIR, recordProgram } from "../support/program";
import { LABELS, RegisteredResource } from "../support/engine/engineMapping";
import { engineRuns, realiseWhenAddressesFree } from "../support/engine/engineSuite";
import { applyLiveFiles, liveFileCommands } from "../support/engine/liveFiles";
import { inspectFacts } from "../support/engine/probe";
import { connectEngine, execIn, leftovers, newRunId, reconcile, runPrefix, teardown } from "../support/engine/realise";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const NOTHING_LEFT = { containers: [], networks: [], volumes: [], workDir: false };

async function recorded(overrides?: Record<string, unknown>): Promise<RegisteredResource[]> {
  const run = await recordProgram("lab", overrides);
  if (run.error) throw new Error(`the program refused stack lab: ${run.error}`);
  return run.resources;
}

const namesOf = (resources: RegisteredResource[], type: string) =>
  resources
    .filter((r) => r.type === type)
    .map((r) => String(r.inputs.name))
    .sort();

interface EngineSnapshot {
  containers: Record<
    string,
    { id: string; image: string; networks: Record<string, string[]>; mounts: string[]; env: string[]; labels: Record<string, string> }
  >;
  networks: Record<string, { id: string; subnet: string[]; gateway: string[] }>;
  volumes: string[];
}

/** What the engine holds for a run, keyed by realised name. */
async function snapshot(runId: string, docker: Docker): Promise<EngineSnapshot> {
  const filters = { label: [`${LABELS.run}=${runId}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const snap: EngineSnapshot = { containers: {}, networks: {}, volumes: (volumes.Volumes ?? []).map((v) => v.Name).sort() };
  for (const c of containers) {
    const info = await docker.getContainer(c.Id).inspect();
    snap.containers[info.Name.replace(/^\//, "")] = {
      id: info.Id,
      image: info.Config.Image,
      networks: Object.fromEntries(
        Object.entries(info.NetworkSettings.Networks ?? {}).map(([n, ep]) => [n, (ep.Aliases ?? []).filter((a: string) => !info.Id.startsWith(a)).sort()]),
      ),
      mounts: (info.Mounts ?? []).map((m) => `${m.Type}:${m.Name ?? m.Source}:${m.Destination}:${m.RW ? "rw" : "ro"}`).sort(),
      env: [...(info.Config.Env ?? [])].sort(),
      labels: info.Config.Labels ?? {},
    };
  }
  for (const n of networks) {
    const info = await docker.getNetwork(n.Id).inspect();
    const config: { Subnet?: string; Gateway?: string }[] = info.IPAM?.Config ?? [];
    snap.networks[info.Name] = { id: info.Id, subnet: config.map((c) => c.Subnet ?? ""), gateway: config.map((c) => c.Gateway ?? "") };
  }
  return snap;
}

const without = <T>(record: Record<string, T>, ...keys: string[]) => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));

/** Every live file of a recording is in its realised container, with the program's content. */
async function assertLiveFilesIn(runId: string, resources: RegisteredResource[], docker: Docker) {
  for (const [name, inputs] of liveFileCommands(resources)) {
    const container = resources.find((r) => r.id === inputs.environment.HOMELAB_CONTAINER)!;
    const id = (await docker.getContainer(`${runPrefix(runId)}${container.inputs.name}`).inspect()).Id;
    const r = await execIn(docker, id, `cat '${inputs.environment.HOMELAB_FILE}'`);
    assert.equal(r.stdout, inputs.stdin, `${name}: content in the container`);
  }
}

const SONARR_FILES = {
  conf: "lab-swag:/config/nginx/proxy-confs/sonarr.subdomain.conf",
  rules: "lab-authelia:/config/configuration.d/rules.yml",
};
const opsOf = (runs: Awaited<ReturnType<typeof applyLiveFiles>>) => {
  for (const r of runs) assert.equal(r.exitCode, 0, `${r.op} ${r.name}: ${r.stderr}`);
  return runs.map((r) => `${r.op} ${r.name}`).sort();
};

describe("lab lifecycle on a real Docker engine", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  // torn down one run after another, even when a test failed half-way
  const runs = engineRuns({ sequentialTeardown: true });
  const docker = connectEngine();
  let first: RegisteredResource[];
  let second: RegisteredResource[];
  let withoutSonarr: RegisteredResource[];

  before(async function () {
    const services = { ...(readStackConfig(PROJECT_DIR, "lab").services as Record<string, unknown>) };
    assert.ok("sonarr" in services, "the lab stack has sonarr");
    delete services.sonarr;
    [first, second, withoutSonarr] = await Promise.all([recorded(), recorded(), recorded({ services })]);
  });

  it("realise → verify → teardown leaves no container, network or volume of the run", async () => {
    const runId = newRunId();
    runs.push(runId);
    const t0 = Date.now();
    await realiseWhenAddressesFree(first, { runId, group: "lab" });
    const t1 = Date.now();
    const facts = await inspectFacts(runId);
    assert.deepEqual(facts.map((f) => f.name).sort(), namesOf(first, CONTAINER));
    assert.ok(
      facts.every((f) => f.running),
      "every container runs",
    );
    const before = await leftovers(runId);
    const prefix = runPrefix(runId);
    for (const net of namesOf(first, NETWORK)) assert.ok(before.networks.includes(prefix + net), `network ${net} realised`);
    await teardown({ runId });
    const t2 = Date.now();
    assert.deepEqual(await leftovers(runId), NOTHING_LEFT);
    const [c, n, v] = await Promise.all([
      docker.listContainers({ all: true, filters: { label: [`${LABELS.run}=${runId}`] } }),
      docker.listNetworks({ filters: { name: [prefix] } }),
      docker.listVolumes({ filters: { name: [prefix] } }),
    ]);
    assert.deepEqual([c.length, n.length, (v.Volumes ?? []).length], [0, 0, 0], "nothing named or labelled for the run is left");
    console.log(`      realise ${t1 - t0} ms, verify+teardown ${t2 - t1} ms (${facts.length} containers, ${before.networks.length} networks)`);
  });

  describe("applying again", () => {
    const runId = newRunId();
    let applied: Awaited<ReturnType<typeof snapshot>> | undefined;

    it("the same program twice: identical inputs, nothing created, removed or recreated", async () => {
      assert.deepEqual(second, first, "two recordings of the program register identical inputs");
      runs.push(runId);
      const t0 = Date.now();
      await realiseWhenAddressesFree(first, { runId, group: "lab" });
      const created = opsOf(await applyLiveFiles(runPrefix(runId), [], first));
      assert.deepEqual(created, [...liveFileCommands(first).keys()].map((n) => `create ${n}`).sort());
      assert.ok(
        Object.values(SONARR_FILES).every((f) => liveFileCommands(first).has(f)),
        "lab has the live files this test follows",
      );
      await assertLiveFilesIn(runId, first, docker);
      const before = await snapshot(runId, docker);
      assert.equal(Object.keys(before.containers).length, namesOf(first, CONTAINER).length);
      const t1 = Date.now();
      const report = await reconcile(runId, second, { group: "lab" });
      assert.deepEqual(await applyLiveFiles(runPrefix(runId), first, second), [], "no live file to write again");
      const t2 = Date.now();
      assert.deepEqual(report, { created: { containers: [], networks: [], volumes: [] }, removed: { containers: [], networks: [], volumes: [] } });
      const after = await snapshot(runId, docker);
      assert.deepEqual(after, before, "engine state unchanged (same ids: nothing recreated)");
      applied = after;
      console.log(`      realise+snapshot ${t1 - t0} ms, reconcile ${t2 - t1} ms`);
    });

    it("dropping sonarr from the config removes lab-sonarr and lab-vnet-sonarr, nothing else", async () => {
      assert.ok(applied, "the previous test realised the run");
      const prefix = runPrefix(runId);
      assert.deepEqual(
        [
          namesOf(first, CONTAINER).filter((n) => !namesOf(withoutSonarr, CONTAINER).includes(n)),
          namesOf(first, NETWORK).filter((n) => !namesOf(withoutSonarr, NETWORK).includes(n)),
        ],
        [["lab-sonarr"], ["lab-vnet-sonarr"]],
        "the recording without sonarr lacks exactly its container and network",
      );
      const t0 = Date.now();
      const report = await reconcile(runId, withoutSonarr, { group: "lab" });
      const files = opsOf(await applyLiveFiles(prefix, first, withoutSonarr));
      const t1 = Date.now();
      assert.deepEqual(files, [`delete ${SONARR_FILES.conf}`, `update ${SONARR_FILES.rules}`].sort());
      await assertLiveFilesIn(runId, withoutSonarr, docker);
      const swag = (await docker.getContainer(`${prefix}lab-swag`).inspect()).Id;
      assert.equal((await execIn(docker, swag, "ls /config/nginx/proxy-confs/sonarr.subdomain.conf")).exitCode, 1, "sonarr's route is gone from SWAG");
      assert.deepEqual(report, {
        created: { containers: [], networks: [], volumes: [] },
        removed: { containers: [`${prefix}lab-sonarr`], networks: [`${prefix}lab-vnet-sonarr`], volumes: [] },
      });
      const after = await snapshot(runId, docker);
      assert.deepEqual(after.containers, without(applied.containers, `${prefix}lab-sonarr`), "other containers untouched (same ids)");
      assert.deepEqual(after.networks, without(applied.networks, `${prefix}lab-vnet-sonarr`), "other networks untouched");
      assert.deepEqual(after.volumes, applied.volumes);
      console.log(`      reconcile without sonarr ${t1 - t0} ms`);
      applied = after;
    });

    it("putting sonarr back creates exactly lab-vnet-sonarr and lab-sonarr, running, and touches nothing else", async () => {
      assert.ok(applied && !(`${runPrefix(runId)}lab-sonarr` in applied.containers), "the previous test removed sonarr");
      const prefix = runPrefix(runId);
      const t0 = Date.now();
      const report = await reconcile(runId, first, { group: "lab" });
      const files = opsOf(await applyLiveFiles(prefix, withoutSonarr, first));
      const t1 = Date.now();
      assert.deepEqual(files, [`create ${SONARR_FILES.conf}`, `update ${SONARR_FILES.rules}`].sort());
      await assertLiveFilesIn(runId, first, docker);
      assert.deepEqual(report, {
        created: { containers: [`${prefix}lab-sonarr`], networks: [`${prefix}lab-vnet-sonarr`], volumes: [] },
        removed: { containers: [], networks: [], volumes: [] },
      });
      const after = await snapshot(runId, docker);
      assert.deepEqual(without(after.containers, `${prefix}lab-sonarr`), applied.containers);
      assert.deepEqual(without(after.networks, `${prefix}lab-vnet-sonarr`), applied.networks);
      const sonarr = (await inspectFacts(runId)).find((f) => f.name === "lab-sonarr");
      assert.ok(sonarr?.running, "lab-sonarr runs");
      assert.deepEqual(Object.keys(sonarr.networks).sort(), ["lab-vnet-ingress", "lab-vnet-sonarr"]);
      console.log(`      reconcile with sonarr back ${t1 - t0} ms`);
    });
  });
});
