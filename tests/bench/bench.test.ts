import * as assert from "node:assert/strict";
import { ADDED_USER, changesFor, classifyChurn } from "../../bench/churn";
import { readStackConfig } from "../../config/load";
import { changedLeaves, mentions } from "../../bench/diff";
import { dependencyShape, type RecordedResource } from "../../bench/graph";
import { median } from "../../bench/stats";
import { multiHostConfig, syntheticConfig } from "../../bench/synthetic";
import { buildPlan } from "../../topology/plan";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const STACK = "homelab:index:ServiceStack";

function res(name: string, type: string, extra: Partial<RecordedResource> = {}): RecordedResource {
  return { urn: `${type}::${name}`, type, name, custom: type !== STACK, deps: [], inputs: {}, ...extra };
}

describe("bench helpers", () => {
  it("median of odd and even samples", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("synthetic configs plan without errors, one network and container per service", () => {
    const result = buildPlan(syntheticConfig(25));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.plan.services.filter((s) => s.name.startsWith("svc-")).length, 25);
  });

  it("the multi-host synthetic stack plans over 3 hosts with the single-host subnets, vnet-ingress an overlay", () => {
    const one = buildPlan(syntheticConfig(30));
    const three = buildPlan(multiHostConfig(30, 3));
    assert.ok(one.ok && three.ok, JSON.stringify(!three.ok && three.errors));
    assert.deepEqual(
      three.plan.hosts?.map((h) => h.name),
      ["host1", "host2", "host3"],
    );
    assert.deepEqual(new Set(three.plan.containers.map((c) => c.host)), new Set(["host1", "host2", "host3"]));
    assert.equal(three.plan.networks.find((n) => n.kind === "ingress")!.driver, "overlay");
    assert.deepEqual(
      three.plan.networks.map((n) => n.subnet),
      one.plan.networks.map((n) => n.subnet),
    );
  });

  describe("dependencyShape", () => {
    it("counts levels over custom resources, a component standing for its children", () => {
      const shared = res("shared", STACK);
      const ingress = res("vnet-ingress", NETWORK, { parent: shared.urn });
      const image = res("image-a", IMAGE);
      const stack = res("app", STACK);
      const net = res("vnet-app", NETWORK, { parent: stack.urn });
      const app = res("app", CONTAINER, { parent: stack.urn, deps: [image.urn, net.urn, shared.urn] });
      const sidecar = res("app-sidecar", CONTAINER, { parent: app.urn });
      const shape = dependencyShape([shared, ingress, image, stack, net, app, sidecar]);
      assert.equal(shape.depth, 3);
      assert.deepEqual(shape.levels, [3, 1, 1]);
      assert.equal(shape.widest, 3);
      assert.equal(shape.chain.at(-1), "app-sidecar");
    });

    it("reports a cycle instead of looping", () => {
      const a = res("a", NETWORK, { deps: [`${NETWORK}::b`] });
      const b = res("b", NETWORK, { deps: [`${NETWORK}::a`] });
      assert.throws(() => dependencyShape([a, b]), /cycle/);
    });
  });

  describe("changedLeaves / mentions", () => {
    it("an insertion into a list is one leaf, not a shift of every later index", () => {
      const leaves = changedLeaves({ l: ["a", "b", "c"] }, { l: ["a", "x", "b", "c"] });
      assert.deepEqual(leaves, [{ path: "l[1]", before: undefined, after: ["x"] }]);
    });

    it("multi-line strings diff by line hunks", () => {
      const leaves = changedLeaves("a\nb\nc", "a\nb\n- svc-2:\n    port: 1\nc");
      assert.equal(leaves.length, 1);
      assert.match(String(leaves[0].after), /svc-2/);
    });

    it("matches whole names only", () => {
      assert.ok(mentions("vnet-sonarr", ["sonarr"]));
      assert.ok(!mentions("svc-10", ["svc-1"]));
      assert.ok(mentions("https://photos.home.example.com", ["photos.home.example.com"]));
    });
  });

  describe("classifyChurn", () => {
    const change = { kind: "add" as const, owners: ["new", "vnet-new"], tokens: ["new", "vnet-new", "new.example.com"], images: ["example/app:1.0.0"] };
    const other = res("other", CONTAINER, { inputs: { name: "other", networksAdvanced: [{ name: "vnet-other" }] } });
    const routes = res("routes", "command:local:File", { inputs: { content: "other:\n  host: other.example.com\n" } });

    it("counts the service's own resources, its image and lists naming it as needed", () => {
      const stack = res("new", STACK);
      const after = [
        other,
        stack,
        res("vnet-new", NETWORK, { parent: stack.urn }),
        res("new", CONTAINER, { parent: stack.urn }),
        res("image-example-app-1.0.0", IMAGE, { inputs: { name: "example/app:1.0.0" } }),
        { ...routes, inputs: { content: "other:\n  host: other.example.com\nnew:\n  host: new.example.com\n" } },
      ];
      const result = classifyChurn(change, [other, routes], after);
      assert.equal(result.collateral.length, 0, JSON.stringify(result.collateral));
      assert.equal(result.needed.length, 5);
    });

    it("flags another service's container and unexplained edits as collateral", () => {
      const after = [
        { ...other, inputs: { name: "other", networksAdvanced: [{ name: "vnet-other" }, { name: "vnet-new" }] } },
        { ...routes, inputs: { content: "other:\n  host: other.example.com:8443\n" } },
      ];
      const result = classifyChurn(change, [other, routes], after);
      assert.deepEqual(result.collateral.map((f) => f.name).sort(), ["other", "routes"]);
    });

    it("an image change may touch only the container's image", () => {
      const stack = res("app", STACK);
      const before = [stack, res("app", CONTAINER, { parent: stack.urn, inputs: { image: "sha256:1", labels: ["a"] } })];
      const after = [stack, res("app", CONTAINER, { parent: stack.urn, inputs: { image: "sha256:2", labels: ["b"] } })];
      const result = classifyChurn({ kind: "image", owners: ["app"], tokens: ["app"], images: [] }, before, after);
      assert.equal(result.collateral.length, 1);
      assert.match(result.collateral[0].why, /labels/);
    });
  });

  describe("shared-service edits", () => {
    const home = readStackConfig(__dirname + "/../..", "home");
    const byLabel = new Map(changesFor(home).map((c) => [c.label, c]));

    it("makes the four edits of issue 19 on the home stack", () => {
      const dozzle = byLabel.get("add Dozzle")!;
      assert.ok(dozzle.raw && dozzle.base, "adding Dozzle, which home has, starts from home without it");
      assert.equal((dozzle.base!.services as Record<string, unknown>).dozzle, undefined);
      assert.equal((byLabel.get("remove Portainer")!.raw!.services as Record<string, unknown>).portainer, undefined);
      const off = [...byLabel.values()].find((c) => c.label.endsWith("off the tunnel"))!;
      assert.equal((off.raw!.services as Record<string, Record<string, unknown>>)[off.service].expose, "lan");
      const user = byLabel.get("add a user to Authelia")!;
      assert.ok((user.raw!.authelia as { users: Record<string, unknown> }).users[ADDED_USER]);
    });

    it("counts the socket proxy created for the first Docker-API reader as needed, not for an unrelated service", () => {
      const image = res("image-cetusguard", IMAGE, { inputs: { name: "ghcr.io/hectorm/cetusguard:v1.1.3" } });
      const change = { owners: ["dozzle"], tokens: ["dozzle"], images: [] };
      assert.equal(classifyChurn({ ...change, kind: "docker-api" }, [], [image]).needed.length, 1);
      assert.equal(classifyChurn({ ...change, kind: "add" }, [], [image]).collateral.length, 1);
    });
  });
});
