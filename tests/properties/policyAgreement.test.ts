import * as assert from "node:assert/strict";
import fc from "fast-check";
import { SecretEnvRef } from "../../config/secret";
import { LABELS, NETWORK_KINDS, ROLES } from "../../policy/networkPolicy";
import type { Plan, PlannedContainer } from "../../topology/types";
import { planOf, stackConfig } from "../support/configs";
import { auditMessages, auditPolicyMessages, packMessages, plannerMessages } from "../support/policyConsumers";
import { PROPERTY_TIMEOUT_MS } from "../support/timeouts";

/**
 * Property: whatever is done to the containers and networks of a valid plan, the planner's check and the
 * CrossGuard pack (judging the registered inputs the components build) find the same violations, in the
 * same words — and so does the audit of an engine running it. Mutations are what an edit, a transform or a
 * hand-written resource could do: join or leave networks, relabel, mount host paths, publish ports, move
 * into a shared namespace or the host network, retag a network.
 */
type Mutation = (plan: Plan) => void;

const pick = <T>(xs: readonly T[]) => fc.nat().map((i) => xs[i % xs.length]);
const containerIndex = fc.nat();
const at = (plan: Plan, i: number): PlannedContainer => plan.containers[i % plan.containers.length];

const SOURCES = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/run",
  "/var/run",
  "/var",
  "/",
  "//var//run/",
  "/srv/data",
  "/srv/x/docker.sock",
  "crowdsec-data",
];
const ROLE_LABELS = [...ROLES, "", "admin"];
/** Env a transform, a hand-written container or a config edit could set: protected settings right and wrong, and harmless ones. */
const ENV_SETTINGS: [string, string][] = [
  ["DOCKER_HOST", "tcp://cetusguard:2375"],
  ["DOCKER_HOST", "tcp://lab-cetusguard:2375"],
  ["DOCKER_HOST", "unix:///var/run/docker.sock"],
  ["DOCKER_HOST", "tcp://192.168.1.10:2375"],
  ["DOCKER_TLS_VERIFY", "0"],
  ["CETUSGUARD_RULES", "POST,PUT,DELETE %API_PREFIX%/.*"],
  ["CETUSGUARD_BACKEND_ADDR", "tcp://192.168.1.10:2375"],
  ["CETUSGUARD_BACKEND_ADDR", "unix:///var/run/docker.sock"],
  ["CETUSGUARD_RULES_FILE", "/tmp/allow-all.list"],
  ["HTTP_CONTROL_SERVER_ADDRESS", ":8000"],
  ["HTTP_CONTROL_SERVER_ADDRESS", "127.0.0.1:8000"],
  ["DNS_UPSTREAM_RESOLVER_TYPE", "plain"],
  ["FIREWALL_VPN_INPUT_PORTS", "6881"],
  ["TUNNEL_METRICS", "0.0.0.0:20241"],
  ["TUNNEL_URL", "http://somewhere:80"],
  ["TUNNEL_TOKEN", "another-tunnel"],
  ["RESTIC_PASSWORD_COMMAND", "cat /config/pw"],
  ["RESTIC_REPOSITORY", "/srv/backups"],
  ["TZ", "Etc/UTC"],
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(containerIndex, fc.nat(), fc.boolean()).map(([i, n, foreign]): Mutation => (plan) => {
    const c = at(plan, i);
    const name = foreign ? "somebody-elses-net" : plan.networks[n % plan.networks.length].name;
    if (!c.networkMode && !c.networks.includes(name)) c.networks.push(name);
  }),
  fc.tuple(containerIndex, fc.nat()).map(([i, n]): Mutation => (plan) => {
    const c = at(plan, i);
    if (c.networks.length) c.networks.splice(n % c.networks.length, 1);
  }),
  fc.tuple(containerIndex, pick(ROLE_LABELS)).map(
    ([i, role]): Mutation =>
      (plan) =>
        void (at(plan, i).labels[LABELS.role] = role),
  ),
  fc.tuple(containerIndex, pick(["", "sonarr", "jellyfin", "nobody"])).map(
    ([i, s]): Mutation =>
      (plan) =>
        void (at(plan, i).labels[LABELS.service] = s),
  ),
  fc.tuple(containerIndex, pick(["read", "write", ""])).map(
    ([i, v]): Mutation =>
      (plan) =>
        void (at(plan, i).labels[LABELS.dockerApi] = v),
  ),
  fc.tuple(containerIndex, pick(["lan", "tunnel", "none"])).map(
    ([i, v]): Mutation =>
      (plan) =>
        void (at(plan, i).labels[LABELS.expose] = v),
  ),
  fc
    .tuple(containerIndex, pick(SOURCES), fc.boolean(), pick(["/host", "/var/run/docker.sock", "/config"]))
    .map(([i, source, readOnly, target]): Mutation => (plan) => {
      at(plan, i).mounts.push({ source, target, readOnly, type: source.startsWith("/") ? "bind" : "volume" });
    }),
  fc.tuple(containerIndex, fc.nat()).map(([i, m]): Mutation => (plan) => {
    const c = at(plan, i);
    if (c.mounts.length) c.mounts[m % c.mounts.length].readOnly = !c.mounts[m % c.mounts.length].readOnly;
  }),
  fc.tuple(containerIndex, fc.integer({ min: 1, max: 65535 })).map(
    ([i, port]): Mutation =>
      (plan) =>
        void at(plan, i).hostPorts.push({ internal: port, external: port }),
  ),
  fc.tuple(containerIndex, fc.nat()).map(([i, j]): Mutation => (plan) => {
    const c = at(plan, i);
    c.networkMode = `container:${at(plan, j).name}`;
    c.networks = [];
  }),
  containerIndex.map((i): Mutation => (plan) => {
    const c = at(plan, i);
    c.networkMode = "host";
    c.networks = [];
  }),
  fc.tuple(containerIndex, pick(ENV_SETTINGS), fc.boolean()).map(([i, [key, value], secret]): Mutation => (plan) => {
    const c = at(plan, i);
    // secret env reaches the pack as a value of the plan's secret; the plan itself holds only its name
    if (secret) c.secretEnv = { ...c.secretEnv, [key]: SecretEnvRef.secret("some-secret") };
    else c.env[key] = value;
  }),
  fc.tuple(containerIndex, fc.nat()).map(([i, k]): Mutation => (plan) => {
    const c = at(plan, i);
    const keys = Object.keys(c.env);
    if (keys.length) delete c.env[keys[k % keys.length]];
  }),
  fc.tuple(fc.nat(), pick([...NETWORK_KINDS, "bogus"]), pick([undefined, "sonarr", "nobody"])).map(([n, kind, service]): Mutation => (plan) => {
    const net = plan.networks[n % plan.networks.length];
    net.kind = kind as Plan["networks"][number]["kind"];
    net.service = service;
  }),
);

describe("property: the planner, the pack and the audit judge any mutated plan alike", function () {
  this.timeout(PROPERTY_TIMEOUT_MS);
  const plans = { lab: planOf(stackConfig("lab")), home: planOf(stackConfig("home")) };

  it("a valid plan has no violation for any of them", () => {
    for (const plan of Object.values(plans)) {
      assert.deepEqual(plannerMessages(plan), []);
      assert.deepEqual(packMessages(plan), []);
      assert.deepEqual(auditMessages(plan), []);
    }
  });

  it("random mutations give the same violations, in the same words", () => {
    let violating = 0;
    fc.assert(
      fc.property(pick(["lab", "home"] as const), fc.array(mutation, { minLength: 1, maxLength: 6 }), (stack, mutations) => {
        const plan = structuredClone(plans[stack]);
        for (const m of mutations) m(plan);
        const planner = plannerMessages(plan);
        if (planner.length) violating++;
        assert.deepEqual(packMessages(plan), planner);
        // The audit judges only containers that say what they are (a role label); its socket findings have their own table
        // columns; it reads no container env, so protected settings are the planner's and the pack's alone.
        const judged = plan.containers.filter((c) => c.labels[LABELS.role]).map((c) => c.name);
        const expectedAudit = planner.filter(
          (m) => judged.some((name) => m.startsWith(`${name} (`)) && !/\(the Docker socket\)|mounts the Docker socket|overrides protected setting/.test(m),
        );
        assert.deepEqual(auditPolicyMessages(plan), expectedAudit.sort());
      }),
      { numRuns: 400 },
    );
    assert.ok(violating > 200, `only ${violating} of 400 mutated plans broke the policy: the mutations are too tame`);
  });
});
