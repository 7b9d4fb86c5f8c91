import { strict as assert } from "node:assert";
import { planAppSync } from "../../topology/appSync";
import { minimalConfig, planOf } from "../support/configs";

describe("homelab:plex.advertise: the URLs Plex advertises (customConnections)", () => {
  it("reaches `homelab wire` through the plan, without an ADVERTISE_IP env (LinuxServer's image reads none)", () => {
    const plan = planOf(minimalConfig({ services: { plex: {} }, plex: { advertise: ["https://plex.home.example.com:443"] } }));
    assert.deepEqual(plan.plex, { customConnections: ["https://plex.home.example.com:443"] });
    const plex = plan.containers.find((c) => c.name === "plex")!;
    assert.equal(plex.env.ADVERTISE_IP, undefined);
    assert.equal(plex.secretEnv.PLEX_CLAIM, undefined, "no claim token asked for, none passed");
    assert.deepEqual(planAppSync(plan).plex, {
      service: "plex",
      container: "plex",
      addressOf: "plex",
      port: 32400,
      customConnections: ["https://plex.home.example.com:443"],
    });
  });
});
