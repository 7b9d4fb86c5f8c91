import * as http from "node:http";
import type { AddressInfo } from "node:net";

/*
 * HTTP doubles of the APIs `homelab wire` calls, each implementing the contract cited in cli/wire/:
 * Prowlarr v2.0.5.5160 (/api/v1/system/status, /api/v1/applications with the provider validation and the
 * connection test before saving) and Jellyseerr v2.7.3 (/api/v1/settings/public, /api/v1/settings/{sonarr,radarr}
 * and …/test, X-Api-Key acting as the admin that exists only once setup is done, the required fields of
 * jellyseerr-api.yml) and Plex (/identity, GET and PUT /:/prefs with X-Plex-Token). No real image runs here.
 */

/** An *arr app the doubles can "reach": the key it accepts, its profiles and root folders. */
export interface ArrApp {
  apiKey: string;
  profiles: { id: number; name: string }[];
  rootFolders: { id: number; path: string }[];
}

export interface Double {
  url: string;
  /** Every request as `METHOD path`. */
  requests: string[];
  /** Bodies of the POSTs that saved something. */
  saved: Record<string, unknown>[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, body: unknown) => { status: number; body?: unknown };

async function serve(handle: Handler): Promise<Double> {
  const requests: string[] = [];
  const saved: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        res.writeHead(400).end("not JSON");
        return;
      }
      const answer = handle(req, body);
      if (answer.status === 201 && req.method === "POST") saved.push(body as Record<string, unknown>);
      res.writeHead(answer.status, { "Content-Type": "application/json" }).end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, saved, close: () => new Promise((r) => server.close(() => r())) };
}

const isUrl = (v: unknown) => typeof v === "string" && /^https?:\/\/[^\s/]+/.test(v);

/**
 * Prowlarr: X-Api-Key or 401; POST /api/v1/applications validates like ProviderControllerBase (name unique, implementation,
 * configContract, fields) and the settings validator (BaseUrl and ProwlarrUrl URLs, ApiKey not empty), then tests the app
 * (`apps`, by base URL: unknown → "cannot connect", wrong key → "API Key is invalid"), and answers 201.
 */
export function prowlarrDouble(apiKey: string, apps: Record<string, ArrApp>): Promise<Double> {
  const applications: Record<string, unknown>[] = [];
  return serve((req, body) => {
    if (req.headers["x-api-key"] !== apiKey) return { status: 401 };
    if (req.method === "GET" && req.url === "/api/v1/system/status") return { status: 200, body: { appName: "Prowlarr", version: "2.0.5.5160" } };
    if (req.url !== "/api/v1/applications") return { status: 404 };
    if (req.method === "GET") return { status: 200, body: applications };
    const b = body as { name?: string; implementation?: string; configContract?: string; syncLevel?: string; fields?: { name: string; value: unknown }[] };
    const field = (name: string) => b.fields?.find((f) => f.name === name)?.value;
    const failures: { propertyName: string; errorMessage: string }[] = [];
    const fail = (propertyName: string, errorMessage: string) => failures.push({ propertyName, errorMessage });
    if (!b.name) fail("Name", "'Name' must not be empty.");
    if (applications.some((a) => String(a.name).toLowerCase() === b.name?.toLowerCase())) fail("Name", "Should be unique");
    if (!b.implementation) fail("Implementation", "'Implementation' must not be empty.");
    if (b.configContract !== `${b.implementation}Settings`) fail("ConfigContract", "unknown config contract");
    if (!["disabled", "addOnly", "fullSync"].includes(String(b.syncLevel))) fail("SyncLevel", "invalid");
    if (!b.fields) fail("Fields", "'Fields' must not be empty.");
    if (!isUrl(field("baseUrl"))) fail("BaseUrl", "Invalid Url");
    if (!isUrl(field("prowlarrUrl"))) fail("ProwlarrUrl", "Invalid Url");
    if (!field("apiKey")) fail("ApiKey", "'Api Key' must not be empty.");
    if (failures.length === 0) {
      const app = apps[String(field("baseUrl"))];
      if (!app) fail("BaseUrl", `Unable to complete application test, cannot connect to ${b.implementation}.`);
      else if (app.apiKey !== field("apiKey")) fail("ApiKey", "API Key is invalid");
    }
    if (failures.length) return { status: 400, body: failures };
    applications.push({ ...b, id: applications.length + 1 });
    return { status: 201, body: { ...b, id: applications.length } };
  });
}

const DVR_REQUIRED = ["name", "hostname", "port", "apiKey", "useSsl", "activeProfileId", "activeProfileName", "activeDirectory", "is4k", "isDefault"];
const SONARR_REQUIRED = [...DVR_REQUIRED, "enableSeasonFolders"];
const RADARR_REQUIRED = [...DVR_REQUIRED, "minimumAvailability"];

/**
 * Jellyseerr: /settings/public for anyone; /settings/* only with the API key once setup made the admin (else 403);
 * …/test reaches `apps` by `hostname:port` with the key (else 500 "Failed to connect"); POST checks the required fields.
 */
export function jellyseerrDouble(apiKey: string, apps: Record<string, ArrApp>, initialized = true): Promise<Double> {
  const servers: Record<string, Record<string, unknown>[]> = { sonarr: [], radarr: [] };
  return serve((req, body) => {
    if (req.method === "GET" && req.url === "/api/v1/settings/public") return { status: 200, body: { initialized, applicationTitle: "Jellyseerr" } };
    const match = /^\/api\/v1\/settings\/(sonarr|radarr)(\/test)?$/.exec(req.url ?? "");
    if (!match) return { status: 404 };
    if (req.headers["x-api-key"] !== apiKey || !initialized)
      return { status: 403, body: { status: 403, error: "You do not have permission to access this endpoint" } };
    const [, kind, test] = match;
    const b = (body ?? {}) as Record<string, unknown>;
    if (req.method === "GET" && !test) return { status: 200, body: servers[kind] };
    if (req.method !== "POST") return { status: 404 };
    if (test) {
      const app = apps[`${b.hostname}:${b.port}`];
      if (!app || app.apiKey !== b.apiKey) return { status: 500, body: { message: `Failed to connect to ${kind === "sonarr" ? "Sonarr" : "Radarr"}` } };
      return { status: 200, body: { profiles: app.profiles, rootFolders: app.rootFolders, tags: [], urlBase: "" } };
    }
    const missing = (kind === "sonarr" ? SONARR_REQUIRED : RADARR_REQUIRED).filter((k) => b[k] === undefined);
    if (missing.length) return { status: 400, body: { message: `request/body must have required property '${missing[0]}'` } };
    const saved = { ...b, id: servers[kind].length };
    servers[kind].push(saved);
    return { status: 201, body: saved };
  });
}

/** Plex: /identity for anyone; /:/prefs with the owner's X-Plex-Token (else 401): GET lists the settings, PUT ?id=value sets them. */
export function plexDouble(token: string, settings: Record<string, string> = { customConnections: "", FriendlyName: "home" }): Promise<Double> {
  return serve((req) => {
    const url = new URL(req.url ?? "/", "http://plex");
    if (req.method === "GET" && url.pathname === "/identity") return { status: 200, body: { MediaContainer: { machineIdentifier: "m" } } };
    if (url.pathname !== "/:/prefs") return { status: 404 };
    if (req.headers["x-plex-token"] !== token) return { status: 401 };
    if (req.method === "GET") return { status: 200, body: { MediaContainer: { Setting: Object.entries(settings).map(([id, value]) => ({ id, value })) } } };
    if (req.method !== "PUT") return { status: 404 };
    for (const [id, value] of url.searchParams) {
      if (!(id in settings)) return { status: 400 };
      settings[id] = value;
    }
    return { status: 200 };
  });
}
