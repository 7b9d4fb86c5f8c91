import { configMount, httpHealthcheck, redis } from "./builders";
import type { CatalogEntry } from "./types";

/**
 * The stack's own infrastructure. The planner adds these by itself when they are needed
 * (the chosen proxy; the socket proxy when anything needs the Docker API).
 */
export const core: CatalogEntry[] = [
  {
    name: "traefik",
    description: "Reverse proxy (routes from container labels)",
    vpnCapable: false,
    dockerApi: "read",
    auth: "two_factor",
    dashboard: { group: "Infrastructure", icon: "traefik.svg" },
    main: {
      suffix: "",
      image: "traefik:v3.5.3",
      role: "proxy",
      port: 8080,
      hostPorts: [
        { internal: 80, external: 80 },
        { internal: 443, external: 443 },
      ],
      mounts: [configMount("/etc/traefik")],
      healthcheck: { test: ["CMD", "traefik", "healthcheck", "--ping"], interval: "30s", timeout: "5s", retries: 3 },
    },
  },
  {
    name: "swag",
    description: "Reverse proxy (nginx, LinuxServer.io SWAG)",
    vpnCapable: false,
    auth: "two_factor",
    dashboard: { group: "Infrastructure", icon: "swag.png" },
    main: {
      suffix: "",
      image: "lscr.io/linuxserver/swag:5.1.0",
      role: "proxy",
      port: 443,
      extraPorts: [80],
      linuxserver: true,
      hostPorts: [
        { internal: 80, external: 80 },
        { internal: 443, external: 443 },
      ],
      mounts: [configMount()],
    },
  },
  {
    name: "authelia",
    description: "Single sign-on with two-factor authentication",
    vpnCapable: false,
    auth: "bypass", // the login portal itself must be reachable to log in
    dashboard: { group: "Infrastructure", icon: "authelia.svg" },
    main: {
      suffix: "",
      image: "authelia/authelia:4.39.13",
      role: "auth",
      port: 9091,
      mounts: [configMount()],
      healthcheck: httpHealthcheck(9091, "/api/health", "wget"),
    },
    companions: [redis("redis:7.4.6-alpine")],
  },
  {
    name: "crowdsec",
    description: "Intrusion prevention reading the proxy's logs",
    vpnCapable: false,
    auth: "deny",
    main: {
      suffix: "",
      image: "crowdsecurity/crowdsec:v1.7.2",
      role: "ips",
      port: 8080,
      mounts: [configMount("/etc/crowdsec"), { source: { kind: "volume", name: "crowdsec-data" }, target: "/var/lib/crowdsec/data" }],
      healthcheck: { test: ["CMD", "cscli", "lapi", "status"], interval: "30s", timeout: "10s", retries: 3 },
    },
  },
  {
    name: "cetusguard",
    description: "Docker API proxy: the only container with the Docker socket, read-only",
    vpnCapable: false,
    auth: "deny",
    main: {
      suffix: "",
      // v1.1.3 is the newest tag upstream (hectorm/cetusguard tags end at v1.1.3; there is no v1.1.4).
      image: "ghcr.io/hectorm/cetusguard:v1.1.3",
      role: "socket-proxy",
      port: 2375,
      env: () => ({ CETUSGUARD_BACKEND_ADDR: "unix:///var/run/docker.sock", CETUSGUARD_FRONTEND_ADDR: "tcp://:2375" }),
      mounts: [{ source: { kind: "docker-socket" }, target: "/var/run/docker.sock", readOnly: true }],
    },
  },
  {
    name: "cloudflared",
    description: "Cloudflare Tunnel connector: outbound-only, hands Internet traffic to the reverse proxy",
    vpnCapable: false,
    auth: "deny",
    main: {
      suffix: "",
      image: "cloudflare/cloudflared:2025.10.0",
      role: "tunnel",
      // The token arrives as TUNNEL_TOKEN (secret env); the metrics server stays on loopback for the healthcheck.
      command: ["tunnel", "--no-autoupdate", "run"],
      env: () => ({ TUNNEL_METRICS: "127.0.0.1:20241" }),
      healthcheck: { test: ["CMD", "cloudflared", "tunnel", "--metrics", "127.0.0.1:20241", "ready"], interval: "30s", timeout: "10s", retries: 3, startPeriod: "30s" },
    },
  },
];
