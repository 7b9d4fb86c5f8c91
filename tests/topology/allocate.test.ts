import * as assert from "node:assert/strict";
import { allocateServiceSubnets, guidelinePrefix, SubnetRequest } from "../../topology/allocate";
import { containerCapacity, isNetworkAddress, overlaps, parseBlock } from "../../topology/cidr";

const reserved = [{ cidr: "192.168.1.0/24", what: "the LAN", path: "homelab:lan" }];
const req = (key: string, containers = 1, pinned?: string): SubnetRequest => ({ key, containers, pinned, path: `homelab:services.${key.slice(5)}.subnet` });
const allocate = (requests: SubnetRequest[], lock: Record<string, string> = {}, pool = "192.168.16.0/20") =>
  allocateServiceSubnets({ pool, poolPath: "homelab:network.pool", requests, lock, reserved });

describe("subnet allocation", () => {
  it("follows the seed's sizing guideline: /29 for 1–2 containers, /28 for 3+, bigger only when needed", () => {
    assert.deepEqual([1, 2, 3, 4, 13, 14].map(guidelinePrefix), [29, 29, 28, 28, 28, 27]);
    assert.ok(containerCapacity(guidelinePrefix(14)) >= 14);
  });

  it("allocates aligned, disjoint subnets inside the pool", () => {
    const { assignments, problems } = allocate(["a", "b", "c", "d", "e"].map((s, i) => req(`vnet-${s}`, i + 1)));
    assert.deepEqual(problems, []);
    const blocks = [...assignments.values()].map((a) => a.subnet);
    for (const s of blocks) {
      assert.ok(isNetworkAddress(s), s);
      assert.ok(overlaps(parseBlock(s), parseBlock("192.168.16.0/20")));
    }
    for (let i = 0; i < blocks.length; i++)
      for (let j = i + 1; j < blocks.length; j++) assert.ok(!overlaps(parseBlock(blocks[i]), parseBlock(blocks[j])), `${blocks[i]} vs ${blocks[j]}`);
  });

  it("does not depend on the order services are listed in", () => {
    const list = ["jellyfin", "sonarr", "radarr", "immich", "plex"].map((s) => req(`vnet-${s}`));
    const a = allocate(list).assignments;
    const b = allocate([...list].reverse()).assignments;
    assert.deepEqual(Object.fromEntries(a), Object.fromEntries(b));
  });

  it("keeps locked subnets even when a new service would hash onto them", () => {
    const first = allocate([req("vnet-jellyfin")]).assignments.get("vnet-jellyfin")!.subnet;
    // pin another service exactly where jellyfin would like to go, and lock jellyfin elsewhere
    const locked = allocate([req("vnet-jellyfin"), req("vnet-sonarr", 1, first)], { "vnet-jellyfin": "192.168.30.0/29" });
    assert.equal(locked.assignments.get("vnet-jellyfin")!.subnet, "192.168.30.0/29");
    assert.equal(locked.assignments.get("vnet-jellyfin")!.origin, "locked");
  });

  it("moves a locked subnet (with a warning) only when it no longer fits the service", () => {
    const r = allocate([req("vnet-immich", 6)], { "vnet-immich": "192.168.30.0/29" });
    assert.notEqual(r.assignments.get("vnet-immich")!.subnet, "192.168.30.0/29");
    assert.match(r.warnings.join("\n"), /vnet-immich: locked 192\.168\.30\.0\/29 no longer fits 6 containers/);
  });

  it("honours a pinned subnet smaller than the guideline when it fits, with a warning", () => {
    const r = allocate([req("vnet-immich", 4, "192.168.20.32/29")]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.assignments.get("vnet-immich")!.origin, "pinned");
    assert.match(r.warnings[0], /smaller than the \/28 guideline for 4 containers/);
  });

  it("accepts pinned subnets outside the pool but still checks them", () => {
    assert.deepEqual(allocate([req("vnet-x", 1, "10.5.0.0/29")]).problems, []);
    assert.match(allocate([req("vnet-x", 1, "192.168.1.16/29")]).problems[0].message, /overlaps the LAN/);
  });

  it("never allocates over the LAN when the pool contains it", () => {
    const { assignments } = allocate(
      Array.from({ length: 40 }, (_, i) => req(`vnet-s${i}`)),
      {},
      "192.168.0.0/22",
    );
    for (const a of assignments.values()) assert.ok(!overlaps(parseBlock(a.subnet), parseBlock("192.168.1.0/24")), a.subnet);
  });

  it("reports pool exhaustion with what is needed and what is free", () => {
    const r = allocate(
      Array.from({ length: 5 }, (_, i) => req(`vnet-s${i}`, 3)),
      {},
      "192.168.16.0/27",
    );
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0].message, /^pool 192\.168\.16\.0\/27 is exhausted: 3 more service network\(s\) \(.*\) need 48 addresses, 0 are free/);
  });
});
