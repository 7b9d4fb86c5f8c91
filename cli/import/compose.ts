import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Scalar, type YAMLMap } from "yaml";
import { interpolate, InterpolationError, type Lookup } from "./interpolate";

/** A value from a compose file with where it was written and the variables it was made of. */
export interface Located<T> {
  value: T;
  /** `file:line`, as the report quotes it. */
  at: string;
  vars: ReadonlySet<string>;
}

export interface PortSpec {
  published?: string;
  target: number;
  protocol: string;
}

export interface VolumeSpec {
  /** Host path (absolute after resolving `./`) or named volume. */
  source?: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

export interface ComposeService {
  name: string;
  at: string;
  image?: Located<string>;
  build?: Located<unknown>;
  networkMode?: Located<string>;
  containerName?: string;
  environment: Map<string, Located<string>>;
  ports: Located<PortSpec>[];
  volumes: Located<VolumeSpec>[];
  labels: Map<string, Located<string>>;
  /** `command` (and `entrypoint`) as one line of text, for tokens passed on the command line. */
  command?: Located<string>;
  /** Services it names in depends_on. */
  dependsOn: string[];
  /** Keys homelab does not carry over and the owner should know about, with their line. */
  notCarried: Located<string>[];
}

/** A compose file that cannot be imported; the message is the one line to print. */
export class ComposeError extends Error {}

/** Keys worth a line in the report when they are not carried over (the rest — restart, healthcheck, networks, depends_on … — homelab decides). */
const NOTABLE_KEYS = [
  "privileged",
  "cap_add",
  "devices",
  "sysctls",
  "security_opt",
  "user",
  "extra_hosts",
  "env_file",
  "deploy",
  "gpus",
  "runtime",
  "shm_size",
  "secrets",
  "configs",
];

export interface LoadedCompose {
  services: ComposeService[];
  /** Compose's warnings: unset variables replaced by empty strings. */
  warnings: string[];
}

/**
 * Reads compose files the way `docker compose -f a.yaml -f b.yaml` does: each file is interpolated on its own,
 * then services merge by name (later files win, environment and labels merge by key, lists append).
 */
export function loadCompose(files: string[], lookup: Lookup): LoadedCompose {
  const byName = new Map<string, ComposeService>();
  const warnings: string[] = [];
  for (const file of files) {
    for (const svc of loadOne(file, lookup, warnings)) {
      const previous = byName.get(svc.name);
      byName.set(svc.name, previous ? mergeService(previous, svc) : svc);
    }
  }
  return { services: [...byName.values()], warnings };
}

function loadOne(file: string, lookup: Lookup, warnings: string[]): ComposeService[] {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ComposeError(`cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) throw new ComposeError(`${shown} is not valid YAML: ${doc.errors[0].message.split("\n")[0].replace(/:$/, "")}`);
  const services = isMap(doc.contents) ? doc.contents.get("services", true) : undefined;
  if (!isMap(services) || services.items.length === 0) throw new ComposeError(`${shown} is not a compose file: it has no 'services' mapping`);
  const at = (node: Node | null | undefined) => `${shown}:${node?.range ? lines.linePos(node.range[0]).line : 1}`;
  const vars = interpolateDocument(doc, lookup, at, warnings);
  const located = <T>(value: T, node: Node): Located<T> => ({ value, at: at(node), vars: vars.get(node) ?? new Set() });

  return services.items.map((pair) => {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (!isMap(pair.value)) throw new ComposeError(`${at(pair.key as Node)}: service '${name}' is not a mapping`);
    return readService(name, pair.value, located, at(pair.key as Node), path.dirname(file), lookup);
  });
}

/** Interpolates every scalar value (never keys) in place; returns the variables each scalar read. */
function interpolateDocument(doc: Document, lookup: Lookup, at: (n: Node) => string, warnings: string[]): Map<Node, Set<string>> {
  const vars = new Map<Node, Set<string>>();
  visit(doc, {
    Scalar(key, node: Scalar) {
      if (key === "key" || typeof node.value !== "string") return;
      try {
        const result = interpolate(node.value, lookup);
        for (const name of result.unset) warnings.push(`${at(node)}: the "${name}" variable is not set; Compose substitutes an empty string`);
        node.value = result.value;
        vars.set(node, result.vars);
      } catch (e) {
        if (e instanceof InterpolationError) throw new ComposeError(`${at(node)}: ${e.message}`);
        throw e;
      }
    },
  });
  return vars;
}

type Locate = <T>(value: T, node: Node) => Located<T>;

function readService(name: string, map: YAMLMap, located: Locate, at: string, dir: string, lookup: Lookup): ComposeService {
  const svc: ComposeService = { name, at, environment: new Map(), ports: [], volumes: [], labels: new Map(), dependsOn: [], notCarried: [] };
  for (const pair of map.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const node = pair.value as Node;
    const text = isScalar(node) ? String(node.value) : undefined;
    switch (key) {
      case "image":
        if (text) svc.image = located(text, node);
        break;
      case "build":
        svc.build = located(true, node);
        break;
      case "network_mode":
        if (text) svc.networkMode = located(text, node);
        break;
      case "container_name":
        svc.containerName = text;
        break;
      case "environment":
        readKeyValues(node, located, svc.environment, lookup);
        break;
      case "labels":
        readKeyValues(node, located, svc.labels);
        break;
      case "ports":
        if (isSeq(node)) for (const item of node.items) svc.ports.push(located(portSpec((item as Node).toJSON()), item as Node));
        break;
      case "volumes":
        if (isSeq(node)) for (const item of node.items) svc.volumes.push(located(volumeSpec((item as Node).toJSON(), dir), item as Node));
        break;
      case "depends_on": {
        const value = node.toJSON() as unknown;
        svc.dependsOn = Array.isArray(value) ? value.map(String) : Object.keys(value ?? {});
        break;
      }
      case "command":
      case "entrypoint": {
        const value = node.toJSON();
        const line = Array.isArray(value) ? value.join(" ") : String(value);
        svc.command = located(svc.command ? `${svc.command.value} ${line}` : line, node);
        break;
      }
      default:
        if (NOTABLE_KEYS.includes(key) && node?.toJSON() !== false) svc.notCarried.push(located(`${key}: ${JSON.stringify(node.toJSON())}`, node));
    }
  }
  return svc;
}

/**
 * `environment` / `labels`: a list of `KEY=VALUE` or a mapping. A bare environment `KEY` takes its value from
 * the environment compose runs in (https://docs.docker.com/compose/how-tos/environment-variables/set-environment-variables/),
 * and is left out when that has none, as compose does.
 */
function readKeyValues(node: Node, located: Locate, into: Map<string, Located<string>>, lookup: Lookup = () => undefined): void {
  const bare = (key: string, at: Node) => {
    const value = lookup(key);
    if (value !== undefined) into.set(key, { ...located(value, at), vars: new Set([key]) });
  };
  if (isSeq(node)) {
    for (const item of node.items) {
      const text = String((item as Node).toJSON());
      const eq = text.indexOf("=");
      if (eq > 0) into.set(text.slice(0, eq), located(text.slice(eq + 1), item as Node));
      else bare(text, item as Node);
    }
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const value = (pair.value as Node | null)?.toJSON();
      if (value !== null && value !== undefined) into.set(key, located(String(value), (pair.value ?? pair.key) as Node));
      else bare(key, pair.key as Node);
    }
  }
}

function portSpec(raw: unknown): PortSpec {
  if (raw && typeof raw === "object") {
    const p = raw as { target?: unknown; published?: unknown; protocol?: unknown };
    return { target: Number(p.target), published: p.published === undefined ? undefined : String(p.published), protocol: String(p.protocol ?? "tcp") };
  }
  const [spec, protocol = "tcp"] = String(raw).split("/");
  const parts = spec.split(":");
  const target = Number(parts[parts.length - 1].split("-")[0]);
  return { target, published: parts.length > 1 ? parts.slice(0, -1).join(":") : undefined, protocol };
}

function volumeSpec(raw: unknown, dir: string): VolumeSpec {
  const resolve = (source: string) => (source.startsWith(".") ? path.resolve(dir, source) : source);
  if (raw && typeof raw === "object") {
    const v = raw as { type?: string; source?: string; target?: string; read_only?: boolean };
    return { source: v.source && resolve(v.source), target: String(v.target), readOnly: !!v.read_only, bind: v.type === "bind" };
  }
  const parts = String(raw).split(":");
  if (parts.length === 1) return { target: parts[0], readOnly: false, bind: false };
  const source = resolve(parts[0]);
  return { source, target: parts[1], readOnly: (parts[2] ?? "").split(",").includes("ro"), bind: source.startsWith("/") };
}

function mergeService(a: ComposeService, b: ComposeService): ComposeService {
  return {
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    environment: new Map([...a.environment, ...b.environment]),
    labels: new Map([...a.labels, ...b.labels]),
    ports: [...a.ports, ...b.ports],
    volumes: [...a.volumes, ...b.volumes],
    dependsOn: [...new Set([...a.dependsOn, ...b.dependsOn])],
    notCarried: [...a.notCarried, ...b.notCarried],
  };
}
