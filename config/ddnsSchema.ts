import { z } from "zod";
import { plain, secretValue } from "./hostSchema";

/** A record name in the zone: a host name, optionally a `*.` wildcard (ddns-updater's `domain`, qdm12/ddns-updater@v2.9.0:docs/cloudflare.md). */
const recordName = plain(
  z
    .string()
    .regex(
      /^(?:\*\.)?(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      "must be a lower-case host name like vpn.example.com (or *.example.com)",
    ),
);

/**
 * Pulumi hands the whole key over as a secret once the token in it is one: `plain` unwraps the other fields.
 * ddns-updater's Cloudflare records: names that point at the home's public address (a VPN endpoint, a game
 * server), not the tunnelled services, whose proxied CNAMEs homelab manages itself.
 */
export const ddnsConfig = z.strictObject({
  /** A Cloudflare API token with Zone · DNS · Edit on the zone (`pulumi config set --secret --path 'homelab:ddns.apiToken' …`). */
  apiToken: secretValue,
  /** The zone's id; defaults to homelab:cloudflare.zoneId. */
  zoneId: plain(z.string().regex(/^[0-9a-f]{32}$/, "must be a Cloudflare id (32 lower-case hex digits, from the dashboard's overview page)")).optional(),
  records: z.array(recordName).min(1, "must name at least one record"),
  /** ddns-updater's ip_version: A records, AAAA records, or whichever the public address is. */
  ipVersion: plain(z.enum(["ipv4", "ipv6", "ipv4 or ipv6"])).default("ipv4"),
  /** Seconds; 1 is Cloudflare's automatic TTL. */
  ttl: plain(z.number().int().min(1).max(86400)).default(1),
  proxied: plain(z.boolean()).default(false),
});
export type DdnsConfig = z.infer<typeof ddnsConfig>;
