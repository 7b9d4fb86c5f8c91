import { DOCKER_SOCKET, SOCKET_PROXY_IMAGE } from "../../policy/networkPolicy";
import { configMount, httpHealthcheck, linuxserverEvidence, redis } from "./builders";
import type { CatalogEntry } from "./types";

/** Well-known services the planner adds or wires by name, and the ports it reaches them on: named once, here. */
export const AUTHELIA = "authelia";
export const AUTHELIA_PORT = 9091;
export const CROWDSEC = "crowdsec";
/** CrowdSec's local API, which the proxy's bouncer asks (config.yaml api.server.listen_uri). */
export const CROWDSEC_LAPI_PORT = 8080;
/** The Docker API proxy: the one container with the Docker socket. */
export const SOCKET_PROXY = "cetusguard";
export const SOCKET_PROXY_PORT = 2375;
/** Runs the Cloudflare tunnel; the planner adds it when homelab:cloudflare is enabled. */
export const TUNNEL_CONNECTOR = "cloudflared";
/** Traefik's API and dashboard entrypoint. */
const TRAEFIK_API_PORT = 8080;
/** The PostgreSQL image of Authelia's optional database; pg_dump 17 in it dumps every database of the stack. */
export const POSTGRES_IMAGE = "postgres:17.6-alpine";

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
      port: TRAEFIK_API_PORT,
      hostPorts: [
        { internal: 80, external: 80 },
        { internal: 443, external: 443 },
      ],
      mounts: [configMount("/etc/traefik")],
      healthcheck: { test: ["CMD", "traefik", "healthcheck", "--ping"], interval: "30s", timeout: "5s", retries: 3 },
    },
    evidence: {
      tag: "traefik/traefik@v3.5.3 (git tag; the official image is built from it by traefik/traefik-library-image)",
      ports: "traefik/traefik@v3.5.3:Dockerfile (EXPOSE 80); 443 and the :8080 API are our entrypoints",
      mounts: "/etc/traefik: where the library image's entrypoint looks for traefik.yml (dynamic files next to it)",
      healthcheck:
        "traefik/traefik@v3.5.3:cmd/healthcheck/healthcheck.go (`traefik healthcheck --ping`); traefik-library-image installs /usr/local/bin/traefik",
      user: "traefik/traefik@v3.5.3:Dockerfile (no USER: root; reads the socket only through the proxy)",
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
    evidence: {
      ...linuxserverEvidence(
        "swag",
        "5.1.0-ls421",
        "alpine-nginx-3.22",
        "linuxserver/docker-swag@5.1.0-ls421:readme-vars.yml (URL, VALIDATION, DNSPLUGIN, EXTRA_DOMAINS, PROPAGATION)",
      ),
      healthcheck: "none set: certbot may hold the init for minutes (DESIGN.md); curl is in its base image",
    },
  },
  {
    name: AUTHELIA,
    description: "Single sign-on with two-factor authentication",
    vpnCapable: false,
    auth: "bypass", // the login portal itself must be reachable to log in
    dashboard: { group: "Infrastructure", icon: "authelia.svg" },
    main: {
      suffix: "",
      image: "authelia/authelia:4.39.13",
      role: "auth",
      port: AUTHELIA_PORT,
      mounts: [configMount()],
      healthcheck: httpHealthcheck(AUTHELIA_PORT, "/api/health", "wget"),
    },
    companions: [redis("redis:7.4.6-alpine")],
    evidence: {
      tag: "authelia/authelia@v4.39.13 (git tag; Docker Hub authelia/authelia:<version>)",
      ports: "authelia/authelia@v4.39.13:Dockerfile (EXPOSE 9091)",
      mounts: "authelia/authelia@v4.39.13:Dockerfile (/config/configuration.yml)",
      healthcheck: "authelia/authelia@v4.39.13:Dockerfile (HEALTHCHECK /app/healthcheck.sh, busybox wget on the alpine base)",
      user: "authelia/authelia@v4.39.13:Dockerfile (PUID=0 PGID=0 defaults; root here)",
    },
  },
  {
    name: CROWDSEC,
    description: "Intrusion prevention reading the proxy's logs",
    vpnCapable: false,
    auth: "deny",
    main: {
      suffix: "",
      image: "crowdsecurity/crowdsec:v1.7.2",
      role: "ips",
      port: CROWDSEC_LAPI_PORT,
      mounts: [configMount("/etc/crowdsec"), { source: { kind: "volume", name: "crowdsec-data" }, target: "/var/lib/crowdsec/data" }],
      healthcheck: { test: ["CMD", "cscli", "lapi", "status"], interval: "30s", timeout: "10s", retries: 3 },
    },
    evidence: {
      tag: "crowdsecurity/crowdsec@v1.7.2 (git tag; Docker Hub crowdsecurity/crowdsec:v<version>)",
      ports: "crowdsecurity/crowdsec@v1.7.2: the local API listens on :8080 (config.yaml api.server.listen_uri)",
      mounts: "crowdsecurity/crowdsec@v1.7.2:Dockerfile (/etc/crowdsec, /var/lib/crowdsec/data)",
      healthcheck: "crowdsecurity/crowdsec@v1.7.2:Dockerfile (COPY cscli to /usr/local/bin; `cscli lapi status`)",
      user: "crowdsecurity/crowdsec@v1.7.2:Dockerfile (no USER: root)",
    },
  },
  {
    name: SOCKET_PROXY,
    description: "Docker API proxy: the only container with the Docker socket, read-only",
    vpnCapable: false,
    auth: "deny",
    main: {
      suffix: "",
      image: SOCKET_PROXY_IMAGE,
      role: "socket-proxy",
      port: SOCKET_PROXY_PORT,
      env: () => ({ CETUSGUARD_BACKEND_ADDR: `unix://${DOCKER_SOCKET}`, CETUSGUARD_FRONTEND_ADDR: `tcp://:${SOCKET_PROXY_PORT}` }),
      mounts: [{ source: { kind: "docker-socket" }, target: DOCKER_SOCKET, readOnly: true }],
    },
    // Every fact read at v1.1.3, the newest tag.
    evidence: {
      tag: "hectorm/cetusguard@v1.1.3 (git tag; the newest: the tag list ends at v1.1.3, there is no v1.1.4; ghcr.io/hectorm/cetusguard:v<version>)",
      ports: "hectorm/cetusguard@v1.1.3:Dockerfile (ENV CETUSGUARD_FRONTEND_ADDR='tcp://:2375')",
      mounts: "hectorm/cetusguard@v1.1.3 README: the Docker socket, read-only",
      healthcheck: "none: hectorm/cetusguard@v1.1.3:Dockerfile is FROM scratch with only /cetusguard",
      user: "hectorm/cetusguard@v1.1.3:Dockerfile (FROM scratch: root, to open the socket)",
    },
  },
  {
    name: TUNNEL_CONNECTOR,
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
      healthcheck: {
        test: ["CMD", "cloudflared", "tunnel", "--metrics", "127.0.0.1:20241", "ready"],
        interval: "30s",
        timeout: "10s",
        retries: 3,
        startPeriod: "30s",
      },
    },
    evidence: {
      tag: "cloudflare/cloudflared@2025.10.0 (git tag; Docker Hub cloudflare/cloudflared:<version>)",
      ports: "none inbound: outbound tunnel; metrics on 127.0.0.1:20241 (TUNNEL_METRICS)",
      mounts: "none: the token comes as TUNNEL_TOKEN",
      healthcheck: "cloudflare/cloudflared@2025.10.0:cmd/cloudflared/tunnel/subcommands.go:470 (`tunnel ready` asks the metrics server)",
      user: "cloudflare/cloudflared@2025.10.0:Dockerfile (distroless nonroot, USER 65532:65532)",
    },
  },
];
