import * as assert from "node:assert/strict";
import { main } from "../../cli/main";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
  return { code, out, err };
}

describe("remote access: homelab plan", () => {
  it("plan home --json has tunnel ingress, DNS records and Access applications", async () => {
    const { code, out } = await run("plan", "home", "--json");
    assert.equal(code, 0);
    const plan = JSON.parse(out);
    assert.deepEqual(
      plan.tunnel.ingress.map((r: { hostname?: string; service: string }) => [r.hostname, r.service]),
      [
        ["auth.home.example.com", "https://traefik:443"], // the portal follows the protected routes onto the tunnel
        ["home.home.example.com", "https://traefik:443"],
        ["photos.home.example.com", "https://traefik:443"],
        ["requests.home.example.com", "https://traefik:443"],
        [undefined, "http_status:404"],
      ],
    );
    for (const r of plan.dns) assert.deepEqual([r.type, r.content], ["CNAME", "<tunnel-id>.cfargotunnel.com"]);
    assert.deepEqual(
      plan.dns.map((r: { name: string }) => r.name),
      ["auth.home.example.com", "home.home.example.com", "photos.home.example.com", "requests.home.example.com"],
    );
    assert.deepEqual(
      plan.access.map((a: { domain: string; policies: string[] }) => [a.domain, a.policies]),
      [
        ["auth.home.example.com", ["allow"]],
        ["home.home.example.com", ["allow"]],
        ["requests.home.example.com", ["allow"]],
      ],
    );
  });

  it("plan lab --json has no remote-access sections", async () => {
    const plan = JSON.parse((await run("plan", "lab", "--json")).out);
    assert.equal(plan.tunnel, undefined);
    assert.equal(plan.dns, undefined);
    assert.equal(plan.access, undefined);
  });

  it("plan home prints the public URLs and what guards each", async () => {
    const { out } = await run("plan", "home");
    assert.match(out, /Tunnel homelab \(catch-all http_status:404\)/);
    assert.match(out, /^HTTPS: the stack's own CA, wildcard certificate for home\.example\.com \(trust it on your devices: homelab ca home\)$/m);
    assert.match(out, /https:\/\/requests\.home\.example\.com\s+yes\s+two_factor\s+https:\/\/traefik:443/);
    assert.match(out, /https:\/\/photos\.home\.example\.com\s+no\s+one_factor\s+https:\/\/traefik:443/);
  });
});
