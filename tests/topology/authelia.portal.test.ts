import * as assert from "node:assert/strict";
import { CLOUDFLARE, planOf } from "../support/configs";
import type { Plan } from "../../topology/types";

function plan(services: Record<string, unknown>, extra: Record<string, unknown> = {}): Plan {
  return planOf({ domain: "home.example.com", services, cloudflare: CLOUDFLARE, ...extra });
}
const portal = (p: Plan) => p.routes.find((r) => r.service === "authelia");

/** Protected routes redirect to the portal: wherever they are served, the portal must be served too. */
describe("remote access: Authelia's portal follows the routes that need it", () => {
  it("a protected route on the tunnel brings the portal onto the tunnel, guarded by Cloudflare Access", () => {
    const p = plan({ jellyseerr: { expose: "tunnel" } });
    assert.equal(portal(p)?.host, "auth.home.example.com");
    assert.equal(portal(p)?.expose, "tunnel");
    assert.ok(p.tunnel?.ingress.some((r) => r.hostname === "auth.home.example.com"));
    assert.ok(p.dns?.some((r) => r.name === "auth.home.example.com"));
    assert.ok(
      p.access?.some((a) => a.domain === "auth.home.example.com"),
      "Access guards the portal like the route",
    );
  });

  it("when every tunnelled route chose Authelia alone, the portal is public (its own login)", () => {
    const p = plan({ jellyseerr: { expose: "tunnel", remoteAuth: "authelia" } });
    assert.equal(portal(p)?.expose, "tunnel");
    assert.ok(!p.access?.some((a) => a.domain === "auth.home.example.com"));
  });

  it("stays on the LAN when no protected route is tunnelled", () => {
    const p = plan({ jellyseerr: { expose: "lan" } });
    assert.equal(portal(p)?.expose, "lan");
    assert.ok(!p.tunnel?.ingress.some((r) => r.hostname === "auth.home.example.com"));
  });

  it("keeps homelab:authelia.subdomain when the owner lists authelia without one, and the owner's expose wins", () => {
    const listed = plan({ jellyseerr: { expose: "tunnel" }, authelia: { expose: "lan" } }, { authelia: { subdomain: "login" } });
    assert.equal(portal(listed)?.host, "login.home.example.com");
    assert.equal(portal(listed)?.expose, "lan");
  });
});
