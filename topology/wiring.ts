import { GLUETUN, HOMEPAGE } from "../config/catalog";
import type { StackConfig } from "../config/schema";
import { SecretEnvRef } from "../config/secret";
import type { Naming } from "./naming";
import type { ContainerPatch } from "./patch";
import type { PlannedContainer, PlannedSecret, PlanProblem, PlexPlan, ResolvedService } from "./types";

const UNPACKERR = "unpackerr";

/** A Homepage service widget: its type, the URL Homepage calls, and the env var holding the API key. */
export interface Widget {
  type: string;
  url: string;
  keyEnv: string;
}

export interface Wiring {
  /** The API keys as secret env of each app, Homepage and Unpackerr; Unpackerr's URLs. */
  patches: ContainerPatch[];
  secrets: PlannedSecret[];
  warnings: string[];
  /** Service name → its Homepage widget. */
  widgets: Map<string, Widget>;
}

/**
 * The media stack wired together without clicking through each UI: every Servarr app gets a generated API key
 * (read from `<APP>__AUTH__APIKEY`, Sonarr/Sonarr@v4.0.15.2941:src/NzbDrone.Host/Bootstrap.cs:178), and the same
 * secret is handed to Unpackerr (`UN_<APP>_0_API_KEY`, Unpackerr/unpackerr@v0.14.5:examples/docker-compose.yml) and
 * to Homepage's widgets (`{{HOMEPAGE_VAR_*}}` in services.yaml, gethomepage/homepage@v1.5.0:src/utils/config/config.js).
 */
export function planWiring(
  services: ResolvedService[],
  containers: PlannedContainer[],
  names: Naming,
  routed: Set<string>,
  linksOf: (service: string) => string[],
): Wiring {
  const patches: ContainerPatch[] = [];
  const secrets: PlannedSecret[] = [];
  const warnings: string[] = [];
  const widgets = new Map<string, Widget>();
  const main = new Set(containers.filter((c) => c.name === names.container(c.service)).map((c) => c.service));
  const has = (name: string) => main.has(name);

  for (const svc of services.filter((s) => s.entry.apiKey && main.has(s.name))) {
    const key = svc.entry.apiKey!;
    const secret = `${svc.name}-api-key`;
    const port = svc.entry.main.port!;
    secrets.push({ name: secret, source: "generated", length: 32, purpose: `${svc.name} API key (${key.env})` });
    patches.push({ container: names.container(svc.name), secretEnv: { [key.env]: SecretEnvRef.secret(secret) } });

    if (key.homepageWidget && has(HOMEPAGE)) {
      // Homepage is on vnet-ingress with every web app; a routed app answers at Gluetun's name.
      const host = routed.has(svc.name) ? names.container(GLUETUN) : names.container(svc.name);
      const keyEnv = `HOMEPAGE_VAR_${svc.name.toUpperCase().replace(/-/g, "_")}_API_KEY`;
      patches.push({ container: names.container(HOMEPAGE), secretEnv: { [keyEnv]: SecretEnvRef.secret(secret) } });
      widgets.set(svc.name, { type: key.homepageWidget, url: `http://${host}:${port}`, keyEnv });
    }
    if (key.unpackerr && has(UNPACKERR)) {
      const url = reach(UNPACKERR, svc.name, port);
      if (!url) {
        warnings.push(`homelab:services.${UNPACKERR}: unpackerr cannot reach ${svc.name}: route both through the VPN or join them with a link (homelab:links)`);
        continue;
      }
      const prefix = `UN_${key.unpackerr}_0`;
      patches.push({
        container: names.container(UNPACKERR),
        env: { [`${prefix}_URL`]: url, [`${prefix}_PATHS_0`]: "/data" },
        secretEnv: { [`${prefix}_API_KEY`]: SecretEnvRef.secret(secret) },
      });
    }
  }
  return { patches, secrets, warnings, widgets };

  /** How `from` reaches `to`'s web port: one namespace (both routed), or a shared link network. */
  function reach(from: string, to: string, port: number): string | undefined {
    if (routed.has(from) && routed.has(to)) return `http://127.0.0.1:${port}`;
    if (!routed.has(from) && !routed.has(to) && linksOf(from).some((l) => linksOf(to).includes(l))) return `http://${names.container(to)}:${port}`;
    return undefined;
  }
}

/**
 * `homelab:plex.claim` → PLEX_CLAIM on Plex, as a secret from the stack's secret config; `homelab:plex.advertise`
 * → the custom server access URLs `homelab wire` sets through Plex's API (Plex keeps them in its Preferences.xml).
 */
export function planPlex(
  cfg: StackConfig,
  containers: PlannedContainer[],
  names: Naming,
): { patches: ContainerPatch[]; secrets: PlannedSecret[]; problems: PlanProblem[]; plex?: PlexPlan } {
  const none = { patches: [], secrets: [] };
  if (!cfg.plex) return { ...none, problems: [] };
  const plex = containers.find((c) => c.name === names.container("plex"));
  if (!plex) {
    const problem = cfg.plex.claim
      ? { path: "homelab:plex.claim", message: "plex is not in homelab:services, so there is no server to claim" }
      : { path: "homelab:plex.advertise", message: "plex is not in homelab:services, so there is no server to set it on" };
    return { ...none, problems: [problem] };
  }
  const claim = cfg.plex.claim;
  return {
    patches: claim ? [{ container: plex.name, secretEnv: { PLEX_CLAIM: SecretEnvRef.secret("plex-claim") } }] : [],
    secrets: claim ? [{ name: "plex-claim", source: "config", path: "homelab:plex.claim", value: claim, purpose: "Plex claim token (first start)" }] : [],
    problems: [],
    ...(cfg.plex.advertise ? { plex: { customConnections: cfg.plex.advertise } } : {}),
  };
}
