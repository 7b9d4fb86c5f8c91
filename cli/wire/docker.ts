import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { dockerOptions, stackDockerHost } from "../audit";
import { WireError } from "./http";
import type { ContainerLocator } from "./index";

/** What `homelab wire` needs of `docker container inspect`. */
export interface InspectedContainer {
  Config?: { Env?: string[] | null };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null };
}

/** `KEY=value` lines → a record (a value may itself contain `=`). */
export function envOf(inspected: InspectedContainer): Record<string, string> {
  return Object.fromEntries((inspected.Config?.Env ?? []).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}

/** The container's address on one of its bridge networks: the Docker host has an interface on each of them. */
export function addressOf(inspected: InspectedContainer): string | undefined {
  return Object.values(inspected.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
}

/**
 * The stack's engine (the same host `audit` resolves). The apps' ports are published nowhere, so their
 * addresses are reachable only from the Docker host itself: on a remote engine wiring says so and stops.
 */
export function dockerLocator(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): ContainerLocator {
  const host = stackDockerHost(projectDir, stack, env);
  const docker = new Docker(dockerOptions(host.url, env, undefined, host.certPath));
  const inspected = new Map<string, Promise<InspectedContainer>>();
  const inspect = (name: string) => {
    if (!inspected.has(name))
      inspected.set(
        name,
        docker
          .getContainer(name)
          .inspect()
          .catch((e: Error) => {
            throw new WireError(`container ${name} is not there (${e.message.split("\n")[0]}): run 'homelab up ${stack}' first`);
          }),
      );
    return inspected.get(name)!;
  };
  return {
    env: async (name) => envOf(await inspect(name)),
    url: async (name, port) => {
      if (!host.url.startsWith("unix://"))
        throw new WireError(`the containers of ${host.url} (from ${host.source}) are reachable only on that host: run 'homelab wire ${stack}' there`);
      const address = addressOf(await inspect(name));
      if (!address) throw new WireError(`container ${name} has no address on a network: is it running?`);
      return `http://${address}:${port}`;
    },
    readFile: async (name, path) => {
      const exec = await docker.getContainer(name).exec({ Cmd: ["cat", path], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const [out, err] = [new PassThrough(), new PassThrough()];
      const [stdout, stderr] = [collect(out), collect(err)];
      docker.modem.demuxStream(stream, out, err);
      await new Promise((resolve, reject) => stream.on("end", resolve).on("error", reject));
      const { ExitCode } = await exec.inspect();
      if (ExitCode !== 0) throw new WireError(`cannot read ${path} in ${name}: ${stderr().trim() || `exit ${ExitCode}`}`);
      return stdout();
    },
  };
}

/** Everything written to a stream so far, as text. */
function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString("utf8");
}
