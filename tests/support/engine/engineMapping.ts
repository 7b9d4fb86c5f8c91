/**
 * Pure mapping from a Docker resource registered by the Pulumi program (type token + inputs, as
 * recorded under `pulumi.runtime.setMocks`) to the Docker Engine API bodies that realise it on a
 * test engine (dockerode's `createNetwork` / `createVolume` / `createContainer` options).
 *
 * What the test engine gets is the program's *network shape*: networks with their subnets,
 * attachments, aliases and pinned addresses, `networkMode container:…`, mounts (the Docker socket
 * for real, read-only if asked), labels, env, capabilities, sysctls… Every container's image is
 * replaced by the local busybox image running one TCP listener per declared port, so a
 * reachability matrix can be measured between them.
 *
 * Two rules keep the harness honest:
 *  - every input key is either realised or listed in a `*_NOT_REALISED` table with its reason;
 *    any other key throws, naming it, so a new program input can never be silently ignored;
 *  - nothing touches the host: no port is published, every bind source except the Docker socket
 *    is mirrored under a per-run temp folder, host/DNS settings that would reach outside the
 *    machine are not realised.
 *
 * No I/O here: everything the mapping needs to know about the engine or the host comes in the
 * {@link MappingContext}.
 */
import type Docker from "dockerode";
import * as path from "node:path";

/** One resource registered by the program under Pulumi mocks (see tests/support/program.ts). */
export interface RegisteredResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
}

export const DOCKER_TYPES = {
  network: "docker:index/network:Network",
  container: "docker:index/container:Container",
  volume: "docker:index/volume:Volume",
  remoteImage: "docker:index/remoteImage:RemoteImage",
} as const;

export const HARNESS_IMAGE = "homelab-test/busybox:local";
/** Label the program may put on a container to declare its listening ports (`8096,8920`). */
export const PORTS_LABEL = "homelab.ports";
/** Labels the harness puts on everything it realises. */
export const LABELS = {
  run: "homelab.test-run",
  started: "homelab.test-started",
  /** The pid of the test process that realised the run: a run whose process is gone is an orphan. */
  owner: "homelab.test-owner",
  name: "homelab.test-name",
  ref: "homelab.test-ref",
  group: "homelab.test-group",
  ports: "homelab.test-ports",
  netnsOwner: "homelab.test-netns-owner",
} as const;
/**
 * Extra listener in every container that owns its network namespace, so IP-level reachability
 * is measurable even for a container that declares no port.
 */
export const PROBE_PORT = 7;
export const DOCKER_SOCKET_PATHS = ["/var/run/docker.sock", "/run/docker.sock"];
/** Logical name of Docker's default bridge; realised as a per-run bridge so runs stay apart. */
export const DEFAULT_BRIDGE = "bridge";

/** Everything the mapping needs to know about the run, the engine and the host. */
export interface MappingContext {
  runId: string;
  /** Prefix of every realised name, e.g. `hlt-<runId>-`. */
  prefix: string;
  /** Value of the `homelab.test-started` label. */
  startedAt: string;
  /** Value of the `homelab.test-owner` label: the realising process's pid. */
  owner: string;
  /** Optional group label (e.g. the stack name) to tell realised sets apart. */
  group?: string;
  image: string;
  /** Program reference (mock id or docker name) → realised network name. */
  networks: ReadonlyMap<string, string>;
  /** Program reference (mock id or docker name) → realised volume name. */
  volumes: ReadonlyMap<string, string>;
  /** Program reference (mock id or docker name) → realised container id. */
  containers: ReadonlyMap<string, string>;
  /** Per-run folder under which bind-mount sources are mirrored. */
  bindRoot: string;
  /** Real path of the engine's socket, bound where the program mounts the Docker socket. */
  dockerSocket: string;
  /** Device paths that exist on this host (others are not realised). */
  hostDevices: ReadonlySet<string>;
}

export interface NetworkSpec {
  kind: "network";
  ref: string;
  logicalName: string;
  body: Docker.NetworkCreateOptions;
}
export interface VolumeSpec {
  kind: "volume";
  ref: string;
  logicalName: string;
  body: Docker.VolumeCreateOptions;
}
export interface ContainerSpec {
  kind: "container";
  ref: string;
  logicalName: string;
  /** Created attached to the first network only (Engine API < 1.44); these are connected next. */
  body: Docker.ContainerCreateOptions;
  extraNetworks: { network: string; endpoint: Docker.EndpointSettings }[];
  /** Host folders (under bindRoot) that must exist before the container is created. */
  bindDirs: string[];
  /** Named volumes the container mounts that the program did not declare as resources. */
  implicitVolumes: string[];
  listenPorts: number[];
  /** Program reference of the container whose network namespace this one joins. */
  netnsOwnerRef?: string;
  /** Whether the per-run stand-in for Docker's default bridge is needed. */
  usesDefaultBridge: boolean;
  /** Inputs understood but not realised for this container, for the test log. */
  notes: string[];
}
export interface NothingSpec {
  kind: "nothing";
  ref: string;
  logicalName: string;
  reason: string;
}
export type EngineSpec = NetworkSpec | VolumeSpec | ContainerSpec | NothingSpec;

export class MappingError extends Error {}

// ---------------------------------------------------------------------------------------------
// Accepted input keys. Realised keys are handled in the mapper below; the others are listed
// with the reason they are accepted without effect on the test engine.

export const NETWORK_KEYS_REALISED = ["name", "driver", "ipamConfigs", "ipamDriver", "internal", "attachable", "labels", "options"];
export const NETWORK_KEYS_NOT_REALISED: Record<string, string> = {};

export const VOLUME_KEYS_REALISED = ["name", "driver", "labels"];
export const VOLUME_KEYS_NOT_REALISED: Record<string, string> = {
  driverOpts: "may mount remote storage (nfs/cifs); a plain local volume has the same reachability",
};

export const REMOTE_IMAGE_KEYS_NOT_REALISED: Record<string, string> = {
  name: "every container runs the local busybox image instead (no registry is reachable)",
  keepLocally: "provider behaviour only",
  platform: "the stand-in image is built for this host",
  pullTriggers: "provider behaviour only",
  triggers: "provider behaviour only",
  forceRemove: "provider behaviour only",
};

export const CONTAINER_KEYS_REALISED = [
  "name",
  "image",
  "networksAdvanced",
  "networkMode",
  "mounts",
  "volumes",
  "envs",
  "labels",
  "ports",
  "capabilities",
  "devices",
  "securityOpts",
  "hostname",
  "readOnly",
  "tmpfs",
  "sysctls",
  "hosts",
  "init",
];
export const CONTAINER_KEYS_NOT_REALISED: Record<string, string> = {
  command: "replaced by the listener script of the stand-in image",
  entrypoints: "replaced by the listener script of the stand-in image",
  uploads: "file contents are read by the real image only (and may hold secrets)",
  user: "the stand-in image has no such users; identity does not change reachability",
  groupAdds: "the stand-in image has no such groups",
  workingDir: "the listener does not depend on it",
  restart: "a test container must not outlive its run",
  maxRetryCount: "a test container must not outlive its run",
  logDriver: "log drivers may need daemons absent here; logs do not change reachability",
  logOpts: "see logDriver",
  healthcheck: "its test commands use the real image's tools",
  wait: "realise() waits for every container to run itself",
  waitTimeout: "realise() bounds its own waits",
  dns: "would forward unknown names to servers outside this machine",
  dnsOpts: "see dns",
  dnsSearches: "see dns",
  domainname: "does not change reachability",
  memory: "resource limits do not change reachability",
  memoryReservation: "resource limits do not change reachability",
  memorySwap: "resource limits do not change reachability",
  shmSize: "resource limits do not change reachability",
  cpus: "resource limits do not change reachability",
  cpuShares: "resource limits do not change reachability",
  cpuSet: "resource limits do not change reachability",
  ulimits: "resource limits do not change reachability",
  stopSignal: "teardown always kills",
  stopTimeout: "teardown always kills",
  destroyGraceSeconds: "teardown always kills",
  mustRun: "provider behaviour only",
  start: "realise() always starts containers",
  attach: "provider behaviour only",
  logs: "provider behaviour only",
  rm: "teardown removes every container",
  removeVolumes: "teardown removes every volume",
  containerReadRefreshTimeoutMilliseconds: "provider behaviour only",
  publishAllPorts: "no host port is ever published by the harness",
  gpus: "no accelerator on test hosts; does not change reachability",
  deviceRequests: "no accelerator on test hosts; does not change reachability",
  stdinOpen: "the listener does not read stdin",
  tty: "the listener does not need a terminal",
};

// ---------------------------------------------------------------------------------------------

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Removes Pulumi's secret wrappers (mocked inputs keep them) and rejects unknown values. */
export function unwrapSecrets(value: unknown, at = "inputs"): any {
  if (value === UNKNOWN_VALUE) throw new MappingError(`${at}: value is unknown (an unresolved output)`);
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG_VALUE) return unwrapSecrets(obj.value, at);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v, `${at}.${k}`)]));
  }
  return value;
}

/** Drops keys whose value is undefined or null (absent inputs). */
function present(obj: Record<string, any>): Record<string, any> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

function checkKeys(obj: Record<string, any>, at: string, accepted: Iterable<string>): void {
  const known = new Set(accepted);
  const unknown = Object.keys(present(obj)).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new MappingError(`${at}: input key(s) not understood by the engine harness: ${unknown.join(", ")}`);
  }
}

function fail(at: string, message: string): never {
  throw new MappingError(`${at}: ${message}`);
}

function asList<T = any>(value: unknown, at: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(at, "expected a list");
  return value as T[];
}

function labelMap(value: unknown, at: string): Record<string, string> {
  const out: Record<string, string> = {};
  asList(value, at).forEach((entry, i) => {
    checkKeys(entry, `${at}[${i}]`, ["label", "value"]);
    out[String(entry.label)] = String(entry.value ?? "");
  });
  return out;
}

function stringMap(value: unknown, at: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) fail(at, "expected a string map");
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, String(v)]));
}

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function realisedName(ctx: MappingContext, logical: string, at: string): string {
  if (!DOCKER_NAME.test(logical)) fail(at, `invalid Docker name ${JSON.stringify(logical)}`);
  return `${ctx.prefix}${logical}`;
}

function harnessLabels(ctx: MappingContext, r: RegisteredResource, logical: string): Record<string, string> {
  return {
    [LABELS.run]: ctx.runId,
    [LABELS.started]: ctx.startedAt,
    [LABELS.owner]: ctx.owner,
    [LABELS.name]: logical,
    [LABELS.ref]: r.id,
    ...(ctx.group ? { [LABELS.group]: ctx.group } : {}),
  };
}

function logicalNameOf(r: RegisteredResource, inputs: Record<string, any>): string {
  return typeof inputs.name === "string" && inputs.name !== "" ? inputs.name : r.name;
}

/** Maps one registered resource. Throws {@link MappingError} on anything it does not understand. */
export function toEngineSpec(resource: RegisteredResource, ctx: MappingContext): EngineSpec {
  const inputs = present(unwrapSecrets(resource.inputs ?? {}, `${resource.name}.inputs`));
  const at = `${resource.type} "${resource.name}"`;
  switch (resource.type) {
    case DOCKER_TYPES.network:
      return mapNetwork(resource, inputs, ctx, at);
    case DOCKER_TYPES.volume:
      return mapVolume(resource, inputs, ctx, at);
    case DOCKER_TYPES.container:
      return mapContainer(resource, inputs, ctx, at);
    case DOCKER_TYPES.remoteImage:
      checkKeys(inputs, at, Object.keys(REMOTE_IMAGE_KEYS_NOT_REALISED));
      return { kind: "nothing", ref: resource.id, logicalName: logicalNameOf(resource, inputs), reason: REMOTE_IMAGE_KEYS_NOT_REALISED.name };
    default:
      if (resource.type.startsWith("docker:")) fail(at, "resource type not understood by the engine harness");
      return { kind: "nothing", ref: resource.id, logicalName: resource.name, reason: "not a Docker resource (stays in memory)" };
  }
}

function mapNetwork(r: RegisteredResource, inputs: Record<string, any>, ctx: MappingContext, at: string): NetworkSpec {
  checkKeys(inputs, at, [...NETWORK_KEYS_REALISED, ...Object.keys(NETWORK_KEYS_NOT_REALISED)]);
  const logical = logicalNameOf(r, inputs);
  const driver = inputs.driver ?? "bridge";
  // overlay: a multi-host stack's spanning network, realised on the swarm of test daemons (tests/e2e/swarm).
  if (driver !== "bridge" && driver !== "overlay")
    fail(`${at}.driver`, `only the bridge driver (and overlay, on the swarm of test daemons) is realised on the test engine, not ${JSON.stringify(driver)}`);
  if (driver === "overlay" && inputs.attachable !== true) fail(`${at}.attachable`, "an overlay standalone containers join must be attachable");
  if (inputs.ipamDriver !== undefined && inputs.ipamDriver !== "default") {
    fail(`${at}.ipamDriver`, `only the default IPAM driver is realised, not ${JSON.stringify(inputs.ipamDriver)}`);
  }
  const ipam = asList(inputs.ipamConfigs, `${at}.ipamConfigs`).map((c, i) => {
    const cat = `${at}.ipamConfigs[${i}]`;
    checkKeys(c, cat, ["subnet", "gateway", "ipRange", "auxAddress"]);
    return present({ Subnet: c.subnet, Gateway: c.gateway, IPRange: c.ipRange, AuxiliaryAddresses: c.auxAddress });
  });
  const options = stringMap(inputs.options, `${at}.options`);
  // The bridge interface name is host-global: two runs would collide, so let Docker pick it.
  delete options["com.docker.network.bridge.name"];
  return {
    kind: "network",
    ref: r.id,
    logicalName: logical,
    body: {
      Name: realisedName(ctx, logical, `${at}.name`),
      CheckDuplicate: true,
      Driver: driver,
      Internal: inputs.internal === true,
      Attachable: inputs.attachable === true,
      ...(ipam.length > 0 ? { IPAM: { Driver: "default", Config: ipam } } : {}),
      Options: options,
      Labels: { ...labelMap(inputs.labels, `${at}.labels`), ...harnessLabels(ctx, r, logical) },
    },
  };
}

function mapVolume(r: RegisteredResource, inputs: Record<string, any>, ctx: MappingContext, at: string): VolumeSpec {
  checkKeys(inputs, at, [...VOLUME_KEYS_REALISED, ...Object.keys(VOLUME_KEYS_NOT_REALISED)]);
  const logical = logicalNameOf(r, inputs);
  if (inputs.driver !== undefined && inputs.driver !== "local") {
    fail(`${at}.driver`, `only the local volume driver is realised, not ${JSON.stringify(inputs.driver)}`);
  }
  return {
    kind: "volume",
    ref: r.id,
    logicalName: logical,
    body: {
      Name: realisedName(ctx, logical, `${at}.name`),
      Driver: "local",
      Labels: { ...labelMap(inputs.labels, `${at}.labels`), ...harnessLabels(ctx, r, logical) },
    },
  };
}

/** Program references of the containers whose namespace `resource` joins (for ordering). */
export function containerDependencies(resource: RegisteredResource): string[] {
  if (resource.type !== DOCKER_TYPES.container) return [];
  const mode = unwrapSecrets(resource.inputs?.networkMode);
  return typeof mode === "string" && mode.startsWith("container:") ? [mode.slice("container:".length)] : [];
}

/** Listener ports: the `homelab.ports` label first, else `ports[].internal`. */
export function declaredPorts(inputs: Record<string, any>, at = "inputs"): number[] {
  const label = asList(inputs.labels, `${at}.labels`).find((l) => l?.label === PORTS_LABEL);
  const raw: unknown[] = label
    ? String(label.value)
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
    : asList(inputs.ports, `${at}.ports`).map((p) => p?.internal);
  const ports = raw.map((p) => {
    const n = typeof p === "number" ? p : /^\d+$/.test(String(p)) ? Number(p) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) fail(label ? `${at}.labels[${PORTS_LABEL}]` : `${at}.ports`, `invalid port ${JSON.stringify(p)}`);
    return n;
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * The stand-in container's command: one TCP listener per port, then an idle loop that exits
 * promptly on SIGTERM. The listener is busybox `httpd` (it daemonizes itself): `nc -ll` listens
 * with a backlog so short that bursts of probes lose connections.
 */
export function listenerScript(ports: number[]): string {
  const listeners = ports.map((p) => `httpd -p ${p} -h /tmp;`).join(" ");
  return `${listeners} trap 'exit 0' TERM; while :; do sleep 3600 & wait; done`.trim();
}

/** Where a bind source is mirrored: `<bindRoot>/<source without leading slash>`. */
export function mirroredBindSource(source: string, bindRoot: string, at: string): string {
  if (!source.startsWith("/")) fail(at, `bind source must be an absolute host path, got ${JSON.stringify(source)}`);
  if (source.split("/").includes("..")) fail(at, `bind source must not contain "..": ${JSON.stringify(source)}`);
  return path.posix.join(bindRoot, path.posix.normalize(source));
}

const MOUNT_KEYS = ["type", "source", "target", "readOnly", "bindOptions", "volumeOptions", "tmpfsOptions"];

function mapContainer(r: RegisteredResource, inputs: Record<string, any>, ctx: MappingContext, at: string): ContainerSpec {
  checkKeys(inputs, at, [...CONTAINER_KEYS_REALISED, ...Object.keys(CONTAINER_KEYS_NOT_REALISED)]);
  const logical = logicalNameOf(r, inputs);
  const notes = Object.keys(inputs)
    .filter((k) => k in CONTAINER_KEYS_NOT_REALISED)
    .map((k) => `${k} not realised: ${CONTAINER_KEYS_NOT_REALISED[k]}`);
  const hostConfig: Docker.HostConfig = { PortBindings: {}, PublishAllPorts: false };
  const bindDirs: string[] = [];
  const implicitVolumes: string[] = [];

  // --- network attachment -------------------------------------------------------------------
  const mode: string | undefined = inputs.networkMode;
  const attachments = asList(inputs.networksAdvanced, `${at}.networksAdvanced`);
  let netnsOwnerRef: string | undefined;
  let usesDefaultBridge = false;
  const endpoints: { network: string; endpoint: Docker.EndpointSettings }[] = [];
  if (mode !== undefined && mode.startsWith("container:")) {
    netnsOwnerRef = mode.slice("container:".length);
    // Docker rejects these combinations; reject them here too rather than hide them.
    for (const k of ["networksAdvanced", "ports", "hostname", "dns", "hosts", "publishAllPorts"]) {
      const v = inputs[k];
      if (v !== undefined && !(Array.isArray(v) && v.length === 0) && v !== false && v !== "") {
        fail(`${at}.${k}`, `Docker rejects ${k} together with networkMode "container:…"`);
      }
    }
    const ownerId = ctx.containers.get(netnsOwnerRef);
    if (ownerId === undefined) fail(`${at}.networkMode`, `refers to container ${JSON.stringify(netnsOwnerRef)} which is not realised`);
    hostConfig.NetworkMode = `container:${ownerId}`;
  } else if (mode === "none") {
    if (attachments.length > 0) fail(`${at}.networksAdvanced`, `networkMode "none" cannot have networks`);
    hostConfig.NetworkMode = "none";
  } else if (mode === undefined || mode === "" || mode === "bridge" || mode === "default") {
    const list = attachments.length > 0 ? attachments : [{ name: DEFAULT_BRIDGE }];
    usesDefaultBridge = attachments.length === 0;
    list.forEach((a, i) => {
      const aat = `${at}.networksAdvanced[${i}]`;
      checkKeys(a, aat, ["name", "aliases", "ipv4Address", "ipv6Address"]);
      const network = ctx.networks.get(String(a.name));
      if (network === undefined) fail(`${aat}.name`, `refers to network ${JSON.stringify(a.name)} which is not realised`);
      const ipam = present({ IPv4Address: a.ipv4Address, IPv6Address: a.ipv6Address });
      endpoints.push({
        network,
        endpoint: {
          // The realised name is prefixed: keep the program's name resolvable as an alias.
          Aliases: [...new Set([logical, ...asList<string>(a.aliases, `${aat}.aliases`).map(String)])],
          ...(Object.keys(ipam).length > 0 ? { IPAMConfig: ipam } : {}),
        } as Docker.EndpointSettings,
      });
    });
    hostConfig.NetworkMode = endpoints[0].network;
  } else {
    fail(`${at}.networkMode`, `${JSON.stringify(mode)} is not realised on the test engine (host networking would publish listeners on the host)`);
  }

  // --- mounts -------------------------------------------------------------------------------
  const mounts: Docker.MountSettings[] = [];
  const volumeName = (ref: string, mat: string): string => {
    const known = ctx.volumes.get(ref);
    if (known !== undefined) return known;
    const name = realisedName(ctx, ref, mat);
    implicitVolumes.push(name);
    return name;
  };
  const bindSource = (source: string, mat: string): string => {
    if (DOCKER_SOCKET_PATHS.includes(source)) return ctx.dockerSocket;
    const mirrored = mirroredBindSource(source, ctx.bindRoot, mat);
    bindDirs.push(mirrored);
    return mirrored;
  };
  asList(inputs.mounts, `${at}.mounts`).forEach((m, i) => {
    const mat = `${at}.mounts[${i}]`;
    checkKeys(m, mat, MOUNT_KEYS);
    const readOnly = m.readOnly === true;
    if (m.type === "bind") {
      if (m.volumeOptions || m.tmpfsOptions) fail(mat, "bind mount with volume/tmpfs options");
      if (m.bindOptions) checkKeys(m.bindOptions, `${mat}.bindOptions`, ["propagation"]);
      if (typeof m.source !== "string") fail(`${mat}.source`, "bind mount needs a source");
      mounts.push({
        Type: "bind",
        Source: bindSource(m.source, `${mat}.source`),
        Target: String(m.target),
        ReadOnly: readOnly,
        ...(m.bindOptions?.propagation ? { BindOptions: { Propagation: m.bindOptions.propagation } } : {}),
      });
    } else if (m.type === "volume") {
      if (m.bindOptions || m.tmpfsOptions) fail(mat, "volume mount with bind/tmpfs options");
      const vo = m.volumeOptions ? present(m.volumeOptions) : {};
      checkKeys(vo, `${mat}.volumeOptions`, ["noCopy", "labels"]);
      mounts.push({
        Type: "volume",
        Source: m.source === undefined || m.source === "" ? "" : volumeName(String(m.source), `${mat}.source`),
        Target: String(m.target),
        ReadOnly: readOnly,
        ...(Object.keys(vo).length > 0 ? { VolumeOptions: { NoCopy: vo.noCopy === true, Labels: labelMap(vo.labels, `${mat}.volumeOptions.labels`) } } : {}),
      } as Docker.MountSettings);
    } else if (m.type === "tmpfs") {
      if (m.source) fail(`${mat}.source`, "a tmpfs mount has no source");
      const to = m.tmpfsOptions ? present(m.tmpfsOptions) : {};
      checkKeys(to, `${mat}.tmpfsOptions`, ["mode", "sizeBytes"]);
      mounts.push({
        Type: "tmpfs",
        Target: String(m.target),
        ReadOnly: readOnly,
        ...(Object.keys(to).length > 0 ? { TmpfsOptions: present({ Mode: to.mode, SizeBytes: to.sizeBytes }) } : {}),
      } as Docker.MountSettings);
    } else {
      fail(`${mat}.type`, `mount type ${JSON.stringify(m.type)} not understood`);
    }
  });
  // Legacy `volumes` blocks: hostPath → bind, volumeName → volume, containerPath only → anonymous.
  asList(inputs.volumes, `${at}.volumes`).forEach((v, i) => {
    const vat = `${at}.volumes[${i}]`;
    checkKeys(v, vat, ["containerPath", "hostPath", "volumeName", "readOnly"]);
    if (typeof v.containerPath !== "string") fail(`${vat}.containerPath`, "required");
    if (v.hostPath !== undefined && v.volumeName !== undefined) fail(vat, "both hostPath and volumeName");
    const readOnly = v.readOnly === true;
    if (v.hostPath !== undefined) {
      mounts.push({ Type: "bind", Source: bindSource(String(v.hostPath), `${vat}.hostPath`), Target: v.containerPath, ReadOnly: readOnly });
    } else {
      mounts.push({
        Type: "volume",
        Source: v.volumeName === undefined ? "" : volumeName(String(v.volumeName), `${vat}.volumeName`),
        Target: v.containerPath,
        ReadOnly: readOnly,
      } as Docker.MountSettings);
    }
  });
  hostConfig.Mounts = mounts;

  // --- the rest of the host config -----------------------------------------------------------
  if (inputs.capabilities !== undefined) {
    checkKeys(inputs.capabilities, `${at}.capabilities`, ["adds", "drops"]);
    hostConfig.CapAdd = asList<string>(inputs.capabilities.adds, `${at}.capabilities.adds`);
    hostConfig.CapDrop = asList<string>(inputs.capabilities.drops, `${at}.capabilities.drops`);
  }
  const devices = asList(inputs.devices, `${at}.devices`).map((d, i) => {
    checkKeys(d, `${at}.devices[${i}]`, ["hostPath", "containerPath", "permissions"]);
    return d;
  });
  hostConfig.Devices = devices
    .filter((d) => ctx.hostDevices.has(String(d.hostPath)))
    .map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath ?? d.hostPath, CgroupPermissions: d.permissions ?? "rwm" }));
  devices.filter((d) => !ctx.hostDevices.has(String(d.hostPath))).forEach((d) => notes.push(`device ${d.hostPath} not realised: absent on this host`));
  if (inputs.securityOpts !== undefined) hostConfig.SecurityOpt = asList<string>(inputs.securityOpts, `${at}.securityOpts`);
  if (inputs.readOnly !== undefined) hostConfig.ReadonlyRootfs = inputs.readOnly === true;
  if (inputs.tmpfs !== undefined) hostConfig.Tmpfs = stringMap(inputs.tmpfs, `${at}.tmpfs`);
  if (inputs.sysctls !== undefined) hostConfig.Sysctls = stringMap(inputs.sysctls, `${at}.sysctls`);
  if (inputs.init !== undefined) hostConfig.Init = inputs.init === true;
  if (inputs.hosts !== undefined) {
    hostConfig.ExtraHosts = asList(inputs.hosts, `${at}.hosts`).map((h, i) => {
      checkKeys(h, `${at}.hosts[${i}]`, ["host", "ip"]);
      return `${h.host}:${h.ip}`;
    });
  }

  // --- ports: never published; they only decide the listeners ---------------------------------
  asList(inputs.ports, `${at}.ports`).forEach((p, i) => checkKeys(p, `${at}.ports[${i}]`, ["internal", "external", "ip", "protocol"]));
  const declared = declaredPorts(inputs, at);
  // Containers in another's namespace must not bind the probe port twice.
  const listenPorts = netnsOwnerRef === undefined ? [...new Set([PROBE_PORT, ...declared])].sort((a, b) => a - b) : declared;

  const labels = {
    ...labelMap(inputs.labels, `${at}.labels`),
    ...harnessLabels(ctx, r, logical),
    [LABELS.ports]: declared.join(","),
    ...(netnsOwnerRef !== undefined ? { [LABELS.netnsOwner]: netnsOwnerRef } : {}),
  };
  const envs = asList(inputs.envs, `${at}.envs`).map(String);
  const [first, ...rest] = endpoints;
  return {
    kind: "container",
    ref: r.id,
    logicalName: logical,
    body: {
      name: realisedName(ctx, logical, `${at}.name`),
      Image: ctx.image,
      Entrypoint: ["/bin/sh", "-c"],
      Cmd: [listenerScript(listenPorts)],
      Env: envs,
      Labels: labels,
      ...(inputs.hostname !== undefined ? { Hostname: String(inputs.hostname) } : {}),
      HostConfig: hostConfig,
      NetworkingConfig: { EndpointsConfig: first ? { [first.network]: first.endpoint } : {} },
    },
    extraNetworks: rest,
    bindDirs: [...new Set(bindDirs)],
    implicitVolumes: [...new Set(implicitVolumes)],
    listenPorts,
    netnsOwnerRef,
    usesDefaultBridge,
    notes,
  };
}
