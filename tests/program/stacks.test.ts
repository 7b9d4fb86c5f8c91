import * as assert from "node:assert/strict";
import { buildPlan } from "../../topology/plan";
import type { Plan } from "../../topology/types";
import { stackConfig } from "../support/configs";
import { mockImageId } from "../support/mockProviders";
import { byType, CONTAINER, isSecretInput, NETWORK, ProgramRun, recordProgram, REMOTE_IMAGE, unwrapSecrets } from "../support/program";

/** The real program under Pulumi mocks, for both shipped stacks, checked against the offline plan. */
for (const stack of ["home", "lab"]) {
  describe(`program under mocks: ${stack} stack`, function () {
    let run: ProgramRun;
    let plan: Plan;
    before(async () => {
      run = await recordProgram(stack);
      const result = buildPlan(stackConfig(stack));
      assert.ok(result.ok);
      plan = result.plan;
    });

    it("runs without error", () => assert.equal(run.error, undefined));

    it("registers exactly the planned networks, with their subnets and gateways", () => {
      const networks = byType(run, NETWORK).map((r) => ({
        name: r.inputs.name,
        subnet: r.inputs.ipamConfigs[0].subnet,
        gateway: r.inputs.ipamConfigs[0].gateway,
        driver: r.inputs.driver,
      }));
      const expected = plan.networks.map((n) => ({ name: n.name, subnet: n.subnet, gateway: n.gateway, driver: "bridge" }));
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      assert.deepEqual(networks.sort(byName), expected.sort(byName));
    });

    it("registers exactly the planned containers, each on its planned networks", () => {
      const containers = byType(run, CONTAINER);
      assert.deepEqual(containers.map((c) => c.inputs.name).sort(), plan.containers.map((c) => c.name).sort());
      for (const planned of plan.containers) {
        const c = containers.find((r) => r.inputs.name === planned.name)!;
        assert.deepEqual(
          (c.inputs.networksAdvanced ?? []).map((n: { name: string }) => n.name),
          planned.networks,
          planned.name,
        );
      }
    });

    it("agrees with `homelab plan --json` on every container's image, env and mounts", () => {
      const containers = byType(run, CONTAINER);
      const images = new Map(byType(run, REMOTE_IMAGE).map((i) => [mockImageId(i.inputs.name), i.inputs.name]));
      for (const planned of plan.containers) {
        const c = containers.find((r) => r.inputs.name === planned.name)!;
        assert.equal(images.get(c.inputs.image), planned.image, `${planned.name} image`);
        // Secret env (named in the plan, valued by the Pulumi layer) comes after the plain env, and makes the list a secret.
        const secretNames = Object.keys(planned.secretEnv).sort();
        assert.equal(isSecretInput(c.inputs.envs), secretNames.length > 0, `${planned.name} env secret`);
        const envs = unwrapSecrets<string[]>(c.inputs.envs);
        assert.deepEqual(
          envs.slice(0, envs.length - secretNames.length),
          Object.entries(planned.env)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${v}`),
          `${planned.name} env`,
        );
        assert.deepEqual(
          envs.slice(envs.length - secretNames.length).map((e) => e.split("=")[0]),
          secretNames,
          `${planned.name} secret env`,
        );
        assert.deepEqual(
          c.inputs.mounts,
          planned.mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly })),
          `${planned.name} mounts`,
        );
      }
    });

    it("mounts the Docker socket only in the socket proxy, read-only, and that proxy joins only vnet-socket", () => {
      const socketMounts = byType(run, CONTAINER).filter((c) => (c.inputs.mounts ?? []).some((m: { source: string }) => m.source === "/var/run/docker.sock"));
      assert.deepEqual(
        socketMounts.map((c) => c.inputs.name),
        [`${plan.prefix}cetusguard`],
      );
      assert.equal(socketMounts[0].inputs.mounts[0].readOnly, true);
      assert.deepEqual(
        socketMounts[0].inputs.networksAdvanced.map((n: { name: string }) => n.name),
        [`${plan.prefix}vnet-socket`],
      );
    });

    it("keeps databases and caches on their own service network only", () => {
      for (const c of plan.containers.filter((c) => c.role === "database" || c.role === "cache")) {
        const registered = byType(run, CONTAINER).find((r) => r.inputs.name === c.name)!;
        assert.deepEqual(
          registered.inputs.networksAdvanced.map((n: { name: string }) => n.name),
          [`${plan.prefix}vnet-${c.service}`],
          c.name,
        );
      }
    });

    it("hardens every container and publishes host ports only on the proxy", () => {
      for (const c of byType(run, CONTAINER)) {
        assert.deepEqual(c.inputs.securityOpts, ["no-new-privileges:true"], c.inputs.name);
        assert.equal(c.inputs.restart, "unless-stopped", c.inputs.name);
        assert.deepEqual(c.inputs.logOpts, { "max-file": "3", "max-size": "10m" }, c.inputs.name);
        const role = c.inputs.labels.find((l: { label: string }) => l.label === "homelab.role").value;
        if ((c.inputs.ports ?? []).length > 0) assert.ok(["proxy", "vpn-gateway"].includes(role), `${c.inputs.name} (${role}) publishes host ports`);
      }
    });

    it("pulls each image once, pinned, and keeps it locally", () => {
      const images = byType(run, REMOTE_IMAGE);
      assert.equal(new Set(images.map((i) => i.inputs.name)).size, images.length);
      for (const i of images) {
        assert.equal(i.inputs.keepLocally, true);
        assert.match(i.inputs.name, /:[A-Za-z0-9_][\w.-]*$/);
        assert.doesNotMatch(i.inputs.name, /:latest$/);
      }
    });

    it("exports the network table and service URLs", () => {
      assert.deepEqual(
        run.outputs.networks.map((n: { name: string }) => n.name),
        plan.networks.map((n) => n.name),
      );
      assert.equal(Object.keys(run.outputs.serviceUrls).length, plan.routes.length);
    });
  });
}

describe("two stacks on one engine", () => {
  it("home and lab share no network name, container name or subnet", () => {
    const [home, lab] = ["home", "lab"].map((s) => {
      const r = buildPlan(stackConfig(s));
      assert.ok(r.ok);
      return r.plan;
    });
    const names = (p: Plan) => new Set([...p.networks.map((n) => n.name), ...p.containers.map((c) => c.name)]);
    const shared = [...names(home)].filter((n) => names(lab).has(n));
    assert.deepEqual(shared, []);
    const ipaddr = require("ipaddr.js") as typeof import("ipaddr.js");
    for (const a of home.networks)
      for (const b of lab.networks) {
        const [aa, ap] = ipaddr.parseCIDR(a.subnet);
        const [ba, bp] = ipaddr.parseCIDR(b.subnet);
        assert.ok(!aa.match(ba, Math.min(ap, bp)) && !ba.match(aa, Math.min(ap, bp)), `${a.name} ${a.subnet} overlaps ${b.name} ${b.subnet}`);
      }
  });
});
