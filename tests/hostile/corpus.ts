import { rawConfigFromEntries } from "../../config/load";
import { stackConfig } from "../support/configs";

/**
 * Hostile stack configs: invalid or malicious input in every config area, each with the exact errors the
 * planner must answer with (key path + a piece of the message) and nothing else. Cases are overrides of the
 * lab stack (whole top-level `homelab:` keys, null deletes one, `{ "$secret": v }` marks a secret), the
 * same form `recordProgram`/`rejectedRuns` take, so every case can also be run through the real program.
 */
export interface HostileCase {
  name: string;
  area: "cidr" | "names" | "paths" | "images" | "env" | "hosts" | "keys" | "types" | "scale" | "domain" | "secrets" | "lock" | "links" | "policy";
  overrides: Record<string, unknown> | (() => Record<string, unknown>);
  expect: { path: string; message: string }[];
}

const LAB = stackConfig("lab");
const LAB_SERVICES = LAB.services as Record<string, unknown>;
const WHOAMI = { image: "traefik/whoami:v1.11.0", port: 80 };
const PRIVATE = "is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)";
const NOT_A_LABEL = "is not allowed: must be a lower-case DNS label";
const NOT_A_DOMAIN = "must be a lower-case DNS domain like home.example.com";
const SYSTEM_FOLDER = "must not be the host root, a system folder";
const MUST_BE_SECRET = "must be a secret: set it with `pulumi config set --secret";
/** Seed 001's minimal VPN: only the downloaders (the lab's qbittorrent) go through Gluetun. */
const VPN_MINIMAL = { mode: "minimal", provider: "mullvad", type: "wireguard" };

/** The lab services plus `extra` (a custom service with a pinned subnet, say). */
const services = (extra: Record<string, unknown>) => ({ services: { ...LAB_SERVICES, ...extra } });
const pin = (subnet: string) => services({ whoami: { ...WHOAMI, subnet } });
const network = (over: Record<string, unknown>) => ({ network: { ...(LAB.network as object), ...over } });

export const CORPUS: HostileCase[] = [
  // CIDRs
  {
    name: "subnet with a /33 prefix",
    area: "cidr",
    overrides: pin("10.96.4.0/33"),
    expect: [{ path: "homelab:services.whoami.subnet", message: 'is not an IPv4 CIDR like 192.168.16.0/20 (got "10.96.4.0/33")' }],
  },
  {
    name: "subnet in octal notation (010. is 8.)",
    area: "cidr",
    overrides: pin("010.96.4.0/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: 'is not an IPv4 CIDR like 192.168.16.0/20 (got "010.96.4.0/29")' }],
  },
  {
    name: "subnet in short notation (10/8)",
    area: "cidr",
    overrides: { lan: "192.168/16" },
    expect: [{ path: "homelab:lan", message: 'is not an IPv4 CIDR like 192.168.16.0/20 (got "192.168/16")' }],
  },
  {
    name: "subnet with host bits set",
    area: "cidr",
    overrides: pin("10.96.4.5/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: "10.96.4.5/29 is not a network address (host bits set); did you mean 10.96.4.0/29?" }],
  },
  { name: "public subnet", area: "cidr", overrides: pin("8.8.8.0/29"), expect: [{ path: "homelab:services.whoami.subnet", message: `8.8.8.0/29 ${PRIVATE}` }] },
  {
    name: "carrier-grade NAT range is not private",
    area: "cidr",
    overrides: pin("100.64.0.0/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: `100.64.0.0/29 ${PRIVATE}` }],
  },
  {
    name: "/30 service network",
    area: "cidr",
    overrides: pin("10.96.4.0/30"),
    expect: [{ path: "homelab:services.whoami.subnet", message: "/30 is too small for a service network: use /29 or larger" }],
  },
  {
    name: "subnet overlapping the LAN",
    area: "cidr",
    overrides: pin("192.168.1.16/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: "192.168.1.16/29 overlaps the LAN (homelab:lan) (192.168.1.0/24)" }],
  },
  {
    name: "subnet overlapping vnet-ingress",
    area: "cidr",
    overrides: pin("10.90.0.8/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: "10.90.0.8/29 overlaps vnet-ingress (10.90.0.0/24)" }],
  },
  {
    name: "subnet overlapping vnet-socket",
    area: "cidr",
    overrides: pin("10.91.0.248/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: "10.91.0.248/29 overlaps vnet-socket (10.91.0.0/24)" }],
  },
  {
    name: "subnet overlapping Docker's default bridge",
    area: "cidr",
    overrides: pin("172.17.0.0/29"),
    expect: [{ path: "homelab:services.whoami.subnet", message: "172.17.0.0/29 overlaps Docker's default bridge (172.17.0.0/16)" }],
  },
  {
    name: "subnet overlapping another service's",
    area: "cidr",
    overrides: services({ whoami: { ...WHOAMI, subnet: "10.99.0.8/29" }, sonarr: { subnet: "10.99.0.0/28" } }),
    expect: [{ path: "homelab:services.whoami.subnet", message: "10.99.0.8/29 overlaps vnet-sonarr (pinned) (10.99.0.0/28)" }],
  },
  {
    name: "pool too small for the services (lock removed)",
    area: "cidr",
    overrides: { ...network({ pool: "10.96.0.0/28" }), allocations: null },
    expect: [
      {
        path: "homelab:network.pool",
        message:
          "pool 10.96.0.0/28 is exhausted: 6 more service network(s) (vnet-dozzle, vnet-jellyfin, vnet-qbittorrent, vnet-sonarr, vnet-swag, vnet-whoami) need 48 addresses, 0 are free",
      },
    ],
  },
  {
    name: "public pool",
    area: "cidr",
    overrides: network({ pool: "1.0.0.0/16" }),
    expect: [{ path: "homelab:network.pool", message: `the pool 1.0.0.0/16 ${PRIVATE}` }],
  },
  {
    name: "vnet-ingress on a public /24",
    area: "cidr",
    overrides: network({ ingress: "1.1.1.0/24" }),
    expect: [{ path: "homelab:network.ingress", message: `vnet-ingress 1.1.1.0/24 ${PRIVATE}` }],
  },
  {
    name: "vnet-socket the same as vnet-ingress",
    area: "cidr",
    overrides: network({ socket: "10.90.0.0/24" }),
    expect: [{ path: "homelab:network.ingress", message: "vnet-ingress 10.90.0.0/24 overlaps vnet-socket 10.90.0.0/24" }],
  },
  {
    name: "LAN written as the router's address",
    area: "cidr",
    overrides: { lan: "192.168.1.1/24" },
    expect: [{ path: "homelab:lan", message: "192.168.1.1/24 is not a network address (host bits set); did you mean 192.168.1.0/24?" }],
  },
  {
    name: "vnet-ingress inside Docker's default bridge",
    area: "cidr",
    overrides: network({ ingress: "172.17.1.0/24" }),
    expect: [{ path: "homelab:network.ingress", message: "vnet-ingress 172.17.1.0/24 overlaps Docker's default bridge 172.17.0.0/16" }],
  },

  // Names: shell, YAML and label injection, case, length, unicode
  {
    name: "service name with a shell command",
    area: "names",
    overrides: services({ "a;rm -rf /": WHOAMI }),
    expect: [{ path: 'homelab:services["a;rm -rf /"]', message: `key "a;rm -rf /" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name with command substitution",
    area: "names",
    overrides: services({ "$(reboot)": WHOAMI }),
    expect: [{ path: 'homelab:services["$(reboot)"]', message: `key "$(reboot)" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name with a newline (label injection)",
    area: "names",
    overrides: services({ "web\ntraefik.enable": WHOAMI }),
    expect: [{ path: 'homelab:services["web\\ntraefik.enable"]', message: `key "web\\ntraefik.enable" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name with YAML syntax",
    area: "names",
    overrides: services({ "key: value": WHOAMI }),
    expect: [{ path: 'homelab:services["key: value"]', message: `key "key: value" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name in upper case",
    area: "names",
    overrides: services({ Whoami: WHOAMI }),
    expect: [{ path: "homelab:services.Whoami", message: `key "Whoami" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name of 33 characters",
    area: "names",
    overrides: services({ ["a".repeat(33)]: WHOAMI }),
    expect: [{ path: `homelab:services.${"a".repeat(33)}`, message: `key "${"a".repeat(33)}" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name with a non-ASCII letter",
    area: "names",
    overrides: services({ sonärr: WHOAMI }),
    expect: [{ path: 'homelab:services["sonärr"]', message: `key "sonärr" ${NOT_A_LABEL}` }],
  },
  {
    name: "service name that is an emoji",
    area: "names",
    overrides: services({ "🚀": WHOAMI }),
    expect: [{ path: 'homelab:services["🚀"]', message: `key "🚀" ${NOT_A_LABEL}` }],
  },
  {
    name: "link name with a shell command",
    area: "names",
    overrides: { links: { "arr && curl evil.sh": { services: ["sonarr", "qbittorrent"] } } },
    expect: [{ path: 'homelab:links["arr && curl evil.sh"]', message: `key "arr && curl evil.sh" ${NOT_A_LABEL}` }],
  },
  {
    name: "subdomain with a dot (another host)",
    area: "names",
    overrides: services({ sonarr: { subdomain: "evil.example" } }),
    expect: [
      {
        path: "homelab:services.sonarr.subdomain",
        message: "must be a lower-case DNS label (a-z, 0-9, '-', 1–32 chars, starting with a letter) (got \"evil.example\")",
      },
    ],
  },
  {
    name: "wildcard subdomain",
    area: "names",
    overrides: services({ sonarr: { subdomain: "*" } }),
    expect: [{ path: "homelab:services.sonarr.subdomain", message: '(got "*")' }],
  },
  {
    name: "name prefix with a shell metacharacter",
    area: "names",
    overrides: network({ prefix: "lab;" }),
    expect: [{ path: "homelab:network.prefix", message: `must be empty or a short lower-case prefix like 'lab-' (got "lab;")` }],
  },
  {
    name: "service named like the shared ingress network",
    area: "names",
    overrides: services({ ingress: WHOAMI }),
    expect: [{ path: "homelab:services", message: "two networks would both be named 'lab-vnet-ingress'" }],
  },
  {
    name: "service named like the shared socket network",
    area: "names",
    overrides: services({ socket: WHOAMI }),
    expect: [{ path: "homelab:services", message: "two networks would both be named 'lab-vnet-socket'" }],
  },
  {
    name: "service named like a link's network",
    area: "names",
    overrides: { ...services({ "link-arr": WHOAMI }), links: { arr: { services: ["sonarr", "qbittorrent"] } } },
    expect: [{ path: "homelab:services", message: "two networks would both be named 'lab-vnet-link-arr'" }],
  },

  // Paths
  {
    name: "path traversal out of /srv",
    area: "paths",
    overrides: { paths: { config: "/srv/../etc", data: "/srv/data" } },
    expect: [
      { path: "homelab:paths.config", message: "must not contain '..' (got \"/srv/../etc\")" },
      { path: "homelab:paths.config", message: SYSTEM_FOLDER },
    ],
  },
  {
    name: "relative config path",
    area: "paths",
    overrides: { paths: { config: "srv/homelab", data: "/srv/data" } },
    expect: [{ path: "homelab:paths.config", message: 'must be an absolute path (got "srv/homelab")' }],
  },
  {
    name: "data path is the host root",
    area: "paths",
    overrides: { paths: { config: "/srv/homelab", data: "/" } },
    expect: [{ path: "homelab:paths.data", message: `${SYSTEM_FOLDER} (/bin, /boot, /dev, /etc` }],
  },
  {
    name: "config path above /var/run (a service named 'run' would get the Docker socket)",
    area: "paths",
    overrides: { paths: { config: "/var", data: "/srv/data" }, ...services({ run: WHOAMI }) },
    expect: [{ path: "homelab:paths.config", message: `${SYSTEM_FOLDER}` }],
  },
  {
    name: "data path is the Docker socket",
    area: "paths",
    overrides: { paths: { config: "/srv/homelab", data: "/var/run/docker.sock" } },
    expect: [{ path: "homelab:paths.data", message: `${SYSTEM_FOLDER}` }],
  },
  {
    name: "config path under /etc, spelled //etc/",
    area: "paths",
    overrides: { paths: { config: "//etc/", data: "/srv/data" } },
    expect: [{ path: "homelab:paths.config", message: `${SYSTEM_FOLDER}` }],
  },
  {
    name: "path with a newline",
    area: "paths",
    overrides: { paths: { config: "/srv/a\n/etc", data: "/srv/data" } },
    expect: [{ path: "homelab:paths.config", message: "may only contain letters, digits, '.', '_', '-' and '/'" }],
  },
  {
    name: "path with a shell substitution",
    area: "paths",
    overrides: { paths: { config: "/srv/$(id)", data: "/srv/data" } },
    expect: [{ path: "homelab:paths.config", message: "may only contain letters, digits, '.', '_', '-' and '/'" }],
  },

  {
    name: "data path is containerd's state",
    area: "paths",
    overrides: { paths: { config: "/srv/homelab", data: "/var/lib/containerd" } },
    expect: [{ path: "homelab:paths.data", message: SYSTEM_FOLDER }],
  },
  {
    name: "config path under the cron spool",
    area: "paths",
    overrides: { paths: { config: "/var/spool/cron", data: "/srv/data" } },
    expect: [{ path: "homelab:paths.config", message: SYSTEM_FOLDER }],
  },
  {
    name: "config path inside the data folder (mounted read-write into many apps)",
    area: "paths",
    overrides: { paths: { config: "/srv/data/config", data: "/srv/data/" } },
    expect: [{ path: "homelab:paths.config", message: "must not be inside paths.data (/srv/data/), which many apps mount read-write" }],
  },
  {
    name: "data path inside the config folder",
    area: "paths",
    overrides: { paths: { config: "/srv/homelab", data: "/srv/homelab/media" } },
    expect: [{ path: "homelab:paths.data", message: "must not be inside paths.config (/srv/homelab)" }],
  },
  {
    name: "config and data the same folder",
    area: "paths",
    overrides: { paths: { config: "/srv/homelab", data: "/srv//homelab" } },
    expect: [{ path: "homelab:paths.config", message: "must not be inside paths.data" }],
  },

  // Images
  {
    name: "image with the latest tag",
    area: "images",
    overrides: services({ whoami: { ...WHOAMI, image: "traefik/whoami:latest" } }),
    expect: [{ path: "homelab:services.whoami.image", message: "must not use the 'latest' tag: pin a version" }],
  },
  {
    name: "image without a tag",
    area: "images",
    overrides: services({ whoami: { ...WHOAMI, image: "traefik/whoami" } }),
    expect: [{ path: "homelab:services.whoami.image", message: "must be pinned to a version tag or digest" }],
  },
  {
    name: "image from a registry with a port but no tag",
    area: "images",
    overrides: services({ whoami: { ...WHOAMI, image: "localhost:5000/whoami" } }),
    expect: [{ path: "homelab:services.whoami.image", message: "must be pinned to a version tag or digest" }],
  },
  {
    name: "image with a shell command",
    area: "images",
    overrides: services({ whoami: { ...WHOAMI, image: "traefik/whoami:v1;rm -rf /" } }),
    expect: [
      { path: "homelab:services.whoami.image", message: 'is not a Docker image reference (got "traefik/whoami:v1;rm -rf /")' },
      { path: "homelab:services.whoami.image", message: "must be pinned to a version tag or digest" },
    ],
  },
  {
    name: "image that is a docker run flag",
    area: "images",
    overrides: services({ whoami: { ...WHOAMI, image: "--privileged=true:1.0" } }),
    expect: [{ path: "homelab:services.whoami.image", message: 'is not a Docker image reference (got "--privileged=true:1.0")' }],
  },
  {
    name: "catalog service moved to the latest tag",
    area: "images",
    overrides: services({ sonarr: { image: "lscr.io/linuxserver/sonarr:latest" } }),
    expect: [{ path: "homelab:services.sonarr.image", message: "must not use the 'latest' tag" }],
  },

  // Environment
  {
    name: "env name with a shell metacharacter",
    area: "env",
    overrides: services({ sonarr: { env: { "A;B": "x" } } }),
    expect: [{ path: 'homelab:services.sonarr.env["A;B"]', message: 'key "A;B" is not allowed: is not a valid environment variable name' }],
  },
  {
    name: "env name that smuggles an assignment",
    area: "env",
    overrides: services({ sonarr: { env: { "LD_PRELOAD=/tmp/x.so X": "1" } } }),
    expect: [{ path: 'homelab:services.sonarr.env["LD_PRELOAD=/tmp/x.so X"]', message: "is not a valid environment variable name" }],
  },
  {
    name: "env value with a NUL byte",
    area: "env",
    overrides: services({ sonarr: { env: { A: "x\u0000y" } } }),
    expect: [{ path: "homelab:services.sonarr.env.A", message: "must not contain NUL bytes" }],
  },
  {
    name: "env value that is a number",
    area: "env",
    overrides: services({ sonarr: { env: { PORT: 8989 } } }),
    expect: [{ path: "homelab:services.sonarr.env.PORT", message: "expected string (got 8989)" }],
  },

  // Hosts and container names
  {
    name: "two services on the same subdomain",
    area: "hosts",
    overrides: services({ sonarr: { subdomain: "jellyfin" } }),
    expect: [{ path: "homelab:services.sonarr.subdomain", message: "host jellyfin.lab.example.com is already routed to 'jellyfin'" }],
  },
  {
    name: "custom service named like a companion (immich-db)",
    area: "hosts",
    overrides: services({ immich: {}, "immich-db": { image: "postgres:16.4", port: 5432 } }),
    expect: [{ path: "homelab:services", message: "two containers would both be named 'lab-immich-db'" }],
  },
  {
    name: "custom service claiming the database role",
    area: "hosts",
    overrides: services({ mydb: { image: "postgres:16.4", role: "database" } }),
    expect: [{ path: "homelab:services.mydb.role", message: 'expected one of "web"|"monitoring"|"worker" (got "database")' }],
  },
  {
    name: "custom service claiming the socket-proxy role",
    area: "hosts",
    overrides: services({ sneaky: { image: "alpine:3.20", role: "socket-proxy" } }),
    expect: [{ path: "homelab:services.sneaky.role", message: '(got "socket-proxy")' }],
  },
  {
    name: "catalog service given a role (would join vnet-socket)",
    area: "hosts",
    overrides: services({ sonarr: { role: "monitoring" } }),
    expect: [{ path: "homelab:services.sonarr.role", message: "only custom services set this; the catalog entry for 'sonarr' already decides it" }],
  },
  {
    name: "catalog service given Docker API access",
    area: "hosts",
    overrides: services({ jellyfin: { dockerApi: "write" } }),
    expect: [{ path: "homelab:services.jellyfin.dockerApi", message: "only custom services set this" }],
  },
  {
    name: "the other reverse proxy as a service",
    area: "hosts",
    overrides: services({ traefik: {} }),
    expect: [{ path: "homelab:services.traefik", message: "traefik is a reverse proxy but homelab:proxy is swag" }],
  },
  {
    name: "the reverse proxy disabled",
    area: "hosts",
    overrides: services({ swag: { enabled: false } }),
    expect: [{ path: "homelab:services.swag.enabled", message: "the reverse proxy swag cannot be disabled" }],
  },

  // Unknown keys and wrong types
  {
    name: "typo in a service key",
    area: "keys",
    overrides: services({ sonarr: { subnett: "10.96.4.0/29" } }),
    expect: [{ path: "homelab:services.sonarr", message: 'unknown key "subnett"' }],
  },
  {
    name: "typo in a top-level key",
    area: "keys",
    overrides: { servics: { whoami: WHOAMI } },
    expect: [{ path: "homelab:", message: 'unknown key "servics"' }],
  },
  {
    name: "privileged flag smuggled into a service",
    area: "keys",
    overrides: services({ sonarr: { privileged: true, volumes: ["/:/host"] } }),
    expect: [{ path: "homelab:services.sonarr", message: 'unknown keys "privileged", "volumes"' }],
  },
  {
    name: "services given as a list",
    area: "types",
    overrides: { services: ["sonarr", "jellyfin"] },
    expect: [{ path: "homelab:services", message: 'expected record (got ["sonarr","jellyfin"])' }],
  },
  {
    name: "service given as null",
    area: "types",
    overrides: services({ sonarr: null }),
    expect: [{ path: "homelab:services.sonarr", message: "expected object (got null)" }],
  },
  {
    name: "port as a string",
    area: "types",
    overrides: services({ whoami: { ...WHOAMI, port: "80" } }),
    expect: [{ path: "homelab:services.whoami.port", message: 'expected number (got "80")' }],
  },
  { name: "negative puid", area: "types", overrides: { puid: -1 }, expect: [{ path: "homelab:puid", message: "expected number to be >=0 (got -1)" }] },
  {
    name: "enabled as a string",
    area: "types",
    overrides: services({ sonarr: { enabled: "false" } }),
    expect: [{ path: "homelab:services.sonarr.enabled", message: 'expected boolean (got "false")' }],
  },
  {
    name: "timezone with a shell command",
    area: "types",
    overrides: { timezone: "Europe/Berlin; rm -rf /" },
    expect: [{ path: "homelab:timezone", message: 'must be an IANA time zone like Europe/Berlin (got "Europe/Berlin; rm -rf /")' }],
  },
  {
    name: "timezone as a path traversal",
    area: "types",
    overrides: { timezone: "../../etc/passwd" },
    expect: [{ path: "homelab:timezone", message: "must be an IANA time zone" }],
  },
  { name: "unknown reverse proxy", area: "types", overrides: { proxy: "nginx" }, expect: [{ path: "homelab:proxy", message: '(got "nginx")' }] },

  // Scale: the pool is reported exhausted, quickly, with a readable message. 5,000 services plus the
  // implicit swag, authelia and crowdsec networks, of which the /22 holds 128 /29s: 5,003 - 128 = 4,875.
  {
    name: "5,000 services into a /22 pool",
    area: "scale",
    overrides: () => ({ services: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`s${i}`, WHOAMI])), allocations: null }),
    expect: [{ path: "homelab:network.pool", message: "pool 10.96.0.0/22 is exhausted: 4875 more service network(s) (" }],
  },

  // Domains
  {
    name: "domain with a non-ASCII letter",
    area: "domain",
    overrides: { domain: "hôme.example.com" },
    expect: [{ path: "homelab:domain", message: `${NOT_A_DOMAIN} (got "hôme.example.com")` }],
  },
  { name: "domain that is an emoji", area: "domain", overrides: { domain: "🏠.example.com" }, expect: [{ path: "homelab:domain", message: NOT_A_DOMAIN }] },
  {
    name: "domain with an injected header line",
    area: "domain",
    overrides: { domain: "lab.example.com\nHost: evil.example" },
    expect: [{ path: "homelab:domain", message: NOT_A_DOMAIN }],
  },
  {
    name: "domain with a Traefik rule injection",
    area: "domain",
    overrides: { domain: "lab.example.com`) || Host(`evil.example" },
    expect: [{ path: "homelab:domain", message: NOT_A_DOMAIN }],
  },

  // Secrets: a secret where plain text is expected is refused without printing it
  {
    name: "domain stored as a secret",
    area: "secrets",
    overrides: { domain: { $secret: "lab.example.com" } },
    expect: [{ path: "homelab:domain", message: "(got a secret)" }],
  },
  // …and plain text where a secret is required is refused, saying how to store it. (A plain `cloudflare:apiToken`
  // is provider config, not a homelab: key: only the program checks it, see tests/components/RemoteAccess.test.ts.)
  {
    name: "WireGuard private key in plain text (vpn minimal routes qbittorrent)",
    area: "secrets",
    overrides: { vpn: VPN_MINIMAL, vpnCredentials: { wireguardPrivateKey: "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=" } },
    expect: [{ path: "homelab:vpnCredentials.wireguardPrivateKey", message: `${MUST_BE_SECRET}\`` }],
  },
  {
    name: "OpenVPN password in plain text",
    area: "secrets",
    overrides: { vpn: { ...VPN_MINIMAL, type: "openvpn" }, vpnCredentials: { openvpnUser: "me", openvpnPassword: "hunter2" } },
    expect: [{ path: "homelab:vpnCredentials.openvpnPassword", message: `${MUST_BE_SECRET}\`` }],
  },
  {
    name: "Authelia user password in plain text",
    area: "secrets",
    overrides: { authelia: { users: { tester: { displayname: "Lab Tester", email: "tester@lab.example.com", password: "hunter2" } } } },
    expect: [{ path: "homelab:authelia.users.tester.password", message: `${MUST_BE_SECRET} --path\`` }],
  },
  {
    name: "ACME Cloudflare API token in plain text",
    area: "secrets",
    overrides: { acme: { email: "tester@lab.example.com", cloudflareApiToken: "plain-token" } },
    expect: [{ path: "homelab:acme.cloudflareApiToken", message: `${MUST_BE_SECRET} --path\`` }],
  },

  // The allocation lock
  {
    name: "lock key that is a path",
    area: "lock",
    overrides: { allocations: { "../../etc": "10.96.4.0/29" } },
    expect: [{ path: 'homelab:allocations["../../etc"]', message: 'key "../../etc" is not allowed: must be a vnet-<name> network' }],
  },
  {
    name: "lock entry on a public range",
    area: "lock",
    overrides: { allocations: { ...(LAB.allocations as object), "vnet-sonarr": "8.8.8.0/29" } },
    expect: [{ path: "homelab:allocations.vnet-sonarr", message: `locked 8.8.8.0/29 ${PRIVATE}` }],
  },
  {
    name: "lock entry that is not a CIDR",
    area: "lock",
    overrides: { allocations: { "vnet-sonarr": "10.96.0.160" } },
    expect: [{ path: "homelab:allocations.vnet-sonarr", message: "is not an IPv4 CIDR" }],
  },

  // Links
  {
    name: "link naming one service twice",
    area: "links",
    overrides: { links: { arr: { services: ["sonarr", "sonarr"] } } },
    expect: [{ path: "homelab:links.arr.services", message: "a link joins at least two different services (got only 'sonarr')" }],
  },
  {
    name: "link to a service that does not exist",
    area: "links",
    overrides: { links: { arr: { services: ["sonarr", "radarr"] } } },
    expect: [{ path: "homelab:links.arr.services", message: "unknown or disabled service(s): radarr" }],
  },
  {
    name: "link that pulls the reverse proxy in",
    area: "links",
    overrides: { links: { arr: { services: ["swag", "sonarr"] } } },
    expect: [{ path: "homelab:links.arr.services", message: "swag (proxy) may not join a link network" }],
  },
  {
    name: "link that pulls the socket proxy in",
    area: "links",
    overrides: { links: { arr: { services: ["cetusguard", "dozzle"] } } },
    expect: [{ path: "homelab:links.arr.services", message: "cetusguard (socket-proxy) may not join a link network" }],
  },
  // Hosts past DNS's limits, and echoed text that could fool a terminal
  {
    name: "host name longer than DNS allows (253)",
    area: "hosts",
    overrides: {
      domain: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(40)}.com`,
      ...services({ sonarr: { subdomain: "s".repeat(32) } }),
    },
    expect: [{ path: "homelab:services.sonarr.subdomain", message: "is 269 characters long (DNS allows 253)" }],
  },
  {
    name: "service name with a right-to-left override (shown, not obeyed)",
    area: "names",
    overrides: services({ "evil\u202etxt.exe": WHOAMI }),
    expect: [{ path: 'homelab:services["evil\\u{202e}txt.exe"]', message: 'key "evil\\u{202e}txt.exe" is not allowed' }],
  },
  {
    name: "service name with a terminal escape sequence (a fake success line)",
    area: "names",
    overrides: services({ "x\u001b[2K\r\u001b[32mapplied": WHOAMI }),
    expect: [{ path: 'homelab:services["x\\u001b[2K\\r\\u001b[32mapplied"]', message: "is not allowed" }],
  },
  // (300 KB and more is refused before validation: tests/hostile/bounds.test.ts)
  {
    name: "image reference of 60 KB (echoed cut)",
    area: "scale",
    overrides: services({ whoami: { ...WHOAMI, image: `a/${"B".repeat(60_000)}:1` } }),
    expect: [{ path: "homelab:services.whoami.image", message: `is not a Docker image reference (got "a/${"B".repeat(57)}… (59946 more characters))` }],
  },

  // SSO that cannot work
  {
    name: "Authelia not exposed while routes ask for a login",
    area: "hosts",
    overrides: services({ authelia: { expose: "none" } }),
    expect: [
      {
        path: "homelab:services.authelia.expose",
        message:
          "Authelia's login portal is not served (expose: none), but dozzle.lab.example.com, qbittorrent.lab.example.com, sonarr.lab.example.com, whoami.lab.example.com ask for a login and would redirect to it",
      },
    ],
  },

  // The network policy: routes and the settings the config may not override (policy/networkPolicy.ts)
  {
    name: "route to the socket proxy (the Docker API without login)",
    area: "policy",
    overrides: services({ cetusguard: { expose: "lan", auth: "bypass" } }),
    expect: [{ path: "homelab:services.cetusguard.expose", message: "'cetusguard' (socket-proxy) may never have a route" }],
  },
  {
    name: "route to the CrowdSec LAPI",
    area: "policy",
    overrides: services({ crowdsec: { expose: "lan", auth: "bypass" } }),
    expect: [{ path: "homelab:services.crowdsec.expose", message: "'crowdsec' (ips) may never have a route" }],
  },
  {
    name: "socket proxy given another image (it would get the socket)",
    area: "policy",
    overrides: services({ cetusguard: { image: "alpine:3.20" } }),
    expect: [{ path: "homelab:services.cetusguard.image", message: "the socket proxy's image cannot be changed" }],
  },
  {
    name: "socket proxy rules granting write through env",
    area: "policy",
    overrides: services({ cetusguard: { env: { CETUSGUARD_RULES: "POST .+" } } }),
    expect: [
      {
        path: "homelab:services.cetusguard.env.CETUSGUARD_RULES",
        message: "CETUSGUARD_RULES is security-relevant and cannot be set here: the socket proxy's settings come only from homelab:socketProxy",
      },
    ],
  },
  {
    name: "Docker API client pointed around the socket proxy",
    area: "policy",
    overrides: services({ dozzle: { env: { DOCKER_HOST: "unix:///var/run/docker.sock" } } }),
    expect: [
      {
        path: "homelab:services.dozzle.env.DOCKER_HOST",
        message: "DOCKER_HOST is set by the stack: a Docker API client reaches the engine only through the socket proxy",
      },
    ],
  },
  {
    name: "Gluetun's control server published and DNS switched to plain",
    area: "policy",
    overrides: {
      vpn: VPN_MINIMAL,
      vpnCredentials: { $secret: { wireguardPrivateKey: "k" } },
      ...services({ gluetun: { env: { HTTP_CONTROL_SERVER_ADDRESS: ":8000", DNS_UPSTREAM_RESOLVER_TYPE: "plain" } } }),
    },
    expect: [
      {
        path: "homelab:services.gluetun.env.HTTP_CONTROL_SERVER_ADDRESS",
        message: "HTTP_CONTROL_SERVER_ADDRESS is security-relevant and cannot be set here: Gluetun's control server",
      },
      { path: "homelab:services.gluetun.env.DNS_UPSTREAM_RESOLVER_TYPE", message: "DNS_UPSTREAM_RESOLVER_TYPE is security-relevant" },
    ],
  },
  {
    name: "Authelia's default policy switched off through env",
    area: "policy",
    overrides: services({ authelia: { env: { AUTHELIA_ACCESS_CONTROL_DEFAULT_POLICY: "bypass" } } }),
    expect: [{ path: "homelab:services.authelia.env.AUTHELIA_ACCESS_CONTROL_DEFAULT_POLICY", message: "Authelia's configuration is generated" }],
  },
  {
    name: "link with one service",
    area: "links",
    overrides: { links: { arr: { services: ["sonarr"] } } },
    expect: [{ path: "homelab:links.arr.services", message: "a link joins at least two services" }],
  },
];

/** The case's overrides applied to the lab stack, loaded the way the program loads Pulumi config (secrets marked). */
export function hostileRaw(c: HostileCase): Record<string, unknown> {
  const overrides = typeof c.overrides === "function" ? c.overrides() : c.overrides;
  const merged: Record<string, unknown> = { ...LAB, ...overrides };
  const secretKeys = new Set<string>();
  const entries = Object.entries(merged)
    .filter(([, v]) => v !== null)
    .map(([k, v]): [string, unknown] => {
      const { value, secret } = revealSecrets(v);
      if (secret) secretKeys.add(`homelab:${k}`);
      // Pulumi hands the program every value as a string, objects as JSON: go through the same decoding.
      return [`homelab:${k}`, typeof value === "string" ? value : JSON.stringify(value)];
    });
  return rawConfigFromEntries(entries, secretKeys);
}

function revealSecrets(v: unknown): { value: unknown; secret: boolean } {
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "$secret" in v)
    return { value: (v as { $secret: unknown }).$secret, secret: true };
  if (Array.isArray(v)) {
    const parts = v.map(revealSecrets);
    return { value: parts.map((p) => p.value), secret: parts.some((p) => p.secret) };
  }
  if (v && typeof v === "object") {
    const parts = Object.entries(v).map(([k, x]) => [k, revealSecrets(x)] as const);
    return { value: Object.fromEntries(parts.map(([k, p]) => [k, p.value])), secret: parts.some(([, p]) => p.secret) };
  }
  return { value: v, secret: false };
}
