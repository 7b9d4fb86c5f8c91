import { configMount, dataMount, httpHealthcheck, linuxserverEvidence, mediaApp } from "./builders";
import type { CatalogEntry } from "./types";

const SERVARR_APIKEY =
  "Sonarr/Sonarr@v4.0.15.2941:src/NzbDrone.Host/Bootstrap.cs:178 binds <App>:Auth from env (<APP>__AUTH__APIKEY); ConfigFileProvider.cs:188 prefers it";
const TDARR = "HaveAGitGat/Tdarr@c9715e1";
const tdarrEvidence = (extra: string, healthcheck = `curl: ${TDARR}:docker/Dockerfile.final (apt-get install -y curl)`) => ({
  tag: "alexbelgium/hassio-addons#2194 (2.49.01 shipped before 2.50.01); truenas/charts#1840 (ghcr tags are the bare version)",
  ports: `https://docs.tdarr.io/docs/installation/variables (webUIPort 8265, serverPort 8266)${extra}`,
  mounts: "https://docs.tdarr.io/docs/installation/docker/run-compose (/app/server, /app/configs, /app/logs, /temp)",
  healthcheck,
  user: `PUID/PGID: ${TDARR}:docker/root/etc/cont-init.d/01-setup-perms`,
  env: "https://docs.tdarr.io/docs/installation/variables",
});

/**
 * The node answers no HTTP request of its own, so its healthcheck asks whether the Tdarr_Node process runs (s6 execs it
 * as `./Tdarr_Node`). `[T]` keeps the check's own command line (sh -c …, grep …) from matching itself.
 */
export const TDARR_NODE_HEALTHCHECK = {
  test: ["CMD-SHELL", "grep -qs '[T]darr_Node' /proc/[0-9]*/cmdline || exit 1"],
  interval: "30s",
  timeout: "10s",
  retries: 3,
  startPeriod: "1m0s",
};

/** The media stack of the second seed document: players, *arr managers, downloaders. */
export const media: CatalogEntry[] = [
  {
    ...mediaApp({
      name: "jellyfin",
      description: "Media server",
      image: "lscr.io/linuxserver/jellyfin:10.11.2",
      port: 8096,
      healthPath: "/health",
      gpu: true,
      evidence: linuxserverEvidence("jellyfin", "10.11.2ubu2404-ls6", "ubuntu-noble"),
    }),
    auth: "bypass", // Jellyfin apps cannot pass an SSO login page; it has its own accounts
  },
  {
    ...mediaApp({
      name: "plex",
      description: "Media server",
      image: "lscr.io/linuxserver/plex:1.42.2",
      port: 32400,
      healthPath: "/identity",
      gpu: true,
      // LSIO runs Plex with host networking, so readme-vars.yml lists no ports: 32400 is Plex's own.
      evidence: {
        ...linuxserverEvidence("plex", "1.42.2.10156-f737b826c-ls292", "ubuntu-noble"),
        ports: "linuxserver/docker-plex@1.42.2.10156-f737b826c-ls292:readme-vars.yml (host networking; the web app at :32400)",
      },
    }),
    auth: "bypass",
  },
  {
    ...mediaApp({
      name: "jellyseerr",
      description: "Media requests",
      image: "fallenbagel/jellyseerr:2.7.3",
      port: 5055,
      media: false,
      // node:22-alpine plus tzdata and tini: no curl, but busybox wget, which upstream's own healthcheck uses.
      healthcheck: httpHealthcheck(5055, "/api/v1/status", "wget"),
      configMounts: [configMount("/app/config")],
      linuxserver: false,
      evidence: {
        tag: "fallenbagel/jellyseerr@v2.7.3 (git tag; the release workflow pushes the image)",
        ports: "fallenbagel/jellyseerr@v2.7.3:Dockerfile (EXPOSE 5055)",
        mounts: "fallenbagel/jellyseerr@v2.7.3:docs/getting-started/docker.mdx (/app/config)",
        healthcheck:
          "fallenbagel/jellyseerr@v2.7.3:Dockerfile (node:22-alpine + tzdata tini: busybox wget, no curl); docs/getting-started/docker.mdx healthcheck uses wget --spider",
        user: "fallenbagel/jellyseerr@v2.7.3:Dockerfile (no USER, no PUID: runs as root)",
        env: "fallenbagel/jellyseerr@v2.7.3:server/lib/settings/index.ts:686 (API_KEY becomes main.apiKey, also over a stored one)",
      },
    }),
    // A generated key, so `homelab wire` can add the Sonarr and Radarr servers without reading Jellyseerr's settings.json.
    apiKey: { env: "API_KEY" },
  },
  mediaApp({
    name: "prowlarr",
    servarr: { app: "prowlarr", homepageWidget: true },
    description: "Indexer manager",
    image: "lscr.io/linuxserver/prowlarr:2.0.5",
    port: 9696,
    group: "Downloads",
    healthPath: "/ping",
    media: false,
    evidence: linuxserverEvidence("prowlarr", "2.0.5.5160-ls130", "alpine-3.22", SERVARR_APIKEY),
  }),
  mediaApp({
    name: "radarr",
    servarr: { app: "radarr", homepageWidget: true, unpackerr: true, prowlarr: true, jellyseerr: true },
    description: "Movies",
    image: "lscr.io/linuxserver/radarr:5.28.0",
    port: 7878,
    healthPath: "/ping",
    evidence: linuxserverEvidence("radarr", "5.28.0.10274-ls286", "alpine-3.22", SERVARR_APIKEY),
  }),
  {
    ...mediaApp({
      name: "readarr",
      servarr: { app: "readarr", homepageWidget: true, unpackerr: true, prowlarr: true },
      description: "Books",
      image: "lscr.io/linuxserver/readarr:0.4.18-develop",
      port: 8787,
      healthPath: "/ping",
      evidence: linuxserverEvidence("readarr", "develop-0.4.18.2805-ls156", "alpine-3.21", SERVARR_APIKEY),
    }),
    deprecated: {
      since: "2025-06-27",
      replacement: "LazyLibrarian (lscr.io/linuxserver/lazylibrarian, maintained by LinuxServer.io)",
      source: "linuxserver/docker-readarr@develop-0.4.18.2805-ls157:readme-vars.yml (project_deprecation_status: true; upstream retired the project)",
    },
  },
  mediaApp({
    name: "sonarr",
    servarr: { app: "sonarr", homepageWidget: true, unpackerr: true, prowlarr: true, jellyseerr: true },
    description: "TV series",
    image: "lscr.io/linuxserver/sonarr:4.0.15",
    port: 8989,
    healthPath: "/ping",
    evidence: linuxserverEvidence("sonarr", "4.0.15.2941-ls296", "alpine-3.22", SERVARR_APIKEY),
  }),
  mediaApp({
    name: "mylar",
    description: "Comics",
    image: "lscr.io/linuxserver/mylar3:0.8.3",
    port: 8090,
    icon: "mylar.png",
    evidence: linuxserverEvidence("mylar3", "v0.8.3-ls241", "ubuntu-jammy"),
  }),
  mediaApp({
    name: "whisparr",
    servarr: { app: "whisparr", unpackerr: true, prowlarr: true },
    description: "Adult media",
    // hotio tags images `<branch>-<version>` (hotio/build-workflow); v2 is at 2.1.0-release.53 (hotio/whisparr@9585ed3:meta.json).
    image: "ghcr.io/hotio/whisparr:v2-2.1.0-release.53",
    port: 6969,
    healthPath: "/ping",
    evidence: {
      tag: "hotio/whisparr@9585ed3:meta.json (branch v2, version 2.1.0-release.53) + hotio/build-workflow:.github/workflows/build-on-call.yml (tag = <branch>-<version>)",
      ports: "hotio/whisparr@9585ed3:linux-amd64.Dockerfile (EXPOSE 6969)",
      mounts: "hotio/whisparr@9585ed3:root/etc/s6-overlay/s6-rc.d/service-whisparr/run (--data=${CONFIG_DIR}, /config)",
      healthcheck: "curl: hotio/whisparr@9585ed3:linux-amd64.Dockerfile runs curl from the hotio base image without installing it",
      user: "PUID/PGID: hotio base (service-whisparr/run drops to user hotio with s6-setuidgid)",
      env: SERVARR_APIKEY,
    },
  }),
  mediaApp({
    name: "bazarr",
    description: "Subtitles",
    image: "lscr.io/linuxserver/bazarr:1.5.3",
    port: 6767,
    evidence: linuxserverEvidence("bazarr", "v1.5.3-ls329", "alpine-3.22"),
  }),
  mediaApp({
    name: "lidarr",
    servarr: { app: "lidarr", homepageWidget: true, unpackerr: true, prowlarr: true },
    description: "Music",
    image: "lscr.io/linuxserver/lidarr:2.13.3",
    port: 8686,
    healthPath: "/ping",
    evidence: linuxserverEvidence("lidarr", "2.13.3.4711-ls5", "alpine-3.22", SERVARR_APIKEY),
  }),
  mediaApp({
    name: "tdarr",
    description: "Transcoding",
    image: "ghcr.io/haveagitgat/tdarr:2.49.01",
    port: 8265,
    extraPorts: [8266],
    gpu: true,
    env: () => ({ serverIP: "0.0.0.0", serverPort: "8266", webUIPort: "8265", internalNode: "true" }),
    configMounts: [configMount("/app/server", "server"), configMount("/app/configs", "configs")],
    evidence: tdarrEvidence(""),
  }),
  {
    name: "tdarr-node",
    description: "Transcoding node: takes work from the Tdarr server over a link network",
    vpnCapable: false,
    auth: "deny",
    gpu: true,
    linksTo: ["tdarr"],
    main: {
      suffix: "",
      image: "ghcr.io/haveagitgat/tdarr_node:2.49.01",
      role: "worker",
      port: 8267,
      linuxserver: true,
      env: (n) => ({ nodeName: n.container(), serverIP: n.service("tdarr"), serverPort: "8266", nodeIP: n.container(), nodePort: "8267", inContainer: "true" }),
      mounts: [configMount("/app/configs", "configs"), dataMount],
      healthcheck: TDARR_NODE_HEALTHCHECK,
    },
    evidence: tdarrEvidence(
      ", nodePort 8267",
      `process check: ${TDARR}:docker/root/etc/services.d/tdarr_node/run (exec ./Tdarr_Node in /app/Tdarr_Node) on Ubuntu with sh and grep (docker/Dockerfile.base FROM lsiobase/ubuntu:jammy); the node serves no HTTP endpoint to probe (https://docs.tdarr.io/docs/installation/variables)`,
    ),
  },
  {
    name: "unpackerr",
    description: "Extracts finished downloads for the *arr apps",
    vpnCapable: true,
    auth: "deny",
    // A scratch image with no PUID handling: Docker's `user` gives it the owner's uid/gid instead of root.
    main: { suffix: "", image: "golift/unpackerr:0.14.5", role: "worker", user: "puid", mounts: [configMount(), dataMount] },
    evidence: {
      tag: "Unpackerr/unpackerr@v0.14.5 (git tag; Docker Hub golift/unpackerr)",
      ports: "Unpackerr/unpackerr@v0.14.5:init/docker/Dockerfile (no EXPOSE: no web UI)",
      mounts: "Unpackerr/unpackerr@v0.14.5:init/docker/Dockerfile (/config for unpackerr.conf; downloads under /data here)",
      healthcheck: "Unpackerr/unpackerr@v0.14.5:init/docker/Dockerfile (FROM scratch: no shell or HTTP client, so no healthcheck)",
      user: "Unpackerr/unpackerr@v0.14.5:init/docker/Dockerfile (FROM scratch, no USER: set with Docker's user)",
    },
  },
  mediaApp({
    name: "sabnzbd",
    description: "Usenet downloader",
    image: "lscr.io/linuxserver/sabnzbd:4.5.3",
    port: 8080,
    group: "Downloads",
    healthPath: "/api?mode=version",
    evidence: linuxserverEvidence("sabnzbd", "4.5.3-ls234", "alpine-3.22"),
  }),
  {
    ...mediaApp({
      name: "qbittorrent",
      description: "BitTorrent downloader",
      image: "lscr.io/linuxserver/qbittorrent:5.1.2",
      port: 8080,
      extraPorts: [6881],
      group: "Downloads",
      downloader: true,
      portEnv: "WEBUI_PORT",
      evidence: linuxserverEvidence(
        "qbittorrent",
        "5.1.2-r4-ls426",
        "alpine-edge",
        "linuxserver/docker-qbittorrent@5.1.2-r4-ls426:readme-vars.yml (WEBUI_PORT, TORRENTING_PORT)",
      ),
    }),
    // qBittorrent's Web API sets the torrent listening port; it needs "bypass authentication for 127.0.0.1/32" in its Web UI settings.
    forwardedPortCommand: (webPort) =>
      `/bin/sh -c 'wget -qO- --retry-connrefused --post-data "json={\\"listen_port\\":{{PORTS}}}" http://127.0.0.1:${webPort}/api/v2/app/setPreferences 2>&1'`,
  },
];
