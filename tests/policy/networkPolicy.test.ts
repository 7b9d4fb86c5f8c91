import * as assert from "node:assert/strict";
import { EXPOSURES, joins, NETWORK_POLICY, ROLES, type Allowance, type Exposure, type Role } from "../../policy/networkPolicy";
import { policyLabels } from "../../topology/policy";
import type { Plan, PlannedContainer, PlannedNetwork } from "../../topology/types";
import { auditMessages, diagramDanger, packMessages, plannerMessages } from "../support/policyConsumers";

/**
 * Every role × network kind × route exposure (× Docker API use), judged by all four consumers of the shared
 * policy. Each case puts one container on exactly the networks its role requires, then on one network of the
 * given kind, with a route of the given exposure; the expected verdict is read from the policy table.
 */
type Placement = "ingress" | "socket" | "own" | "other-service" | "database-service" | "link" | "foreign";
const PLACEMENTS: Placement[] = ["ingress", "socket", "own", "other-service", "database-service", "link", "foreign"];

const network = (name: string, kind: PlannedNetwork["kind"], service?: string, subnet = "10.0.0.0/29"): PlannedNetwork => ({
  name,
  kind,
  service,
  subnet,
  gateway: subnet.replace(/0\/\d+$/, "1"),
  usableHosts: 5,
  origin: "allocated",
  members: [],
});
const NETWORKS: Record<Exclude<Placement, "foreign">, PlannedNetwork> = {
  ingress: network("t-vnet-ingress", "ingress", undefined, "10.1.0.0/24"),
  socket: network("t-vnet-socket", "socket", undefined, "10.2.0.0/24"),
  own: network("t-vnet-app", "service", "app", "10.3.0.0/29"),
  "other-service": network("t-vnet-other", "service", "other", "10.3.0.8/29"),
  /** The network of a service that keeps a database (t-keeper-db below): only a role that reachesDatabases may join it. */
  "database-service": network("t-vnet-keeper", "service", "keeper", "10.3.0.24/29"),
  link: network("t-vnet-link-l", "link", "l", "10.3.0.16/29"),
};

function planWith(role: Role, placement: Placement, expose: Exposure, dockerApi: boolean): Plan {
  const rule = NETWORK_POLICY[role];
  const required = (["ingress", "own", "socket"] as const).filter((k) => joins(rule[k], dockerApi)).map((k) => NETWORKS[k].name);
  const extra = placement === "foreign" ? "somebody-elses-net" : NETWORKS[placement].name;
  const container: PlannedContainer = {
    name: "t-app",
    service: "app",
    image: "example/app:1.0",
    role,
    networks: [...new Set([...required, extra])],
    mounts: [],
    env: {},
    secretEnv: {},
    ports: [80],
    hostPorts: [],
    labels: policyLabels({ service: "app", role, dockerApi: dockerApi ? "read" : undefined, expose: expose === "none" ? undefined : expose }),
  };
  // a valid database on its own service's network: what makes t-vnet-keeper a network with a database
  const keeperDb: PlannedContainer = {
    ...container,
    name: "t-keeper-db",
    service: "keeper",
    role: "database",
    networks: [NETWORKS["database-service"].name],
    ports: [5432],
    labels: policyLabels({ service: "keeper", role: "database" }),
  };
  return {
    domain: "example.com",
    prefix: "t-",
    proxy: "traefik",
    networks: Object.values(NETWORKS),
    containers: [container, keeperDb],
    services: [],
    routes: [],
    tls: { mode: "internal", domain: "example.com", dnsNames: ["example.com", "*.example.com"] },
    warnings: [],
  };
}

/** What the table says about one case: the kind of each violation expected, none when allowed. */
function expectedViolations(role: Role, placement: Placement, expose: Exposure, dockerApi: boolean): string[] {
  const rule = NETWORK_POLICY[role];
  const refused = (a: Allowance) => a === "never" || (a === "if-docker-api" && !dockerApi);
  const out: string[] = [];
  if (placement === "foreign" || placement === "other-service" || (placement === "database-service" && !rule.reachesDatabases)) out.push("foreign network");
  else if (placement !== "database-service" && (placement === "link" ? refused(rule.link) : refused(rule[placement]))) out.push(`${placement} membership`);
  if (expose !== "none" && !rule.route) out.push("route");
  return out;
}

describe("the shared network policy, judged the same by all four consumers", () => {
  for (const role of ROLES)
    for (const placement of PLACEMENTS)
      for (const expose of EXPOSURES)
        for (const dockerApi of [false, true]) {
          const expected = expectedViolations(role, placement, expose, dockerApi);
          it(`${role} on ${placement}, route ${expose}${dockerApi ? ", Docker API" : ""}: ${expected.length ? `refused (${expected.join(", ")})` : "allowed"}`, () => {
            const plan = planWith(role, placement, expose, dockerApi);
            const planner = plannerMessages(plan);
            assert.equal(planner.length, expected.length, `planner: ${planner.join("; ") || "no violation"}`);
            if (expected.includes("route"))
              assert.ok(
                planner.some((m) => m.includes(`has a route (${expose})`)),
                planner.join("; "),
              );
            assert.deepEqual(packMessages(plan), planner, "the pack disagrees with the planner");
            assert.deepEqual(
              auditMessages(plan),
              planner.map((m) => `t-app: ${m}`),
              "the audit disagrees with the planner",
            );
            assert.deepEqual(diagramDanger(plan), expected.length ? ["t-app"] : [], "the diagram disagrees with the planner");
          });
        }
});
