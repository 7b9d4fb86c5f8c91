import { configMount, httpHealthcheck, postgres, redis } from "./builders";
import type { CatalogEntry } from "./types";

/** Immich's own compose file, the source of its layout: upload library at /data, model cache at /cache, its postgres and valkey. */
const IMMICH_COMPOSE = "immich-app/immich@0126ec8:docker/docker-compose.yml";
const immichHealthcheck = { test: ["CMD", "immich-healthcheck"], interval: "30s", timeout: "10s", retries: 3, startPeriod: "1m0s" };

/** Self-hosted applications from the first seed document. */
export const apps: CatalogEntry[] = [
  {
    name: "immich",
    description: "Photo and video library",
    vpnCapable: false,
    auth: "one_factor",
    dashboard: { group: "Apps", icon: "immich.svg" },
    dbPasswordEnv: "DB_PASSWORD",
    gpu: true,
    main: {
      suffix: "",
      image: "ghcr.io/immich-app/immich-server:v2.1.0",
      role: "web",
      port: 2283,
      env: (n) => ({
        DB_HOSTNAME: n.container("db"),
        DB_USERNAME: "immich",
        DB_DATABASE_NAME: "immich",
        REDIS_HOSTNAME: n.container("redis"),
        IMMICH_MACHINE_LEARNING_URL: `http://${n.container("ml")}:3003`,
      }),
      // Immich v2 keeps its library at /data: a folder of its own under paths.data, not the whole shared media root.
      mounts: [{ source: { kind: "data", subpath: "immich" }, target: "/data" }],
      healthcheck: immichHealthcheck,
    },
    companions: [
      {
        suffix: "ml",
        image: "ghcr.io/immich-app/immich-machine-learning:v2.1.0",
        role: "worker",
        port: 3003,
        gpu: true,
        mounts: [configMount("/cache", "model-cache")],
      },
      postgres("ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0", "immich"),
      redis("valkey/valkey:8.1.4-alpine"),
    ],
    evidence: {
      tag: "immich-app/immich git tag v2.1.0 (release images ghcr.io/immich-app/immich-server|machine-learning:<tag>)",
      ports: `${IMMICH_COMPOSE} (2283 server; 3003 machine learning: server/src/dtos/config.dto.ts default URL)`,
      mounts: `${IMMICH_COMPOSE} (\${UPLOAD_LOCATION}:/data; model-cache:/cache; postgres at /var/lib/postgresql/data with 14-vectorchord0.4.3-pgvectors0.2.0)`,
      healthcheck: "immich-app/immich:server/Dockerfile (HEALTHCHECK CMD immich-healthcheck)",
      user: "immich-app/immich:server/Dockerfile (root; no PUID handling)",
      env: "https://immich.app/docs/install/environment-variables (DB_HOSTNAME, DB_PASSWORD, REDIS_HOSTNAME, IMMICH_MACHINE_LEARNING_URL)",
    },
  },
  {
    name: "local-ai",
    description: "OpenAI-compatible local inference",
    vpnCapable: false,
    auth: "two_factor",
    dashboard: { group: "Apps", icon: "localai.png" },
    gpu: true,
    main: {
      suffix: "",
      image: "localai/localai:v3.6.0",
      role: "web",
      port: 8080,
      mounts: [configMount("/models", "models")],
      healthcheck: httpHealthcheck(8080, "/readyz"),
    },
    evidence: {
      tag: "mudler/LocalAI@v3.6.0 (git tag; Docker Hub localai/localai:v3.6.0)",
      ports: "mudler/LocalAI@v3.6.0:Dockerfile (EXPOSE 8080)",
      mounts: "mudler/LocalAI@v3.6.0:Dockerfile (VOLUME /models /backends)",
      healthcheck: "mudler/LocalAI@v3.6.0:Dockerfile (requirements stage installs curl; HEALTHCHECK curl -f .../readyz)",
      user: "mudler/LocalAI@v3.6.0:Dockerfile (no USER: root)",
    },
  },
];
