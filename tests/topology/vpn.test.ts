import * as assert from "node:assert/strict";
import { SecretEnvRef } from "../../config/secret";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import type { Plan } from "../../topology/types";
import { HOME_MEDIA, planOf, planProblems, stackFileEdited, stackWith } from "../support/configs";
import { container, planDiff, routedServices, routeOf } from "../support/plans";

const VPN = { provider: "mullvad", type: "wireguard", countries: ["Sweden"] };
const home = (mode: string, services: Record<string, Record<string, unknown>> = {}) => stackWith("home", { vpn: { ...VPN, mode } }, services);
const subnetOf = (plan: Plan, network: string) => plan.networks.find((n) => n.name === network)!.subnet;

describe("vpn: modes", () => {
  it("minimal routes only the downloader through Gluetun's namespace", () => {
    const plan = planOf(home("minimal"));
    assert.deepEqual(routedServices(plan), ["qbittorrent"]);
    const qbt = container(plan, "qbittorrent");
    assert.equal(qbt.networkMode, "container:gluetun");
    assert.deepEqual(qbt.networks, []);
    assert.deepEqual(qbt.hostPorts, []);
    assert.equal(plan.services.find((s) => s.name === "qbittorrent")!.network, undefined, "a routed service has no vnet of its own");
    assert.ok(!plan.networks.some((n) => n.name === "vnet-qbittorrent"));
    const sab = container(plan, "sabnzbd");
    assert.equal(sab.networkMode, undefined);
    assert.deepEqual(sab.networks, ["vnet-ingress", "vnet-sabnzbd", "vnet-link-arr"]);
    assert.equal(routeOf(plan, "sabnzbd")!.upstream, "sabnzbd:8080");
  });

  it("minimal: Gluetun carries the routed ports, the routed-service list and the firewall subnets", () => {
    const plan = planOf(home("minimal"));
    const gluetun = container(plan, "gluetun");
    assert.equal(gluetun.role, "vpn-gateway");
    assert.deepEqual(gluetun.ports, [6881, 8081]);
    assert.deepEqual(gluetun.vpnClients, [{ service: "qbittorrent", container: "qbittorrent", ports: [8081, 6881] }]);
    assert.deepEqual(gluetun.networks, ["vnet-ingress", "vnet-gluetun", "vnet-link-arr"], "the proxy and qBittorrent's linked *arr apps reach it");
    assert.equal(
      gluetun.env.FIREWALL_OUTBOUND_SUBNETS,
      ["192.168.1.0/24", "192.168.90.0/24", subnetOf(plan, "vnet-gluetun"), subnetOf(plan, "vnet-link-arr")].join(","),
    );
    assert.equal(routeOf(plan, "qbittorrent")!.upstream, "gluetun:8081");
  });

  it("full routes every VPN-capable service and nothing else", () => {
    const plan = planOf(home("full"));
    assert.deepEqual(routedServices(plan), HOME_MEDIA);
    for (const name of ["traefik", "immich", "immich-db", "local-ai", "dozzle", "portainer", "homepage", "cetusguard", "gluetun"]) {
      assert.equal(container(plan, name).networkMode, undefined, `${name} stays direct`);
    }
    const gluetun = container(plan, "gluetun");
    assert.deepEqual(
      gluetun.vpnClients!.map((c) => c.service),
      HOME_MEDIA,
    );
    assert.deepEqual(gluetun.ports, [5055, 6767, 6881, 7878, 8080, 8081, 8090, 8096, 8265, 8266, 8686, 8787, 8989, 9696, 32400]);
    for (const service of HOME_MEDIA.filter((s) => s !== "unpackerr")) assert.match(routeOf(plan, service)!.upstream, /^gluetun:\d+$/, service);
    assert.equal(routeOf(plan, "jellyfin")!.upstream, "gluetun:8096");
    assert.equal(routeOf(plan, "immich")!.upstream, "immich:2283");
    assert.equal(gluetun.env.FIREWALL_OUTBOUND_SUBNETS.split(",")[0], "192.168.1.0/24");
    // Every *arr app is routed: the arr link keeps Gluetun as its only member.
    assert.deepEqual(plan.networks.find((n) => n.name === "vnet-link-arr")!.members, ["gluetun"]);
  });

  it("off routes nothing and adds no Gluetun", () => {
    const plan = planOf(home("off"));
    assert.deepEqual(routedServices(plan), []);
    assert.ok(!plan.containers.some((c) => c.service === "gluetun"));
    assert.ok(!plan.networks.some((n) => n.name === "vnet-gluetun"));
    assert.equal(routeOf(plan, "qbittorrent")!.upstream, "qbittorrent:8080", "no clash to remap without a shared namespace");
    assert.deepEqual(container(plan, "qbittorrent").networks, ["vnet-ingress", "vnet-qbittorrent", "vnet-link-arr"]);
  });

  it("per-service vpn overrides the mode both ways", () => {
    assert.deepEqual(routedServices(planOf(home("off", { jellyfin: { vpn: true } }))), ["jellyfin"]);
    assert.deepEqual(routedServices(planOf(home("minimal", { qbittorrent: { vpn: false }, sabnzbd: { vpn: true } }))), ["sabnzbd"]);
    assert.deepEqual(
      routedServices(planOf(home("full", { plex: { vpn: false }, jellyfin: { vpn: false } }))),
      HOME_MEDIA.filter((s) => s !== "plex" && s !== "jellyfin"),
    );
  });

  it("uses the stack's name prefix: lab routes to lab-gluetun and keeps qBittorrent on 8080 (no clash there)", () => {
    const plan = planOf(stackWith("lab", { vpn: { ...VPN, mode: "minimal" }, vpnCredentials: { wireguardPrivateKey: new SecretValue("k") } }));
    assert.equal(container(plan, "lab-qbittorrent").networkMode, "container:lab-gluetun");
    assert.equal(routeOf(plan, "qbittorrent")!.upstream, "lab-gluetun:8080");
    assert.equal(container(plan, "lab-qbittorrent").env.WEBUI_PORT, undefined);
    assert.ok(!container(plan, "lab-gluetun").env.FIREWALL_OUTBOUND_SUBNETS.includes("10.91."), "vnet-socket is not Gluetun's to reach");
  });
});

describe("vpn: Gluetun container", () => {
  it("has NET_ADMIN, the tun device, a healthcheck, DNS over TLS, proxies off and an unpublished control server", () => {
    const gluetun = container(planOf(home("minimal")), "gluetun");
    assert.deepEqual(gluetun.capabilities, ["CAP_NET_ADMIN"]);
    assert.deepEqual(gluetun.devices, ["/dev/net/tun"]);
    assert.deepEqual(gluetun.hostPorts, []);
    assert.deepEqual(gluetun.healthcheck, {
      test: ["CMD", "/gluetun-entrypoint", "healthcheck"],
      interval: "10s",
      timeout: "5s",
      retries: 3,
      startPeriod: "30s",
    });
    assert.equal(gluetun.image, "qmcgaw/gluetun:v3.41.1");
    assert.deepEqual(Object.fromEntries(Object.entries(gluetun.env).filter(([k]) => k !== "TZ" && k !== "FIREWALL_OUTBOUND_SUBNETS")), {
      VPN_SERVICE_PROVIDER: "mullvad",
      VPN_TYPE: "wireguard",
      SERVER_COUNTRIES: "Sweden",
      DNS_UPSTREAM_RESOLVER_TYPE: "dot",
      HTTP_CONTROL_SERVER_ADDRESS: "127.0.0.1:8000",
      HTTPPROXY: "off",
      SHADOWSOCKS: "off",
      VPN_PORT_FORWARDING: "off",
    });
    assert.deepEqual(gluetun.secretEnv, {
      WIREGUARD_PRIVATE_KEY: SecretEnvRef.config("homelab:vpnCredentials.wireguardPrivateKey"),
      WIREGUARD_ADDRESSES: SecretEnvRef.config("homelab:vpnCredentials.wireguardAddresses"),
    });
  });

  it("openvpn needs user and password, not a WireGuard key", () => {
    const creds = { openvpnUser: "p1234567", openvpnPassword: new SecretValue("pw") };
    const gluetun = container(
      planOf(stackWith("home", { vpn: { ...VPN, mode: "minimal", type: "openvpn", provider: "private internet access" }, vpnCredentials: creds })),
      "gluetun",
    );
    assert.equal(gluetun.env.VPN_TYPE, "openvpn");
    assert.equal(gluetun.env.VPN_SERVICE_PROVIDER, "private internet access");
    assert.deepEqual(gluetun.secretEnv, {
      OPENVPN_USER: SecretEnvRef.config("homelab:vpnCredentials.openvpnUser"),
      OPENVPN_PASSWORD: SecretEnvRef.config("homelab:vpnCredentials.openvpnPassword"),
    });
  });

  it("turns the HTTP proxy and Shadowsocks on only when asked, with credentials, and reserves their ports", () => {
    const vpn = { ...VPN, mode: "minimal", httpProxy: true, shadowsocks: true };
    const creds = {
      wireguardPrivateKey: new SecretValue("k"),
      httpProxyUser: "me",
      httpProxyPassword: new SecretValue("p"),
      shadowsocksPassword: new SecretValue("s"),
    };
    const gluetun = container(planOf(stackWith("home", { vpn, vpnCredentials: creds })), "gluetun");
    assert.equal(gluetun.env.HTTPPROXY, "on");
    assert.equal(gluetun.env.SHADOWSOCKS, "on");
    assert.deepEqual(Object.keys(gluetun.secretEnv).sort(), ["HTTPPROXY_PASSWORD", "HTTPPROXY_USER", "SHADOWSOCKS_PASSWORD", "WIREGUARD_PRIVATE_KEY"]);
    const errors = planProblems(stackWith("home", { vpn, vpnCredentials: { wireguardPrivateKey: new SecretValue("k") } }));
    assert.deepEqual(errors.map((e) => e.path).sort(), [
      "homelab:vpnCredentials.httpProxyPassword",
      "homelab:vpnCredentials.httpProxyUser",
      "homelab:vpnCredentials.shadowsocksPassword",
    ]);
    const clash = planProblems(
      stackWith("home", { vpn, vpnCredentials: creds, services: { web: { image: "traefik/whoami:v1.11.0", port: 8888, vpn: true } } }),
    );
    assert.match(clash.map((e) => e.message).join("\n"), /'web' and Gluetun's HTTP proxy both listen on port 8888/);
  });

  it("never puts a secret value in the plan", () => {
    const plan = planOf(
      stackWith("home", { vpn: { ...VPN, mode: "minimal" }, vpnCredentials: { wireguardPrivateKey: new SecretValue("super-secret-wg-key") } }),
    );
    assert.ok(!JSON.stringify(plan).includes("super-secret-wg-key"));
  });
});

describe("vpn: config errors", () => {
  it("refuses vpn: true on the proxy, SSO, a service with a database, a Docker API reader and the socket proxy", () => {
    const errors = planProblems(
      home("minimal", { traefik: { vpn: true }, authelia: { vpn: true }, immich: { vpn: true }, dozzle: { vpn: true }, cetusguard: { vpn: true } }),
    );
    const byPath = new Map(errors.map((e) => [e.path, e.message]));
    assert.match(byPath.get("homelab:services.traefik.vpn")!, /reverse proxy must stay reachable/);
    assert.match(byPath.get("homelab:services.authelia.vpn")!, /SSO portal/);
    assert.match(byPath.get("homelab:services.immich.vpn")!, /database\/cache talks to it over vnet-immich/);
    assert.match(byPath.get("homelab:services.dozzle.vpn")!, /Docker API/);
    assert.match(byPath.get("homelab:services.cetusguard.vpn")!, /Docker API proxy/);
    assert.equal(errors.length, 5);
  });

  it("names the missing credential for the chosen VPN type", () => {
    const wg = planProblems(stackWith("home", { vpn: { ...VPN, mode: "minimal" }, vpnCredentials: null }));
    assert.deepEqual(
      wg.map((e) => e.path),
      ["homelab:vpnCredentials.wireguardPrivateKey"],
    );
    assert.match(wg[0].message, /required because vpn.type is wireguard: pulumi config set --secret --path 'vpnCredentials.wireguardPrivateKey'/);
    const ovpn = planProblems(stackWith("home", { vpn: { ...VPN, mode: "minimal", type: "openvpn" }, vpnCredentials: { openvpnUser: "me" } }));
    assert.deepEqual(
      ovpn.map((e) => e.path),
      ["homelab:vpnCredentials.openvpnPassword"],
    );
  });

  it("refuses a plain-text key and asks for homelab:vpn when a service is routed without it", () => {
    const plain = planProblems(stackWith("home", { vpnCredentials: { wireguardPrivateKey: "not-a-secret" } }));
    assert.deepEqual(
      plain.map((e) => e.path),
      ["homelab:vpnCredentials.wireguardPrivateKey"],
    );
    assert.match(plain[0].message, /must be a secret/);
    const missing = planProblems(stackWith("home", { vpn: null }, { qbittorrent: { vpn: true } }));
    assert.deepEqual(
      missing.map((e) => e.path),
      ["homelab:vpn"],
    );
    assert.match(missing[0].message, /qbittorrent is routed through the VPN/);
    // Without any routed service neither homelab:vpn nor credentials are needed.
    planOf(stackWith("home", { vpn: null, vpnCredentials: null }));
  });

  it("a Gluetun listed on its own (e.g. for its HTTP proxy) needs homelab:vpn too, and gets its settings", () => {
    const errors = planProblems(stackWith("home", { vpn: null }, { qbittorrent: { vpn: false }, gluetun: {} }));
    assert.deepEqual(
      errors.map((e) => `${e.path}: ${e.message}`),
      ["homelab:vpn: is required (provider, type): homelab:services.gluetun is enabled"],
    );
    const plan = planOf(home("off", { gluetun: {} }));
    assert.deepEqual(routedServices(plan), []);
    assert.equal(container(plan, "gluetun").env.VPN_SERVICE_PROVIDER, "mullvad");
    assert.deepEqual(container(plan, "gluetun").vpnClients, []);
  });

  it("rejects an unknown mode with the key path", () => {
    const errors = planProblems(stackWith("home", { vpn: { ...VPN, mode: "everything" } }));
    assert.equal(errors[0].path, "homelab:vpn.mode");
  });
});

describe("vpn: ports inside the shared namespace", () => {
  it("remaps qBittorrent's web UI (WEBUI_PORT) away from SABnzbd's 8080, visibly", () => {
    const result = planOf(home("minimal", { sabnzbd: { vpn: true } }));
    const qbt = container(result, "qbittorrent");
    assert.equal(qbt.env.WEBUI_PORT, "8081");
    assert.deepEqual(qbt.ports, [8081, 6881]);
    assert.match(qbt.healthcheck!.test.join(" "), /127\.0\.0\.1:8081\//);
    assert.equal(routeOf(result, "qbittorrent")!.upstream, "gluetun:8081");
    assert.equal(routeOf(result, "sabnzbd")!.upstream, "gluetun:8080");
    assert.deepEqual(container(result, "gluetun").ports, [6881, 8080, 8081]);
  });

  it("reports the remap as a warning", () => {
    const result = buildPlan(home("minimal"));
    assert.ok(result.warnings.some((w) => /qbittorrent listens on 8081 instead \(WEBUI_PORT\)/.test(w)));
  });

  it("refuses two fixed ports that clash, and a port Gluetun's control server holds", () => {
    const errors = planProblems(
      home("off", {
        one: { image: "traefik/whoami:v1.11.0", port: 9000, vpn: true },
        two: { image: "traefik/whoami:v1.11.0", port: 9000, vpn: true },
        three: { image: "traefik/whoami:v1.11.0", port: 8000, vpn: true },
      }),
    );
    const messages = errors.map((e) => `${e.path}: ${e.message}`).join("\n");
    assert.match(messages, /homelab:services.two.vpn: 'two' and 'one' both listen on port 9000 inside Gluetun's network namespace/);
    assert.match(messages, /homelab:services.three.vpn: 'three' and Gluetun's control server both listen on port 8000/);
  });
});

describe("vpn: forwarded port (stretch)", () => {
  it("hands the provider's forwarded port to routed qBittorrent through its Web API, on its remapped port", () => {
    const gluetun = container(planOf(stackWith("home", { vpn: { ...VPN, provider: "protonvpn", mode: "minimal", portForwarding: true } })), "gluetun");
    assert.equal(gluetun.env.VPN_PORT_FORWARDING, "on");
    assert.equal(
      gluetun.env.VPN_PORT_FORWARDING_UP_COMMAND,
      `/bin/sh -c 'wget -qO- --retry-connrefused --post-data "json={\\"listen_port\\":{{PORTS}}}" http://127.0.0.1:8081/api/v2/app/setPreferences 2>&1'`,
    );
    assert.equal(container(planOf(home("minimal")), "gluetun").env.VPN_PORT_FORWARDING_UP_COMMAND, undefined, "off unless asked");
  });

  it("warns when nothing routed takes the forwarded port", () => {
    const result = buildPlan(stackWith("home", { vpn: { ...VPN, mode: "off", portForwarding: true } }, { sabnzbd: { vpn: true } }));
    assert.ok(result.ok);
    assert.ok(result.warnings.some((w) => /portForwarding is on but no routed service takes the forwarded port/.test(w)));
  });
});

describe("vpn: switching one service is a one-line change", () => {
  it("touches only that service, Gluetun's ports and client list, and the route", () => {
    const before = planOf(stackFileEdited("home", (t) => t));
    let edits = 0;
    const after = planOf(
      stackFileEdited("home", (t) => {
        const lines = t.split("\n");
        const i = lines.findIndex((l) => l.trim() === "sabnzbd: {}");
        lines[i] = lines[i].replace("sabnzbd: {}", "sabnzbd: { vpn: true }");
        edits++;
        return lines.join("\n");
      }),
    );
    assert.equal(edits, 1);
    const diff = planDiff(before, after);
    const allowed = [
      /^containers\.sabnzbd\./,
      /^services\.sabnzbd\./,
      /^networks\.vnet-sabnzbd\./,
      /^routes\.sabnzbd\.home\.example\.com\.upstream$/,
      /^containers\.gluetun\.(ports|vpnClients)$/,
      /^networks\.(vnet-ingress|vnet-link-arr)\.members$/,
    ];
    assert.deepEqual(
      diff.filter((path) => !allowed.some((re) => re.test(path))),
      [],
    );
    for (const expected of ["containers.sabnzbd.networkMode", "containers.gluetun.ports", "routes.sabnzbd.home.example.com.upstream"])
      assert.ok(diff.includes(expected), expected);
    // The shared networks only lose sabnzbd from their member lists.
    for (const net of ["vnet-ingress", "vnet-link-arr"]) {
      const [b, a] = [before, after].map((p) => p.networks.find((n) => n.name === net)!.members);
      assert.deepEqual(
        b.filter((m) => !a.includes(m)),
        ["sabnzbd"],
      );
      assert.deepEqual(
        a.filter((m) => !b.includes(m)),
        [],
      );
    }
    assert.ok(!diff.some((p) => p.startsWith("containers.qbittorrent.")), "qBittorrent keeps its (already remapped) port");
  });
});
