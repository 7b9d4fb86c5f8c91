import { strict as assert } from "node:assert";
import { addressOf, envOf } from "../../../cli/wire/docker";

describe("homelab wire: reading the running containers", () => {
  it("reads the env a container was started with, values with '=' intact", () => {
    assert.deepEqual(envOf({ Config: { Env: ["SONARR__AUTH__APIKEY=abc=", "TZ=UTC", "EMPTY="] } }), { SONARR__AUTH__APIKEY: "abc=", TZ: "UTC", EMPTY: "" });
    assert.deepEqual(envOf({}), {});
  });

  it("dials the container's address on a network, none when it has none (stopped, or in another's namespace)", () => {
    assert.equal(
      addressOf({ NetworkSettings: { Networks: { "vnet-ingress": { IPAddress: "" }, "vnet-link-arr": { IPAddress: "192.168.16.210" } } } }),
      "192.168.16.210",
    );
    assert.equal(addressOf({ NetworkSettings: { Networks: {} } }), undefined);
  });
});
