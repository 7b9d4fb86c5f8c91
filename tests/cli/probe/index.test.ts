/**
 * `homelab audit --probe` without an engine: the plan's prediction and needed paths, the targets, the verdicts,
 * the probe scripts and their parsing, the options and the report. The engine proof is tests/e2e/probe.test.ts.
 */
import * as assert from "node:assert/strict";
import type Docker from "dockerode";
import { PROBE_LABEL, pool, removeLeftovers } from "../../../cli/probe/containers";
import { probeOptionsFromEnv, DEFAULT_ECHO_URL, DEFAULT_PROBE_IMAGE } from "../../../cli/probe";
import { formatProbeReport } from "../../../cli/probe/format";
import { egressScript, parseEgress, parseTcpAnswers, tcpProbeScript } from "../../../cli/probe/script";
import { main } from "../../../cli/main";
import { namespaceOwner, neededPaths, planAllows, plannedNetworks } from "../../../topology/reachability";
import {
  EgressObservation,
  EngineNamespace,
  HOST_DOCKER_API,
  MeasuredProbe,
  ProbeReport,
  judgeEgress,
  judgeProbes,
  probeTargets,
  reportFindings,
  routedContainers,
} from "../../../topology/probeVerdict";
import { labWithVpnPlan } from "../../support/labWithVpn";

const plan = labWithVpnPlan();

/** Every running namespace owner of the plan, at made-up addresses (one per planned network). */
function namespaces(): EngineNamespace[] {
  const nets = new Map(plan.networks.map((n, i) => [n.name, i]));
  return plan.containers
    .filter((c) => !c.networkMode)
    .map((c, ci) => ({
      owner: c.name,
      addresses: c.networks.map((n) => ({ network: n, ip: `10.0.${nets.get(n)}.${ci + 10}`, gateway: `10.0.${nets.get(n)}.1` })),
    }));
}

/** What a host that follows the plan measures: reachable exactly where the plan allows. */
const measuredAsPlanned = (): MeasuredProbe[] =>
  probeTargets(plan, namespaces()).map((t) => ({ ...t, reachable: t.to !== HOST_DOCKER_API && planAllows(plan, t.from, t.to, t.network) }));

describe("audit --probe: the plan's prediction", () => {
  it("routed containers live in Gluetun's namespace and reach what it reaches", () => {
    assert.equal(namespaceOwner(plan, "lab-jellyfin")?.name, "lab-gluetun");
    assert.deepEqual(plannedNetworks(plan, "lab-jellyfin"), plannedNetworks(plan, "lab-gluetun"));
    assert.ok(planAllows(plan, "lab-swag", "lab-jellyfin", "lab-vnet-ingress"));
    assert.ok(!planAllows(plan, "lab-dozzle", "lab-authelia-redis", "lab-vnet-authelia"));
  });

  it("needs the proxy's upstreams, the socket proxy for its consumers, and each service's own cache", () => {
    const needed = neededPaths(plan).map((p) => `${p.from} -> ${p.to}:${p.port}`);
    for (const path of [
      "lab-swag -> lab-gluetun:8096",
      "lab-swag -> lab-authelia:9091",
      "lab-dozzle -> lab-cetusguard:2375",
      "lab-authelia -> lab-authelia-redis:6379",
    ]) {
      assert.ok(needed.includes(path), `${path} in ${needed.join(", ")}`);
    }
    assert.ok(!needed.some((p) => p.startsWith("lab-jellyfin ->")), "nothing needs jellyfin to reach anything");
  });
});

describe("audit --probe: targets and verdicts", () => {
  it("tries every other namespace's declared ports on every address, and the host's Docker API on each gateway", () => {
    const targets = probeTargets(plan, namespaces());
    const fromSwag = targets.filter((t) => t.from === "lab-swag");
    // A port in Gluetun's namespace belongs to the routed service that declares it, not to Gluetun.
    assert.ok(fromSwag.some((t) => t.to === "lab-jellyfin" && t.port === 8096));
    assert.ok(!fromSwag.some((t) => t.to === "lab-gluetun"));
    assert.deepEqual(
      fromSwag
        .filter((t) => t.to === HOST_DOCKER_API)
        .map((t) => `${t.ip}:${t.port}`)
        .sort(),
      namespaces()
        .find((n) => n.owner === "lab-swag")!
        .addresses.flatMap((a) => [`${a.gateway}:2375`, `${a.gateway}:2376`])
        .sort(),
    );
    assert.ok(!targets.some((t) => t.from === t.to));
  });

  it("a host that follows the plan gives no finding and no warning", () => {
    const { probes, neededFailures } = judgeProbes(plan, measuredAsPlanned());
    assert.deepEqual(
      probes.filter((p) => p.verdict !== "ok"),
      [],
    );
    assert.deepEqual(neededFailures, []);
  });

  it("unexpected reachability is a finding that says why; the Docker API answering is one too", () => {
    const measured = measuredAsPlanned();
    const breach = measured.find((p) => p.from === "lab-swag" && p.to === "lab-cetusguard")!;
    breach.reachable = true;
    const api = measured.find((p) => p.from === "lab-dozzle" && p.to === HOST_DOCKER_API)!;
    api.reachable = true;
    const findings = judgeProbes(plan, measured).probes.filter((p) => p.verdict === "finding");
    assert.equal(findings.length, 2);
    assert.match(findings.find((f) => f.to === "lab-cetusguard")!.reason!, /lab-swag is not planned on it; only the socket proxy's consumers may reach it/);
    assert.match(findings.find((f) => f.to === HOST_DOCKER_API)!.reason!, /Docker API answers over TCP/);
  });

  it("a needed path none of whose addresses answers is a warning, naming what needs it", () => {
    const measured = measuredAsPlanned().map((p) => (p.from === "lab-dozzle" && p.to === "lab-cetusguard" ? { ...p, reachable: false } : p));
    const { probes, neededFailures } = judgeProbes(plan, measured);
    assert.deepEqual(
      neededFailures.map((n) => `${n.from} -> ${n.to}:${n.port}: ${n.why}`),
      ["lab-dozzle -> lab-cetusguard:2375: dozzle reads the Docker API there"],
    );
    assert.ok(probes.filter((p) => p.verdict === "warning").every((p) => p.from === "lab-dozzle" && p.to === "lab-cetusguard"));
    assert.equal(probes.filter((p) => p.verdict === "finding").length, 0);
  });
});

describe("audit --probe: VPN egress verdicts", () => {
  const routed = routedContainers(plan);
  const host: EgressObservation = { defaultRoute: "via 192.168.1.1 dev eth0", nameservers: ["192.168.1.1"], egressIp: "203.0.113.7" };
  const tunnel: EgressObservation = { defaultRoute: "dev wg0", nameservers: ["127.0.0.1"], egressIp: "198.51.100.20" };

  it("lists every service that shares a VPN gateway's namespace, with Gluetun's resolver", () => {
    assert.deepEqual(
      routed.map((r) => `${r.service}@${r.gateway} ${r.resolver}`),
      ["jellyfin@lab-gluetun 127.0.0.1", "qbittorrent@lab-gluetun 127.0.0.1", "sonarr@lab-gluetun 127.0.0.1", "whoami@lab-gluetun 127.0.0.1"],
    );
  });

  it("through the tunnel: passes", () => {
    assert.deepEqual(judgeEgress(routed[0], tunnel, host).problems, []);
    assert.equal(judgeEgress(routed[0], tunnel, host).verdict, "ok");
  });

  it("the host's route, the host's address or a foreign resolver: a finding naming each", () => {
    const leak = judgeEgress(routed[1], { defaultRoute: host.defaultRoute, nameservers: ["127.0.0.11"], egressIp: host.egressIp }, host);
    assert.equal(leak.verdict, "finding");
    assert.equal(leak.service, "qbittorrent");
    assert.deepEqual(leak.problems, [
      "its default route is the host's (via 192.168.1.1 dev eth0)",
      "it leaves from the host's public address 203.0.113.7",
      "it resolves names through 127.0.0.11, not only Gluetun's 127.0.0.1",
    ]);
    assert.equal(judgeEgress(routed[1], { ...tunnel, nameservers: ["127.0.0.1", "1.1.1.1"] }, host).verdict, "finding");
  });

  it("an address that cannot be measured is a warning, not a pass", () => {
    assert.equal(judgeEgress(routed[0], { ...tunnel, egressIp: undefined, egressError: "timed out" }, host).verdict, "warning");
    assert.equal(judgeEgress(routed[0], tunnel, { ...host, egressIp: undefined, egressError: "offline" }).verdict, "warning");
  });
});

describe("audit --probe: scripts and their answers", () => {
  it("probes every target in parallel and reads one answer each", () => {
    const script = tcpProbeScript(
      [
        { ip: "10.0.0.2", port: 80 },
        { ip: "10.0.0.3", port: 5432 },
      ],
      2,
    );
    assert.match(script, /p 10\.0\.0\.2 80 0 & p 10\.0\.0\.3 5432 1 & wait$/);
    assert.match(script, /nc -w 2 /);
    assert.deepEqual(parseTcpAnswers("tcp 1 0\r\ntcp 0 1\n", 2), [true, false]);
    assert.throws(() => parseTcpAnswers("tcp 0 1\n", 2), /probe 1 of 2 gave no answer/);
    assert.throws(() => tcpProbeScript([{ ip: "10.0.0.2; rm -rf /", port: 80 }], 1), /not a probe target/);
  });

  it("reads the route, the resolvers and the echoed address", () => {
    const seen = parseEgress("route via 10.1.0.1 dev eth0 proto static metric 100 \r\ndns 127.0.0.11\r\ndns 10.0.0.2\r\negress [::ffff:10.2.0.5]\r\n");
    assert.deepEqual(seen, { defaultRoute: "via 10.1.0.1 dev eth0", nameservers: ["127.0.0.11", "10.0.0.2"], egressIp: "10.2.0.5" });
    assert.deepEqual(parseEgress("route \ndns 127.0.0.1\negress-error wget: download timed out\n"), {
      defaultRoute: undefined,
      nameservers: ["127.0.0.1"],
      egressError: "wget: download timed out",
    });
    assert.match(parseEgress("route dev wg0\negress <html>blocked</html>\n").egressError!, /not an address/);
  });

  it("quotes the echo endpoint and accepts only http(s)", () => {
    assert.match(egressScript("http://echo.test/ip?x='y'", 4), /timeout 4 wget -q -O - 'http:\/\/echo\.test\/ip\?x='\\''y'\\'''/);
    assert.throws(() => egressScript("file:///etc/passwd", 4), /not an http\(s\) URL/);
  });
});

describe("audit --probe: options and report", () => {
  it("defaults to a pinned busybox, a public echo and the host's namespace; HOMELAB_PROBE_* override them", () => {
    const d = probeOptionsFromEnv({});
    assert.equal(d.image, DEFAULT_PROBE_IMAGE);
    assert.match(DEFAULT_PROBE_IMAGE, /^busybox:\d+\.\d+\.\d+$/);
    assert.equal(d.echoUrl, DEFAULT_ECHO_URL);
    assert.equal(d.hostNetworkMode, "host");
    const o = probeOptionsFromEnv({
      HOMELAB_PROBE_IMAGE: "busybox:local",
      HOMELAB_PROBE_ECHO_URL: "http://10.0.0.9/",
      HOMELAB_PROBE_TIMEOUT_SECONDS: "3",
      HOMELAB_PROBE_CONCURRENCY: "4",
    });
    assert.deepEqual([o.image, o.echoUrl, o.timeoutSeconds, o.concurrency], ["busybox:local", "http://10.0.0.9/", 3, 4]);
    assert.throws(() => probeOptionsFromEnv({ HOMELAB_PROBE_TIMEOUT_SECONDS: "soon" }), /HOMELAB_PROBE_TIMEOUT_SECONDS must be a positive number, got "soon"/);
  });

  it("prints findings, warnings and the VPN egress table; counts what fails the command", () => {
    const measured = measuredAsPlanned().map((p) => (p.from === "lab-swag" && p.to === "lab-cetusguard" ? { ...p, reachable: true } : p));
    const judged = judgeProbes(plan, measured);
    const host: EgressObservation = { defaultRoute: "via 192.168.1.1 dev eth0", nameservers: ["192.168.1.1"], egressIp: "203.0.113.7" };
    const report: ProbeReport = {
      stack: "lab",
      namespaces: 7,
      probes: judged.probes,
      neededFailures: judged.neededFailures,
      vpn: routedContainers(plan).map((r) =>
        judgeEgress(r, r.service === "whoami" ? host : { defaultRoute: "dev wg0", nameservers: ["127.0.0.1"], egressIp: "198.51.100.20" }, host),
      ),
      host,
      rechecked: 0,
      durationMs: 2500,
    };
    assert.deepEqual(reportFindings(report), { findings: 2, warnings: 0 });
    const text = formatProbeReport(report);
    assert.match(text, /^probe lab: 7 namespaces, \d+ connections tried, 4 routed services checked in 2\.5 s — 2 findings, 0 warnings/);
    assert.match(text, /reachable\s+lab-swag\s+lab-cetusguard\s+lab-vnet-socket/);
    assert.match(text, /vpn-leak\s+lab-whoami\s+lab-gluetun .*whoami leaks: its default route is the host's/);
    assert.match(text, /whoami \(lab-whoami\)\s+via 192\.168\.1\.1 dev eth0\s+203\.0\.113\.7\s+192\.168\.1\.1\s+LEAK/);
    assert.match(text, /jellyfin \(lab-jellyfin\)\s+dev wg0\s+198\.51\.100\.20\s+127\.0\.0\.1\s+through the tunnel/);
  });
});

describe("audit --probe on the command line", () => {
  it("is a documented option of audit, and an unreachable engine is an error naming it", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    assert.equal(await main(["--help"], io), 0);
    assert.match(out.join("\n"), /audit <stack> --probe \[--json\]/);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    try {
      assert.equal(await main(["audit", "lab", "--probe"], io), 1);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    assert.match(err.join("\n"), /cannot probe stack lab on unix:\/\/\/nonexistent\/docker\.sock \(from DOCKER_HOST\)/);
  });
});

describe("audit --probe: the probe pool and leftovers", () => {
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("runs at most `concurrency` jobs at once and settles only after every started job, also on failure", async () => {
    let running = 0;
    let peak = 0;
    const finished: number[] = [];
    const job =
      (i: number, fail = false) =>
      async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(fail ? 1 : 20);
        running--;
        finished.push(i);
        if (fail) throw new Error(`job ${i} failed`);
        return i;
      };
    assert.deepEqual(
      await pool(
        [0, 1, 2, 3, 4].map((i) => job(i)),
        2,
      ),
      [0, 1, 2, 3, 4],
    );
    assert.equal(peak, 2);
    finished.length = 0;
    await assert.rejects(pool([job(0), job(1, true), job(2), job(3)], 2), /job 1 failed/);
    assert.ok(finished.includes(0), "the job in flight finished before the pool rejected");
    assert.ok(!finished.includes(3), "no job starts after a failure");
  });

  it("starts nothing more once interrupted", async () => {
    const interrupt = new AbortController();
    const started: number[] = [];
    const jobs = [0, 1, 2, 3].map((i) => async () => {
      started.push(i);
      if (i === 0) interrupt.abort();
      await tick(5);
      return i;
    });
    await pool(jobs, 1, interrupt.signal);
    assert.deepEqual(started, [0]);
  });

  it("removes only probe-labelled containers older than the age limit", async () => {
    const now = 1_000_000_000_000;
    const removed: string[] = [];
    const listed = [
      { Id: "old", Created: now / 1000 - 300 },
      { Id: "fresh", Created: now / 1000 - 5 },
    ];
    let filters: unknown;
    const docker = {
      listContainers: async (o: { filters: unknown }) => ((filters = o.filters), listed),
      getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
    } as unknown as Docker;
    assert.equal(await removeLeftovers(docker, 120, now), 1);
    assert.deepEqual(removed, ["old"]);
    assert.deepEqual(filters, { label: [PROBE_LABEL] });
  });
});
