/** Docker names of everything the stack creates: one place decides them, with the prefix applied. */
export function naming(prefix: string) {
  return {
    container: (service: string, suffix = "") => `${prefix}${service}${suffix ? `-${suffix}` : ""}`,
    serviceNetwork: (service: string) => `${prefix}vnet-${service}`,
    linkNetwork: (link: string) => `${prefix}vnet-link-${link}`,
    /** The overlay on which dashboards on other hosts read `host`'s engine through its socket proxy. */
    remoteSocket: (host: string) => `${prefix}vnet-socket-${host}`,
    ingress: `${prefix}vnet-ingress`,
    socket: `${prefix}vnet-socket`,
    volume: (service: string, name: string) => `${prefix}${service}-${name}`,
  };
}
export type Naming = ReturnType<typeof naming>;
