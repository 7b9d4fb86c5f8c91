import { configMount, dataMount, mediaApp } from "./builders";
import type { CatalogEntry } from "./types";

/** The media stack of the second seed document: players, *arr managers, downloaders. */
export const media: CatalogEntry[] = [
  {
    ...mediaApp({ name: "jellyfin", description: "Media server", image: "lscr.io/linuxserver/jellyfin:10.11.2", port: 8096, healthPath: "/health" }),
    auth: "bypass", // Jellyfin apps cannot pass an SSO login page; it has its own accounts
  },
  {
    ...mediaApp({ name: "plex", description: "Media server", image: "lscr.io/linuxserver/plex:1.42.2", port: 32400, healthPath: "/identity" }),
    auth: "bypass",
  },
  mediaApp({ name: "jellyseerr", description: "Media requests", image: "fallenbagel/jellyseerr:2.7.3", port: 5055, healthPath: "/api/v1/status", media: false }),
  mediaApp({ name: "prowlarr", description: "Indexer manager", image: "lscr.io/linuxserver/prowlarr:2.0.5", port: 9696, group: "Downloads", healthPath: "/ping", media: false }),
  mediaApp({ name: "radarr", description: "Movies", image: "lscr.io/linuxserver/radarr:5.28.0", port: 7878, healthPath: "/ping" }),
  mediaApp({ name: "readarr", description: "Books", image: "lscr.io/linuxserver/readarr:0.4.18-develop", port: 8787, healthPath: "/ping" }),
  mediaApp({ name: "sonarr", description: "TV series", image: "lscr.io/linuxserver/sonarr:4.0.15", port: 8989, healthPath: "/ping" }),
  mediaApp({ name: "mylar", description: "Comics", image: "lscr.io/linuxserver/mylar3:0.8.3", port: 8090, icon: "mylar.png" }),
  mediaApp({ name: "whisparr", description: "Adult media", image: "ghcr.io/hotio/whisparr:v2-2.0.0.1149", port: 6969, healthPath: "/ping" }),
  mediaApp({ name: "bazarr", description: "Subtitles", image: "lscr.io/linuxserver/bazarr:1.5.3", port: 6767 }),
  mediaApp({ name: "lidarr", description: "Music", image: "lscr.io/linuxserver/lidarr:2.13.3", port: 8686, healthPath: "/ping" }),
  mediaApp({
    name: "tdarr",
    description: "Transcoding",
    image: "ghcr.io/haveagitgat/tdarr:2.49.01",
    port: 8265,
    extraPorts: [8266],
    env: () => ({ serverIP: "0.0.0.0", serverPort: "8266", webUIPort: "8265", internalNode: "true" }),
    configMounts: [configMount("/app/server", "server"), configMount("/app/configs", "configs")],
  }),
  {
    name: "unpackerr",
    description: "Extracts finished downloads for the *arr apps",
    vpnCapable: true,
    auth: "deny",
    main: { suffix: "", image: "golift/unpackerr:0.14.5", role: "worker", linuxserver: true, mounts: [configMount(), dataMount] },
  },
  mediaApp({ name: "sabnzbd", description: "Usenet downloader", image: "lscr.io/linuxserver/sabnzbd:4.5.3", port: 8080, group: "Downloads", healthPath: "/api?mode=version" }),
  mediaApp({ name: "qbittorrent", description: "BitTorrent downloader", image: "lscr.io/linuxserver/qbittorrent:5.1.2", port: 8080, extraPorts: [6881], group: "Downloads", downloader: true }),
];
