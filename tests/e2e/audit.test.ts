import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Docker from "dockerode";
import { stringify } from "yaml";
import { dockerOptions } from "../../cli/audit";
import type { Plan, PlannedContainer } from "../../topology/types";
import { planOf } from "../support/configs";
import { PROJECT_DIR } from "../support/program";

/**
 * `homelab audit` against a real Docker engine (DOCKER_HOST, else the local socket): a tiny world
 * built from a throw-away stack's plan is clean; then three deliberate misconfigurations — an
 * unknown container on vnet-ingress, the Docker socket mounted by a web service, a service network
 * with another subnet — must each be reported, with exit code 1.
 *
 * Everything created carries this run's unique name prefix and is removed in `after`. Without a
 * usable engine (or the local test image) the suite skips, unless HOMELAB_REQUIRE_DOCKER=1.
 */

const IMAGE = process.env.HOMELAB_TEST_IMAGE ?? "homelab-test/busybox:local";
const ENGINE_URL = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
const CALL_TIMEOUT_MS = 15000;

function bounded<T>(promise: Promise<T>, what: string, ms = CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000}s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Why the engine cannot be used, or undefined when it can (answers pings, lists networks, has the image). */
async function engineProblem(docker: Docker): Promise<string | undefined> {
  try {
    await bounded(docker.ping(), `ping ${ENGINE_URL}`, 5000);
    await bounded(docker.listNetworks(), `list networks on ${ENGINE_URL}`, 10000);
  } catch (e) {
    return `no usable Docker engine at ${ENGINE_URL}: ${(e as Error).message}`;
  }
  try {
    await bounded(docker.getImage(IMAGE).inspect(), `inspect ${IMAGE}`, 5000);
  } catch {
    return `the local test image ${IMAGE} is missing (build it with .ci/engine-setup.sh, or docker import a root folder holding /bin/busybox)`;
  }
  return undefined;
}

/** A throw-away stack with this run's prefix and address ranges drawn at random in 10.160.0.0/11. */
function testStack(prefix: string): Record<string, unknown> {
  const second = 160 + randomInt(32);
  const third = 4 * randomInt(64);
  return {
    "homelab:domain": "audit.example.test",
    "homelab:paths": { config: "/srv/audit-test/config", data: "/srv/audit-test/data" },
    "homelab:network": { prefix, ingress: `10.${second}.${third}.0/24`, socket: `10.${second}.${third + 1}.0/24`, pool: `10.${second}.${third + 2}.0/24` },
    "homelab:proxy": "swag",
    "homelab:services": { dozzle: {}, whoami: { image: "traefik/whoami:v1.11.0", port: 80 } },
  };
}

describe("homelab audit against a real Docker engine", function () {
  this.timeout(180000);
  const docker = new Docker(dockerOptions(ENGINE_URL, process.env, CALL_TIMEOUT_MS));
  const prefix = `audit-${randomBytes(3).toString("hex")}-`;
  const createdContainers: string[] = [];
  const createdNetworks: string[] = [];
  let projectDir: string;
  let plan: Plan;
  let fakeSocket: string;

  const createNetwork = async (name: string, subnet: string, labels: Record<string, string>) => {
    await bounded(
      docker.createNetwork({ Name: name, Driver: "bridge", CheckDuplicate: true, IPAM: { Config: [{ Subnet: subnet }] }, Labels: labels }),
      `create network ${name}`,
    );
    createdNetworks.push(name);
  };

  /** A sleeping busybox standing in for a planned container: same name, labels and networks. */
  const createContainer = async (name: string, networks: string[], labels: Record<string, string>, binds: string[] = []) => {
    const [first, ...rest] = networks;
    const created = await bounded(
      docker.createContainer({
        name,
        Image: IMAGE,
        Cmd: ["sleep", "600"],
        Labels: labels,
        HostConfig: { NetworkMode: first ?? "none", Binds: binds },
        NetworkingConfig: first ? { EndpointsConfig: { [first]: {} } } : undefined,
      }),
      `create container ${name}`,
    );
    createdContainers.push(name);
    for (const net of rest) await bounded(docker.getNetwork(net).connect({ Container: created.id }), `connect ${name} to ${net}`);
    await bounded(created.start(), `start ${name}`);
  };

  const socketBind = (c: PlannedContainer) =>
    c.mounts.filter((m) => m.source === "/var/run/docker.sock").map((m) => `${fakeSocket}:${m.target}:${m.readOnly ? "ro" : "rw"}`);

  const homelabAudit = (): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) =>
      execFile(
        process.execPath,
        [path.join(PROJECT_DIR, "bin", "homelab"), "audit", "audittest"],
        { env: { ...process.env, HOMELAB_PROJECT_DIR: projectDir, DOCKER_HOST: ENGINE_URL, HOMELAB_DOCKER_TIMEOUT_SECONDS: "20" }, timeout: 60000 },
        (err, out, errOut) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, out, err: errOut }),
      ),
    );

  before(async function () {
    const problem = await engineProblem(docker);
    if (problem) {
      if (process.env.HOMELAB_REQUIRE_DOCKER === "1") throw new Error(`HOMELAB_REQUIRE_DOCKER=1 but ${problem}`);
      this.skip();
    }
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-audit-"));
    // Stands in for the Docker socket: the audit judges mounts by path, and no test container gets the real one.
    fakeSocket = path.join(projectDir, "docker.sock");
    fs.writeFileSync(fakeSocket, "");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));

    // Address ranges are drawn at random; draw again when another run's networks already hold them.
    for (let attempt = 1; ; attempt++) {
      const config = testStack(prefix);
      plan = planOf(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^homelab:/, ""), v])));
      try {
        for (const n of plan.networks)
          await createNetwork(n.name, n.subnet, { "homelab.network-kind": n.kind, ...(n.service ? { "homelab.service": n.service } : {}) });
        fs.writeFileSync(path.join(projectDir, "Pulumi.audittest.yaml"), stringify({ config }));
        break;
      } catch (e) {
        await removeAll();
        if (attempt >= 5 || !/overlap/i.test((e as Error).message)) throw e;
      }
    }
    for (const c of plan.containers) await createContainer(c.name, c.networks, c.labels, socketBind(c));
  });

  async function removeAll(): Promise<void> {
    for (const name of createdContainers.splice(0).reverse())
      await bounded(docker.getContainer(name).remove({ force: true }), `remove ${name}`).catch(() => undefined);
    for (const name of createdNetworks.splice(0).reverse()) await bounded(docker.getNetwork(name).remove(), `remove network ${name}`).catch(() => undefined);
  }

  after(async () => {
    await removeAll();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it("reports a world built exactly from the plan as clean, exit 0", async () => {
    const result = await homelabAudit();
    assert.equal(result.code, 0, `audit failed:\n${result.out}\n${result.err}`);
    assert.match(
      result.out,
      new RegExp(
        `^audit audittest: clean — ${plan.containers.length} containers and ${plan.networks.length} networks match the plan and the network policy on ${ENGINE_URL.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n$`,
      ),
    );
  });

  it("reports an unknown container on vnet-ingress, the Docker socket in a web service and a changed subnet, exit 1", async () => {
    const ingress = plan.networks.find((n) => n.kind === "ingress")!;
    const whoami = plan.containers.find((c) => c.service === "whoami")!;
    const whoamiNet = plan.networks.find((n) => n.service === "whoami")!;
    const pool = plan.networks.filter((n) => n.kind === "service").map((n) => n.subnet);
    const [a, b, c] = whoamiNet.subnet.split(".");
    const otherSubnet = Array.from({ length: 32 }, (_, i) => `${a}.${b}.${c}.${i * 8}/29`).find((s) => !pool.includes(s))!;

    await createContainer(`${prefix}intruder`, [ingress.name], {});
    // whoami comes back with the Docker socket, on a vnet-whoami that now has another subnet.
    await bounded(docker.getContainer(whoami.name).remove({ force: true }), `remove ${whoami.name}`);
    createdContainers.splice(createdContainers.indexOf(whoami.name), 1);
    await bounded(docker.getNetwork(whoamiNet.name).remove(), `remove ${whoamiNet.name}`);
    createdNetworks.splice(createdNetworks.indexOf(whoamiNet.name), 1);
    // Recreated the way the program creates it (labels included), only with another subnet: an unlabelled
    // network would also be a policy finding (tests/topology/audit.test.ts covers those).
    await createNetwork(whoamiNet.name, otherSubnet, { "homelab.network-kind": "service", "homelab.service": "whoami" });
    await createContainer(whoami.name, whoami.networks, whoami.labels, [`${fakeSocket}:/var/run/docker.sock:rw`]);

    const result = await homelabAudit();
    assert.equal(result.code, 1, `expected findings:\n${result.out}\n${result.err}`);
    const lines = result.out.trimEnd().split("\n");
    assert.equal(lines[0], `audit audittest: 3 findings on ${ENGINE_URL} (from DOCKER_HOST)`);
    assert.match(lines[2], /^KIND\s+OBJECT\s+EXPECTED\s+ACTUAL$/);
    const rows = lines.slice(3).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows, [
      ["subnet", whoamiNet.name, whoamiNet.subnet, otherSubnet],
      ["unknown-container", `${prefix}intruder`, `only planned containers on ${ingress.name}`, `on ${ingress.name}`],
      ["docker-socket", whoami.name, `no Docker socket (only ${prefix}cetusguard may mount it, read-only)`, `mounts ${fakeSocket} read-write`],
    ]);
  });
});
