import { z } from "zod";
import { isSecret, SecretValue } from "./secret";

/**
 * Config for the host stack's own infrastructure: Authelia, the socket proxy, CrowdSec and TLS.
 * Pulumi marks a whole top-level key secret as soon as one leaf in it is, so at run time every string
 * under `homelab:authelia` arrives wrapped; `plain` unwraps the fields that are not sensitive.
 */
export const plain = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (isSecret(v) && v.value !== undefined ? v.value : v), schema);
export const secretValue = z.custom<SecretValue>(isSecret, "must be a secret: set it with `pulumi config set --secret --path`");

const hostname = plain(z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, "must be a host name like smtp.example.com"));
const email = plain(z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an e-mail address"));
const userName = z.string().regex(/^[a-z][a-z0-9_.-]{0,31}$/, "must be a lower-case user name (a-z, 0-9, '_', '.', '-')");

export const autheliaUser = z.strictObject({
  displayname: plain(z.string().min(1)),
  email,
  groups: z.array(plain(z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be a lower-case group name"))).default([]),
  /** Optional: without it a random initial password is generated and exported as a secret stack output. */
  password: secretValue.optional(),
});

export const autheliaConfig = z.strictObject({
  users: z.record(userName, autheliaUser).default({}),
  /** Login portal subdomain (`auth.<domain>` by default). */
  subdomain: plain(z.string().regex(/^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a lower-case DNS label")).default("auth"),
  storage: plain(z.enum(["sqlite", "postgres"])).default("sqlite"),
  smtp: z
    .strictObject({
      host: hostname,
      port: z.number().int().min(1).max(65535).default(587),
      username: plain(z.string().min(1)),
      sender: email,
      password: secretValue,
    })
    .optional(),
  duo: z.strictObject({ hostname, integrationKey: plain(z.string().min(1)), secretKey: secretValue }).optional(),
  /** Services whose `/api` paths bypass SSO so other apps (and mobile clients) can call them with their own API keys. */
  apiBypass: z.array(plain(z.string())).default([]),
});
export type AutheliaConfig = z.infer<typeof autheliaConfig>;

export const socketProxyConfig = z.strictObject({
  /** Portainer manages containers: it needs write access to the Docker API, which must be granted explicitly. */
  allowWrite: z.boolean().default(false),
});

export const crowdsecConfig = z.strictObject({
  enabled: z.boolean().default(true),
  collections: z.array(z.string().regex(/^[a-z0-9_-]+\/[a-z0-9_-]+$/, "must be a hub collection like crowdsecurity/http-cve")).default([]),
});

/** Let's Encrypt certificates through an ACME DNS challenge at Cloudflare or DuckDNS (topology/acmeDns.ts checks the token and the domain). */
export const acmeConfig = z.strictObject({
  email,
  provider: plain(z.enum(["cloudflare", "duckdns"])).default("cloudflare"),
  /** Zone · DNS · Edit on the zone, for provider cloudflare. */
  cloudflareApiToken: secretValue.optional(),
  /** The DuckDNS account token, for provider duckdns. */
  duckdnsToken: secretValue.optional(),
  staging: z.boolean().default(false),
  /** More names on the certificate (SWAG's EXTRA_DOMAINS), e.g. example.net or *.example.org. */
  extraDomains: z
    .array(
      plain(
        z.string().regex(/^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case domain like example.net or *.example.org"),
      ),
    )
    .optional(),
  /** Seconds to wait for the DNS-01 record to propagate (SWAG's PROPAGATION), instead of the plugin's default. */
  propagationSeconds: plain(z.number().int().min(1).max(3600)).optional(),
});
