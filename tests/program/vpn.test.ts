import * as assert from "node:assert/strict";
import { readStackConfig } from "../../config/load";
import { byType, CONTAINER, NETWORK, PROJECT_DIR, recordProgram, type ProgramRun, type RegisteredResource } from "../support/program";
import { HOME_MEDIA } from "../support/configs";

/** Secret inputs arrive wrapped under mocks: `{ <sig>: <secret sig>, value }`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (v: any) => (v && typeof v === "object" && SECRET_SIG in v ? v.value : v);
const isSecretInput = (v: any) => !!v && typeof v === "object" && SECRET_SIG in v;

const VPN = { provider: "mullvad", type: "wireguard", countries: ["Sweden"] };
const CREDS = { wireguardPrivateKey: { $secret: "wg-test-key" }, wireguardAddresses: "10.64.0.2/32" };
const full = (ids?: Record<string, string>) => recordProgram("home", { vpn: { ...VPN, mode: "full" }, vpnCredentials: CREDS }, ids);

const containerNamed = (run: ProgramRun, name: string): RegisteredResource => {
  const c = byType(run, CONTAINER).find((r) => r.name === name);
  if (!c) throw new Error(`no container ${name}: ${run.error ?? ""}`);
  return c;
};
const routed = (run: ProgramRun) =>
  byType(run, CONTAINER)
    .filter((c) => c.inputs.networkMode)
    .map((c) => c.name)
    .sort();

describe("vpn: the Pulumi program under mocks", function () {
  this.timeout(120_000);
  let minimal: ProgramRun;
  let fullRun: ProgramRun;

  before(async () => {
    [minimal, fullRun] = await Promise.all([recordProgram("home"), full()]);
    assert.equal(minimal.error, undefined);
    assert.equal(fullRun.error, undefined);
  });

  it("home (minimal): qBittorrent shares Gluetun's namespace by id, with no networks, hostname or ports", () => {
    const qbt = containerNamed(minimal, "qbittorrent").inputs;
    assert.equal(qbt.networkMode, "container:gluetun-id");
    assert.equal(qbt.networksAdvanced, undefined);
    assert.equal(qbt.hostname, undefined);
    assert.deepEqual(qbt.ports, []);
    assert.deepEqual(routed(minimal), ["qbittorrent"]);
    assert.ok(!byType(minimal, NETWORK).some((n) => n.name === "vnet-qbittorrent"));
  });

  it("Gluetun: NET_ADMIN, /dev/net/tun, vnet-ingress + its own network, waits for healthy, publishes nothing, secret env", () => {
    const g = containerNamed(minimal, "gluetun").inputs;
    assert.deepEqual(g.capabilities, { adds: ["CAP_NET_ADMIN"] });
    assert.deepEqual(g.devices, [{ hostPath: "/dev/net/tun", containerPath: "/dev/net/tun" }]);
    assert.deepEqual(
      g.networksAdvanced.map((n: any) => n.name),
      ["vnet-ingress", "vnet-gluetun", "vnet-link-arr"],
    );
    assert.deepEqual(g.ports, []);
    assert.equal(g.wait, true);
    assert.ok(g.healthcheck.tests.includes("healthcheck"));
    assert.ok(isSecretInput(g.envs), "the env list holds the WireGuard key, so it is a secret as a whole");
    const env: string[] = unwrap(g.envs);
    // The home stack file holds a `secure:` placeholder; the mock run stands in "mock-secret".
    assert.ok(env.includes("WIREGUARD_PRIVATE_KEY=mock-secret"));
    assert.ok(env.includes("WIREGUARD_ADDRESSES=10.64.0.2/32"));
    assert.ok(env.includes("HTTPPROXY=off") && env.includes("SHADOWSOCKS=off"));
    assert.ok(byType(minimal, NETWORK).some((n) => n.name === "vnet-gluetun"));
  });

  it("full: every VPN-capable container is routed; the key from config reaches Gluetun as a secret", () => {
    assert.deepEqual(routed(fullRun), HOME_MEDIA);
    for (const name of routed(fullRun)) assert.equal(containerNamed(fullRun, name).inputs.networkMode, "container:gluetun-id");
    assert.ok(unwrap(containerNamed(fullRun, "gluetun").inputs.envs).includes("WIREGUARD_PRIVATE_KEY=wg-test-key"));
    assert.deepEqual(
      containerNamed(fullRun, "immich").inputs.networksAdvanced.map((n: any) => n.name),
      ["vnet-ingress", "vnet-immich"],
    );
  });

  it("off: no Gluetun, nothing shares a namespace", async () => {
    const off = await recordProgram("home", { vpn: { ...VPN, mode: "off" } });
    assert.equal(off.error, undefined);
    assert.deepEqual(routed(off), []);
    assert.ok(!byType(off, CONTAINER).some((c) => c.name === "gluetun"));
    assert.ok(!byType(off, NETWORK).some((n) => n.name === "vnet-gluetun"));
  });

  it("a replaced Gluetun (new id) changes exactly its clients' networkMode; everything else is untouched", async () => {
    const replaced = await full({ gluetun: "gluetun-id-2" });
    assert.equal(replaced.error, undefined);
    const before = new Map(fullRun.resources.map((r) => [`${r.type}::${r.name}`, r.inputs]));
    const changed: string[] = [];
    for (const r of replaced.resources) {
      const old = before.get(`${r.type}::${r.name}`);
      if (JSON.stringify(old) === JSON.stringify(r.inputs)) continue;
      changed.push(r.name);
      assert.equal(r.inputs.networkMode, "container:gluetun-id-2", r.name);
      assert.deepEqual({ ...r.inputs, networkMode: undefined }, { ...old, networkMode: undefined }, `${r.name} differs in more than networkMode`);
    }
    // networkMode forces a replacement, so every client is replaced with Gluetun in the same update.
    assert.deepEqual(changed.sort(), routed(fullRun));
  });

  it("switching SABnzbd to the VPN registers a different SABnzbd, drops vnet-sabnzbd and leaves Gluetun and the rest alone", async () => {
    const home = readStackConfig(PROJECT_DIR, "home").services as Record<string, object>;
    const switched = await recordProgram("home", { services: { ...home, sabnzbd: { vpn: true } } });
    assert.equal(switched.error, undefined);
    const key = (r: RegisteredResource) => `${r.type}::${r.name}`;
    const before = new Map(minimal.resources.map((r) => [key(r), JSON.stringify(r.inputs)]));
    const after = new Map(switched.resources.map((r) => [key(r), JSON.stringify(r.inputs)]));
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
    assert.deepEqual(changed, [`${CONTAINER}::sabnzbd`, `${NETWORK}::vnet-sabnzbd`]);
    assert.equal(containerNamed(switched, "sabnzbd").inputs.networkMode, "container:gluetun-id");
  });

  it("a repeated run registers identical resources and inputs (no churn)", async () => {
    const again = await full();
    assert.equal(again.error, undefined);
    assert.deepEqual(
      again.resources.map((r) => [r.type, r.name, r.inputs]),
      fullRun.resources.map((r) => [r.type, r.name, r.inputs]),
    );
  });
});
