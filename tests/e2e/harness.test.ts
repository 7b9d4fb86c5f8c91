import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { DOCKER_TYPES, LABELS, MappingError, RegisteredResource } from "../support/engine/engineMapping";
import { engineRuns, randomSubnets, realiseWithFreshSubnets } from "../support/engine/engineSuite";
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
import { Realised, connectEngine, leftovers, newRunId, realise, sweepStaleRuns, teardown } from "../support/engine/realise";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

/** What Pulumi mocks would record for a small stack: ids are mock ids, as the program sees them. */
function fixture(): RegisteredResource[] {
  const [frontend, backend] = randomSubnets(2);
  const network = (name: string, ipam: { subnet: string; gateway: string }, internal = false): RegisteredResource => ({
    type: DOCKER_TYPES.network,
    name,
    id: `${name}_id`,
    inputs: { name, driver: "bridge", internal, ipamConfigs: [ipam], labels: [{ label: "homelab.kind", value: "test" }] },
  });
  const container = (name: string, inputs: Record<string, any>): RegisteredResource => ({
    type: DOCKER_TYPES.container,
    name,
    id: `${name}_id`,
    inputs: { name, image: "sha256:0123", restart: "unless-stopped", ...inputs },
  });
  return [
    { type: DOCKER_TYPES.remoteImage, name: "busybox", id: "busybox_id", inputs: { name: "busybox:1.36", keepLocally: true } },
    network("frontend", frontend),
    network("backend", backend, true),
    { type: DOCKER_TYPES.volume, name: "db-data", id: "db-data_id", inputs: { name: "db-data" } },
    container("web", {
      // One reference by mock id, one by docker name: the program may use either.
      networksAdvanced: [
        { name: "frontend_id", aliases: ["web"] },
        { name: "backend", aliases: ["web-internal"] },
      ],
      ports: [{ internal: 8080, external: 8080, ip: "0.0.0.0", protocol: "tcp" }],
      mounts: [{ type: "bind", source: "/srv/homelab-test/web", target: "/config", readOnly: false }],
      envs: ["TZ=Etc/UTC"],
      labels: [{ label: "traefik.enable", value: "true" }],
      capabilities: { drops: ["ALL"] },
      securityOpts: ["no-new-privileges:true"],
      healthcheck: { tests: ["CMD", "wget", "-q", "localhost:8080"], interval: "30s" },
      logDriver: "json-file",
      logOpts: { "max-size": "10m" },
    }),
    container("db", {
      networksAdvanced: [{ name: "backend_id", aliases: ["db"] }],
      labels: [{ label: "homelab.ports", value: "5432" }],
      mounts: [{ type: "volume", source: "db-data_id", target: "/var/lib/postgresql/data" }],
      envs: [{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "POSTGRES_PASSWORD=not-a-real-one" }],
    }),
    container("gluetun", {
      networksAdvanced: [{ name: "frontend_id" }],
      ports: [{ internal: 8000 }],
      capabilities: { adds: ["CAP_NET_ADMIN"] },
      devices: [{ hostPath: "/dev/net/tun", containerPath: "/dev/net/tun" }],
      sysctls: { "net.ipv4.conf.all.src_valid_mark": "1" },
    }),
    container("torrent", {
      networkMode: "container:gluetun_id",
      labels: [{ label: "homelab.ports", value: "8081" }],
    }),
    container("socket-proxy", {
      networksAdvanced: [{ name: "frontend_id" }],
      labels: [{ label: "homelab.ports", value: "2375" }],
      mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }],
      readOnly: true,
    }),
  ];
}

const reachable = (m: ReachabilityMatrix, from: string, to: string) => m.cells.filter((c) => c.from === from && c.to === to);

describe("engine harness on a real Docker engine", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runId = newRunId();
  engineRuns().push(runId);
  let realised: Realised;
  let facts: ContainerFacts[];
  let measured: ReachabilityMatrix;

  before(async function () {
    const started = Date.now();
    realised = await realiseWithFreshSubnets(fixture, { runId });
    facts = await inspectFacts(runId);
    measured = await measureMatrix(facts);
    const s = matrixSummary(measured);
    console.log(
      `      realised + measured in ${Date.now() - started} ms: ${s.sources} sources × ${s.targets} targets = ${s.probes} probes, ${s.reachable} reachable, ${s.rechecked} rechecked`,
    );
  });

  it("realises every container, running, under prefixed names, with no host port published", () => {
    assert.deepEqual(
      facts.map((f) => f.key),
      ["db", "gluetun", "socket-proxy", "torrent", "web"],
    );
    for (const f of facts) {
      assert.ok(f.running, `${f.key} is running`);
      assert.equal(f.realName, `${realised.prefix}${f.key}`);
      assert.deepEqual(f.publishedPorts, [], `${f.key} publishes nothing on the host`);
    }
    assert.ok(realised.notes.some((n) => n.startsWith("web: restart not realised")));
  });

  it("attaches containers to exactly their networks, with their aliases", () => {
    const byKey = new Map(facts.map((f) => [f.key, f]));
    assert.deepEqual(Object.keys(byKey.get("web")!.networks).sort(), ["backend", "frontend"]);
    assert.deepEqual(byKey.get("web")!.networks.frontend.aliases, ["web"]);
    assert.deepEqual(byKey.get("web")!.networks.backend.aliases, ["web", "web-internal"]);
    assert.deepEqual(Object.keys(byKey.get("db")!.networks), ["backend"]);
    assert.deepEqual(Object.keys(byKey.get("gluetun")!.networks), ["frontend"]);
  });

  it("measures the reachability matrix the memberships predict (share a network ⇔ reachable)", () => {
    const diff = diffMatrices(expectedMatrix(facts), measured);
    assert.deepEqual(diff, [], `measured matrix differs:\n${diff.join("\n")}\nmeasured:\n${formatMatrix(measured)}`);
    const s = matrixSummary(measured);
    assert.ok(s.reachable > 0 && s.reachable < s.probes, "the matrix has both reachable and unreachable cells");
  });

  it("keeps the database reachable from web only", () => {
    for (const from of ["gluetun", "torrent", "socket-proxy"]) {
      const cells = reachable(measured, from, "db");
      assert.ok(cells.length > 0, `${from} probed db`);
      assert.ok(
        cells.every((c) => !c.reachable),
        `${from} must not reach db`,
      );
    }
    assert.ok(reachable(measured, "web", "db").every((c) => c.reachable));
    assert.ok(reachable(measured, "web", "db").some((c) => c.port === 5432));
  });

  it("gives the namespaced container no interface of its own: it lives in gluetun's namespace", () => {
    const torrent = facts.find((f) => f.key === "torrent")!;
    const gluetun = facts.find((f) => f.key === "gluetun")!;
    assert.equal(torrent.networkMode, `container:${gluetun.id}`);
    assert.equal(torrent.netnsOwner, "gluetun");
    assert.deepEqual(torrent.networks, {});
    assert.deepEqual(torrent.interfaceIps, gluetun.interfaceIps);
    assert.deepEqual(gluetun.interfaceIps, [gluetun.networks.frontend.ip]);
    // Its port answers on gluetun's address, for gluetun's network peers only.
    const viaGluetun = reachable(measured, "web", "torrent");
    assert.deepEqual(
      viaGluetun.map((c) => [c.ip, c.port, c.reachable]),
      [[gluetun.networks.frontend.ip, 8081, true]],
    );
    assert.deepEqual(
      reachable(measured, "db", "torrent").map((c) => c.reachable),
      [false],
    );
    // And it reaches exactly what gluetun reaches.
    const row = (from: string) =>
      measured.cells.filter((c) => c.from === from && c.to !== "gluetun" && c.to !== "torrent").map((c) => `${c.to}@${c.network}:${c.port}=${c.reachable}`);
    assert.deepEqual(row("torrent"), row("gluetun"));
  });

  it("mounts the Docker socket only in the socket proxy, read-only; other binds stay in the run folder", () => {
    const withSocket = facts.filter((f) => f.mounts.some((m) => m.target === "/var/run/docker.sock"));
    assert.deepEqual(
      withSocket.map((f) => f.key),
      ["socket-proxy"],
    );
    assert.equal(withSocket[0].mounts.find((m) => m.target === "/var/run/docker.sock")!.readOnly, true);
    const web = facts.find((f) => f.key === "web")!;
    const config = web.mounts.find((m) => m.target === "/config")!;
    assert.equal(config.type, "bind");
    assert.ok(config.source.startsWith(realised.workDir), config.source);
    assert.ok(!existsSync("/srv/homelab-test/web"), "nothing was created under the real /srv");
    const db = facts.find((f) => f.key === "db")!;
    assert.deepEqual(db.mounts, [{ type: "volume", source: `${realised.prefix}db-data`, target: "/var/lib/postgresql/data", readOnly: false }]);
  });

  it("tears down everything it created", async () => {
    await teardown({ runId });
    assert.deepEqual(await leftovers(runId), { containers: [], networks: [], volumes: [], workDir: false });
  });
});

describe("engine harness: runs side by side and refused inputs", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runs = engineRuns();
  runs.push(newRunId(), newRunId());

  it("keeps two runs of the same names apart: each reaches only itself", async () => {
    const small = (): RegisteredResource[] => {
      const [ipam] = randomSubnets(1);
      return [
        { type: DOCKER_TYPES.network, name: "shared", id: "shared_id", inputs: { name: "shared", ipamConfigs: [ipam] } },
        ...["app", "cache"].map((name) => ({
          type: DOCKER_TYPES.container,
          name,
          id: `${name}_id`,
          inputs: { name, networksAdvanced: [{ name: "shared_id" }], ports: [{ internal: 6379 }] },
        })),
      ];
    };
    await Promise.all(runs.map((runId, i) => realiseWithFreshSubnets(small, { runId, group: `stack${i}` })));
    const facts = await inspectFacts(runs);
    assert.deepEqual(
      facts.map((f) => f.key),
      ["stack0/app", "stack0/cache", "stack1/app", "stack1/cache"],
    );
    const measured = await measureMatrix(facts);
    assert.deepEqual(diffMatrices(expectedMatrix(facts), measured), []);
    const cross = measured.cells.filter((c) => c.from.split("/")[0] !== c.to.split("/")[0]);
    assert.ok(cross.length > 0 && cross.every((c) => !c.reachable), "no run reaches the other");
    await Promise.all(runs.map((runId) => teardown({ runId })));
    for (const runId of runs) assert.deepEqual(await leftovers(runId), { containers: [], networks: [], volumes: [], workDir: false });
  });

  it("a teardown while the run is still being realised (its test timed out) waits for it and leaves nothing", async () => {
    const runId = newRunId();
    runs.push(runId);
    const realising = realiseWithFreshSubnets(fixture, { runId }).then(
      () => "realised",
      (e: Error) => e.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await teardown({ runId });
    assert.match(await realising, /being torn down|realised/);
    assert.deepEqual(await leftovers(runId), { containers: [], networks: [], volumes: [], workDir: false });
  });

  it("sweeps the objects of a run whose test process is gone, and keeps those of a live process", async () => {
    const docker = connectEngine();
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const alive = spawn("sleep", ["60"]);
    const [deadRun, liveRun] = [newRunId(), newRunId()];
    runs.push(deadRun, liveRun);
    try {
      for (const [runId, owner] of [
        [deadRun, gone],
        [liveRun, alive.pid!],
      ] as const) {
        await docker.createNetwork({
          Name: `hlt-${runId}-orphan-check`,
          Labels: { [LABELS.run]: runId, [LABELS.started]: String(Date.now()), [LABELS.owner]: String(owner) },
        });
      }
      const swept = await sweepStaleRuns();
      assert.ok(swept.includes(deadRun), `the dead process's run is swept (swept: ${swept.join(", ")})`);
      assert.ok(!swept.includes(liveRun), "the live process's run is kept");
      assert.deepEqual((await leftovers(deadRun)).networks, []);
      assert.deepEqual((await leftovers(liveRun)).networks, [`hlt-${liveRun}-orphan-check`]);
    } finally {
      alive.kill();
    }
  });

  it("refuses a resource it does not understand before creating anything", async () => {
    const runId = newRunId();
    runs.push(runId);
    const bad: RegisteredResource[] = [
      { type: DOCKER_TYPES.network, name: "n", id: "n_id", inputs: { name: "n" } },
      { type: DOCKER_TYPES.container, name: "c", id: "c_id", inputs: { name: "c", networksAdvanced: [{ name: "n_id" }], privileged: true } },
      { type: DOCKER_TYPES.container, name: "d", id: "d_id", inputs: { name: "d", networkMode: "host" } },
    ];
    await assert.rejects(realise(bad, { runId }), (e: unknown) => e instanceof MappingError && /privileged/.test(e.message) && /"host"/.test(e.message));
    assert.deepEqual(await leftovers(runId), { containers: [], networks: [], volumes: [], workDir: false });
  });
});
