import type { ComposeService, Located } from "./compose";
import type { SecretSetting } from "./secrets";

/**
 * Stack-wide settings read from the compose services: the domain from the proxy's rules, Gluetun's provider
 * and credentials, the Cloudflare account behind a tunnel token, the ACME DNS-challenge token.
 */

/** The value seen most often (ties: the first seen), or undefined. */
export function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  for (const [v, n] of counts) if (best === undefined || n > counts.get(best)!) best = v;
  return best;
}

const HOST_RULE = /Host\(\s*`([^`]+)`/g;

/** Hosts named in Traefik router rules (`traefik.http.routers.<r>.rule=Host(`a.example.com`)`). */
export function ruleHosts(svc: ComposeService): string[] {
  return [...svc.labels]
    .filter(([k]) => /^traefik\.http\.routers\.[^.]+\.rule$/.test(k))
    .flatMap(([, v]) => [...v.value.matchAll(HOST_RULE)].map((m) => m[1].toLowerCase()));
}

/** The domain: `--domain`, SWAG's URL, or the parent domain most Traefik rules share. */
export function findDomain(services: ComposeService[], given?: string): string | undefined {
  if (given) return given.toLowerCase();
  const swagUrl = services.map((s) => s.environment.get("URL")?.value).find((u) => u && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(u));
  if (swagUrl) return swagUrl.toLowerCase();
  return mostCommon(
    services
      .flatMap(ruleHosts)
      .filter((h) => h.split(".").length > 2)
      .map((h) => h.slice(h.indexOf(".") + 1)),
  );
}

/** The subdomain a Traefik rule gave the service, when it lies in the domain. */
export function ruleSubdomain(svc: ComposeService, domain: string): string | undefined {
  return ruleHosts(svc)
    .find((h) => h.endsWith(`.${domain}`) && !h.slice(0, -domain.length - 1).includes("."))
    ?.slice(0, -domain.length - 1);
}

const on = (v?: Located<string>) => !!v && /^(on|true|yes|1)$/i.test(v.value);
const list = (v?: Located<string>) =>
  v?.value
    ? v.value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** Gluetun's env names (github.com/qdm12/gluetun-wiki, setup/options) → `homelab:vpnCredentials` fields. */
const GLUETUN_CREDENTIALS: Record<string, string> = {
  WIREGUARD_PRIVATE_KEY: "wireguardPrivateKey",
  WIREGUARD_ADDRESSES: "wireguardAddresses",
  OPENVPN_USER: "openvpnUser",
  OPENVPN_PASSWORD: "openvpnPassword",
  HTTPPROXY_USER: "httpProxyUser",
  HTTPPROXY_PASSWORD: "httpProxyPassword",
  SHADOWSOCKS_PASSWORD: "shadowsocksPassword",
};
/** Gluetun settings homelab carries over; the rest of its env is decided by the catalog entry. */
const GLUETUN_SETTINGS = [
  "VPN_SERVICE_PROVIDER",
  "VPN_TYPE",
  "SERVER_COUNTRIES",
  "SERVER_CITIES",
  "VPN_PORT_FORWARDING",
  "HTTPPROXY",
  "SHADOWSOCKS",
  "FIREWALL_OUTBOUND_SUBNETS",
];

export interface GluetunSettings {
  vpn: Record<string, unknown>;
  secrets: SecretSetting[];
  lan?: string;
  /** Env keys not carried over, with where they were. */
  ignored: Located<string>[];
}

export function gluetunSettings(svc: ComposeService): GluetunSettings {
  const env = svc.environment;
  const vpn: Record<string, unknown> = {
    provider: env.get("VPN_SERVICE_PROVIDER")?.value.toLowerCase(),
    type: env.get("VPN_TYPE")?.value.toLowerCase() || undefined,
    countries: list(env.get("SERVER_COUNTRIES")),
    cities: list(env.get("SERVER_CITIES")),
    portForwarding: on(env.get("VPN_PORT_FORWARDING")) || undefined,
    httpProxy: on(env.get("HTTPPROXY")) || undefined,
    shadowsocks: on(env.get("SHADOWSOCKS")) || undefined,
  };
  const secrets = Object.entries(GLUETUN_CREDENTIALS)
    .filter(([name]) => env.get(name)?.value)
    .map(([name, field]) => ({ path: ["vpnCredentials", field], value: env.get(name)!.value, at: env.get(name)!.at }));
  const ignored = [...env]
    .filter(([k]) => !GLUETUN_CREDENTIALS[k] && !GLUETUN_SETTINGS.includes(k) && !["TZ", "PUID", "PGID"].includes(k))
    .map(([k, v]) => ({ ...v, value: k }));
  const lan = list(env.get("FIREWALL_OUTBOUND_SUBNETS"))?.[0];
  return { vpn: dropUndefined(vpn), secrets, lan, ignored };
}

/**
 * A Cloudflare tunnel token is base64 JSON `{"a": accountTag, "t": tunnelId, "s": secret}` (the payload
 * cloudflare/workers-sdk's decodeTunnelTokenToCredentialsFile reads). Only the account id is of use: homelab creates its
 * own tunnel through the API, and the token itself is never written anywhere.
 */
export function tunnelAccount(svc: ComposeService): { accountId?: string; tunnelId?: string } {
  const token = svc.environment.get("TUNNEL_TOKEN")?.value ?? /--token[= ](\S+)/.exec(svc.command?.value ?? "")?.[1];
  if (!token) return {};
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { a?: unknown; t?: unknown };
    return {
      accountId: typeof parsed.a === "string" && /^[0-9a-f]{32}$/.test(parsed.a) ? parsed.a : undefined,
      tunnelId: typeof parsed.t === "string" ? parsed.t : undefined,
    };
  } catch {
    return {};
  }
}

/** Traefik's Cloudflare DNS-challenge token (lego's CF_DNS_API_TOKEN and the names stacks pass it under) and the ACME e-mail. */
export function acmeSettings(svc: ComposeService): { email?: string; token?: Located<string> } {
  const token = ["CF_DNS_API_TOKEN", "CLOUDFLARE_DNS_API_TOKEN", "CF_API_TOKEN"].map((k) => svc.environment.get(k)).find((v) => v?.value);
  const fromCommand = /acme\.email=(\S+)/.exec(svc.command?.value ?? "")?.[1];
  const fromEnv = ["ACME_EMAIL", "CF_API_EMAIL", "EMAIL"].map((k) => svc.environment.get(k)?.value).find(Boolean);
  return { email: fromCommand ?? fromEnv, token };
}

export function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
