import type { StackConfig } from "../config/schema";
import { formatBlock, fromInt, parseBlock, size } from "./cidr";

/**
 * HTTPS on every route in every mode. With `homelab:acme` the proxy gets a Let's Encrypt wildcard certificate
 * over the Cloudflare DNS challenge; without it the stack is its own certificate authority: the Pulumi layer
 * (components/InternalCa.ts) creates a CA and a wildcard certificate for the domain, users trust the CA
 * (`homelab ca <stack>`), and the generated files reference the material through the placeholders below.
 * Authelia 4.39 refuses any authz request whose target is not https (authelia v4.39.13 internal/handlers/handler_authz.go),
 * so there is no plain-HTTP mode at all.
 */
export type TlsPlan =
  { mode: "acme"; domain: string; staging: boolean } | { mode: "internal"; domain: string; /** The names on the wildcard certificate. */ dnsNames: string[] };

/** Placeholders the Pulumi layer fills in generated files (see components/InternalCa.ts). */
export const TLS_PLACEHOLDERS = {
  /** The wildcard certificate (PEM). */
  cert: "{{tls:cert}}",
  /** Its private key (PEM); a file holding it is a secret. */
  key: "{{tls:key}}",
  /** The stack's CA certificate (PEM). */
  ca: "{{tls:ca}}",
} as const;

export function planTls(cfg: StackConfig): TlsPlan {
  if (cfg.acme) return { mode: "acme", domain: cfg.domain, staging: cfg.acme.staging };
  return { mode: "internal", domain: cfg.domain, dnsNames: [cfg.domain, `*.${cfg.domain}`] };
}

/**
 * The fixed address cloudflared has on vnet-ingress: the last usable host. The proxies trust forwarded
 * headers from this one address only, so it must never be anyone else's: Docker hands out addresses only
 * from `ingressDynamicRange` (the lower half), which never contains it.
 */
export function tunnelPeerAddress(ingress: string): string {
  const block = parseBlock(ingress);
  return fromInt(block.start + size(block) - 2);
}

/** The part of vnet-ingress Docker allocates container addresses from (docker network create --ip-range). */
export function ingressDynamicRange(ingress: string): string {
  const block = parseBlock(ingress);
  return formatBlock({ start: block.start, prefix: block.prefix + 1 });
}
