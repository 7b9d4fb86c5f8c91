import { strict as assert } from "node:assert";
import { SecretValue } from "../../config/secret";
import { planAppSync } from "../../topology/appSync";
import { minimalConfig, planOf } from "../support/configs";

describe("planAppSync: who `homelab wire` connects, and through which address", () => {
  const vpn = { mode: "full", provider: "mullvad", type: "wireguard" };
  const vpnCredentials = { wireguardPrivateKey: new SecretValue("k"), wireguardAddresses: "10.64.0.2/32" };

  it("joins Prowlarr and the *arr apps over a shared link, in both directions", () => {
    const sync = planAppSync(
      planOf(minimalConfig({ services: { prowlarr: {}, sonarr: {}, radarr: {} }, links: { arr: { services: ["prowlarr", "sonarr", "radarr"] } } })),
    );
    assert.deepEqual(
      sync.prowlarr?.applications.map((a) => [a.service, a.implementation, a.configContract, a.baseUrl, a.prowlarrUrl, a.key.env]),
      [
        ["radarr", "Radarr", "RadarrSettings", "http://radarr:7878", "http://prowlarr:9696", "RADARR__AUTH__APIKEY"],
        ["sonarr", "Sonarr", "SonarrSettings", "http://sonarr:8989", "http://prowlarr:9696", "SONARR__AUTH__APIKEY"],
      ].sort(),
    );
    assert.deepEqual(sync.skipped, []);
  });

  it("uses 127.0.0.1 inside Gluetun's namespace and dials the gateway's address", () => {
    const plan = planOf(minimalConfig({ services: { prowlarr: {}, sonarr: {} }, vpn, vpnCredentials }));
    const sync = planAppSync(plan);
    assert.equal(sync.prowlarr?.addressOf, "gluetun");
    assert.deepEqual(
      sync.prowlarr?.applications.map((a) => [a.baseUrl, a.prowlarrUrl]),
      [["http://127.0.0.1:8989", "http://127.0.0.1:9696"]],
    );
  });

  it("skips, with the fix in one line, apps that cannot reach each other", () => {
    const sync = planAppSync(planOf(minimalConfig({ services: { prowlarr: {}, sonarr: {}, jellyseerr: {} } })));
    assert.equal(sync.prowlarr, undefined);
    assert.equal(sync.jellyseerr, undefined);
    assert.deepEqual(sync.skipped, [
      "prowlarr cannot reach sonarr: route both through the VPN or join them with a link (homelab:links)",
      "jellyseerr cannot reach sonarr: route both through the VPN or join them with a link (homelab:links)",
    ]);
  });

  it("gives Jellyseerr only Sonarr and Radarr, with its own generated key", () => {
    const services = { jellyseerr: {}, sonarr: {}, radarr: {}, lidarr: {} };
    const sync = planAppSync(planOf(minimalConfig({ services, links: { req: { services: Object.keys(services) } } })));
    assert.deepEqual(sync.jellyseerr?.key, { container: "jellyseerr", env: "API_KEY" });
    assert.deepEqual(
      sync.jellyseerr?.servers.map((s) => [s.kind, s.hostname, s.port]),
      [
        ["radarr", "radarr", 7878],
        ["sonarr", "sonarr", 8989],
      ],
    );
  });
});

describe("planAppSync: Portainer's environments on several hosts", () => {
  const HOSTS = { nas: { docker: "ssh://me@nas", manager: true }, gpu: { docker: "ssh://me@gpubox" }, mini: { docker: "ssh://me@mini" } };
  const on = (services: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    planAppSync(planOf(minimalConfig({ hosts: HOSTS, services, socketProxy: { allowWrite: true }, ...extra })));

  it("names one environment per other host Portainer reads: the host, and its socket proxy at the proxy's port", () => {
    const sync = on({ portainer: {}, jellyfin: { host: "gpu" }, sonarr: { host: "mini" } });
    assert.deepEqual(sync.portainer, {
      service: "portainer",
      container: "portainer",
      addressOf: "portainer",
      port: 9000,
      password: { container: "portainer", path: "/secrets/portainer-admin-password", key: "homelab:keys.portainer-admin-password" },
      environments: [
        { name: "gpu", url: "tcp://cetusguard-gpu:2375" },
        { name: "mini", url: "tcp://cetusguard-mini:2375" },
      ],
    });
  });

  it("follows the prefix and Portainer's own host: the first host is then an environment too", () => {
    const sync = on({ portainer: { host: "gpu" }, sonarr: {} }, { network: { prefix: "hl-" } });
    assert.deepEqual(sync.portainer?.environments, [{ name: "nas", url: "tcp://hl-cetusguard-nas:2375" }]);
    assert.deepEqual([sync.portainer?.container, sync.portainer?.password.key], ["hl-portainer", "homelab:keys.portainer-admin-password"]);
  });

  it("has nothing for Portainer on one host, or when everything runs on Portainer's host", () => {
    assert.equal(planAppSync(planOf(minimalConfig({ services: { portainer: {}, sonarr: {} }, socketProxy: { allowWrite: true } }))).portainer, undefined);
    assert.equal(on({ portainer: {}, sonarr: {} }).portainer, undefined);
  });
});
