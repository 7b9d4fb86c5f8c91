import type { PortainerEnvironment } from "../../topology/appSync";
import { WireError, type ApiClient } from "./http";

/*
 * Portainer's contract, read at portainer/portainer@2.23.0 (the newest tag in the stored snapshot; the image is 2.33.3):
 * - GET /api/system/status is public (api/http/handler/system/handler.go): the readiness probe.
 * - POST /api/auth {Username, Password} answers {jwt}; a wrong password (or no such user) is 422 "Invalid credentials"
 *   (api/http/handler/auth/authenticate.go). The route is rate-limited, 10 a second per address and then banned for
 *   an hour (api/http/server.go NewRateLimiter): one sign-in per run.
 * - The JWT goes in `Authorization: Bearer <jwt>` (api/http/security/bouncer.go extractBearerToken); a request with it
 *   and without Portainer's cookie skips the CSRF check (ShouldSkipCSRFCheck).
 * - GET /api/endpoints lists the environments, each {Id, Name, URL, Type} (endpoints/endpoint_list.go, api/portainer.go).
 * - POST /api/endpoints takes a multipart form: Name, EndpointCreationType 1 (a Docker engine through its API), URL
 *   (api/http/handler/endpoints/endpoint_create.go). Portainer reads the engine once before it saves (500 "Unable to
 *   initiate communications with environment" when it cannot) and refuses a name it has (409).
 */
export const PORTAINER_STATUS = "/api/system/status";
export const PORTAINER_AUTH = "/api/auth";
export const PORTAINER_ENDPOINTS = "/api/endpoints";
/** The user `--admin-password-file` creates (api/cmd/portainer/main.go). */
export const PORTAINER_ADMIN = "admin";
/** endpointCreationEnum localDockerEnvironment: "Docker Standalone → API" in the UI. */
const DOCKER_API = "1";

interface Environment {
  Id: number;
  Name: string;
  URL: string;
}

/** What to tell the owner when Portainer refuses the stack's password: its admin was made by hand, before the stack gave it one. */
export interface PortainerRefusal {
  /** `homelab:keys.<name>`: where the owner holds the password Portainer does know. */
  key: string;
  stack: string;
}

/**
 * Signs in as the admin with the stack's password and adds every planned environment Portainer does not have yet
 * (same URL, or same name: one the owner added by hand stays as it is). One line per environment.
 * `connect` makes the API client, with or without the JWT.
 */
export async function syncPortainer(
  connect: (credentials: Record<string, string>) => ApiClient,
  password: string,
  environments: PortainerEnvironment[],
  refusal: PortainerRefusal,
): Promise<string[]> {
  const open = connect({});
  await open.ready(PORTAINER_STATUS);
  let jwt: string;
  try {
    ({ jwt } = await open.post<{ jwt: string }>(PORTAINER_AUTH, { Username: PORTAINER_ADMIN, Password: password }));
  } catch (e) {
    if (e instanceof WireError && e.status === 422)
      throw new WireError(
        `portainer refused the stack's admin password (HTTP 422): its administrator was set before, by hand. Hold that password instead (pulumi config set --secret --path '${refusal.key}' -s ${refusal.stack}, then 'homelab up ${refusal.stack}'), or add ${environments.map((e) => `${e.name} (${e.url})`).join(", ")} by hand (Environments → Add environment → Docker Standalone → API)`,
      );
    throw e;
  }
  const api = connect({ Authorization: `Bearer ${jwt}` });
  const existing = await api.get<Environment[]>(PORTAINER_ENDPOINTS);
  const lines: string[] = [];
  // One engine Portainer cannot reach (500) must not keep the others out: each is tried, the failures reported together.
  const failed: string[] = [];
  for (const env of environments) {
    const present = existing.find((e) => sameEngine(e.URL, env.url) || e.Name === env.name);
    if (present) {
      lines.push(
        sameEngine(present.URL, env.url)
          ? `portainer: ${env.name} is already an environment ('${present.Name}')`
          : `portainer: an environment named '${env.name}' reads ${present.URL}, not ${env.url}: left as it is (rename it to have ${env.name} added)`,
      );
      continue;
    }
    const form = new FormData();
    form.set("Name", env.name);
    form.set("EndpointCreationType", DOCKER_API);
    form.set("URL", env.url);
    try {
      await api.post(PORTAINER_ENDPOINTS, form);
      lines.push(`portainer: added ${env.name} (${env.url})`);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      failed.push(`${env.name}: ${e.message}`);
    }
  }
  if (failed.length) throw new WireError(`${lines.length ? `${lines.join("; ")}; but ` : ""}could not add ${failed.join("; ")}`);
  return lines;
}

/** The UI stores what the owner typed, with or without tcp:// (the plan's warning used to print `host:port`). */
const sameEngine = (a: string, b: string) => a.replace(/^tcp:\/\//, "") === b.replace(/^tcp:\/\//, "");
