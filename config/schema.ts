import * as ipaddr from "ipaddr.js";
import * as path from "node:path";
import { z } from "zod";
import { backupConfig, backupCredentials } from "./backupSchema";
import { ddnsConfig } from "./ddnsSchema";
import { plain } from "./hostSchema";
import { acmeConfig, autheliaConfig, crowdsecConfig, socketProxyConfig } from "./hostSchema";
import { hostConfig, overlayConfig } from "./hostsSchema";
import { visible } from "./echo";
import { NAMESPACE } from "./load";
import { isSecret, SecretValue } from "./secret";

/** A lower-case DNS label: also safe as a Docker name, a Traefik router name and a YAML key. */
export const NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const name = z.string().regex(NAME_PATTERN, "must be a lower-case DNS label (a-z, 0-9, '-', 1–32 chars, starting with a letter)");

/**
 * Plain dotted decimal only: ipaddr.js also reads octal, hex and short forms ("010.0.0.0/8" is 8.0.0.0/8,
 * "10/8" is 0.0.0.10/8), which would quietly become a different network than the one the owner meant.
 */
const CIDR_PATTERN = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(?:3[0-2]|[12]?\d)$/;
const cidr = z.string().refine((v) => CIDR_PATTERN.test(v) && ipaddr.IPv4.isValidCIDR(v), "is not an IPv4 CIDR like 192.168.16.0/20");

/** `repo[:tag][@sha256:…]` with a real tag or digest: `latest` or no tag would let a rebuild change silently. */
const IMAGE_PATTERN =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const image = z
  .string()
  .regex(IMAGE_PATTERN, "is not a Docker image reference")
  .refine((v) => /:[A-Za-z0-9_][A-Za-z0-9._-]*(@|$)|@sha256:/.test(v.replace(/^[^/]*:\d+\//, "")), "must be pinned to a version tag or digest")
  .refine((v) => !/:latest(@|$)/.test(v), "must not use the 'latest' tag: pin a version");

const port = z.number().int().min(1).max(65535);

/**
 * Host folders the stack must never bind into a container, directly or through a folder above them:
 * `paths.data` is mounted whole and `paths.config/<service>` per service, so `data: /` or `config: /var`
 * with a service named `run` would hand containers the system or the Docker socket.
 */
const SYSTEM_DIRS = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var/run",
  "/var/lib/docker",
  "/var/lib/containerd",
  "/var/spool",
];
const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer === "/" ? "/" : `${outer}/`);
const touchesSystemDir = (v: string) => {
  const p = path.posix.normalize(v).replace(/(?<=.)\/+$/, "");
  return SYSTEM_DIRS.some((dir) => within(p, dir) || within(dir, p));
};

const absolutePath = z
  .string()
  .refine((v) => path.posix.isAbsolute(v), "must be an absolute path")
  .refine((v) => !v.split("/").includes(".."), "must not contain '..'")
  .refine((v) => /^[A-Za-z0-9._/-]+$/.test(v), "may only contain letters, digits, '.', '_', '-' and '/'")
  .refine(
    (v) => !path.posix.isAbsolute(v) || !touchesSystemDir(v),
    `must not be the host root, a system folder (${SYSTEM_DIRS.join(", ")}) or a folder above one`,
  );

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid environment variable name");

/** An env value: plain text without NUL bytes, or a secret (said as plainly as either alone would). */
const envValueOrSecret = z.unknown().superRefine((v, ctx) => {
  if (isSecret(v)) return;
  if (typeof v !== "string") ctx.addIssue({ code: "custom", message: "expected string", input: v });
  else if (v.includes("\0")) ctx.addIssue({ code: "custom", message: "must not contain NUL bytes", input: v });
}) as unknown as z.ZodType<string | SecretValue>;

/** A value that must be stored with `pulumi config set --secret`; plain text is refused so it never lands in a file. */
export const secret = z.custom<SecretValue>(isSecret, "must be a secret: set it with `pulumi config set --secret`");

export const AUTH_LEVELS = ["bypass", "one_factor", "two_factor", "deny"] as const;
export const EXPOSURES = ["tunnel", "lan", "none"] as const;
export const CUSTOM_ROLES = ["web", "monitoring", "worker"] as const;
export const REMOTE_AUTH = ["access", "authelia", "both"] as const;
export const GPU_KINDS = ["intel", "nvidia"] as const;

/**
 * `pulumi config set --secret --path 'homelab:services.myapp.env.API_KEY'` makes Pulumi hand the program the
 * whole `homelab:services` key as a secret, every string in it wrapped; only env values may really be secret,
 * so the rest is unwrapped here (the offline CLI reads the stack file and sees exactly which leaf is secret).
 */
const unwrapAllButEnv = (v: unknown) =>
  v && typeof v === "object" && !Array.isArray(v) && !isSecret(v)
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k !== "env" && isSecret(x) && x.value !== undefined ? x.value : x]))
    : v;

export const serviceConfig = z.strictObject({
  enabled: z.boolean().optional(),
  image: image.optional(),
  port: port.optional(),
  subnet: cidr.optional(),
  expose: z.enum(EXPOSURES).optional(),
  subdomain: name.optional(),
  auth: z.enum(AUTH_LEVELS).optional(),
  /** Plain values, or secrets (`pulumi config set --secret --path …env.KEY`): those reach the container as secret env, never printed. */
  env: z.record(envName, envValueOrSecret).optional(),
  /** For custom services: what kind of container it is (catalog services know this). */
  role: z.enum(CUSTOM_ROLES).optional(),
  /** For custom services: needs the Docker API through the socket proxy. */
  dockerApi: z.enum(["read", "write"]).optional(),
  /** Route it through Gluetun (true) or directly (false), whatever `homelab:vpn.mode` says. */
  vpn: z.boolean().optional(),
  /** With `expose: tunnel`: who guards it on the Internet — Cloudflare Access, Authelia, or both (default). */
  remoteAuth: z.enum(REMOTE_AUTH).optional(),
  /** With `expose: tunnel`: acknowledges that the service is meant to be reachable without any login. */
  public: z.boolean().optional(),
  /** Hardware acceleration: `intel` passes the /dev/dri render devices, `nvidia` requests the GPUs (the NVIDIA container toolkit). */
  gpu: z.enum(GPU_KINDS).optional(),
  /** Container ports to publish on the host at the same number, for LAN clients that use IP:port (routed services publish through Gluetun). */
  publish: z.array(port).min(1, "list at least one port, or leave publish out").optional(),
  /** With `homelab:hosts`: the Docker host it runs on (default: the first host). */
  host: name.optional(),
});
export type ServiceConfig = z.infer<typeof serviceConfig>;

export const linkConfig = z.strictObject({
  services: z.array(name).min(2, "a link joins at least two services"),
  subnet: cidr.optional(),
});

export const VPN_MODES = ["full", "minimal", "off"] as const;

/** Gluetun's provider settings (`homelab:vpn`); the credentials live in their own secret key, `homelab:vpnCredentials`. */
export const vpnConfig = z.strictObject({
  /** full: every VPN-capable service; minimal: only the downloaders; off: none (per-service `vpn` still wins). */
  mode: z.enum(VPN_MODES).default("off"),
  /** Gluetun's VPN_SERVICE_PROVIDER, e.g. `mullvad`, `protonvpn`, `private internet access`, `custom`. */
  provider: z.string().regex(/^[a-z][a-z0-9 ]{1,40}$/, "must be a Gluetun provider name like mullvad or 'private internet access'"),
  type: z.enum(["wireguard", "openvpn"]).default("wireguard"),
  countries: z.array(z.string().regex(/^[A-Za-z][A-Za-z .'-]*$/, "must be a country name like Sweden")).optional(),
  cities: z.array(z.string().regex(/^[A-Za-z][A-Za-z .'-]*$/, "must be a city name like Stockholm")).optional(),
  /** Gluetun's HTTP proxy (:8888) and Shadowsocks server (:8388): off unless asked, and then with credentials. */
  httpProxy: z.boolean().default(false),
  shadowsocks: z.boolean().default(false),
  /** VPN_PORT_FORWARDING, for providers that support it (PIA, ProtonVPN). */
  portForwarding: z.boolean().default(false),
});
export type VpnConfig = z.infer<typeof vpnConfig>;

/** Plain text or a secret: for values that may sit next to secrets in one secret config key. */
const secretOrPlain = z.union([z.string().min(1), secret]);

/**
 * `homelab:vpnCredentials`, set with `pulumi config set --secret --path vpnCredentials.<field> …`.
 * Which fields are required depends on `homelab:vpn.type` (and the proxies asked for); the planner says which.
 */
export const vpnCredentials = z.strictObject({
  wireguardPrivateKey: secret.optional(),
  wireguardAddresses: secretOrPlain.optional(),
  openvpnUser: secretOrPlain.optional(),
  openvpnPassword: secret.optional(),
  httpProxyUser: secretOrPlain.optional(),
  httpProxyPassword: secret.optional(),
  shadowsocksPassword: secret.optional(),
});
export type VpnCredentials = z.infer<typeof vpnCredentials>;
const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case DNS domain like home.example.com");
const cloudflareId = z.string().regex(/^[0-9a-f]{32}$/, "must be a Cloudflare id (32 lower-case hex digits, from the dashboard's overview page)");

/** Cloudflare Zero Trust remote access. The API token is provider config (`cloudflare:apiToken`, secret), not part of this. */
export const cloudflareConfig = z.strictObject({
  enabled: z.boolean().default(false),
  accountId: cloudflareId.optional(),
  zoneId: cloudflareId.optional(),
  /** The zone's name (e.g. example.com); public hostnames must lie inside it. Defaults to homelab:domain. */
  zone: domainName.optional(),
  tunnelName: name.optional(),
  /** Who Cloudflare Access lets in. */
  allow: z.strictObject({ emails: z.array(z.email()).default([]), emailDomains: z.array(domainName).default([]) }).default({ emails: [], emailDomains: [] }),
  /**
   * Login methods Access offers: a one-time PIN by e-mail (created here unless turned off) plus identity
   * providers already set up in the account (GitHub, Google, …), by id.
   */
  login: z
    .strictObject({ oneTimePin: z.boolean().default(true), identityProviderIds: z.array(z.uuid()).default([]) })
    .default({ oneTimePin: true, identityProviderIds: [] }),
  /** How long an Access login lasts, in Go duration form. */
  sessionDuration: z
    .string()
    .regex(/^(?:\d+h)?(?:\d+m)?(?:\d+s)?$/, "must be a duration like 24h or 30m")
    .refine((v) => v !== "", "must not be empty")
    .default("24h"),
});
export type CloudflareConfig = z.infer<typeof cloudflareConfig>;

export const stackConfig = z.strictObject({
  domain: domainName,
  timezone: z
    .string()
    .regex(/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/, "must be an IANA time zone like Europe/Berlin")
    .default("Etc/UTC"),
  puid: z.number().int().min(0).max(65535).default(1000),
  pgid: z.number().int().min(0).max(65535).default(1000),
  paths: z
    .strictObject({ config: absolutePath.default("/srv/homelab/config"), data: absolutePath.default("/srv/data") })
    // paths.data is mounted read-write into many apps: config inside it would hand them every service's
    // config and secrets; data inside config would put media next to (and into) a service's folder.
    .superRefine((p, ctx) => {
      const [config, data] = [p.config, p.data].map((v) => path.posix.normalize(v).replace(/(?<=.)\/+$/, ""));
      if (touchesSystemDir(config) || touchesSystemDir(data)) return; // already refused, and "/" contains everything
      if (within(config, data))
        ctx.addIssue({
          code: "custom",
          path: ["config"],
          message: `must not be inside paths.data (${p.data}), which many apps mount read-write`,
          input: p.config,
        });
      else if (within(data, config))
        ctx.addIssue({
          code: "custom",
          path: ["data"],
          message: `must not be inside paths.config (${p.config}): every service's config folder is there`,
          input: p.data,
        });
    })
    .default({ config: "/srv/homelab/config", data: "/srv/data" }),
  lan: cidr.optional(),
  network: z
    .strictObject({
      prefix: z
        .string()
        .regex(/^(?:[a-z][a-z0-9-]{0,14})?$/, "must be empty or a short lower-case prefix like 'lab-'")
        .default(""),
      ingress: cidr.default("192.168.90.0/24"),
      socket: cidr.default("192.168.91.0/24"),
      pool: cidr.default("192.168.16.0/20"),
    })
    .default({ prefix: "", ingress: "192.168.90.0/24", socket: "192.168.91.0/24", pool: "192.168.16.0/20" }),
  proxy: z.enum(["traefik", "swag"]).default("traefik"),
  services: z.record(name, z.preprocess(unwrapAllButEnv, serviceConfig)).default({}),
  links: z.record(name, linkConfig).default({}),
  authelia: autheliaConfig.prefault({}),
  socketProxy: socketProxyConfig.prefault({}),
  crowdsec: crowdsecConfig.prefault({}),
  acme: acmeConfig.optional(),
  vpn: vpnConfig.optional(),
  vpnCredentials: vpnCredentials.optional(),
  /** The allocation lock written by `homelab network pin`: network name (without prefix) → subnet. */
  allocations: z.record(z.string().regex(/^vnet-[a-z0-9-]+$/, "must be a vnet-<name> network"), cidr).default({}),
  cloudflare: cloudflareConfig.optional(),
  /**
   * Keys that guard data outside Pulumi (Authelia's storage encryption key, database passwords), held as
   * stack secrets (`homelab up` stores each generated one here; by hand: `pulumi config set --secret --path 'homelab:keys.<name>'`). A key held here survives
   * destroy + up and any change to how it is generated (docs/operating.md says how to move one here and rotate it).
   */
  keys: z.record(z.string().regex(/^[a-z0-9-]+$/, "must be a key name like authelia-storage-encryption-key"), secret).default({}),
  /**
   * Plex's first start: a claim token from https://plex.tv/claim (valid 4 minutes) links the server to the account
   * (LinuxServer's init-plex-claim reads PLEX_CLAIM, linuxserver/docker-plex@1.42.2.10156-f737b826c-ls292).
   */
  plex: z
    .strictObject({
      claim: secret.optional(),
      /**
       * The URLs Plex advertises to its clients (Settings → Network → Custom server access URLs, `customConnections`).
       * LinuxServer's image has no ADVERTISE_IP: `homelab wire` sets it through Plex's API (cli/wire/plex.ts).
       */
      advertise: z
        .array(
          plain(
            z
              .string()
              .regex(
                /^https?:\/\/[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?\/?$/,
                "must be a URL like https://plex.example.com:443 or http://192.168.1.10:32400",
              ),
          ),
        )
        .min(1, "must name at least one URL")
        .optional(),
    })
    .optional(),
  backup: backupConfig.optional(),
  /** ddns-updater's Cloudflare records (config/ddnsSchema.ts). */
  ddns: ddnsConfig.optional(),
  backupCredentials: backupCredentials.optional(),
  /** Several Docker hosts in one swarm (docs/multi-host.md); without it the stack is one engine, as always. */
  hosts: z.record(name, hostConfig).optional(),
  overlay: overlayConfig.prefault({}),
});
export type StackConfig = z.infer<typeof stackConfig>;

export interface ConfigError {
  /** Full key path as the owner writes it, e.g. `homelab:services.jellyfin.subnet`. */
  path: string;
  message: string;
}

export function keyPath(segments: readonly PropertyKey[]): string {
  const [top, ...rest] = segments.map(String);
  // Keys come from the config: long ones are cut, control and bidi characters written out (config/echo.ts).
  const key = (s: string) => visible(s, 60);
  return `${NAMESPACE}:${key(top ?? "")}${rest.map((s) => (/^[A-Za-z0-9_-]+$/.test(s) ? `.${key(s)}` : `[${key(JSON.stringify(s))}]`)).join("")}`;
}

function describe(v: unknown): string {
  if (isSecret(v)) return "a secret";
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    // BigInts and other values JSON cannot write: name the kind rather than fail the whole validation.
  }
  s ??=
    typeof v === "bigint" || typeof v === "symbol" || v === undefined
      ? String(v)
      : typeof v === "function"
        ? "a function"
        : Array.isArray(v)
          ? "a list"
          : `an ${typeof v}`;
  return visible(s, 60);
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

/**
 * `jitless`: by default zod compiles a parser for each object schema (`new Function`) the first time it
 * parses one. A stack config is validated once per process (a Pulumi run, a CLI command), so that
 * compilation is pure start-up cost: about half of a cold validation of the home stack (~5 ms), to save
 * a fraction of a millisecond on parses that never come. Per call, so zod's global config stays as it is.
 */
const PARSE_OPTIONS = { reportInput: true, jitless: true } as const;

export function validateStackConfig(raw: unknown): Validated<StackConfig> {
  const result = stackConfig.safeParse(raw, PARSE_OPTIONS);
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.map((issue): ConfigError => {
    if (issue.code === "unrecognized_keys") {
      return { path: keyPath(issue.path), message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map(describe).join(", ")}` };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return { path: keyPath(issue.path), message: `is required (${issue.expected})` };
    }
    if (issue.code === "invalid_key") {
      return { path: keyPath(issue.path), message: `key ${describe(issue.input)} is not allowed: ${issue.issues?.[0]?.message ?? issue.message}` };
    }
    const message = issue.code === "invalid_type" ? `expected ${issue.expected}` : issue.message;
    // a value refused for not being a secret *is* the secret, given in plain text: never echo it
    if (message.startsWith("must be a secret")) return { path: keyPath(issue.path), message: `${message} (got plain text)` };
    return { path: keyPath(issue.path), message: `${message} (got ${describe(issue.input)})` };
  });
  return { ok: false, errors };
}
