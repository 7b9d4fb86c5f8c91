/**
 * `homelab audit --probe` on a real Docker engine: the lab stack with every VPN-capable service routed
 * through Gluetun, realised by the harness; a simulated VPN around it; one isolation break and one VPN
 * leak planted, each found exactly; Ctrl-C and a killed run leave no probe container behind.
 *
 * The simulated VPN (all of it on networks this test creates):
 *   - `outside`, a network that plays the Internet, with an echo server that answers the caller's address;
 *   - the realised Gluetun stand-in, connected to `outside`, its default route pointed into it (the tunnel)
 *     and its resolv.conf pointed at 127.0.0.1, as Gluetun does (qdm12/gluetun-wiki setup/options/dns.md);
 *   - a "host" stand-in on `outside` with Docker's default route: the reference the probe compares with
 *     (in real use the probe's reference runs in the host's own namespace);
 *   - whoami, wired to leak: recreated in the host stand-in's namespace instead of Gluetun's.
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import Docker from "dockerode";
import { PROBE_LABEL, ProbeInterrupted } from "../../cli/probe/containers";
import { ProbeOptions, probeHost } from "../../cli/probe";
import { formatProbeReport } from "../../cli/probe/format";
import { DOCKER_API_PORTS, HOST_DOCKER_API, ProbeReport, reportFindings } from "../../topology/probeVerdict";
import type { Plan } from "../../topology/types";
import { PROJECT_DIR, recordProgram } from "../support/program";
import { HARNESS_IMAGE, LABELS } from "../support/engine/engineMapping";
import { LAB_WITH_VPN, labWithVpnPlan } from "../support/labWithVpn";
import { engineRuns, randomSubnets, realiseWhenAddressesFree } from "../support/engine/engineSuite";
import { connectEngine, execIn, newRunId, runPrefix } from "../support/engine/realise";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

/** A CGI answering the caller's address, as a what-is-my-ip service does (busybox httpd sets REMOTE_ADDR). */
const ECHO_SERVER =
  'mkdir -p /www/cgi-bin && printf \'#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n%%s\\\\n" "$REMOTE_ADDR"\\n\' > /www/cgi-bin/ip && ' +
  "chmod +x /www/cgi-bin/ip && exec httpd -f -p 80 -h /www";

const probeLeftovers = async (docker: Docker) => docker.listContainers({ all: true, filters: { label: [PROBE_LABEL] } });

describe("homelab audit --probe on a real Docker engine", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runs = engineRuns();
  const docker = connectEngine();
  let runId: string;
  let plan: Plan;
  let options: ProbeOptions;
  let hostStandIn: string;
  let gluetunOutsideIp: string;
  let hostOutsideIp: string;
  const name = (planned: string) => `${runPrefix(runId)}${planned}`;

  /** A container of this run (the harness's teardown removes it with the rest). */
  async function runContainer(logical: string, cmd: string, hostConfig: Docker.HostConfig, endpoints?: Record<string, object>): Promise<Docker.Container> {
    const c = await docker.createContainer({
      name: name(logical),
      Image: HARNESS_IMAGE,
      Cmd: ["/bin/sh", "-c", cmd],
      Labels: { [LABELS.run]: runId, [LABELS.name]: logical },
      HostConfig: hostConfig,
      ...(endpoints ? { NetworkingConfig: { EndpointsConfig: endpoints } } : {}),
    });
    await c.start();
    return c;
  }

  const ipOn = async (container: string, network: string) => (await docker.getContainer(container).inspect()).NetworkSettings.Networks[network].IPAddress;

  before(async function () {
    runId = newRunId();
    runs.push(runId);
    const recorded = await recordProgram("lab", LAB_WITH_VPN);
    if (recorded.error) throw new Error(recorded.error);
    plan = labWithVpnPlan();
    await realiseWhenAddressesFree(recorded.resources, { runId, group: "lab" });

    // "outside": the Internet of this test, with the echo server on it.
    const outside = name("outside");
    const [subnet] = randomSubnets(1);
    await docker.createNetwork({
      Name: outside,
      CheckDuplicate: true,
      Driver: "bridge",
      IPAM: { Config: [{ Subnet: subnet.subnet, Gateway: subnet.gateway }] },
      Labels: { [LABELS.run]: runId, [LABELS.name]: "outside" },
    });
    const echo = await runContainer("echo", ECHO_SERVER, { NetworkMode: outside });
    const echoIp = await ipOn(echo.id, outside);

    // Gluetun's stand-in: its tunnel leads into "outside", its resolver is its own DNS server on 127.0.0.1.
    const gluetun = name("lab-gluetun");
    await docker.getNetwork(outside).connect({ Container: gluetun });
    const tunnel = await execIn(docker, gluetun, `ip route replace default via ${echoIp} && echo 'nameserver 127.0.0.1' > /etc/resolv.conf`);
    assert.equal(tunnel.exitCode, 0, tunnel.stderr);
    gluetunOutsideIp = await ipOn(gluetun, outside);

    // The host's stand-in: Docker's default route on "outside".
    const host = await runContainer("host", "exec sleep 600", { NetworkMode: outside });
    hostStandIn = host.id;
    hostOutsideIp = await ipOn(host.id, outside);

    // whoami, wired to leak: same container, but in the host's namespace instead of Gluetun's.
    const whoami = docker.getContainer(name("lab-whoami"));
    const info = await whoami.inspect();
    await whoami.remove({ force: true });
    // Docker refuses a hostname or exposed ports with a `container:` network mode.
    const { Hostname: _h, Domainname: _d, ExposedPorts: _e, ...config } = info.Config;
    const leaking = await docker.createContainer({
      ...config,
      name: name("lab-whoami"),
      HostConfig: { ...info.HostConfig, NetworkMode: `container:${host.id}` },
    });
    await leaking.start();

    options = {
      image: HARNESS_IMAGE,
      echoUrl: `http://${echoIp}/cgi-bin/ip`,
      hostNetworkMode: `container:${hostStandIn}`,
      timeoutSeconds: 1,
      concurrency: 8,
      enginePrefix: runPrefix(runId),
      dockerApiPorts: DOCKER_API_PORTS,
      leftoverAgeSeconds: 120,
    };
  });

  const probe = async (label: string, extra: Partial<ProbeOptions> = {}): Promise<ProbeReport> => {
    const report = await probeHost(docker, "lab", plan, { ...options, ...extra });
    console.log(
      `      ${label}: ${report.namespaces} namespaces, ${report.probes.length} connections, ${report.vpn.length} routed services in ${report.durationMs} ms`,
    );
    return report;
  };

  it("finds the leaking routed service and passes the ones that go through the tunnel; isolation is clean", async () => {
    const report = await probe("lab with a simulated VPN");
    const text = formatProbeReport(report);
    assert.deepEqual(
      report.probes.filter((p) => p.verdict === "finding"),
      [],
      text,
    );
    assert.ok(report.probes.some((p) => p.reachable) && report.probes.some((p) => !p.reachable), "something answers and something does not");
    assert.ok(
      report.probes.some((p) => p.to === HOST_DOCKER_API),
      "the host's Docker API was tried",
    );

    assert.equal(report.host?.egressIp, hostOutsideIp, `the echo server saw the host stand-in: ${JSON.stringify(report.host)}`);
    const verdicts = Object.fromEntries(report.vpn.map((v) => [v.service, v.verdict]));
    assert.deepEqual(verdicts, { jellyfin: "ok", qbittorrent: "ok", sonarr: "ok", whoami: "finding" }, text);
    for (const v of report.vpn.filter((x) => x.service !== "whoami")) {
      assert.equal(v.observed.egressIp, gluetunOutsideIp);
      assert.deepEqual(v.observed.nameservers, ["127.0.0.1"]);
    }
    const leak = report.vpn.find((v) => v.service === "whoami")!;
    assert.equal(leak.observed.egressIp, hostOutsideIp);
    assert.equal(leak.problems.length, 3, leak.problems.join("\n"));
    assert.match(leak.problems.join("\n"), /default route is the host's[\s\S]*host's public address[\s\S]*not only Gluetun's 127\.0\.0\.1/);
    assert.equal(reportFindings(report).findings, 1);
    // whoami left Gluetun's namespace, so the proxy's route to it (lab-gluetun:80) has nobody behind it.
    assert.deepEqual(
      report.neededFailures.map((n) => `${n.from} -> ${n.to}:${n.port}`),
      ["lab-swag -> lab-gluetun:80"],
      text,
    );
    assert.equal(reportFindings(report).warnings, 1);
    assert.match(text, /vpn-leak\s+lab-whoami[\s\S]*whoami leaks/);
  });

  it("finds exactly the isolation break planted: dozzle attached to Authelia's service network", async () => {
    const net = docker.getNetwork(name("lab-vnet-authelia"));
    await net.connect({ Container: name("lab-dozzle") });
    try {
      const report = await probe("lab with dozzle on vnet-authelia");
      const found = report.probes.filter((p) => p.verdict === "finding").map((p) => `${p.from} -> ${p.to}:${p.port} @${p.network}`);
      // Independently of the verdict code: every pair across the planted attachment, both directions.
      const members = plan.containers.filter((c) => c.networks.includes("lab-vnet-authelia"));
      const dozzle = plan.containers.find((c) => c.name === "lab-dozzle")!;
      const expected = [
        ...members.flatMap((m) => m.ports.map((port) => `lab-dozzle -> ${m.name}:${port} @lab-vnet-authelia`)),
        ...members.flatMap((m) => dozzle.ports.map((port) => `${m.name} -> lab-dozzle:${port} @lab-vnet-authelia`)),
      ];
      assert.deepEqual(found.sort(), expected.sort(), formatProbeReport(report));
      const redis = report.probes.find((p) => p.verdict === "finding" && p.to === "lab-authelia-redis")!;
      assert.match(redis.reason!, /lab-dozzle is not planned on it; a cache must be reachable from its own service only/);
    } finally {
      await net.disconnect({ Container: name("lab-dozzle"), Force: true });
    }
  });

  it("removes its probe containers on interrupt, and what a killed run left on the next run", async () => {
    // Interrupted through the API: nothing of the run is left.
    const interrupt = new AbortController();
    let started = false;
    const interrupted = probeHost(docker, "lab", plan, {
      ...options,
      signal: interrupt.signal,
      progress: (done) => {
        if (done >= 1 && !started) {
          started = true;
          interrupt.abort();
        }
      },
    });
    await assert.rejects(interrupted, (e: unknown) => e instanceof ProbeInterrupted);
    assert.deepEqual(await probeLeftovers(docker), []);

    // Ctrl-C on the command: exit 130, nothing left.
    const sigint = await runCommand("SIGINT");
    assert.equal(sigint.code, 130, sigint.err);
    assert.match(sigint.err, /interrupted; removed \d+ probe container/);
    assert.deepEqual(await probeLeftovers(docker), []);

    // Killed: its probe containers stay behind, labelled; the next run removes them.
    const killed = await runCommand("SIGKILL");
    assert.equal(killed.signal, "SIGKILL");
    assert.ok((await probeLeftovers(docker)).length > 0, "a killed run leaves probe containers");
    // The engine still completes the creates the killed client had in flight (they show up as Created, never
    // started); what the next run is to clean is what the killed run left once the engine has settled.
    await settledLeftovers();
    await probe("lab after a killed run", { leftoverAgeSeconds: 0 });
    assert.deepEqual(await probeLeftovers(docker), []);
  });

  /** Waits (at most 10 s) until the probe containers stop changing for a second: nothing of a killed run still in flight. */
  async function settledLeftovers(): Promise<void> {
    const ids = async () =>
      (await probeLeftovers(docker))
        .map((c) => c.Id)
        .sort()
        .join(",");
    let last = await ids();
    let stableSince = Date.now();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && Date.now() - stableSince < 1_000;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await ids();
      if (now !== last) [last, stableSince] = [now, Date.now()];
    }
  }

  /** `homelab audit lab --probe` in a child process, sent `signal` once its first probe container exists. */
  function runCommand(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "..", "support", "engine", "probeCommand.ts"), JSON.stringify(options)],
      {
        cwd: PROJECT_DIR,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) =>
      child.on("exit", (code, sig) => resolve({ code, signal: sig, err })),
    );
    const poll = setInterval(async () => {
      if ((await probeLeftovers(docker)).length > 0) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
    return exited.finally(() => clearInterval(poll));
  }
});
