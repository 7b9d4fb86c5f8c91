/**
 * Issue 12's proof: the request path end to end on the real Docker engine. Debian's nginx serves the GENERATED
 * SWAG confs (with SWAG 5.1.0's own includes reproduced in tests/e2e/swag/), the Authelia double decides from the
 * GENERATED access_control, the cloudflared peer forwards to the GENERATED tunnel origin, busybox httpd stands
 * in for every app. One realised set of containers per stack, every request in parallel, bounded, torn down
 * always. Needs the engine (tests/support/engine/engineSuite gate: fails instead of skipping under
 * HOMELAB_REQUIRE_DOCKER=1) and the local image tests/e2e/build-image.sh builds.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { SecretValue } from "../../config/secret";
import { AUTHELIA } from "../../config/catalog";
import { SWAG_NGINX } from "../../topology/swag";
import type { Plan } from "../../topology/types";
import { engineRuns } from "../support/engine/engineSuite";
import { execIn, newRunId, teardown } from "../support/engine/realise";
import { stackConfig, stackPlan } from "../support/configs";
import { API_PATH, Probe, SPOOFED_IP, VISITOR_IP, probesFor } from "../support/requestPath/probes";
import { SESSION, World, buildE2eImage, buildWorld, containerLog, PEER_PORT } from "../support/requestPath/world";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

interface Hop {
  url: string;
  status: number;
  location: string | null;
  body: string;
  error?: string;
}
interface Result extends Hop {
  id: string;
  hops: Hop[];
}

const lab = stackConfig("lab") as { services: Record<string, object>; authelia: Record<string, unknown> };
/** The lab stack as shipped, plus what it lacks to show every flow: a denied service and an API bypass. */
const LAN_STACK = {
  services: { ...lab.services, qbittorrent: { auth: "deny" } },
  authelia: { ...lab.authelia, apiBypass: ["sonarr"] },
};
/** The same with Cloudflare's tunnel: the portal, a bypass, a denied, protected and API-bypassed services go through it. */
const TUNNEL_STACK = {
  ...LAN_STACK,
  services: {
    ...LAN_STACK.services,
    [AUTHELIA]: { expose: "tunnel", subdomain: "auth" },
    jellyfin: { expose: "tunnel" },
    qbittorrent: { auth: "deny", expose: "tunnel" },
    sonarr: { expose: "tunnel" },
    whoami: { ...lab.services.whoami, expose: "tunnel" },
  },
  cloudflare: { enabled: true, accountId: "0".repeat(32), zoneId: "1".repeat(32), allow: { emails: ["tester@lab.example.com"] } },
};
const ACME = { acme: { email: "ops@lab.example.com", cloudflareApiToken: new SecretValue("e2e-token") } };

/** Realised one after the other (they share the lab's addresses). */
const STACKS: { name: string; overrides: Record<string, unknown> }[] = [
  { name: "lab (SWAG, LAN only, internal CA)", overrides: LAN_STACK },
  { name: "lab with the Cloudflare tunnel (SWAG, internal CA)", overrides: TUNNEL_STACK },
  { name: "lab with the Cloudflare tunnel (SWAG, ACME)", overrides: { ...TUNNEL_STACK, ...ACME } },
];

async function runProbes(world: World, plan: Plan, probes: Probe[]): Promise<Map<string, Result>> {
  const swag = `${plan.prefix}swag`;
  const request = (p: Probe) => ({
    id: p.id,
    url: p.url,
    headers: p.headers,
    follow: p.follow,
    ca: "/e2e/ca.crt",
    ...(p.vantage === "tunnel"
      ? { via: `${world.peer!.ips[world.lan]}:${PEER_PORT}`, plain: true }
      : { via: `${swag}:${p.url.startsWith("http:") ? 80 : 443}` }),
  });
  const run = async (client: string, vantages: string[]) => {
    const mine = probes.filter((p) => vantages.includes(p.vantage));
    const file = `requests-${client}.json`;
    fs.writeFileSync(path.join(world.work, "e2e", file), JSON.stringify(mine.map(request)));
    const id = client === "outsider" ? world.outsider.id : world.lanClient.id;
    const out = await execIn(world.docker, id, `node /opt/doubles/client.js /e2e/${file}`, 30_000);
    assert.equal(out.exitCode, 0, `the ${client} client failed: ${out.stderr}`);
    return JSON.parse(out.stdout) as Result[];
  };
  const results = (await Promise.all([run("lan", ["lan", "tunnel"]), run("outsider", ["outsider"])])).flat();
  return new Map(results.map((r) => [r.id, r]));
}

/** nginx's `combined` lines, by the probe id carried in the User-Agent: the client address nginx logged. */
function loggedAddresses(accessLog: string): Map<string, string> {
  const byProbe = new Map<string, string>();
  for (const line of fs.readFileSync(accessLog, "utf8").split("\n")) {
    const m = /^(\S+) \S+ \S+ \[[^\]]*\] "[^"]*" \d+ \d+ "[^"]*" "e2e\/([^"]+)"$/.exec(line);
    if (m) byProbe.set(m[2], m[1]);
  }
  return byProbe;
}

/** The Authelia double's decisions (one JSON line each), by the probe id in the target URL. */
async function autheliaDecisions(world: World): Promise<Map<string, { status: number; remoteIp: string; target: string }>> {
  const logs = await containerLog(world.docker, world.authelia.id, { stdout: true, stderr: false });
  const decisions = new Map<string, { status: number; remoteIp: string; target: string }>();
  for (const line of logs.split("\n")) {
    if (!line.startsWith("{")) continue;
    const d = JSON.parse(line);
    const id = d.target ? new URL(d.target).searchParams.get("e2e") : null;
    if (id) decisions.set(id, d);
  }
  return decisions;
}

const describeResult = (r: Result | undefined) =>
  r
    ? r.hops.map((h) => `${h.status}${h.location ? ` → ${h.location}` : ""}${h.error ? ` (${h.error})` : ""} ${h.body.trim().slice(0, 120)}`).join(" | ")
    : "no result";

describe("the request path end to end: real nginx (SWAG confs), Authelia double, cloudflared peer", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runs = engineRuns();
  before(buildE2eImage);

  for (const stack of STACKS) {
    describe(stack.name, function () {
      const plan = stackPlan("lab", stack.overrides);
      // What the owner asked for (the config), not what the generated rules say: those are under test.
      const apiBypass = (stack.overrides.authelia as { apiBypass?: string[] } | undefined)?.apiBypass ?? [];
      const probes = probesFor(plan, apiBypass, SESSION);
      let world: World;
      let results: Map<string, Result>;
      let logged: Map<string, string>;
      let decisions: Awaited<ReturnType<typeof autheliaDecisions>>;
      const runId = newRunId();

      before(async function () {
        runs.push(runId);
        world = await buildWorld(plan, runId);
        results = await runProbes(world, plan, probes);
        logged = loggedAddresses(world.accessLog);
        decisions = await autheliaDecisions(world);
      });
      // Each stack's containers go before the next stack needs the same addresses.
      after(async () => teardown({ runId }));

      const each = (vantage: string, flow: string, check: (p: Probe, r: Result) => void) => {
        const chosen = probes.filter((p) => p.vantage === vantage && p.flow === flow);
        it(`${vantage}: ${flow} (${chosen.map((p) => p.route?.service ?? new URL(p.url).hostname).join(", ")})`, function () {
          assert.ok(chosen.length > 0, `the stack plans no route for ${vantage} ${flow}: the fixture lost a case`);
          const failures: string[] = [];
          for (const p of chosen) {
            try {
              check(p, results.get(p.id)!);
            } catch (e) {
              failures.push(`${p.id}: ${(e as Error).message.split("\n")[0]}\n    got: ${describeResult(results.get(p.id))}`);
            }
          }
          if (failures.length) assert.fail(`${failures.length} of ${chosen.length} probe(s) failed:\n${failures.join("\n")}`);
        });
      };
      const original = (p: Probe) => p.url;
      const portalHost = plan.routes.find((r) => r.service === AUTHELIA)!.host;
      const appAnswered = (p: Probe, r: Result) => {
        assert.equal(r.status, 200, "status");
        assert.match(r.body, new RegExp(`^app=${p.route!.service} `), "the app stand-in answered");
      };

      for (const vantage of plan.tunnel ? ["lan", "tunnel"] : ["lan"]) {
        each(vantage, "protected-anonymous", (p, r) => {
          assert.equal(r.status, 302, "status");
          const location = new URL(r.location ?? "");
          assert.equal(location.origin, `https://${portalHost}`, "redirects to the portal");
          assert.equal(location.searchParams.get("rd"), original(p), "rd= is the https original");
          // No loop: the portal answers the next hop itself.
          assert.equal(r.hops.length, 2, "one redirect, then the portal");
          assert.equal(r.hops[1].status, 200, "the portal answers");
          assert.match(r.hops[1].body, /^authelia-portal/);
        });
        each(vantage, "protected-session", (p, r) => {
          appAnswered(p, r);
          assert.match(r.body, new RegExp(` user=${world.user} `), "Remote-User reached the app");
        });
        each(vantage, "bypass", appAnswered);
        each(vantage, "deny", (_, r) => assert.equal(r.status, 403, "status"));
        each(vantage, "api-bypass", (_, r) => {
          assert.equal(r.status, 200, "status");
          assert.equal(r.body, "api-ok\n", `${API_PATH} of the app, without login`);
        });
        each(vantage, "portal", (_, r) => {
          assert.equal(r.status, 200, "status");
          assert.match(r.body, /^authelia-portal/);
        });
      }
      each("lan", "http-redirect", (p, r) => {
        assert.equal(r.status, 301, "plain HTTP only redirects");
        assert.equal(r.location, p.url.replace(/^http:/, "https:"));
      });
      if (plan.tunnel) each("tunnel", "unknown-host", (_, r) => assert.equal(r.status, 404, "the tunnel's catch-all"));

      const expectedClient = (p: Probe) =>
        p.vantage === "tunnel" ? VISITOR_IP : p.vantage === "lan" ? world.lanClient.ips[world.lan] : world.outsider.ips[world.ingress];
      it("the access log shows every original client's address (the visitor's behind the tunnel)", function () {
        const wrong = probes
          .filter((p) => p.flow !== "unknown-host" && logged.get(p.id) !== expectedClient(p))
          .map((p) => `${p.id}: logged ${logged.get(p.id) ?? "nothing"}, expected ${expectedClient(p)}`);
        assert.deepEqual(wrong, []);
      });
      it("apps and Authelia see the original client's address too", function () {
        const wrong: string[] = [];
        // Every probe the app answers reports the X-Real-IP it got; every guarded probe has an Authelia decision.
        for (const p of probes.filter((x) => ["bypass", "protected-session"].includes(x.flow))) {
          const realIp = / realip=(\S*)/.exec(results.get(p.id)!.body)?.[1];
          if (realIp !== expectedClient(p)) wrong.push(`${p.id}: the app got X-Real-IP ${realIp === undefined ? "(no app answer)" : realIp || "(none)"}`);
        }
        for (const p of probes.filter((x) => x.flow.startsWith("protected-") || x.flow === "portal")) {
          const decision = decisions.get(p.id);
          if (decision?.remoteIp !== expectedClient(p)) wrong.push(`${p.id}: Authelia took the client to be ${decision?.remoteIp ?? "(no decision)"}`);
        }
        if (wrong.length) assert.fail(`expected each probe's own client address:\n${wrong.join("\n")}`);
      });
      it("the outsider on vnet-ingress cannot pass for anyone else", function () {
        const outsiders = probes.filter((p) => p.vantage === "outsider");
        assert.ok(outsiders.length > 0, "the plan has routes to try");
        const own = world.outsider.ips[world.ingress];
        for (const p of outsiders) {
          const r = results.get(p.id)!;
          assert.equal(logged.get(p.id), own, `${p.id}: nginx must log the outsider's own address, not ${SPOOFED_IP}`);
          assert.equal(r.status, 200, `${p.id}: ${describeResult(r)}`);
          if (p.flow !== "portal")
            assert.match(r.body, new RegExp(` realip=${own.replaceAll(".", "\\.")} `), `${p.id}: the app must be told the outsider's own address`);
          if (p.session || p.flow === "portal") assert.equal(decisions.get(p.id)?.remoteIp, own, `${p.id}: Authelia must see the outsider's own address`);
        }
      });
      it("every protected request was decided by the Authelia double on an https target", function () {
        const guarded = probes.filter((p) => p.flow === "protected-anonymous" || p.flow === "protected-session");
        for (const p of guarded) assert.equal(decisions.get(p.id)?.target, original(p), `${p.id}: the URL Authelia judged`);
      });
    });
  }

  describe("ACME and the internal CA: the same SWAG confs", function () {
    // SWAG's ssl.conf reads /config/keys/cert.{crt,key}, linked to the live folder whether certbot filled it
    // (ACME) or the plan did (internal CA): the confs must not differ, so the LAN-only ACME cells are the runs above.
    const nginxFiles = (plan: Plan) =>
      Object.fromEntries(
        (plan.containers.find((c) => c.name === `${plan.prefix}swag`)!.files ?? [])
          .filter((f) => f.path.startsWith(`${SWAG_NGINX}/`))
          .map((f) => [f.path, f.content]),
      );
    for (const stack of [LAN_STACK, TUNNEL_STACK]) {
      it(stack === LAN_STACK ? "lab" : "lab with the tunnel", () => {
        const internal = stackPlan("lab", stack);
        const acme = stackPlan("lab", { ...stack, ...ACME });
        const [a, i] = [nginxFiles(acme), nginxFiles(internal)];
        const differing = [...new Set([...Object.keys(a), ...Object.keys(i)])].filter((f) => a[f] !== i[f]);
        assert.deepEqual(differing, [], "SWAG confs that differ between ACME and the internal CA");
        assert.ok(Object.keys(i).length > internal.routes.length, "the confs are there to compare");
        assert.deepEqual(acme.authelia?.rules, internal.authelia?.rules);
      });
    }
  });
});
