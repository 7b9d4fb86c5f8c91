import * as assert from "node:assert/strict";
import { validateStackConfig, type StackConfig } from "../../config/schema";
import { SecretEnvRef } from "../../config/secret";
import { backupService, planBackup } from "../../topology/backup";
import { planHostStack } from "../../topology/host";
import { planDdns } from "../../topology/ddns";
import { naming } from "../../topology/naming";
import { applyPatches } from "../../topology/patch";
import { planRemoteAccess } from "../../topology/remoteAccess";
import { resolveServices } from "../../topology/services";
import type { PlannedContainer } from "../../topology/types";
import { attachToGateway, routeServices, routeUpstreams } from "../../topology/vpn";
import { planPlex, planWiring } from "../../topology/wiring";
import { minimalBackupConfig, planOf, stackConfig } from "../support/configs";

function validated(raw: unknown): StackConfig {
  const v = validateStackConfig(raw);
  if (!v.ok) assert.fail(v.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return v.value;
}

/**
 * The steps that add to what other steps planned (containers, routes, networks) return their additions instead:
 * each runs here on a finished plan's containers and routes, which must come out exactly as they went in.
 */
describe("planner pipeline: no step changes what another step returned", () => {
  for (const [what, raw] of [
    ["home", stackConfig("home")],
    ["lab", stackConfig("lab")],
    ["backups", minimalBackupConfig()],
  ] as const) {
    it(`${what}: the host stack, remote access, wiring, DNS updates, the VPN and the backup steps leave their inputs alone`, () => {
      const cfg = validated(raw);
      const plan = planOf(raw);
      const names = naming(cfg.network.prefix);
      const resolved = resolveServices(cfg).services;
      const vpn = routeServices(cfg, cfg.backup ? [...resolved, backupService()] : resolved);
      const inputs = () => JSON.stringify({ containers: plan.containers, routes: plan.routes, networks: plan.networks });
      const before = inputs();
      const host = planHostStack(cfg, vpn.services, plan.containers, plan.routes, names, plan.tls);
      planRemoteAccess(cfg, vpn.services, plan.routes, names, plan.tls);
      planWiring(vpn.services, plan.containers, names, vpn.routed, () => []);
      planPlex(cfg, plan.containers, names);
      planDdns(cfg, plan.containers, names, plan.dns);
      attachToGateway({ cfg, vpn, containers: plan.containers, networks: plan.networks, linksOf: () => [], names });
      routeUpstreams(plan.routes, vpn.routed, names);
      planBackup(cfg, plan.containers, plan.networks, names);
      assert.equal(inputs(), before);
      assert.ok(host.patches.length > 0, "the host stack has something to add");
    });
  }

  it("patches merge in order (maps key by key, lists appended, args onto the command) into new containers", () => {
    const c: PlannedContainer = {
      name: "x",
      service: "x",
      image: "i",
      role: "web",
      networks: [],
      mounts: [],
      env: { A: "1" },
      secretEnv: {},
      ports: [],
      hostPorts: [],
      labels: {},
      command: ["run"],
    };
    const before = JSON.stringify(c);
    const [patched, other] = applyPatches(
      [c, { ...c, name: "y" }],
      [
        { container: "x", env: { B: "2" }, args: ["-v"], files: [{ path: "/a", content: "a", secret: false }] },
        { container: "x", env: { A: "3" }, secretEnv: { K: SecretEnvRef.secret("k") }, files: [{ path: "/b", content: "b", secret: false }] },
        { container: "nobody", env: { Z: "z" } },
      ],
    );
    assert.deepEqual(patched.env, { A: "3", B: "2" });
    assert.deepEqual(patched.secretEnv, { K: SecretEnvRef.secret("k") });
    assert.deepEqual(patched.command, ["run", "-v"]);
    assert.deepEqual(
      patched.files?.map((f) => f.path),
      ["/a", "/b"],
    );
    assert.deepEqual(other, { ...c, name: "y" });
    assert.equal(JSON.stringify(c), before);
  });
});
