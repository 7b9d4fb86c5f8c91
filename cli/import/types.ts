import type { SecretSetting } from "./secrets";

export interface ReportLine {
  service: string;
  text: string;
  at: string;
}

/** What happened to every compose service and setting, grouped as `homelab import` prints it. */
export interface ImportReport {
  catalog: ReportLine[];
  /** Services the stack runs by itself (proxy, SSO, VPN gateway, tunnel, socket proxy, IPS), and the settings taken from them. */
  provided: ReportLine[];
  custom: ReportLine[];
  dropped: ReportLine[];
  changes: string[];
  warnings: string[];
}

export interface ImportResult {
  /** `homelab:*` keys without the namespace. */
  config: Record<string, unknown>;
  secrets: SecretSetting[];
  report: ImportReport;
  /** A comment to write next to a service in the stack file. */
  comments: Record<string, string>;
}

/** What mapping the compose services gathers on its way. */
export interface Context {
  domain: string;
  services: Record<string, Record<string, unknown>>;
  secrets: SecretSetting[];
  report: ImportReport;
  comments: Record<string, string>;
  ids: { puid: string[]; pgid: string[]; tz: string[]; config: string[]; data: string[] };
  /** Compose name → homelab name, for every service listed in homelab:services. */
  listed: Map<string, string>;
  routedInCompose: Set<string>;
  /** A Docker-API app that needs write access (Portainer) had the whole socket in compose. */
  socketWrite: boolean;
}
