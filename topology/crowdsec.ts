import { CROWDSEC, CROWDSEC_LAPI_PORT } from "../config/catalog";
import { SecretEnvRef } from "../config/secret";
import { yamlFile } from "../config/yaml";
import type { StackConfig } from "../config/schema";
import type { Naming } from "./naming";
import { appsecCollections, appsecFiles } from "./appsec";
import { ACCESS_LOG_DIR } from "./proxy";
import type { PlannedFile, PlannedMount, PlannedSecret } from "./types";

export const BOUNCER_SECRET = "crowdsec-bouncer-key";

/** Where the proxy writes its access log inside its container (SWAG's nginx logs to its /config). */
const PROXY_LOG_DIR = { traefik: ACCESS_LOG_DIR, swag: "/config/log/nginx" } as const;

export interface CrowdSecSlice {
  lapi: string;
  /** The access-log volume, mounted read-write into the proxy and read-only into CrowdSec. */
  proxyLogMount: PlannedMount;
  crowdsecLogMount: PlannedMount;
  crowdsecEnv: Record<string, string>;
  crowdsecSecretEnv: Record<string, SecretEnvRef>;
  crowdsecFiles: PlannedFile[];
  /** For SWAG: the CrowdSec Docker mod and its settings (Traefik uses its plugin, see proxy.ts). */
  proxyEnv: Record<string, string>;
  proxySecretEnv: Record<string, SecretEnvRef>;
  secrets: PlannedSecret[];
}

/**
 * CrowdSec next to the proxy: it reads the proxy's access log from a shared volume (acquisition config below)
 * and the proxy's bouncer asks its local API about each client, with a key CrowdSec registers at start-up
 * (`BOUNCER_KEY_<name>`, generated and kept secret by the Pulumi layer).
 */
export function planCrowdSec(cfg: StackConfig, names: Naming): CrowdSecSlice {
  const lapiHost = `${names.container(CROWDSEC)}:${CROWDSEC_LAPI_PORT}`;
  const volume = names.volume(cfg.proxy, "access-logs");
  const logType = cfg.proxy === "traefik" ? "traefik" : "nginx";
  const collections = [
    ...new Set([
      `crowdsecurity/${logType}`,
      "crowdsecurity/http-cve",
      "crowdsecurity/base-http-scenarios",
      ...appsecCollections(cfg),
      ...cfg.crowdsec.collections,
    ]),
  ];
  const acquis = { filenames: [`${ACCESS_LOG_DIR}/access.log`], labels: { type: logType } };
  return {
    lapi: lapiHost,
    proxyLogMount: { source: volume, target: PROXY_LOG_DIR[cfg.proxy], readOnly: false, type: "volume" },
    crowdsecLogMount: { source: volume, target: ACCESS_LOG_DIR, readOnly: true, type: "volume" },
    crowdsecEnv: { COLLECTIONS: collections.join(" ") },
    crowdsecSecretEnv: { [`BOUNCER_KEY_${cfg.proxy}`]: SecretEnvRef.secret(BOUNCER_SECRET) },
    crowdsecFiles: [{ path: "/etc/crowdsec/acquis.yaml", content: yamlFile(acquis), secret: false }, ...appsecFiles(cfg)],
    proxyEnv: cfg.proxy === "swag" ? { DOCKER_MODS: "linuxserver/mods:swag-crowdsec", CROWDSEC_LAPI_URL: `http://${lapiHost}` } : {},
    proxySecretEnv: cfg.proxy === "swag" ? { CROWDSEC_API_KEY: SecretEnvRef.secret(BOUNCER_SECRET) } : {},
    secrets: [{ name: BOUNCER_SECRET, source: "generated", length: 48, purpose: `CrowdSec bouncer API key for ${cfg.proxy}` }],
  };
}
