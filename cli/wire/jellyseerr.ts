import type { JellyseerrServer } from "../../topology/appSync";
import type { ApiClient } from "./http";

/*
 * Jellyseerr's contract at v2.7.3 (fallenbagel/jellyseerr@v2.7.3):
 * - X-Api-Key acts as user 1, the administrator the setup wizard creates (server/middleware/auth.ts checkUser),
 *   and /settings/* needs ADMIN (server/routes/index.ts): before the first sign-in nothing can be set.
 * - GET /settings/public tells whether setup is done (`initialized`, server/lib/settings/index.ts fullPublicSettings).
 * - GET /settings/{sonarr,radarr} lists the servers; POST adds one as given (server/routes/settings/sonarr.ts);
 *   POST …/test reaches the app and answers its quality profiles and root folders, as the UI does before saving.
 * - The required fields of SonarrSettings / RadarrSettings: jellyseerr-api.yml (the OpenAPI validator refuses others).
 */
export const JELLYSEERR_PUBLIC = "/api/v1/settings/public";
const servers = (kind: JellyseerrServer["kind"]) => `/api/v1/settings/${kind}`;

interface ServerResource {
  id: number;
  hostname: string;
  port: number;
  is4k: boolean;
  isDefault: boolean;
}

interface TestResult {
  profiles: { id: number; name: string }[];
  rootFolders: { id: number; path: string }[];
}

/** Adds the planned Sonarr/Radarr servers Jellyseerr does not have yet (same host and port = already there). One line per server. */
export async function syncJellyseerr(api: ApiClient, planned: JellyseerrServer[], keyOf: (s: JellyseerrServer) => string, rerun: string): Promise<string[]> {
  await api.ready(JELLYSEERR_PUBLIC);
  const { initialized } = await api.get<{ initialized: boolean }>(JELLYSEERR_PUBLIC);
  if (!initialized) return [`jellyseerr: not set up yet: sign in once through its setup page, then run '${rerun}' to add ${names(planned)}`];
  const lines: string[] = [];
  for (const server of planned) {
    const existing = await api.get<ServerResource[]>(servers(server.kind));
    if (existing.some((e) => e.hostname === server.hostname && Number(e.port) === server.port)) {
      lines.push(`jellyseerr: ${server.service} is already a ${server.kind} server`);
      continue;
    }
    const apiKey = keyOf(server);
    const connection = { hostname: server.hostname, port: server.port, apiKey, useSsl: false, baseUrl: "" };
    const found = await api.post<TestResult>(`${servers(server.kind)}/test`, connection);
    const profile = found.profiles?.[0];
    const folder = found.rootFolders?.[0];
    if (!profile || !folder) {
      lines.push(`jellyseerr: ${server.service} has no ${!profile ? "quality profile" : "root folder"} yet: add one in ${server.service}, then run '${rerun}'`);
      continue;
    }
    // The UI's defaults (src/components/Settings/{Sonarr,Radarr}Modal), with the first profile and root folder.
    const isDefault = !existing.some((e) => !e.is4k && e.isDefault);
    await api.post(servers(server.kind), {
      name: server.service,
      ...connection,
      activeProfileId: profile.id,
      activeProfileName: profile.name,
      activeDirectory: folder.path,
      tags: [],
      is4k: false,
      isDefault,
      syncEnabled: false,
      preventSearch: false,
      tagRequests: false,
      ...(server.kind === "sonarr"
        ? { enableSeasonFolders: true, seriesType: "standard", animeSeriesType: "anime", animeTags: [] }
        : { minimumAvailability: "released" }),
    });
    lines.push(`jellyseerr: added ${server.service} (${server.hostname}:${server.port}, profile '${profile.name}', folder ${folder.path})`);
  }
  return lines;
}

const names = (planned: JellyseerrServer[]) => planned.map((s) => s.service).join(" and ");
