import { configMount, httpHealthcheck } from "./builders";
import type { CatalogEntry } from "./types";

/** Dashboards and monitoring tools; the ones that read Docker go through the socket proxy. */
export const tools: CatalogEntry[] = [
  {
    name: "dozzle",
    description: "Live container logs",
    vpnCapable: false,
    dockerApi: "read",
    auth: "two_factor",
    dashboard: { group: "Monitoring", icon: "dozzle.svg" },
    main: { suffix: "", image: "amir20/dozzle:v8.14.5", role: "monitoring", port: 8080, healthcheck: { test: ["CMD", "/dozzle", "healthcheck"], interval: "30s", timeout: "5s", retries: 3 } },
  },
  {
    name: "portainer",
    description: "Container management",
    vpnCapable: false,
    dockerApi: "write",
    auth: "two_factor",
    dashboard: { group: "Monitoring", icon: "portainer.svg" },
    main: { suffix: "", image: "portainer/portainer-ce:2.33.2", role: "monitoring", port: 9000, mounts: [configMount("/data")] },
  },
  {
    name: "homepage",
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
  },
];
