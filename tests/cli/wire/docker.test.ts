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

  it("skips a swarm overlay's address (the host has no interface there) for one on a bridge", () => {
    const networks = { "vnet-ingress": { IPAddress: "192.168.90.5" }, "vnet-portainer": { IPAddress: "192.168.17.218" } };
    assert.equal(addressOf({ NetworkSettings: { Networks: networks } }, new Set(["vnet-ingress", "vnet-socket-gpu"])), "192.168.17.218");
    assert.equal(addressOf({ NetworkSettings: { Networks: networks } }), "192.168.90.5");
    assert.equal(addressOf({ NetworkSettings: { Networks: { "vnet-ingress": networks["vnet-ingress"] } } }, new Set(["vnet-ingress"])), undefined);
  });
});
