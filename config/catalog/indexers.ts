import { httpHealthcheck, linuxserverEvidence, mediaApp } from "./builders";
import type { CatalogEntry } from "./types";

const FLARESOLVERR = "FlareSolverr/FlareSolverr@v3.4.5";

/** Indexer helpers next to Prowlarr: Jackett (torrent indexer proxy) and FlareSolverr (solves Cloudflare challenges for them). */
export const indexers: CatalogEntry[] = [
  mediaApp({
    name: "jackett",
    description: "Torrent indexer proxy",
    image: "lscr.io/linuxserver/jackett:0.24.336",
    port: 9117,
    group: "Downloads",
    media: false,
    evidence: linuxserverEvidence("jackett", "v0.24.336-ls222", "alpine-3.22"),
  }),
  {
    name: "flaresolverr",
    description: "Solves Cloudflare challenges for the indexer managers",
    vpnCapable: true,
    // An API for Prowlarr and Jackett only, never a page for people: no route, no dashboard tile.
    auth: "deny",
    main: {
      suffix: "",
      image: "ghcr.io/flaresolverr/flaresolverr:v3.4.5",
      role: "worker",
      port: 8191,
      mounts: [],
      healthcheck: httpHealthcheck(8191, "/health"),
    },
    evidence: {
      tag: `${FLARESOLVERR} (git tag, 2025-11-11; .github/workflows/release-docker.yml pushes ghcr.io/flaresolverr/flaresolverr:v<semver>)`,
      ports: `${FLARESOLVERR}:Dockerfile (EXPOSE 8191; 8192 is the optional Prometheus exporter)`,
      mounts: `${FLARESOLVERR}:Dockerfile (no VOLUME: stateless)`,
      healthcheck: `${FLARESOLVERR}:Dockerfile (apt-get install curl) and src/flaresolverr.py (@app.route('/health'))`,
      user: `${FLARESOLVERR}:Dockerfile (USER flaresolverr: fixed, no PUID)`,
    },
  },
];
