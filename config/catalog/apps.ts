import { configMount, dataMount, httpHealthcheck, postgres, redis } from "./builders";
import type { CatalogEntry } from "./types";

/** Self-hosted applications from the first seed document. */
export const apps: CatalogEntry[] = [
  {
    name: "immich",
    description: "Photo and video library",
    vpnCapable: false,
    auth: "one_factor",
    dashboard: { group: "Apps", icon: "immich.svg" },
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
      mounts: [{ ...dataMount, target: "/usr/src/app/upload" }],
      healthcheck: httpHealthcheck(2283, "/api/server/ping"),
    },
    companions: [
      { suffix: "ml", image: "ghcr.io/immich-app/immich-machine-learning:v2.1.0", role: "worker", port: 3003, mounts: [configMount("/cache", "model-cache")] },
      postgres("ghcr.io/immich-app/postgres:16-vectorchord0.4.3-pgvectors0.2.0", "immich"),
      redis("valkey/valkey:8.1.4-alpine"),
    ],
  },
  {
    name: "local-ai",
    description: "OpenAI-compatible local inference",
    vpnCapable: false,
    auth: "two_factor",
    dashboard: { group: "Apps", icon: "localai.png" },
    main: {
      suffix: "",
      image: "localai/localai:v3.6.0",
      role: "web",
      port: 8080,
      mounts: [configMount("/models", "models")],
      healthcheck: httpHealthcheck(8080, "/readyz"),
    },
  },
];
