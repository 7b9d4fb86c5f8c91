import * as assert from "node:assert/strict";
import type { ResourceValidation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { CONTAINER_TYPE, NETWORK_TYPE, policies, resourcePolicies, stackPolicies } from "../../policy/rules";
import { checkPolicy } from "../../topology/policy";
import { planOf, stackConfig } from "../support/configs";
import { recordProgram, RegisteredResource, unwrapSecrets } from "../support/program";

interface Violation {
  policy: string;
  resource?: string;
  message: string;
}

class NotApplicable extends Error {}

/** A recorded resource as the policy server hands it to a stack policy, its property dependencies resolved by name. */
function asPolicyResource(r: RegisteredResource, all: RegisteredResource[]): Record<string, unknown> {
  const plain = (x: RegisteredResource) => ({ type: x.type, props: x.inputs, urn: `urn:pulumi:test::homelab::${x.type}::${x.name}`, name: x.name });
  const propertyDependencies = Object.fromEntries(
    Object.entries(r.propertyDependencies ?? {}).map(([key, names]) => [
      key,
      names
        .map((n) => all.find((x) => x.name === n))
        .filter((x) => x !== undefined)
        .map(plain),
    ]),
  );
  return { ...plain(r), propertyDependencies };
}

/**
 * Calls every validator of the pack the way the policy server would: resource rules per resource, stack rules
 * once, on inputs with secrets unpacked (@pulumi/policy deserialize.js deserializeProperty: validators see plain values).
 */
async function evaluate(registered: RegisteredResource[]): Promise<Violation[]> {
  const resources = registered.map((r) => ({ ...r, inputs: unwrapSecrets<Record<string, any>>(r.inputs) }));
  const violations: Violation[] = [];
  for (const r of resources) {
    const args = {
      type: r.type,
      props: r.inputs,
      urn: `urn:pulumi:test::homelab::${r.type}::${r.name}`,
      name: r.name,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      stackTags: new Map(),
      isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === r.type,
      asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === r.type ? r.inputs : undefined),
      getConfig: () => ({}),
      notApplicable: (reason?: string) => {
        throw new NotApplicable(reason);
      },
    } as unknown as ResourceValidationArgs;
    for (const policy of resourcePolicies) {
      const validators = ([] as ResourceValidation[]).concat(policy.validateResource ?? []);
      for (const validate of validators) {
        try {
          await validate(args, (message) => violations.push({ policy: policy.name, resource: r.name, message }));
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  const stackArgs = {
    resources: resources.map((r) => asPolicyResource(r, resources)),
    stackTags: new Map(),
    getConfig: () => ({}),
    notApplicable: () => {
      throw new NotApplicable();
    },
  } as unknown as StackValidationArgs;
  for (const policy of stackPolicies) {
    await policy.validateStack(stackArgs, (message, urn) => violations.push({ policy: policy.name, resource: urn?.split("::").pop(), message }));
  }
  return violations;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const container = (resources: RegisteredResource[], name: string) => {
  const found = resources.find((r) => r.type === CONTAINER_TYPE && r.name === name);
  assert.ok(found, `no container ${name}`);
  return found;
};

describe("policy pack", function () {
  this.timeout(60_000);
  let lab: RegisteredResource[];
  let home: RegisteredResource[];

  before(async () => {
    const [labRun, homeRun] = await Promise.all([recordProgram("lab"), recordProgram("home")]);
    assert.equal(labRun.error, undefined);
    assert.equal(homeRun.error, undefined);
    lab = labRun.resources;
    home = homeRun.resources;
  });

  it("has uniquely named policies, each with a description", () => {
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    for (const p of policies) assert.ok(p.description.length > 20, p.name);
  });

  for (const stack of ["lab", "home"] as const) {
    it(`finds no violation in the ${stack} stack the program registers`, async () => {
      const resources = stack === "lab" ? lab : home;
      assert.ok(resources.filter((r) => r.type === CONTAINER_TYPE).length >= 5);
      assert.deepEqual(await evaluate(resources), []);
    });
  }

  describe("catches a deliberately broken resource", () => {
    it("a database container with the ingress network in networksAdvanced", async () => {
      const resources = clone(home);
      const db = container(resources, "immich-db");
      db.inputs.networksAdvanced.push({ name: "vnet-ingress", aliases: ["immich-db"] });
      assert.deepEqual(await evaluate(resources), [
        { policy: "network-membership", resource: "immich-db", message: "immich-db (database) must never be on vnet-ingress" },
      ]);
    });

    it("a cache joining a link network", async () => {
      const resources = clone(home);
      container(resources, "immich-redis").inputs.networksAdvanced.push({ name: "vnet-link-arr" });
      const violations = await evaluate(resources);
      assert.deepEqual(
        violations.map((v) => v.message),
        ["immich-redis (cache) must never be on a link network (vnet-link-arr)"],
      );
    });

    it("a container on another service's network", async () => {
      const resources = clone(lab);
      container(resources, "lab-sonarr").inputs.networksAdvanced.push({ name: "lab-vnet-jellyfin" });
      assert.deepEqual(
        (await evaluate(resources)).map((v) => v.message),
        ["lab-sonarr (web) joins lab-vnet-jellyfin, the network of service 'jellyfin': nobody joins another service's network"],
      );
    });

    it("a container overriding a protected setting (the planner's table), named by key, never by value", async () => {
      const resources = clone(home);
      const env = (name: string) => container(resources, name).inputs.envs as string[];
      const set = (name: string, key: string, value: string) => {
        const list = unwrapSecrets<string[]>(container(resources, name).inputs.envs).filter((e) => !e.startsWith(`${key}=`));
        container(resources, name).inputs.envs = [...list, `${key}=${value}`];
      };
      assert.ok(
        unwrapSecrets<string[]>(env("cloudflared")).some((e) => e.startsWith("TUNNEL_TOKEN=")),
        "the tunnel token is judged as registered",
      );
      set("cetusguard", "CETUSGUARD_RULES", "POST %API_PREFIX%/.*");
      set("cetusguard", "CETUSGUARD_BACKEND_ADDR", "tcp://192.168.1.10:2375");
      set("gluetun", "HTTP_CONTROL_SERVER_ADDRESS", ":8000");
      set("gluetun", "DNS_UPSTREAM_RESOLVER_TYPE", "plain");
      set("portainer", "DOCKER_HOST", "tcp://192.168.1.10:2375");
      set("jellyfin", "DOCKER_HOST", "tcp://cetusguard:2375");
      set("cloudflared", "TUNNEL_ORIGIN_CERT", "/tmp/cert.pem");
      const violations = await evaluate(resources);
      assert.deepEqual(violations.map((v) => `${v.policy} ${v.message}`).sort(), [
        "protected-settings cetusguard (socket-proxy) overrides protected setting CETUSGUARD_BACKEND_ADDR: the stack guarantees the engine only through the read-only socket mount",
        "protected-settings cetusguard (socket-proxy) overrides protected setting CETUSGUARD_RULES: the stack guarantees its rules only from the generated rules file (homelab:socketProxy)",
        "protected-settings cloudflared (tunnel) overrides protected setting TUNNEL_ORIGIN_CERT: the stack guarantees only its token and metrics set (other TUNNEL_* settings repoint the tunnel)",
        "protected-settings gluetun (vpn-gateway) overrides protected setting DNS_UPSTREAM_RESOLVER_TYPE: the stack guarantees encrypted DNS (dot or doh)",
        "protected-settings gluetun (vpn-gateway) overrides protected setting HTTP_CONTROL_SERVER_ADDRESS: the stack guarantees Gluetun's control server on loopback",
        "protected-settings jellyfin (web) overrides protected setting DOCKER_HOST: only a Docker API client (homelab.docker-api) sets it",
        "protected-settings portainer (monitoring) overrides protected setting DOCKER_HOST: a Docker API client reaches the engine only through the stack's socket proxy",
      ]);
      assert.ok(!violations.some((v) => v.message.includes("192.168.1.10")), "values are never echoed");
    });

    it("a lab container on the home stack's network (not a network of this stack)", async () => {
      const resources = clone(lab);
      container(resources, "lab-sonarr").inputs.networksAdvanced.push({ name: "vnet-ingress" });
      assert.deepEqual(
        (await evaluate(resources)).map((v) => v.message),
        ["lab-sonarr (web) joins vnet-ingress, which is not a network of this stack"],
      );
    });

    it("a web container on vnet-socket", async () => {
      const resources = clone(lab);
      container(resources, "lab-jellyfin").inputs.networksAdvanced.push({ name: "lab-vnet-socket" });
      assert.deepEqual(
        (await evaluate(resources)).map((v) => v.message),
        ["lab-jellyfin (web) must never be on vnet-socket (lab-vnet-socket)"],
      );
    });

    it("a web container mounting the Docker socket, or a folder above it", async () => {
      const resources = clone(lab);
      container(resources, "lab-sonarr").inputs.mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true });
      container(resources, "lab-jellyfin").inputs.mounts.push({ type: "bind", source: "/run", target: "/host-run", readOnly: true });
      container(resources, "lab-dozzle").inputs.volumes = [{ hostPath: "/var/run/docker.sock", containerPath: "/sock" }];
      assert.deepEqual((await evaluate(resources)).map((v) => `${v.policy}: ${v.message}`).sort(), [
        "docker-socket-only-socket-proxy-read-only: lab-dozzle (monitoring) mounts /var/run/docker.sock (the Docker socket): only the socket proxy may",
        "docker-socket-only-socket-proxy-read-only: lab-jellyfin (web) mounts /run (the Docker socket): only the socket proxy may",
        "docker-socket-only-socket-proxy-read-only: lab-sonarr (web) mounts /var/run/docker.sock (the Docker socket): only the socket proxy may",
      ]);
    });

    it("a socket proxy running another image: a transform repointing its RemoteImage, or a reference written out", async () => {
      const resources = clone(lab);
      const proxy = container(resources, "lab-cetusguard");
      assert.deepEqual(proxy.propertyDependencies.image, ["images-ghcr.io-hectorm-cetusguard-v1.1.3"], "the recording knows where its image id comes from");
      resources.find((r) => r.name === proxy.propertyDependencies.image[0])!.inputs.name = "tecnativa/docker-socket-proxy:latest";
      assert.deepEqual(
        (await evaluate(resources)).map((v) => `${v.policy}: ${v.message}`),
        [
          "socket-proxy-image: lab-cetusguard (socket proxy) runs tecnativa/docker-socket-proxy:latest: only ghcr.io/hectorm/cetusguard:v1.1.3 is trusted with the Docker socket",
        ],
      );
      const written = clone(lab);
      container(written, "lab-cetusguard").inputs.image = "evil/socket:1";
      assert.deepEqual(
        (await evaluate(written)).map((v) => v.message),
        ["lab-cetusguard (socket proxy) runs evil/socket:1: only ghcr.io/hectorm/cetusguard:v1.1.3 is trusted with the Docker socket"],
      );
      const untold = clone(lab);
      container(untold, "lab-cetusguard").propertyDependencies = {};
      assert.deepEqual(
        (await evaluate(untold)).map((v) => v.message),
        ["lab-cetusguard (socket proxy): which image it runs cannot be told; register it from a docker.RemoteImage named ghcr.io/hectorm/cetusguard:v1.1.3"],
      );
    });

    it("the socket proxy mounting the socket read-write", async () => {
      const resources = clone(lab);
      for (const m of container(resources, "lab-cetusguard").inputs.mounts) m.readOnly = false;
      assert.deepEqual(
        (await evaluate(resources)).map((v) => v.message),
        ["lab-cetusguard (socket-proxy) mounts the Docker socket read-write: it must be read-only"],
      );
    });

    it("a VPN-routed container that also joins networks and publishes ports", async () => {
      const resources = clone(lab);
      const c = container(resources, "lab-qbittorrent");
      c.inputs.networkMode = "container:gluetun-id";
      c.inputs.ports = [{ internal: 8080, external: 8080 }];
      assert.deepEqual((await evaluate(resources)).map((v) => `${v.policy}: ${v.message}`).sort(), [
        "host-ports-only-proxy-or-vpn-gateway: lab-qbittorrent (web) publishes host port(s) 8080: only the proxy and the VPN gateway may, or ports the owner lists in publish",
        "shared-namespace-no-networks-or-ports: lab-qbittorrent (web) shares container:gluetun-id and cannot publish ports",
        "shared-namespace-no-networks-or-ports: lab-qbittorrent (web) shares container:gluetun-id and cannot set a hostname",
        "shared-namespace-no-networks-or-ports: lab-qbittorrent (web) shares container:gluetun-id and must not join networks of its own (lab-vnet-ingress, lab-vnet-qbittorrent)",
      ]);
    });

    it("a host port beyond the ones the owner lists in publish (the homelab.published label)", async () => {
      const resources = clone(lab);
      const c = container(resources, "lab-jellyfin");
      c.inputs.labels.push({ label: "homelab.published", value: "8096" });
      c.inputs.ports = [{ internal: 8096, external: 8096 }];
      assert.deepEqual(await evaluate(resources), []);
      c.inputs.ports.push({ internal: 8920, external: 8920 });
      assert.deepEqual(
        (await evaluate(resources)).map((v) => v.message),
        ["lab-jellyfin (web) publishes host port(s) 8920: only the proxy and the VPN gateway may, or ports the owner lists in publish"],
      );
    });

    it("a container on the host network, or on no network of the stack (Docker's default bridge)", async () => {
      const resources = clone(lab);
      container(resources, "lab-whoami").inputs.networkMode = "host";
      container(resources, "lab-whoami").inputs.networksAdvanced = [];
      container(resources, "lab-sonarr").inputs.networksAdvanced = [];
      assert.deepEqual((await evaluate(resources)).map((v) => `${v.policy}: ${v.message}`).sort(), [
        "network-membership: lab-sonarr (web) must be on its own service network",
        "network-membership: lab-sonarr (web) must be on vnet-ingress",
        "own-networks-not-default-bridge-or-host: lab-sonarr (web) joins none of the stack's networks, so it would sit on Docker's default bridge with every other such container",
        "own-networks-not-default-bridge-or-host: lab-whoami (web) uses the host's network stack: it must live on the stack's own networks",
      ]);
    });

    it("a container without the homelab labels", async () => {
      const resources = clone(lab);
      container(resources, "lab-whoami").inputs.labels = [];
      const messages = (await evaluate(resources)).map((v) => v.message);
      assert.deepEqual(messages, [
        "lab-whoami (no role) has no known 'homelab.role' label: the network policy cannot be checked for it",
        "lab-whoami (no role) has no 'homelab.service' label: the network policy cannot be checked for it",
        // Without its service label it cannot show that vnet-whoami is its own network.
        "lab-whoami (no role) joins lab-vnet-whoami, the network of service 'whoami': nobody joins another service's network",
      ]);
    });

    it("networks without labels, on a public range, or without a fixed subnet", async () => {
      const resources = clone(lab);
      const nets = resources.filter((r) => r.type === NETWORK_TYPE);
      const [a, b, c] = [
        nets.find((n) => n.name === "lab-vnet-sonarr")!,
        nets.find((n) => n.name === "lab-vnet-jellyfin")!,
        nets.find((n) => n.name === "lab-vnet-whoami")!,
      ];
      a.inputs.labels = [{ label: "homelab.network-kind", value: "service" }];
      b.inputs.ipamConfigs = [{ subnet: "8.8.8.0/29" }];
      c.inputs.ipamConfigs = [];
      const violations = await evaluate(resources);
      assert.deepEqual(violations.map((v) => `${v.policy}: ${v.message}`).sort(), [
        "homelab-network-labels: service network lab-vnet-sonarr has no 'homelab.service' label naming its owner",
        "network-membership: lab-sonarr (web) joins lab-vnet-sonarr, the network of an unnamed service: nobody joins another service's network",
        "network-membership: lab-sonarr (web) must be on its own service network",
        "private-fixed-subnets: network lab-vnet-jellyfin subnet 8.8.8.0/29 is not in a private range",
        "private-fixed-subnets: network lab-vnet-whoami has no fixed subnet: Docker would pick one that may collide with the LAN",
      ]);
    });

    it("a resource of another type is not judged by the container and network rules", async () => {
      assert.deepEqual(
        await evaluate([
          {
            type: "docker:index/volume:Volume",
            name: "v",
            id: "v",
            dependsOn: [],
            propertyDependencies: {},
            urn: "v",
            aliases: [],
            inputs: { name: "/var/run/docker.sock" },
          },
        ]),
        [],
      );
    });
  });

  describe("breaking the policy on purpose: a database on vnet-ingress", () => {
    it("is caught by the planner's checkPolicy", () => {
      const plan = planOf(stackConfig("home"));
      assert.deepEqual(checkPolicy(plan), []);
      plan.containers.find((c) => c.name === "immich-db")!.networks.push("vnet-ingress");
      assert.deepEqual(checkPolicy(plan), [{ path: "homelab:services.immich", message: "immich-db (database) must never be on vnet-ingress" }]);
    });

    it("is caught by the policy pack on the registered container", async () => {
      const resources = clone(home);
      container(resources, "immich-db").inputs.networksAdvanced.unshift({ name: "vnet-ingress", aliases: ["immich-db"] });
      const violations = await evaluate(resources);
      assert.equal(violations.length, 1);
      assert.equal(violations[0].policy, "network-membership");
      assert.equal(violations[0].message, "immich-db (database) must never be on vnet-ingress");
    });
  });
});
