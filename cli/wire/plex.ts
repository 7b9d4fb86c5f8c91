import type { ApiClient } from "./http";

/** Where LinuxServer's image keeps Plex's settings (PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR, linuxserver/docker-plex@1.42.2.10156-f737b826c-ls292:Dockerfile). */
export const PLEX_PREFERENCES = "/config/Library/Application Support/Plex Media Server/Preferences.xml";

/**
 * The server owner's token, which Plex keeps in Preferences.xml once the server is claimed (LinuxServer's
 * init-plex-claim writes it as PlexOnlineToken="…": root/etc/s6-overlay/s6-rc.d/init-plex-claim/run). None before.
 */
export function plexToken(preferences: string): string | undefined {
  return /\bPlexOnlineToken="([^"]+)"/.exec(preferences)?.[1];
}

/** GET /:/prefs answers the settings as MediaContainer.Setting[{id, value}] (https://developer.plex.tv/pms/, "Get all preferences"). */
interface Preferences {
  MediaContainer?: { Setting?: { id: string; value?: unknown }[] };
}

/**
 * Plex's `customConnections` (Settings → Network → Custom server access URLs): LinuxServer's image has no
 * ADVERTISE_IP (none in linuxserver/docker-plex@1.42.2.10156-f737b826c-ls292), and Plex owns and rewrites its
 * Preferences.xml, so the setting goes through Plex's API: PUT /:/prefs?<id>=<value> (https://developer.plex.tv/pms/,
 * "Set preferences"), a comma-separated list. Set only when it differs.
 */
export async function syncPlex(api: ApiClient, customConnections: string[]): Promise<string[]> {
  const wanted = customConnections.join(",");
  await api.ready("/identity");
  const prefs = await api.get<Preferences>("/:/prefs");
  const current = prefs?.MediaContainer?.Setting?.find((s) => s.id === "customConnections")?.value;
  if (current === wanted) return [`plex: custom server access URLs are already ${wanted}`];
  await api.put(`/:/prefs?customConnections=${encodeURIComponent(wanted)}`);
  return [`plex: custom server access URLs set to ${wanted}`];
}
