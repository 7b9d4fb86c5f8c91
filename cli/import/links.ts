import type { ComposeService } from "./compose";

export interface ImportedLinks {
  /** `homelab:links`: one dedicated network per service and the services it talked to. */
  links: Record<string, { services: string[] }>;
  changes: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * On one compose network every container reaches every other by name; homelab gives each service its own
 * network, so the pairs that really talk — `depends_on`, or an env value naming the other as a host
 * (`DB_HOST: wiki-db`, `http://sonarr:8989`) — get a link network of their own (the seed's preferred way).
 */
export function linksFromCompose(services: ComposeService[], listed: ReadonlyMap<string, string>, enabled: (name: string) => boolean): ImportedLinks {
  const hostPatterns = services
    .filter((s) => listed.has(s.name))
    .map((s) => ({
      compose: s.name,
      pattern: new RegExp(
        `(^|[/@=,\\s])(${[s.name, s.containerName]
          .filter(Boolean)
          .map((n) => escape(n!))
          .join("|")})(:\\d+|/|,|\\s|$)`,
      ),
    }));
  const links: Record<string, { services: string[] }> = {};
  const changes: string[] = [];
  const seen = new Set<string>();
  for (const svc of services) {
    const self = listed.get(svc.name);
    if (!self || !enabled(self)) continue;
    const byEnv = hostPatterns
      .filter((h) => h.compose !== svc.name && [...svc.environment.values()].some((v) => h.pattern.test(v.value)))
      .map((h) => h.compose);
    const peers = [...new Set([...svc.dependsOn, ...byEnv])].map((p) => listed.get(p)).filter((p): p is string => !!p && p !== self && enabled(p));
    if (!peers.length) continue;
    const members = [...new Set([self, ...peers])].sort();
    if (seen.has(members.join(","))) continue;
    seen.add(members.join(","));
    links[self] = { services: members };
    changes.push(`${members.join(" and ")} talked over the compose network: they share the link network vnet-link-${self} (homelab:links.${self})`);
  }
  return { links, changes };
}
