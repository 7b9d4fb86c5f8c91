import * as ipaddr from "ipaddr.js";
import * as path from "node:path";
import { z } from "zod";
import { NAMESPACE } from "./load";
import { isSecret, SecretValue } from "./secret";

/** A lower-case DNS label: also safe as a Docker name, a Traefik router name and a YAML key. */
export const NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const name = z.string().regex(NAME_PATTERN, "must be a lower-case DNS label (a-z, 0-9, '-', 1–32 chars, starting with a letter)");

const cidr = z.string().refine((v) => ipaddr.IPv4.isValidCIDR(v), "is not an IPv4 CIDR like 192.168.16.0/20");

/** `repo[:tag][@sha256:…]` with a real tag or digest: `latest` or no tag would let a rebuild change silently. */
const IMAGE_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const image = z
  .string()
  .regex(IMAGE_PATTERN, "is not a Docker image reference")
  .refine((v) => /:[A-Za-z0-9_][A-Za-z0-9._-]*(@|$)|@sha256:/.test(v.replace(/^[^/]*:\d+\//, "")), "must be pinned to a version tag or digest")
  .refine((v) => !/:latest(@|$)/.test(v), "must not use the 'latest' tag: pin a version");

const port = z.number().int().min(1).max(65535);

const absolutePath = z
  .string()
  .refine((v) => path.posix.isAbsolute(v), "must be an absolute path")
  .refine((v) => !v.split("/").includes(".."), "must not contain '..'")
  .refine((v) => /^[A-Za-z0-9._/-]+$/.test(v), "may only contain letters, digits, '.', '_', '-' and '/'");

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid environment variable name");
const envValue = z.string().refine((v) => !v.includes("\0"), "must not contain NUL bytes");

/** A value that must be stored with `pulumi config set --secret`; plain text is refused so it never lands in a file. */
export const secret = z.custom<SecretValue>(isSecret, "must be a secret: set it with `pulumi config set --secret`");

export const AUTH_LEVELS = ["bypass", "one_factor", "two_factor", "deny"] as const;
export const EXPOSURES = ["tunnel", "lan", "none"] as const;
export const CUSTOM_ROLES = ["web", "monitoring", "worker"] as const;

export const serviceConfig = z.strictObject({
  enabled: z.boolean().optional(),
  image: image.optional(),
  port: port.optional(),
  subnet: cidr.optional(),
  expose: z.enum(EXPOSURES).optional(),
  subdomain: name.optional(),
  auth: z.enum(AUTH_LEVELS).optional(),
  env: z.record(envName, envValue).optional(),
  /** For custom services: what kind of container it is (catalog services know this). */
  role: z.enum(CUSTOM_ROLES).optional(),
  /** For custom services: needs the Docker API through the socket proxy. */
  dockerApi: z.enum(["read", "write"]).optional(),
});
export type ServiceConfig = z.infer<typeof serviceConfig>;

export const linkConfig = z.strictObject({
  services: z.array(name).min(2, "a link joins at least two services"),
  subnet: cidr.optional(),
});

export const stackConfig = z.strictObject({
  domain: z.string().regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case DNS domain like home.example.com"),
  timezone: z.string().regex(/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/, "must be an IANA time zone like Europe/Berlin").default("Etc/UTC"),
  puid: z.number().int().min(0).max(65535).default(1000),
  pgid: z.number().int().min(0).max(65535).default(1000),
  paths: z
    .strictObject({ config: absolutePath.default("/srv/homelab/config"), data: absolutePath.default("/srv/data") })
    .default({ config: "/srv/homelab/config", data: "/srv/data" }),
  lan: cidr.optional(),
  network: z
    .strictObject({
      prefix: z.string().regex(/^(?:[a-z][a-z0-9-]{0,14})?$/, "must be empty or a short lower-case prefix like 'lab-'").default(""),
      ingress: cidr.default("192.168.90.0/24"),
      socket: cidr.default("192.168.91.0/24"),
      pool: cidr.default("192.168.16.0/20"),
    })
    .default({ prefix: "", ingress: "192.168.90.0/24", socket: "192.168.91.0/24", pool: "192.168.16.0/20" }),
  proxy: z.enum(["traefik", "swag"]).default("traefik"),
  services: z.record(name, serviceConfig).default({}),
  links: z.record(name, linkConfig).default({}),
  /** The allocation lock written by `homelab network pin`: network name (without prefix) → subnet. */
  allocations: z.record(z.string().regex(/^vnet-[a-z0-9-]+$/, "must be a vnet-<name> network"), cidr).default({}),
});
export type StackConfig = z.infer<typeof stackConfig>;

export interface ConfigError {
  /** Full key path as the owner writes it, e.g. `homelab:services.jellyfin.subnet`. */
  path: string;
  message: string;
}

export function keyPath(segments: readonly PropertyKey[]): string {
  const [top, ...rest] = segments.map(String);
  return `${NAMESPACE}:${top ?? ""}${rest.map((s) => (/^[A-Za-z0-9_-]+$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join("")}`;
}

function describe(v: unknown): string {
  if (isSecret(v)) return "a secret";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

export function validateStackConfig(raw: unknown): Validated<StackConfig> {
  const result = stackConfig.safeParse(raw, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.map((issue): ConfigError => {
    if (issue.code === "unrecognized_keys") {
      return { path: keyPath(issue.path), message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}` };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return { path: keyPath(issue.path), message: `is required (${issue.expected})` };
    }
    if (issue.code === "invalid_key") {
      return { path: keyPath(issue.path), message: `key ${describe(issue.input)} is not allowed: ${issue.issues?.[0]?.message ?? issue.message}` };
    }
    const message = issue.code === "invalid_type" ? `expected ${issue.expected}` : issue.message;
    return { path: keyPath(issue.path), message: `${message} (got ${describe(issue.input)})` };
  });
  return { ok: false, errors };
}
