import Docker from "dockerode";
import { Parser } from "tar";
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

/**
 * The container's address on one of its bridge networks: the Docker host has an interface on each of them, and
 * none on a swarm overlay (`overlays`, by name: a multi-host stack's vnet-ingress, say), whose addresses it cannot reach.
 */
export function addressOf(inspected: InspectedContainer, overlays: ReadonlySet<string> = new Set()): string | undefined {
  return Object.entries(inspected.NetworkSettings?.Networks ?? {}).find(([name, n]) => n.IPAddress && !overlays.has(name))?.[1].IPAddress;
}

/**
 * The stack's engine (the same host `audit` resolves). The apps' ports are published nowhere, so their
 * addresses are reachable only from the Docker host itself: on a remote engine wiring says so and stops.
 */
export function dockerLocator(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): ContainerLocator {
  const host = stackDockerHost(projectDir, stack, env);
  const docker = new Docker(dockerOptions(host.url, env, undefined, host.certPath));
  const inspected = new Map<string, Promise<InspectedContainer>>();
  let overlays: Promise<Set<string>> | undefined;
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
      overlays ??= docker.listNetworks({ filters: { driver: ["overlay"] } }).then((nets) => new Set(nets.map((n) => n.Name)));
      const address = addressOf(await inspect(name), await overlays);
      if (!address) throw new WireError(`container ${name} has no address on a network: is it running?`);
      return `http://${address}:${port}`;
    },
    // Through the engine's archive API (`docker cp`): no shell or `cat` needed in the image (Portainer's has neither).
    readFile: async (name, path) => {
      let archive: NodeJS.ReadableStream;
      try {
        archive = await docker.getContainer(name).getArchive({ path });
      } catch (e) {
        throw new WireError(`cannot read ${path} in ${name}: ${(e as Error).message.split("\n")[0]}`);
      }
      return fileInTar(archive, `${path} in ${name}`);
    },
  };
}

/** The text of the file a tar stream starts with: the engine answers a path with that path's own entry first (a folder's entries follow it). */
export async function fileInTar(archive: NodeJS.ReadableStream, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let entries = 0;
  let isFile = false;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      onReadEntry: (entry) => {
        if (entries++ === 0 && entry.type === "File") {
          isFile = true;
          entry.on("data", (c: Buffer) => chunks.push(c));
        } else entry.resume();
      },
    });
    parser.on("end", () => resolve());
    parser.on("error", reject);
    archive.on("error", reject);
    archive.pipe(parser as unknown as NodeJS.WritableStream);
  });
  if (!isFile) throw new WireError(`cannot read ${what}: not a regular file`);
  return Buffer.concat(chunks).toString("utf8");
}
