import { strict as assert } from "node:assert";
import { planAppSync } from "../../topology/appSync";
import { itRefuses, minimalConfig, planOf } from "../support/configs";

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

  itRefuses([
    [
      "a value that is no URL",
      minimalConfig({ services: { plex: {} }, plex: { advertise: ["192.168.1.10"] } }),
      "homelab:plex.advertise.0: must be a URL like https://plex.example.com:443 or http://192.168.1.10:32400",
    ],
    ["an empty list", minimalConfig({ services: { plex: {} }, plex: { advertise: [] } }), "homelab:plex.advertise: must name at least one URL"],
    [
      "URLs without Plex",
      minimalConfig({ plex: { advertise: ["http://192.168.1.10:32400"] } }),
      "homelab:plex.advertise: plex is not in homelab:services, so there is no server to set it on",
    ],
  ]);
});
