import { apps } from "./apps";
import { core } from "./core";
import { indexers } from "./indexers";
import { media } from "./media";
import { tools } from "./tools";
import type { CatalogEntry } from "./types";
import { vpn } from "./vpn";

export * from "./types";
export { RETIRED } from "./retired";
export { AUTHELIA, AUTHELIA_PORT, CROWDSEC, CROWDSEC_LAPI_PORT, POSTGRES_IMAGE, SOCKET_PROXY, SOCKET_PROXY_PORT, TUNNEL_CONNECTOR } from "./core";
export { DOZZLE, HOMEPAGE, PORTAINER } from "./tools";
export { POSTGRES_PORT, REDIS_PORT } from "./builders";
export { GLUETUN, GLUETUN_PORTS } from "./vpn";

export const CATALOG: ReadonlyMap<string, CatalogEntry> = new Map([...core, ...tools, ...apps, ...media, ...indexers, ...vpn].map((e) => [e.name, e]));

export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.get(name);
}
