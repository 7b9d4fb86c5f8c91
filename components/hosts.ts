import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedHost } from "../topology/types";

/**
 * One Docker provider per host of a multi-host stack (`homelab:hosts`), each talking to its engine by the
 * host URL the plan names (`ssh://`, `tcp://` or `unix://`: the provider's `host`,
 * www.pulumi.com/registry/packages/docker/api-docs/provider/). A stack without hosts has none: every
 * resource keeps the default provider (`docker:host`, or the local engine), exactly as before.
 */
export class DockerHosts {
  private readonly providers = new Map<string, docker.Provider>();
  private readonly urls = new Map<string, string>();
  private readonly managerName?: string;

  constructor(hosts: PlannedHost[] | undefined) {
    for (const h of hosts ?? []) {
      this.providers.set(h.name, new docker.Provider(`docker-${h.name}`, { host: h.docker }));
      this.urls.set(h.name, h.docker);
    }
    this.managerName = hosts?.find((h) => h.manager)?.name;
  }

  /** The options that register a resource through `host`'s engine (none for a single-host stack). */
  on(host: string | undefined): { provider?: docker.Provider } {
    const provider = host === undefined ? undefined : this.providers.get(host);
    if (host !== undefined && !provider) throw new pulumi.RunError(`the plan puts a resource on host '${host}', which homelab:hosts does not list`);
    return provider ? { provider } : {};
  }

  /** The host swarm-scoped networks are created through: the first manager. */
  get manager(): string | undefined {
    return this.managerName;
  }

  /** The Docker URL of a host, for the Docker CLI the live-file commands run (DOCKER_HOST). */
  url(host: string | undefined): string | undefined {
    return host === undefined ? undefined : this.urls.get(host);
  }
}

/** Key of a network that exists on one host among several: containers on that host look it up by this. */
export const onHostKey = (host: string, network: string) => `${host}/${network}`;

/** The network-name map as a container on `host` sees it: that host's own copy of a per-host network wins. */
export function networkNamesOn(names: ReadonlyMap<string, pulumi.Input<string>>, host: string | undefined): Map<string, pulumi.Input<string>> {
  const seen = new Map(names);
  if (host === undefined) return seen;
  const prefix = onHostKey(host, "");
  for (const [key, value] of names) if (key.startsWith(prefix)) seen.set(key.slice(prefix.length), value);
  return seen;
}
