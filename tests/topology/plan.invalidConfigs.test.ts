import * as assert from "node:assert/strict";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import { errorsOf, minimalConfig } from "../support/configs";
import { rejectedRuns } from "../support/program";

const user = { displayname: "A", email: "a@example.com" };
const TWO_HOSTS = { nas: { docker: "ssh://me@nas", manager: true }, gpu: { docker: "ssh://me@gpu" } };
const CLOUDFLARE = {
  enabled: true,
  accountId: "0123456789abcdef0123456789abcdef",
  zoneId: "fedcba9876543210fedcba9876543210",
  allow: { emails: ["owner@example.com"] },
};

const SECRET = new SecretValue("t");
/** ACME over DuckDNS on a DuckDNS name. */
const duck = (proxy: "swag" | "traefik", acme: Record<string, unknown>, domain = "myhome.duckdns.org") =>
  minimalConfig({ domain, proxy, acme: { email: "me@example.com", provider: "duckdns", duckdnsToken: SECRET, ...acme } });
/** ddns-updater next to a tunnelled service. */
const withDdns = (ddns: Record<string, unknown>) =>
  minimalConfig({ services: { "ddns-updater": {}, jellyseerr: { expose: "tunnel" } }, cloudflare: CLOUDFLARE, ddns: { apiToken: SECRET, ...ddns } });

/**
 * Invalid configs, each with the one message it must produce (key path + what is wrong).
 * The same table is run through the real program: it refuses each with that message and registers nothing.
 */
export const INVALID_CONFIGS: { name: string; config: Record<string, unknown>; expect: RegExp }[] = [
  { name: "domain missing", config: { ...minimalConfig(), domain: undefined }, expect: /^homelab:domain: is required/ },
  {
    name: "domain not a DNS name",
    config: minimalConfig({ domain: "home example" }),
    expect: /^homelab:domain: must be a lower-case DNS domain .*"home example"/,
  },
  {
    name: "bad CIDR syntax",
    config: minimalConfig({ services: { jellyfin: { subnet: "192.168.300.0/29" } } }),
    expect: /^homelab:services\.jellyfin\.subnet: is not an IPv4 CIDR .*"192\.168\.300\.0\/29"/,
  },
  {
    name: "host bits set",
    config: minimalConfig({ services: { jellyfin: { subnet: "192.168.20.33/29" } } }),
    expect: /^homelab:services\.jellyfin\.subnet: 192\.168\.20\.33\/29 is not a network address .*192\.168\.20\.32\/29/,
  },
  {
    name: "public subnet",
    config: minimalConfig({ services: { jellyfin: { subnet: "8.8.8.0/29" } } }),
    expect: /^homelab:services\.jellyfin\.subnet: 8\.8\.8\.0\/29 is not in a private range/,
  },
  {
    name: "/30 requested",
    config: minimalConfig({ services: { jellyfin: { subnet: "192.168.20.0/30" } } }),
    expect: /^homelab:services\.jellyfin\.subnet: \/30 is too small for a service network: use \/29/,
  },
  {
    name: "pinned subnet too small for its containers",
    config: minimalConfig({
      services: { jellyfin: {}, sonarr: {}, radarr: {}, lidarr: {}, bazarr: {}, mylar: {} },
      links: { arr: { services: ["jellyfin", "sonarr", "radarr", "lidarr", "bazarr", "mylar"], subnet: "192.168.20.0/29" } },
    }),
    expect: /^homelab:links\.arr\.subnet: 192\.168\.20\.0\/29 holds 5 containers besides the gateway, but vnet-link-arr has 6/,
  },
  {
    name: "overlap with the LAN",
    config: minimalConfig({ services: { jellyfin: { subnet: "192.168.1.8/29" } } }),
    expect: /^homelab:services\.jellyfin\.subnet: 192\.168\.1\.8\/29 overlaps the LAN \(homelab:lan\)/,
  },
  {
    name: "overlap with vnet-ingress",
    config: minimalConfig({ services: { jellyfin: { subnet: "192.168.90.16/29" } } }),
    expect: /^homelab:services\.jellyfin\.subnet: 192\.168\.90\.16\/29 overlaps vnet-ingress/,
  },
  {
    name: "overlap with another service",
    config: minimalConfig({ services: { jellyfin: { subnet: "192.168.20.0/28" }, sonarr: { subnet: "192.168.20.8/29" } } }),
    expect: /^homelab:services\.sonarr\.subnet: 192\.168\.20\.8\/29 overlaps vnet-jellyfin \(pinned\)/,
  },
  {
    name: "overlap with Docker's default bridge",
    config: minimalConfig({ services: { jellyfin: { subnet: "172.17.5.0/29" } } }),
    expect: /overlaps Docker's default bridge \(172\.17\.0\.0\/16\)/,
  },
  {
    name: "ingress overlaps the LAN",
    config: minimalConfig({ network: { ingress: "192.168.1.0/24" } }),
    expect: /^homelab:network\.ingress: vnet-ingress 192\.168\.1\.0\/24 overlaps the LAN/,
  },
  {
    name: "ingress is not a /24",
    config: minimalConfig({ network: { ingress: "192.168.90.0/25" } }),
    expect: /^homelab:network\.ingress: vnet-ingress must be a \/24 \(got \/25\)/,
  },
  {
    name: "ingress and socket are the same",
    config: minimalConfig({ network: { ingress: "192.168.90.0/24", socket: "192.168.90.0/24" } }),
    expect: /vnet-ingress 192\.168\.90\.0\/24 overlaps vnet-socket 192\.168\.90\.0\/24/,
  },
  {
    name: "pool exhausted",
    config: minimalConfig({ network: { pool: "192.168.16.0/28" }, services: { jellyfin: {}, sonarr: {}, radarr: {} } }),
    expect: /^homelab:network\.pool: pool 192\.168\.16\.0\/28 is exhausted: \d more service network\(s\) .* need \d+ addresses, 0 are free/,
  },
  {
    name: "unknown catalog service without image",
    config: minimalConfig({ services: { myapp: { port: 3000 } } }),
    expect: /^homelab:services\.myapp: unknown service 'myapp' is not in the catalog: give it an image/,
  },
  {
    name: "Heimdall, retired from the catalog",
    config: minimalConfig({ services: { heimdall: {} } }),
    expect: /^homelab:services\.heimdall: 'heimdall' is no longer in the catalog\. Heimdall keeps its app list in its own database.*Use homepage instead/,
  },
  {
    name: "image with the latest tag",
    config: minimalConfig({ services: { myapp: { image: "ghcr.io/me/app:latest", port: 3000 } } }),
    expect: /^homelab:services\.myapp\.image: must not use the 'latest' tag/,
  },
  {
    name: "image without a tag",
    config: minimalConfig({ services: { myapp: { image: "ghcr.io/me/app", port: 3000 } } }),
    expect: /^homelab:services\.myapp\.image: must be pinned to a version tag or digest/,
  },
  {
    name: "duplicate container names after prefixing",
    config: minimalConfig({ services: { immich: {}, "immich-db": { image: "postgres:16.4" } } }),
    expect: /^homelab:services: two containers would both be named 'immich-db'/,
  },
  { name: "wrong type for puid", config: minimalConfig({ puid: "root" }), expect: /^homelab:puid: expected number \(got "root"\)/ },
  {
    name: "port out of range",
    config: minimalConfig({ services: { myapp: { image: "me/app:1.0", port: 70000 } } }),
    expect: /^homelab:services\.myapp\.port: .*65535 \(got 70000\)/,
  },
  {
    name: "unknown key (typo)",
    config: minimalConfig({ services: { jellyfin: { subnett: "192.168.20.0/29" } } }),
    expect: /^homelab:services\.jellyfin: unknown key "subnett"/,
  },
  { name: "unknown top-level key", config: minimalConfig({ domian: "x.example.com" }), expect: /^homelab:: unknown key "domian"/ },
  {
    name: "service name with upper case",
    config: minimalConfig({ services: { JellyFin: {} } }),
    expect: /^homelab:services\.JellyFin: key "JellyFin" is not allowed: must be a lower-case DNS label/,
  },
  {
    name: "relative data path",
    config: minimalConfig({ paths: { config: "/srv/c", data: "data" } }),
    expect: /^homelab:paths\.data: must be an absolute path/,
  },
  {
    name: "path traversal",
    config: minimalConfig({ paths: { config: "/srv/../etc", data: "/srv/data" } }),
    expect: /^homelab:paths\.config: must not contain '\.\.'/,
  },
  {
    name: "duplicate hosts",
    config: minimalConfig({ services: { jellyfin: {}, plex: { subdomain: "jellyfin" } } }),
    expect: /^homelab:services\.plex\.subdomain: host jellyfin\.home\.example\.com is already routed to 'jellyfin'/,
  },
  {
    name: "route to a service with no web port",
    config: minimalConfig({ services: { unpackerr: { expose: "lan" } } }),
    expect: /^homelab:services\.unpackerr\.expose: 'unpackerr' is exposed \(lan\) but has no web port/,
  },
  {
    name: "the other proxy listed as a service",
    config: minimalConfig({ proxy: "traefik", services: { swag: {} } }),
    expect: /^homelab:services\.swag: swag is a reverse proxy but homelab:proxy is traefik/,
  },
  {
    name: "link to an unknown service",
    config: minimalConfig({ links: { media: { services: ["jellyfin", "sonarr"] } } }),
    expect: /^homelab:links\.media\.services: unknown or disabled service\(s\): sonarr/,
  },
  { name: "LAN is not a CIDR", config: minimalConfig({ lan: "192.168.1.1" }), expect: /^homelab:lan: is not an IPv4 CIDR .*"192\.168\.1\.1"/ },
  {
    name: "enabled is not a boolean",
    config: minimalConfig({ services: { jellyfin: { enabled: "yes" } } }),
    expect: /^homelab:services\.jellyfin\.enabled: expected boolean \(got "yes"\)/,
  },
  {
    name: "unknown proxy",
    config: minimalConfig({ proxy: "nginx" }),
    expect: /^homelab:proxy: .*"traefik"\|"swag".*\(got "nginx"\)|^homelab:proxy: .*traefik.*swag/,
  },
  // The host stack (proxy, Authelia, socket proxy, CrowdSec).
  {
    name: "unknown auth level",
    config: minimalConfig({ services: { sonarr: { auth: "three_factor" } } }),
    expect: /^homelab:services\.sonarr\.auth: .*one_factor.*\(got "three_factor"\)/,
  },
  {
    name: "Portainer without write access acknowledged",
    config: minimalConfig({ services: { portainer: {} } }),
    expect: /^homelab:socketProxy\.allowWrite: portainer manages containers and needs write access/,
  },
  {
    name: "custom service writing the Docker API without acknowledgement",
    config: minimalConfig({ services: { ops: { image: "me/ops:1.0", port: 80, role: "monitoring", dockerApi: "write" } } }),
    expect: /^homelab:socketProxy\.allowWrite: ops manages/,
  },
  {
    name: "route to a custom service with no web port",
    config: minimalConfig({ services: { job: { image: "me/job:1.0", expose: "tunnel" } } }),
    expect: /^homelab:services\.job\.expose: 'job' has no web port/,
  },
  {
    name: "Authelia user password in plain text",
    config: minimalConfig({ authelia: { users: { a: { ...user, password: "hunter2" } } } }),
    expect: /^homelab:authelia\.users\.a\.password: must be a secret/,
  },
  {
    name: "SMTP password in plain text",
    config: minimalConfig({ authelia: { smtp: { host: "smtp.example.com", username: "u", sender: "a@example.com", password: "pw" } } }),
    expect: /^homelab:authelia\.smtp\.password: must be a secret/,
  },
  {
    name: "ACME token in plain text",
    config: minimalConfig({ acme: { email: "ops@example.com", cloudflareApiToken: "tok" } }),
    expect: /^homelab:acme\.cloudflareApiToken: must be a secret/,
  },
  {
    name: "Authelia user e-mail invalid",
    config: minimalConfig({ authelia: { users: { a: { ...user, email: "nope" } } } }),
    expect: /^homelab:authelia\.users\.a\.email: must be an e-mail address/,
  },
  { name: "unknown Authelia storage", config: minimalConfig({ authelia: { storage: "mysql" } }), expect: /^homelab:authelia\.storage: .*sqlite.*postgres/ },
  { name: "typo in an Authelia key", config: minimalConfig({ authelia: { user: {} } }), expect: /^homelab:authelia: unknown key "user"/ },
  {
    name: "API bypass of a service that is not routed",
    config: minimalConfig({ services: { jellyfin: {}, sonarr: {} }, authelia: { apiBypass: ["radarr"] } }),
    expect: /^homelab:authelia\.apiBypass\.0: 'radarr' is not a routed service/,
  },
  {
    name: "API bypass of a denied service",
    config: minimalConfig({ services: { sonarr: { auth: "deny" } }, authelia: { apiBypass: ["sonarr"] } }),
    expect: /^homelab:authelia\.apiBypass\.0: 'sonarr' has auth: deny/,
  },
  {
    name: "CrowdSec collection not hub-shaped",
    config: minimalConfig({ crowdsec: { collections: ["http-cve"] } }),
    expect: /^homelab:crowdsec\.collections\.0: must be a hub collection/,
  },
  // Remote access (Cloudflare Tunnel and Access).
  {
    name: "tunnel host outside the Cloudflare zone",
    config: minimalConfig({ services: { jellyseerr: { expose: "tunnel" } }, cloudflare: { ...CLOUDFLARE, zone: "example.org" } }),
    expect: /^homelab:services\.jellyseerr\.subdomain: host .* is not inside the Cloudflare zone/,
  },
  {
    name: "tunnel while Cloudflare is off",
    config: minimalConfig({ services: { jellyseerr: { expose: "tunnel" } } }),
    expect: /^homelab:services\.jellyseerr\.expose: is tunnel but Cloudflare remote access is off/,
  },
  {
    name: "Cloudflare without accountId",
    config: minimalConfig({ services: { jellyseerr: { expose: "tunnel" } }, cloudflare: { ...CLOUDFLARE, accountId: undefined } }),
    expect: /^homelab:cloudflare\.accountId: is required/,
  },
  {
    name: "tunnel bypass without Cloudflare Access",
    config: minimalConfig({ services: { jellyseerr: { expose: "tunnel", auth: "bypass", remoteAuth: "authelia" } }, cloudflare: CLOUDFLARE }),
    expect: /^homelab:services\.jellyseerr\.auth: .* no login at all/,
  },
  // Several Docker hosts (topology/hosts.ts).
  {
    name: "a service host without homelab:hosts",
    config: minimalConfig({ services: { jellyfin: { host: "gpu" } } }),
    expect: /^homelab:services\.jellyfin\.host: host 'gpu' names a Docker host, but homelab:hosts lists none/,
  },
  {
    name: "an unknown host",
    config: minimalConfig({ hosts: TWO_HOSTS, services: { jellyfin: { host: "nuc" } } }),
    expect: /^homelab:services\.jellyfin\.host: unknown host 'nuc' \(homelab:hosts has: nas, gpu\)/,
  },
  {
    name: "two hosts on one engine",
    config: minimalConfig({ hosts: { a: { docker: "ssh://x" }, b: { docker: "ssh://x" } } }),
    expect: /^homelab:hosts\.b\.docker: ssh:\/\/x is already host 'a'/,
  },
  {
    name: "a host URL Docker does not speak",
    config: minimalConfig({ hosts: { a: { docker: "http://nas" } } }),
    expect: /^homelab:hosts\.a\.docker: must be a Docker host URL/,
  },
  {
    name: "Authelia away from Traefik's host",
    config: minimalConfig({ hosts: TWO_HOSTS, services: { jellyfin: {}, authelia: { host: "gpu" } } }),
    expect: /^homelab:services\.authelia\.host: authelia must run on the proxy's host 'nas'/,
  },
  // ACME over DuckDNS (topology/acmeDns.ts).
  {
    name: "DuckDNS with a domain that is not a DuckDNS name",
    config: duck("traefik", {}, "home.example.com"),
    expect: /^homelab:domain: must be <name>\.duckdns\.org with homelab:acme\.provider duckdns \(.*got home\.example\.com\)/,
  },
  {
    name: "DuckDNS with a name two levels below duckdns.org",
    config: duck("swag", {}, "a.myhome.duckdns.org"),
    expect: /^homelab:domain: must be <name>\.duckdns\.org/,
  },
  {
    name: "DuckDNS without its token",
    config: duck("swag", { duckdnsToken: undefined }),
    expect: /^homelab:acme\.duckdnsToken: is required with homelab:acme\.provider duckdns \(a secret\)/,
  },
  {
    name: "a Cloudflare token next to DuckDNS",
    config: duck("swag", { cloudflareApiToken: SECRET }),
    expect: /^homelab:acme\.cloudflareApiToken: is for provider cloudflare, but homelab:acme\.provider is duckdns: remove it/,
  },
  {
    name: "extra certificate names with DuckDNS",
    config: duck("swag", { extraDomains: ["example.net"] }),
    expect: /^homelab:acme\.extraDomains: DuckDNS certificates cover the DuckDNS name and its subdomains only/,
  },
  { name: "a DuckDNS token in plain text", config: duck("swag", { duckdnsToken: "plain" }), expect: /^homelab:acme\.duckdnsToken: must be a secret/ },
  { name: "an unknown ACME provider", config: duck("swag", { provider: "route53" }), expect: /^homelab:acme\.provider: / },
  {
    name: "ACME at Cloudflare without its token",
    config: minimalConfig({ acme: { email: "me@example.com" } }),
    expect: /^homelab:acme\.cloudflareApiToken: is required with homelab:acme\.provider cloudflare \(a secret\)/,
  },
  // ddns-updater's records (topology/ddns.ts).
  {
    name: "a DDNS record the tunnel manages",
    config: withDdns({ records: ["jellyseerr.home.example.com"] }),
    expect: /^homelab:ddns\.records\.0: jellyseerr\.home\.example\.com is a tunnel record homelab manages .*would replace it with an A record/,
  },
  {
    name: "a DDNS record outside the zone",
    config: withDdns({ records: ["vpn.example.net"] }),
    expect: /^homelab:ddns\.records\.0: host vpn\.example\.net is not inside the Cloudflare zone home\.example\.com/,
  },
  {
    name: "a DDNS record listed twice",
    config: withDdns({ records: ["a.home.example.com", "a.home.example.com"] }),
    expect: /^homelab:ddns\.records\.1: a\.home\.example\.com is listed twice/,
  },
  {
    name: "DDNS records without a zone id",
    config: minimalConfig({ services: { "ddns-updater": {} }, ddns: { apiToken: SECRET, records: ["vpn.home.example.com"] } }),
    expect: /^homelab:ddns\.zoneId: is required \(or homelab:cloudflare\.zoneId\)/,
  },
  {
    name: "DDNS records without ddns-updater",
    config: minimalConfig({ ddns: { apiToken: SECRET, zoneId: CLOUDFLARE.zoneId, records: ["vpn.home.example.com"] } }),
    expect: /^homelab:ddns: ddns-updater is not in homelab:services/,
  },
  {
    name: "a DDNS record that is no host name",
    config: withDdns({ records: ["VPN.home"] }),
    expect: /^homelab:ddns\.records\.0: must be a lower-case host name/,
  },
  { name: "no DDNS records", config: withDdns({ records: [] }), expect: /^homelab:ddns\.records: must name at least one record/ },
  {
    name: "a DDNS token in plain text",
    config: withDdns({ records: ["vpn.home.example.com"], apiToken: "plain" }),
    expect: /^homelab:ddns\.apiToken: must be a secret/,
  },
  // Plex's advertised URLs (topology/wiring.ts planPlex).
  {
    name: "a Plex advertise value that is no URL",
    config: minimalConfig({ services: { plex: {} }, plex: { advertise: ["192.168.1.10"] } }),
    expect: /^homelab:plex\.advertise\.0: must be a URL like https:\/\/plex\.example\.com:443/,
  },
  {
    name: "an empty Plex advertise list",
    config: minimalConfig({ services: { plex: {} }, plex: { advertise: [] } }),
    expect: /^homelab:plex\.advertise: must name at least one URL/,
  },
  {
    name: "Plex advertise URLs without Plex",
    config: minimalConfig({ plex: { advertise: ["http://192.168.1.10:32400"] } }),
    expect: /^homelab:plex\.advertise: plex is not in homelab:services, so there is no server to set it on/,
  },
];

describe("invalid configs", () => {
  for (const c of INVALID_CONFIGS) {
    it(`refuses: ${c.name}`, () => {
      const errors = errorsOf(buildPlan(c.config));
      assert.ok(errors.length > 0, "expected the config to be refused");
      assert.ok(
        errors.some((e) => c.expect.test(e)),
        `no error matches ${c.expect}:\n${errors.join("\n")}`,
      );
    });
  }

  it(`the real program registers no resource for any of the ${INVALID_CONFIGS.length} configs`, async function () {
    this.timeout(60_000);
    const runs = await rejectedRuns(
      null,
      INVALID_CONFIGS.map((c) => c.config),
    );
    assert.equal(runs.length, INVALID_CONFIGS.length);
    runs.forEach((run, i) => {
      assert.ok(run.error, `${INVALID_CONFIGS[i].name}: the program accepted the config`);
      const lines = run.error.split("\n").map((line) => line.trim());
      assert.ok(
        lines.some((line) => INVALID_CONFIGS[i].expect.test(line)),
        `${INVALID_CONFIGS[i].name}: the program's message does not match ${INVALID_CONFIGS[i].expect}:\n${run.error}`,
      );
      assert.equal(run.registered, 0, `${INVALID_CONFIGS[i].name}: registered ${run.registered} resources`);
    });
  });
});
