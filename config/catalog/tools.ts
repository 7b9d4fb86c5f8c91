import { configMount, httpHealthcheck } from "./builders";
import type { CatalogEntry } from "./types";

/** The dashboard: the planner writes its services.yaml and hands it the widgets' API keys. */
export const HOMEPAGE = "homepage";
/** Dozzle: on several hosts it gets an agent on each other host (topology/hosts.ts). */
export const DOZZLE = "dozzle";
/** Portainer: on several hosts `homelab wire` adds the other hosts as environments (topology/appSync.ts). */
export const PORTAINER = "portainer";
const HOMARR = "homarr-labs/homarr@v1.43.3";
const DDNS = "qdm12/ddns-updater@v2.9.0";
/** Portainer's first admin password, a generated secret file (portainer/portainer@2.23.0:api/cli/cli.go --admin-password-file). */
const PORTAINER_ADMIN_PASSWORD = "/secrets/portainer-admin-password";

/** Dashboards and monitoring tools; the ones that read Docker go through the socket proxy. */
export const tools: CatalogEntry[] = [
  {
    name: DOZZLE,
    description: "Live container logs",
    vpnCapable: false,
    dockerApi: "read",
    auth: "two_factor",
    dashboard: { group: "Monitoring", icon: "dozzle.svg" },
    main: {
      suffix: "",
      image: "amir20/dozzle:v8.14.5",
      role: "monitoring",
      port: 8080,
      healthcheck: { test: ["CMD", "/dozzle", "healthcheck"], interval: "30s", timeout: "5s", retries: 3 },
    },
    evidence: {
      tag: "amir20/dozzle@v8.14.5 (git tag; Docker Hub amir20/dozzle:v<version>)",
      ports: "amir20/dozzle@v8.14.5:Dockerfile (EXPOSE 8080)",
      mounts: "amir20/dozzle@v8.14.5:Dockerfile (stateless; reads Docker through DOCKER_HOST)",
      healthcheck: "amir20/dozzle@v8.14.5:Dockerfile (FROM scratch, COPY /dozzle: its own `healthcheck` subcommand)",
      user: "amir20/dozzle@v8.14.5:Dockerfile (FROM scratch, no USER: root)",
    },
  },
  {
    name: PORTAINER,
    description: "Container management",
    vpnCapable: false,
    dockerApi: "write",
    auth: "two_factor",
    dashboard: { group: "Monitoring", icon: "portainer.svg" },
    // 2.33.3: a published 2.33 patch release on record (portainer/k8s#194); plain HTTP on 9000 stays on by default.
    main: {
      suffix: "",
      image: "portainer/portainer-ce:2.33.3",
      role: "monitoring",
      port: 9000,
      mounts: [configMount("/data")],
      // The admin exists from the first start, so `homelab wire` can sign in; read only while Portainer has no
      // administrator (one set by hand before stays): portainer/portainer@2.23.0:api/cmd/portainer/main.go (2.33 not in the snapshot).
      adminPasswordFile: PORTAINER_ADMIN_PASSWORD,
      command: ["--admin-password-file", PORTAINER_ADMIN_PASSWORD],
    },
    evidence: {
      tag: 'portainer/k8s#194 ("2.33.3 update", merged: the chart moved to the 2.33.3 images); 2.33.2 was not found on record',
      ports:
        "portainer/portainer@2.23.0:api/cli/defaults.go (bind :9000 HTTP, :9443 HTTPS, http-disabled false) and build/linux/Dockerfile (EXPOSE 9000 9443 8000); 2.33 sources not in the stored snapshot",
      mounts: "portainer/portainer@2.23.0:build/linux/Dockerfile (VOLUME /data; defaultDataDirectory /data)",
      healthcheck: "none: portainer/portainer@2.23.0:build/linux/Dockerfile is FROM portainer/base with only the portainer binaries (no shell, curl or wget)",
      user: "portainer/portainer@2.23.0:build/linux/Dockerfile (no USER: root)",
      env: "portainer/portainer@2.23.0:api/cli/cli.go (--admin-password-file) and api/cmd/portainer/main.go (hashes the file's text, one trailing newline cut, into user 'admin' only when no administrator exists); ENTRYPOINT /portainer (build/linux/Dockerfile), so the command is its flags",
    },
  },
  {
    name: HOMEPAGE,
    description: "Dashboard",
    vpnCapable: false,
    dockerApi: "read",
    auth: "one_factor",
    dashboard: { group: "Infrastructure", icon: "homepage.png" },
    main: {
      suffix: "",
      image: "ghcr.io/gethomepage/homepage:v1.5.0",
      role: "monitoring",
      port: 3000,
      env: (n) => ({ HOMEPAGE_ALLOWED_HOSTS: `homepage.${n.domain}` }),
      mounts: [configMount("/app/config")],
      healthcheck: httpHealthcheck(3000, "/api/healthcheck", "wget"),
    },
    evidence: {
      tag: "gethomepage/homepage@v1.5.0 (git tag; ghcr.io/gethomepage/homepage:v<version>)",
      ports: "gethomepage/homepage@v1.5.0:Dockerfile (ENV PORT=3000, EXPOSE $PORT)",
      mounts: "gethomepage/homepage@v1.5.0:docker-entrypoint.sh (config in /app/config)",
      healthcheck: "gethomepage/homepage@v1.5.0:Dockerfile (node:22-alpine; its own HEALTHCHECK is wget --spider /api/healthcheck)",
      user: "gethomepage/homepage@v1.5.0:docker-entrypoint.sh (PUID/PGID default 0; not set here, so root)",
      env: "gethomepage/homepage@v1.5.0 docs: HOMEPAGE_ALLOWED_HOSTS",
    },
  },
  {
    name: "homarr",
    description: "Dashboard (Homarr)",
    vpnCapable: false,
    auth: "one_factor",
    dashboard: { group: "Infrastructure", icon: "homarr.svg" },
    main: {
      suffix: "",
      image: "ghcr.io/homarr-labs/homarr:v1.43.3",
      role: "web",
      port: 7575,
      linuxserver: true,
      mounts: [configMount("/appdata")],
      // Homarr refuses to start without it: 64 hex characters (packages/common/env.ts). It is the AES key of every
      // integration secret Homarr stores (packages/common/src/encryption.ts encryptSecret at v1.43.3): a data key.
      generatedEnv: {
        SECRET_ENCRYPTION_KEY: { purpose: "Homarr's encryption key for stored integration secrets", format: "hex", length: 64, guardsData: true },
      },
      healthcheck: httpHealthcheck(7575, "/api/health/live", "wget"),
    },
    evidence: {
      tag: `${HOMARR} (git tag, 2025-11-14; ghcr.io/homarr-labs/homarr:v<version>)`,
      ports: `${HOMARR}:nginx.conf (listen 7575)`,
      mounts: `${HOMARR}:Dockerfile (VOLUME /appdata; DB_URL /appdata/db/db.sqlite)`,
      healthcheck: `${HOMARR}:Dockerfile (FROM node:24.11.0-alpine: busybox wget) and apps/nextjs/src/app/api/health/live/route.ts`,
      user: `${HOMARR}:scripts/entrypoint.sh (PUID/PGID, default 0; su-exec to them)`,
      env: `${HOMARR}:packages/common/env.ts (SECRET_ENCRYPTION_KEY required, 64 hex characters)`,
    },
  },
  {
    name: "ddns-updater",
    description: "Keeps DNS records (Cloudflare and others) pointed at the home's public IP",
    vpnCapable: false,
    auth: "two_factor",
    dashboard: { group: "Infrastructure", icon: "ddns-updater.png" },
    main: {
      suffix: "",
      image: "qmcgaw/ddns-updater:v2.9.0",
      role: "web",
      port: 8000,
      // Its records go in config.json in this folder, generated from homelab:ddns (topology/ddns.ts).
      mounts: [configMount("/updater/data")],
      // The image's own USER, said here so the generated (0600) config.json belongs to it.
      user: "1000:1000",
      healthcheck: { test: ["CMD", "/updater/ddns-updater", "healthcheck"], interval: "1m0s", timeout: "5s", retries: 2, startPeriod: "10s" },
    },
    evidence: {
      tag: `${DDNS} (git tag; .github/workflows/build.yml pushes v{{major}}.{{minor}}.{{patch}})`,
      ports: `${DDNS}:Dockerfile (EXPOSE 8000, LISTENING_ADDRESS=:8000)`,
      mounts: `${DDNS}:Dockerfile (DATADIR=/updater/data, CONFIG_FILEPATH=/updater/data/config.json)`,
      healthcheck: `${DDNS}:Dockerfile (FROM scratch; HEALTHCHECK CMD /updater/ddns-updater healthcheck)`,
      user: `${DDNS}:Dockerfile (USER 1000:1000, fixed at build; README: other uids need a rebuild)`,
      env: `${DDNS}:docs/cloudflare.md (provider cloudflare: zone_identifier, domain, token)`,
    },
  },
];
