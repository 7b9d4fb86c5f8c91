/** Where a stack's Docker engine is, and which setting said so. */
export interface DockerHost {
  /** `unix:///var/run/docker.sock`, `tcp://nas:2375`, `ssh://user@nas`, … */
  url: string;
  source: "docker:host" | "DOCKER_HOST" | "default";
  /** The folder with the client certificate for a TLS engine: `docker:certPath`, else DOCKER_CERT_PATH. */
  certPath?: string;
}

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** The stack's `docker:` provider settings (`pulumi config set docker:host …`). */
export interface StackDockerConfig {
  host?: unknown;
  certPath?: unknown;
}

const setting = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/**
 * The one order in which every part of homelab finds the engine: the order of the Docker provider that
 * `up` drives (`docker:host` config, else DOCKER_HOST: @pulumi/docker 5.2.0 config/vars.js), else the local
 * socket. `homelab audit`, the probe and the Docker CLI that writes live files therefore all look at the
 * engine `up` changed, whatever DOCKER_HOST the shell happens to carry.
 */
export function resolveDockerHost(stack: StackDockerConfig, env: NodeJS.ProcessEnv): DockerHost {
  const certPath = setting(stack.certPath) ?? setting(env.DOCKER_CERT_PATH);
  const tls = certPath ? { certPath } : {};
  const host = setting(stack.host);
  if (host) return { url: host, source: "docker:host", ...tls };
  const inherited = setting(env.DOCKER_HOST);
  if (inherited) return { url: inherited, source: "DOCKER_HOST", ...tls };
  return { url: DEFAULT_DOCKER_HOST, source: "default", ...tls };
}
