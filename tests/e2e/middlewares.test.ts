/**
 * The middleware chain (topology/middlewares.ts) on real nginx serving the GENERATED SWAG confs, in the world of
 * requestPath.test.ts (tests/e2e/world.ts): secure headers on real answers (refusals included), gzip, the LAN-only
 * allowlist from a LAN client, an outsider on vnet-ingress and the tunnel peer forwarding a LAN address, and the
 * rate limit answering 429 past the burst per visitor behind the tunnel. Traefik's side is the config-level model
 * in tests/topology/proxy.traefik.test.ts (Traefik cannot run here).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECURE_HEADERS } from "../../topology/middlewares";
import type { Plan } from "../../topology/types";
import { stackConfig, stackPlan } from "../support/configs";
import { engineRuns, randomSubnets } from "../support/engine/engineSuite";
import { execIn, newRunId, teardown } from "../support/engine/realise";
import { VISITOR_IP } from "../support/requestPath/probes";
import { PEER_PORT, World, buildE2eImage, buildWorld } from "../support/requestPath/world";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

interface Answer {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body: string;
  error?: string;
}

const BURST = 5;
const VOLLEY = 15;
const OTHER_VISITOR = "203.0.113.8";
const lab = stackConfig("lab") as { services: Record<string, object> };

/** The lab stack, LAN-only stack-wide (the test's LAN among the ranges); whoami on the tunnel with a small rate limit and no compression. */
function stackWith(lanSubnet: string): Record<string, unknown> {
  return {
    services: {
      ...lab.services,
      whoami: {
        ...lab.services.whoami,
        expose: "tunnel",
        auth: "bypass",
        remoteAuth: "access",
        middlewares: { rateLimit: { average: 1, burst: BURST }, compression: false },
      },
    },
    middlewares: { lanOnly: true, lanSources: [lanSubnet] },
    cloudflare: { enabled: true, accountId: "0".repeat(32), zoneId: "1".repeat(32), allow: { emails: ["tester@lab.example.com"] } },
  };
}

const host = (plan: Plan, service: string) => plan.routes.find((r) => r.service === service)!.host;

describe("the middleware chain end to end: real nginx (SWAG confs)", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runs = engineRuns();
  before(buildE2eImage);
  let plan: Plan;
  let world: World;
  let lanClientIp: string;

  /** Runs requests in parallel from one of the world's containers (the client double), bounded. */
  async function send(from: string, name: string, requests: object[]): Promise<Map<string, Answer>> {
    const file = `middlewares-${name}.json`;
    fs.writeFileSync(path.join(world.work, "e2e", file), JSON.stringify(requests));
    const out = await execIn(world.docker, from, `node /opt/doubles/client.js /e2e/${file}`, 30_000);
    assert.equal(out.exitCode, 0, `the ${name} client failed: ${out.stderr}`);
    return new Map((JSON.parse(out.stdout) as Answer[]).map((a) => [a.id, a]));
  }
  /** SWAG as each client reaches it: the LAN client on the LAN network, the others on vnet-ingress (the peer is on both). */
  const swagFrom = (client: "lan" | "ingress") => (client === "lan" ? `${world.swag.ips[world.lan]}:443` : `${world.swag.ips[world.ingress]}:443`);
  const toSwag = (id: string, service: string, headers: Record<string, string> = {}, from: "lan" | "ingress" = "ingress") => ({
    id,
    url: `https://${host(plan, service)}/?e2e=${id}`,
    via: swagFrom(from),
    ca: "/e2e/ca.crt",
    headers: { "User-Agent": `e2e/${id}`, ...headers },
  });
  const throughTunnel = (id: string, service: string, visitor: string) => ({
    id,
    url: `https://${host(plan, service)}/?e2e=${id}`,
    via: `${world.peer!.ips[world.lan]}:${PEER_PORT}`,
    plain: true,
    headers: { "User-Agent": `e2e/${id}`, "CF-Connecting-IP": visitor, "X-Forwarded-For": visitor, "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip" },
  });

  let lan: Map<string, Answer>;
  let outsider: Map<string, Answer>;
  let relay: Map<string, Answer>;
  let volley: Answer[];
  let later: Map<string, Answer>;

  before(async function () {
    const runId = newRunId();
    runs.push(runId);
    // The plan must name the LAN's addresses before the world exists: draw them, and draw again on an overlap.
    for (let attempt = 1; ; attempt++) {
      const lanNet = randomSubnets(1)[0];
      plan = stackPlan("lab", stackWith(lanNet.subnet));
      try {
        world = await buildWorld(plan, runId, { lan: lanNet });
        break;
      } catch (e) {
        await teardown({ runId });
        if (attempt >= 5 || !/overlap/i.test((e as Error).message)) throw e;
      }
    }
    lanClientIp = world.lanClient.ips[world.lan];
    const gzip = { "Accept-Encoding": "gzip" };
    [lan, outsider, relay] = await Promise.all([
      send(world.lanClient.id, "lan", [toSwag("lan-jellyfin", "jellyfin", gzip, "lan"), throughTunnel("lan-jellyfin-via-tunnel", "jellyfin", VISITOR_IP)]),
      send(world.outsider.id, "outsider", [toSwag("outsider-jellyfin", "jellyfin", { "X-Forwarded-For": lanClientIp, "CF-Connecting-IP": lanClientIp })]),
      // cloudflared's own fixed address talking to SWAG directly, vouching for a LAN client.
      send(world.peer!.id, "relay", [toSwag("relay-jellyfin", "jellyfin", { "CF-Connecting-IP": lanClientIp, "X-Forwarded-For": lanClientIp })]),
    ]);
    const shots = Array.from({ length: VOLLEY }, (_, i) => throughTunnel(`volley-${i}`, "whoami", VISITOR_IP));
    volley = [...(await send(world.lanClient.id, "volley", shots)).values()];
    later = await send(world.lanClient.id, "after", [
      throughTunnel("other-visitor", "whoami", OTHER_VISITOR),
      toSwag("lan-whoami", "whoami", { "Accept-Encoding": "gzip" }, "lan"),
    ]);
  });

  const hasSecureHeaders = (a: Answer | undefined) => {
    assert.ok(a, "no answer");
    for (const [name, value] of Object.entries(SECURE_HEADERS)) assert.equal(a.headers?.[name.toLowerCase()], value, `${a.id} (${a.status}): ${name}`);
  };

  it("a LAN client gets the app, with the secure headers, gzip-compressed", function () {
    const a = lan.get("lan-jellyfin")!;
    assert.equal(a.status, 200, JSON.stringify(a));
    hasSecureHeaders(a);
    assert.equal(a.headers?.["content-encoding"], "gzip");
  });

  it("an outsider on vnet-ingress gets 403 (with the secure headers), whatever it claims in forwarding headers", function () {
    const a = outsider.get("outsider-jellyfin")!;
    assert.equal(a.status, 403, JSON.stringify(a));
    hasSecureHeaders(a);
  });

  it("the tunnel peer gets 403 even when it vouches for a LAN address (the peer is judged, not CF-Connecting-IP)", function () {
    assert.equal(relay.get("relay-jellyfin")!.status, 403, JSON.stringify(relay.get("relay-jellyfin")));
  });

  it("a LAN-only host is not on the tunnel at all", function () {
    assert.equal(lan.get("lan-jellyfin-via-tunnel")!.status, 404);
  });

  it(`rate limit: of ${VOLLEY} requests at once from one visitor behind the tunnel, the burst (${BURST}) and one pass, the rest get 429`, function () {
    const ok = volley.filter((a) => a.status === 200).length;
    const limited = volley.filter((a) => a.status === 429);
    // 1 r/s: the first request, the burst at once (nodelay), and at most one or two more if the volley outlasts a second.
    assert.ok(ok >= BURST + 1 && ok <= BURST + 3, `${ok} passed: ${volley.map((a) => a.status).join(" ")}`);
    assert.equal(ok + limited.length, VOLLEY, `only 200 or 429: ${volley.map((a) => a.status).join(" ")}`);
    hasSecureHeaders(limited[0]);
  });

  it("rate limit: another visitor and a LAN client still get through (a bucket per real client); compression off where asked", function () {
    assert.equal(later.get("other-visitor")!.status, 200, JSON.stringify(later.get("other-visitor")));
    const a = later.get("lan-whoami")!;
    assert.equal(a.status, 200, JSON.stringify(a));
    assert.equal(a.headers?.["content-encoding"], undefined, "compression: false");
  });
});
