import { strict as assert } from "node:assert";
import {
  CONTAINER_KEYS_NOT_REALISED,
  CONTAINER_KEYS_REALISED,
  DOCKER_TYPES,
  LABELS,
  MappingContext,
  MappingError,
  PROBE_PORT,
  RegisteredResource,
  containerDependencies,
  declaredPorts,
  listenerScript,
  mirroredBindSource,
  toEngineSpec,
  unwrapSecrets,
} from "./engineMapping";

const ctx: MappingContext = {
  runId: "r1",
  prefix: "hlt-r1-",
  startedAt: "1700000000000",
  owner: "4242",
  image: "homelab-test/busybox:local",
  networks: new Map([
    ["net-ingress-id", "hlt-r1-vnet-ingress"],
    ["vnet-ingress", "hlt-r1-vnet-ingress"],
    ["net-jf-id", "hlt-r1-vnet-jellyfin"],
    ["bridge", "hlt-r1-bridge"],
  ]),
  volumes: new Map([["vol-id", "hlt-r1-jellyfin-config"]]),
  containers: new Map([["gluetun-id", "f00dcafe"]]),
  bindRoot: "/tmp/hlt-r1/binds",
  dockerSocket: "/var/run/docker.sock",
  hostDevices: new Set(["/dev/net/tun"]),
};

const container = (inputs: Record<string, any>, id = "c-id"): RegisteredResource => ({
  type: DOCKER_TYPES.container,
  name: "jellyfin",
  id,
  inputs: { name: "jellyfin", image: "sha256:abc", ...inputs },
});

const mapContainer = (inputs: Record<string, any>) => {
  const spec = toEngineSpec(container(inputs), ctx);
  assert.equal(spec.kind, "container");
  return spec as Extract<typeof spec, { kind: "container" }>;
};

describe("engine mapping (pure)", () => {
  it("maps a network: prefixed name, subnet, gateway, internal, labels, and drops the host-global bridge name", () => {
    const spec = toEngineSpec(
      {
        type: DOCKER_TYPES.network,
        name: "vnet-jellyfin",
        id: "net-jf-id",
        inputs: {
          name: "vnet-jellyfin",
          driver: "bridge",
          internal: true,
          ipamConfigs: [{ subnet: "10.10.1.0/29", gateway: "10.10.1.1" }],
          labels: [{ label: "homelab.kind", value: "service" }],
          options: { "com.docker.network.bridge.name": "br-jellyfin", "com.docker.network.bridge.enable_icc": "true" },
        },
      },
      ctx,
    );
    assert.equal(spec.kind, "network");
    if (spec.kind !== "network") return;
    assert.equal(spec.body.Name, "hlt-r1-vnet-jellyfin");
    assert.equal(spec.body.Internal, true);
    assert.deepEqual(spec.body.IPAM, { Driver: "default", Config: [{ Subnet: "10.10.1.0/29", Gateway: "10.10.1.1" }] });
    assert.deepEqual(spec.body.Options, { "com.docker.network.bridge.enable_icc": "true" });
    assert.equal(spec.body.Labels!["homelab.kind"], "service");
    assert.equal(spec.body.Labels![LABELS.run], "r1");
    assert.equal(spec.body.Labels![LABELS.name], "vnet-jellyfin");
  });

  it("maps a container on two networks: first at create, the rest connected, aliases kept plus its own name", () => {
    const spec = mapContainer({
      networksAdvanced: [
        { name: "net-ingress-id", aliases: ["jf"] },
        { name: "net-jf-id", ipv4Address: "10.10.1.2" },
      ],
      envs: ["TZ=UTC"],
      labels: [{ label: "traefik.enable", value: "true" }],
    });
    assert.equal(spec.body.name, "hlt-r1-jellyfin");
    assert.equal(spec.body.HostConfig!.NetworkMode, "hlt-r1-vnet-ingress");
    assert.deepEqual(spec.body.NetworkingConfig!.EndpointsConfig, { "hlt-r1-vnet-ingress": { Aliases: ["jellyfin", "jf"] } });
    assert.deepEqual(spec.extraNetworks, [{ network: "hlt-r1-vnet-jellyfin", endpoint: { Aliases: ["jellyfin"], IPAMConfig: { IPv4Address: "10.10.1.2" } } }]);
    assert.deepEqual(spec.body.Env, ["TZ=UTC"]);
    assert.equal(spec.body.Labels!["traefik.enable"], "true");
    assert.equal(spec.body.Image, "homelab-test/busybox:local");
  });

  it("never publishes host ports; ports only decide the listeners (label first, then ports[].internal)", () => {
    const byPorts = mapContainer({
      networksAdvanced: [{ name: "vnet-ingress" }],
      ports: [
        { internal: 8096, external: 8096, ip: "0.0.0.0", protocol: "tcp" },
        { internal: 8920, external: 8920 },
      ],
    });
    assert.deepEqual(byPorts.body.HostConfig!.PortBindings, {});
    assert.equal(byPorts.body.HostConfig!.PublishAllPorts, false);
    assert.equal(byPorts.body.ExposedPorts, undefined);
    assert.deepEqual(byPorts.listenPorts, [PROBE_PORT, 8096, 8920]);
    assert.equal(byPorts.body.Labels![LABELS.ports], "8096,8920");

    const byLabel = mapContainer({
      networksAdvanced: [{ name: "vnet-ingress" }],
      ports: [{ internal: 1 }],
      labels: [{ label: "homelab.ports", value: "8096, 8920" }],
    });
    assert.deepEqual(byLabel.listenPorts, [PROBE_PORT, 8096, 8920]);
    assert.match(String(byLabel.body.Cmd![0]), /httpd -p 8096 -h \/tmp;/);
  });

  it("joins another container's namespace by its realised id, without the probe listener, and rejects what Docker rejects", () => {
    const spec = mapContainer({ networkMode: "container:gluetun-id", labels: [{ label: "homelab.ports", value: "8080" }] });
    assert.equal(spec.body.HostConfig!.NetworkMode, "container:f00dcafe");
    assert.deepEqual(spec.body.NetworkingConfig!.EndpointsConfig, {});
    assert.equal(spec.netnsOwnerRef, "gluetun-id");
    assert.deepEqual(spec.listenPorts, [8080]);
    assert.deepEqual(containerDependencies(container({ networkMode: "container:gluetun-id" })), ["gluetun-id"]);

    assert.throws(() => mapContainer({ networkMode: "container:gluetun-id", ports: [{ internal: 1 }] }), /ports.*networkMode "container:/);
    assert.throws(() => mapContainer({ networkMode: "container:gluetun-id", hostname: "x" }), /hostname/);
    assert.throws(() => mapContainer({ networkMode: "container:nope" }), /not realised/);
  });

  it("realises the Docker socket for real (read-only as asked) and mirrors every other bind under the run folder", () => {
    const spec = mapContainer({
      networksAdvanced: [{ name: "vnet-ingress" }],
      mounts: [
        { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
        { type: "bind", source: "/srv/media", target: "/media", readOnly: false },
        { type: "volume", source: "vol-id", target: "/config" },
        { type: "volume", source: "undeclared", target: "/cache" },
        { type: "tmpfs", target: "/run", tmpfsOptions: { sizeBytes: 1024 } },
      ],
      volumes: [{ hostPath: "/srv/legacy", containerPath: "/legacy", readOnly: true }],
    });
    assert.deepEqual(spec.body.HostConfig!.Mounts, [
      { Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock", ReadOnly: true },
      { Type: "bind", Source: "/tmp/hlt-r1/binds/srv/media", Target: "/media", ReadOnly: false },
      { Type: "volume", Source: "hlt-r1-jellyfin-config", Target: "/config", ReadOnly: false },
      { Type: "volume", Source: "hlt-r1-undeclared", Target: "/cache", ReadOnly: false },
      { Type: "tmpfs", Target: "/run", ReadOnly: false, TmpfsOptions: { SizeBytes: 1024 } },
      { Type: "bind", Source: "/tmp/hlt-r1/binds/srv/legacy", Target: "/legacy", ReadOnly: true },
    ]);
    assert.deepEqual(spec.bindDirs, ["/tmp/hlt-r1/binds/srv/media", "/tmp/hlt-r1/binds/srv/legacy"]);
    assert.deepEqual(spec.implicitVolumes, ["hlt-r1-undeclared"]);
  });

  it("refuses bind sources that are relative or climb out with ..", () => {
    assert.throws(() => mirroredBindSource("srv/x", "/tmp/r", "m"), /absolute/);
    assert.throws(() => mirroredBindSource("/srv/../etc", "/tmp/r", "m"), /"\.\."/);
    assert.equal(mirroredBindSource("/srv//x/", "/tmp/r", "m"), "/tmp/r/srv/x/");
  });

  it("realises capabilities, devices present on the host, security opts, sysctls, tmpfs, read-only root", () => {
    const spec = mapContainer({
      networksAdvanced: [{ name: "vnet-ingress" }],
      capabilities: { adds: ["CAP_NET_ADMIN"], drops: ["ALL"] },
      devices: [{ hostPath: "/dev/net/tun", containerPath: "/dev/net/tun" }, { hostPath: "/dev/dri" }],
      securityOpts: ["no-new-privileges:true"],
      sysctls: { "net.ipv4.conf.all.src_valid_mark": "1" },
      tmpfs: { "/tmp": "size=1m" },
      readOnly: true,
      restart: "unless-stopped",
      healthcheck: { tests: ["CMD", "true"], interval: "30s" },
      logDriver: "json-file",
      logOpts: { "max-size": "10m" },
      command: ["serve"],
      entrypoints: ["/init"],
      uploads: [{ file: "/config/x.yml", content: "secret: 1" }],
      user: "1000:1000",
      hostname: "jf",
      dns: ["1.1.1.1"],
      wait: true,
    });
    const hc = spec.body.HostConfig!;
    assert.deepEqual(hc.CapAdd, ["CAP_NET_ADMIN"]);
    assert.deepEqual(hc.CapDrop, ["ALL"]);
    assert.deepEqual(hc.Devices, [{ PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rwm" }]);
    assert.deepEqual(hc.SecurityOpt, ["no-new-privileges:true"]);
    assert.deepEqual(hc.Sysctls, { "net.ipv4.conf.all.src_valid_mark": "1" });
    assert.deepEqual(hc.Tmpfs, { "/tmp": "size=1m" });
    assert.equal(hc.ReadonlyRootfs, true);
    assert.equal(hc.RestartPolicy, undefined);
    assert.equal(hc.Dns, undefined);
    assert.equal(spec.body.User, undefined);
    assert.equal(spec.body.Hostname, "jf");
    assert.deepEqual(spec.body.Entrypoint, ["/bin/sh", "-c"]);
    assert.ok(spec.notes.some((n) => n.startsWith("device /dev/dri not realised")));
    assert.ok(spec.notes.some((n) => n.startsWith("dns not realised")));
  });

  it("rejects an input key it does not understand, naming it, instead of ignoring it", () => {
    assert.throws(
      () => mapContainer({ networksAdvanced: [{ name: "vnet-ingress" }], privileged: true, frobnicate: 1 }),
      (e: unknown) => e instanceof MappingError && /privileged, frobnicate/.test(e.message) && /"jellyfin"/.test(e.message),
    );
    // Nested keys too.
    assert.throws(() => mapContainer({ networksAdvanced: [{ name: "vnet-ingress", macAddress: "02:00:00:00:00:01" }] }), /macAddress/);
    assert.throws(
      () => mapContainer({ networksAdvanced: [{ name: "vnet-ingress" }], mounts: [{ type: "bind", source: "/a", target: "/b", consistency: "x" }] }),
      /consistency/,
    );
    assert.throws(() => toEngineSpec({ type: DOCKER_TYPES.network, name: "n", id: "n", inputs: { name: "n", ipv6: true } }, ctx), /ipv6/);
    assert.throws(() => toEngineSpec({ type: "docker:index/service:Service", name: "s", id: "s", inputs: {} }, ctx), /not understood/);
    // Absent (undefined/null) inputs are not keys the program set.
    mapContainer({ networksAdvanced: [{ name: "vnet-ingress" }], privileged: undefined, gpus: null });
  });

  it("refuses what it cannot realise safely: host networking, other drivers, unknown references", () => {
    assert.throws(() => mapContainer({ networkMode: "host" }), /host networking/);
    assert.throws(() => mapContainer({ networksAdvanced: [{ name: "nope" }] }), /not realised/);
    assert.throws(() => toEngineSpec({ type: DOCKER_TYPES.network, name: "n", id: "n", inputs: { name: "n", driver: "macvlan" } }, ctx), /bridge driver/);
    assert.throws(() => mapContainer({ name: "bad name; rm -rf /" }), /invalid Docker name/);
  });

  it("puts a container without networks on the per-run stand-in for the default bridge", () => {
    const spec = mapContainer({});
    assert.equal(spec.usesDefaultBridge, true);
    assert.equal(spec.body.HostConfig!.NetworkMode, "hlt-r1-bridge");
  });

  it("keeps an explicit reason for every accepted-but-not-realised key, disjoint from the realised ones", () => {
    for (const [k, reason] of Object.entries(CONTAINER_KEYS_NOT_REALISED)) {
      assert.ok(reason.length > 5, k);
      assert.ok(!CONTAINER_KEYS_REALISED.includes(k), k);
    }
  });

  it("unwraps mocked secrets and rejects unknown outputs", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
    assert.deepEqual(unwrapSecrets({ envs: [secret, "A=1"] }), { envs: ["hunter2", "A=1"] });
    const spec = mapContainer({ networksAdvanced: [{ name: "vnet-ingress" }], envs: [{ ...secret, value: "PW=x" }] });
    assert.deepEqual(spec.body.Env, ["PW=x"]);
    assert.throws(() => unwrapSecrets({ a: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }), /unknown/);
  });

  it("maps volumes and remote images; leaves non-Docker resources in memory", () => {
    const vol = toEngineSpec({ type: DOCKER_TYPES.volume, name: "v", id: "v-id", inputs: { name: "jf-config", driverOpts: { type: "nfs" } } }, ctx);
    assert.equal(vol.kind, "volume");
    if (vol.kind === "volume") {
      assert.equal(vol.body.Name, "hlt-r1-jf-config");
      assert.equal(vol.body.DriverOpts, undefined);
    }
    const img = toEngineSpec({ type: DOCKER_TYPES.remoteImage, name: "i", id: "i", inputs: { name: "jellyfin/jellyfin:10.9", keepLocally: true } }, ctx);
    assert.equal(img.kind, "nothing");
    const cf = toEngineSpec({ type: "cloudflare:index/dnsRecord:DnsRecord", name: "d", id: "d", inputs: { anything: 1 } }, ctx);
    assert.equal(cf.kind, "nothing");
  });

  it("validates declared ports and builds the listener script", () => {
    assert.throws(() => declaredPorts({ labels: [{ label: "homelab.ports", value: "80,http" }] }), /invalid port "http"/);
    assert.throws(() => declaredPorts({ ports: [{ internal: 70000 }] }), /invalid port 70000/);
    assert.equal(listenerScript([]), "trap 'exit 0' TERM; while :; do sleep 3600 & wait; done");
  });
});
