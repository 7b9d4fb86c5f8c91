import { configMount } from "./builders";
import type { CatalogEntry } from "./types";

export const GLUETUN = "gluetun";
/** Ports Gluetun itself listens on inside the namespace it shares with the routed services. */
export const GLUETUN_PORTS = { control: 8000, health: 9999, httpProxy: 8888, shadowsocks: 8388 } as const;

/**
 * The VPN gateway. The planner adds it by itself as soon as one service is routed through the VPN,
 * and fills in the provider settings, firewall subnets and credentials from `homelab:vpn`.
 * v3.41 or later: its DNS forwarder resolves container names through Docker's resolver (gluetun PR #2970),
 * so routed *arr apps still reach each other by name while public names go over DNS-over-TLS in the tunnel.
 */
export const vpn: CatalogEntry[] = [
  {
    name: GLUETUN,
    description: "VPN gateway: routed services share its network namespace",
    vpnCapable: false,
    auth: "deny",
    main: {
      suffix: "",
      image: "qmcgaw/gluetun:v3.41.1",
      role: "vpn-gateway",
      mounts: [configMount("/gluetun")],
      devices: ["/dev/net/tun"],
      healthcheck: { test: ["CMD", "/gluetun-entrypoint", "healthcheck"], interval: "10s", timeout: "5s", retries: 3, startPeriod: "30s" },
      env: () => ({
        // Public names over DNS-over-TLS, which leaves through the tunnel like everything else.
        DNS_UPSTREAM_RESOLVER_TYPE: "dot",
        // The control server stays inside the namespace (routed apps may use it); it is never published.
        HTTP_CONTROL_SERVER_ADDRESS: `127.0.0.1:${GLUETUN_PORTS.control}`,
      }),
    },
    evidence: {
      tag: "qdm12/gluetun@v3.41.1 (git tag; Docker Hub qmcgaw/gluetun:v<version>)",
      ports: "qdm12/gluetun@v3.41.1:Dockerfile (EXPOSE 8000 control server, 8888 HTTP proxy, 8388 Shadowsocks)",
      mounts: "qdm12/gluetun@v3.41.1: /gluetun holds servers.json and the port-forward file",
      healthcheck: "qdm12/gluetun@v3.41.1:Dockerfile (HEALTHCHECK /gluetun-entrypoint healthcheck)",
      user: "qdm12/gluetun@v3.41.1:Dockerfile (root: it configures the tunnel and firewall, with CAP_NET_ADMIN and /dev/net/tun)",
    },
  },
];
