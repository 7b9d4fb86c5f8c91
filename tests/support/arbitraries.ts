import fc from "fast-check";
import { CATALOG } from "../../config/catalog";
import { AUTH_LEVELS, CUSTOM_ROLES, EXPOSURES, REMOTE_AUTH, VPN_MODES } from "../../config/schema";
import { SecretValue } from "../../config/secret";

/** fast-check generators for stack configs: plausible enough that many plan, hostile enough that many do not. */

const octet = fc.integer({ min: 0, max: 255 });
/** A syntactically valid CIDR: usually a private, aligned /26–/29, sometimes anything (public, host bits, /30, /8). */
export const cidr = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .tuple(fc.constantFrom("10", "172.20", "192.168"), octet, octet, fc.constantFrom(26, 27, 28, 29))
      .map(([head, a, b, p]) => aligned(head, a, b, p)),
  },
  { weight: 1, arbitrary: fc.tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 })).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`) },
);

function aligned(head: string, a: number, b: number, prefix: number): string {
  const parts = [...head.split(".").map(Number), a, b, 0].slice(0, 4);
  const n = parts.reduce((x, o) => x * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const start = n - (n % size);
  return `${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join(".")}/${prefix}`;
}

/** Well-formed but randomly chosen shared ranges: a handful of sensible layouts plus random ones. */
const sharedNetwork = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      { prefix: "", ingress: "192.168.90.0/24", socket: "192.168.91.0/24", pool: "192.168.16.0/20" },
      { prefix: "lab-", ingress: "10.90.0.0/24", socket: "10.91.0.0/24", pool: "10.96.0.0/22" },
      { prefix: "t-", ingress: "172.20.0.0/24", socket: "172.20.1.0/24", pool: "172.21.0.0/24" },
    ),
  },
  { weight: 1, arbitrary: fc.record({ prefix: fc.constantFrom("", "x-", "lab-"), ingress: cidr, socket: cidr, pool: cidr }) },
);

const customName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const subdomain = fc.constantFrom("home", "media", "tv", "photos", "jellyfin", "sonarr", "app");
const image = fc.constantFrom("traefik/whoami:v1.11.0", "ghcr.io/me/app:2.3.4", "registry.local:5000/team/tool:1.0", "nginx@sha256:" + "a".repeat(64));

/** Per-service `vpn`, now and then: forcing it on a service that cannot be routed is refused. */
const vpnChoice = fc.oneof({ weight: 16, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.boolean().map((vpn) => ({ vpn })) });
/**
 * `remoteAuth` / `public` belong to tunnelled services, and `public: true` only goes with `remoteAuth: authelia`;
 * any other combination is refused, so it is drawn rarely.
 */
const remoteChoice = (tunnelled: boolean) =>
  fc.oneof(
    { weight: tunnelled ? 3 : 40, arbitrary: fc.constant({}) },
    {
      weight: tunnelled ? 3 : 0,
      arbitrary: fc.oneof(
        fc.constantFrom(...REMOTE_AUTH).map((remoteAuth) => ({ remoteAuth })),
        fc.constant({ remoteAuth: "authelia", public: true }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ remoteAuth: fc.constantFrom(...REMOTE_AUTH), public: fc.boolean() }, { requiredKeys: [] }) },
  );

const catalogServiceConfig = fc
  .record(
    {
      enabled: fc.boolean(),
      subnet: cidr,
      subdomain,
      expose: fc.constantFrom(...EXPOSURES),
      auth: fc.constantFrom(...AUTH_LEVELS),
      env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
    },
    { requiredKeys: [] },
  )
  .chain((svc) => fc.tuple(fc.constant(svc), vpnChoice, remoteChoice(svc.expose === "tunnel")))
  .map(([svc, vpn, remote]) => ({ ...svc, ...vpn, ...remote }));

const customServiceConfig = fc
  .record(
    {
      image,
      port: fc.integer({ min: 1, max: 65535 }),
      role: fc.constantFrom(...CUSTOM_ROLES),
      dockerApi: fc.constantFrom("read", "write"),
      subnet: cidr,
      subdomain,
      expose: fc.constantFrom(...EXPOSURES),
    },
    { requiredKeys: ["image"] },
  )
  .map(({ expose, ...svc }) => (svc.port ? { ...svc, expose } : svc)) // exposing a port-less service is the corpus's job
  .chain((svc) => fc.tuple(fc.constant(svc), vpnChoice, remoteChoice("expose" in svc && svc.expose === "tunnel")))
  .map(([svc, vpn, remote]) => ({ ...svc, ...vpn, ...remote }));

const catalogNames = [...CATALOG.keys()];
/**
 * Catalog entries that are the stack's own infrastructure: the proxies, and what the planner adds by itself
 * (Authelia, CrowdSec, the socket proxy, cloudflared) or needs homelab:vpn for (Gluetun). Listing them is
 * legal but rarely right (the other proxy, cloudflared without Cloudflare, Gluetun without a VPN, any of them
 * in a link), so they are drawn rarely: otherwise they alone would refuse most configs.
 */
const INFRASTRUCTURE = ["traefik", "swag", "authelia", "crowdsec", "cetusguard", "cloudflared", "gluetun"];
const APPS = catalogNames.filter((n) => !INFRASTRUCTURE.includes(n));

const SECRET = new SecretValue("s3cret");
const HEX32 = "0123456789abcdef0123456789abcdef";

/** homelab:vpn with credentials for its type; now and then the credentials are missing (refused). */
const vpnSettings = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  {
    weight: 5,
    arbitrary: fc
      .record({
        mode: fc.constantFrom(...VPN_MODES),
        provider: fc.constantFrom("mullvad", "protonvpn", "private internet access"),
        type: fc.constantFrom("wireguard", "openvpn"),
        credentials: fc.oneof({ weight: 12, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      })
      .map(({ credentials, ...vpn }) => ({
        vpn,
        ...(credentials
          ? {
              vpnCredentials:
                vpn.type === "wireguard" ? { wireguardPrivateKey: SECRET, wireguardAddresses: "10.64.0.2/32" } : { openvpnUser: "me", openvpnPassword: SECRET },
            }
          : {}),
      })),
  },
);

/** homelab:cloudflare: off, or on with the ids and (usually) someone Access lets in. */
const cloudflareSettings = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant({ enabled: false }) },
  {
    weight: 16,
    arbitrary: fc
      .oneof(
        { weight: 8, arbitrary: fc.constantFrom({ emails: ["owner@example.com"] }, { emailDomains: ["family.example.com"] }) },
        { weight: 1, arbitrary: fc.constant({ emails: [] }) },
      )
      .map((allow) => ({ enabled: true, accountId: HEX32, zoneId: HEX32, allow })),
  },
);

/** The host stack's own keys: socket proxy write access (Portainer needs it), CrowdSec, Authelia users, ACME. */
const hostSettings = fc.record(
  {
    socketProxy: fc.oneof({ weight: 7, arbitrary: fc.constant({ allowWrite: true }) }, { weight: 1, arbitrary: fc.constant({ allowWrite: false }) }),
    crowdsec: fc.constantFrom({ enabled: true }, { enabled: false }, { enabled: true, collections: ["crowdsecurity/http-cve"] }),
    autheliaUsers: fc.constantFrom(
      { admin: { displayname: "Admin", email: "admin@example.com", groups: ["admins"] } },
      { tester: { displayname: "Tester", email: "t@example.com", password: SECRET } },
    ),
    acme: fc.constant({ email: "owner@example.com", cloudflareApiToken: SECRET }),
  },
  { requiredKeys: [] },
);

/** A structured stack config with random services, links, pins and lock entries. */
export const stackConfigArb = fc
  .record({
    domain: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom("home.example.com", "lab.example.org", "xn--hme-jua.example.net") },
      { weight: 1, arbitrary: fc.string() },
    ),
    network: sharedNetwork,
    lan: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(undefined, "192.168.1.0/24", "192.168.178.0/24") },
      { weight: 1, arbitrary: fc.constantFrom("192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12") },
    ),
    proxy: fc.constantFrom("traefik", "swag"),
    catalog: fc.dictionary(
      fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...APPS) }, { weight: 1, arbitrary: fc.constantFrom(...INFRASTRUCTURE) }),
      fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: catalogServiceConfig }),
      { maxKeys: 12 },
    ),
    custom: fc.dictionary(customName, customServiceConfig, { maxKeys: 4 }),
    linkPicks: fc.array(
      fc.tuple(fc.constantFrom("arr", "media", "dl"), fc.array(fc.nat(), { minLength: 2, maxLength: 4 }), fc.option(cidr, { nil: undefined })),
      { maxLength: 2 },
    ),
    lockPicks: fc.array(fc.tuple(fc.nat(), cidr), { maxLength: 4 }),
    vpn: vpnSettings,
    cloudflare: cloudflareSettings,
    host: hostSettings,
    bypassPicks: fc.oneof({ weight: 5, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) }),
  })
  .map(({ domain, network, lan, proxy, catalog, custom, linkPicks, lockPicks, vpn, cloudflare, host, bypassPicks }) => {
    const services: Record<string, unknown> = { ...catalog, ...custom };
    const names = Object.keys(services);
    const links: Record<string, unknown> = {};
    for (const [link, picks, subnet] of linkPicks) {
      if (names.length < 2) break;
      links[link] = { services: picks.map((i) => names[i % names.length]), ...(subnet ? { subnet } : {}) };
    }
    const allocations: Record<string, string> = {};
    for (const [i, subnet] of lockPicks) if (names.length) allocations[`vnet-${names[i % names.length]}`] = subnet;
    // API bypasses name listed services (refused when one is not routed, or nothing uses Authelia).
    const apiBypass = names.length ? [...new Set(bypassPicks.map((i) => names[i % names.length]))] : [];
    const { socketProxy, crowdsec, autheliaUsers, acme } = host;
    const authelia = { ...(autheliaUsers ? { users: autheliaUsers } : {}), ...(apiBypass.length ? { apiBypass } : {}) };
    return {
      domain,
      network,
      ...(lan ? { lan } : {}),
      proxy,
      services,
      links,
      allocations,
      ...(Object.keys(authelia).length ? { authelia } : {}),
      ...(socketProxy ? { socketProxy } : {}),
      ...(crowdsec ? { crowdsec } : {}),
      ...(acme ? { acme } : {}),
      ...vpn,
      ...(cloudflare ? { cloudflare } : {}),
    } as Record<string, unknown>;
  });

/** Anything at all, including prototypes, boxed values, maps, sparse arrays and secret markers. */
export const junk = fc.anything({
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withUnicodeString: true,
  maxDepth: 4,
});
export const junkOrSecret = fc.oneof(
  junk,
  fc.option(fc.string(), { nil: undefined }).map((v) => new SecretValue(v)),
);

/** A valid config with one value somewhere replaced by junk: top-level key, whole service, or one service field. */
export function corrupted(base: Record<string, unknown>) {
  const keys = [...Object.keys(base), "services", "network", "paths", "links", "allocations", "typo"];
  return fc.oneof(
    fc.tuple(fc.constantFrom(...keys), junkOrSecret).map(([k, v]) => ({ ...base, [k]: v })),
    fc.tuple(fc.constantFrom(...catalogNames, "custom"), junkOrSecret).map(([name, v]) => ({ ...base, services: { ...(base.services as object), [name]: v } })),
    fc
      .tuple(fc.constantFrom("image", "port", "subnet", "subdomain", "env", "role", "dockerApi", "expose", "auth", "enabled", "nope"), junkOrSecret)
      .map(([field, v]) => ({ ...base, services: { ...(base.services as object), sonarr: { [field]: v } } })),
    fc
      .tuple(fc.constantFrom("prefix", "ingress", "socket", "pool", "extra"), junkOrSecret)
      .map(([field, v]) => ({ ...base, network: { ...(base.network as object), [field]: v } })),
  );
}
