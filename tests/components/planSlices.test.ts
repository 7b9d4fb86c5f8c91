import * as assert from "node:assert/strict";
import { remoteAccessSlice, serviceSlices, sharedNetworks } from "../../components/planSlices";
import { stackPlan } from "../support/configs";

describe("components/planSlices: the plan cut into what each component creates", () => {
  for (const stack of ["home", "lab"]) {
    const plan = stackPlan(stack);
    const slices = [...serviceSlices(plan, "service"), ...serviceSlices(plan, "vpn-gateway")];
    const remote = remoteAccessSlice(plan);

    it(`${stack}: every container and network belongs to exactly one component`, () => {
      const containers = [...slices.flatMap((s) => s.containers), ...(remote ? [remote.connector] : [])].map((c) => c.name);
      assert.deepEqual([...containers].sort(), plan.containers.map((c) => c.name).sort());
      const networks = [...slices.flatMap((s) => (s.network ? [s.network] : [])), ...sharedNetworks(plan)].map((n) => n.name);
      assert.deepEqual([...networks].sort(), plan.networks.map((n) => n.name).sort());
    });

    it(`${stack}: a slice holds only its own service's containers and network`, () => {
      for (const s of slices) {
        assert.ok(
          s.containers.every((c) => c.service === s.name),
          s.name,
        );
        assert.ok(!s.network || (s.network.kind === "service" && s.network.service === s.name), s.name);
      }
    });
  }

  it("home: Gluetun is the VPN gateway's, cloudflared remote access's, as the plan says", () => {
    const plan = stackPlan("home");
    assert.deepEqual(
      serviceSlices(plan, "vpn-gateway").map((s) => s.name),
      ["gluetun"],
    );
    assert.equal(remoteAccessSlice(plan)?.connector.name, "cloudflared");
    assert.ok(!serviceSlices(plan, "service").some((s) => s.name === "gluetun" || s.name === "cloudflared"));
  });

  it("lab: no remote access, no VPN gateway", () => {
    const plan = stackPlan("lab");
    assert.equal(remoteAccessSlice(plan), undefined);
    assert.deepEqual(serviceSlices(plan, "vpn-gateway"), []);
  });
});
