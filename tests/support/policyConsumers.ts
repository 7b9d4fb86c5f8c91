import type { ReportViolation } from "@pulumi/policy";
import { containerArgs } from "../../components/containerArgs";
import { networkArgs } from "../../components/networkArgs";
import { RULES } from "../../policy/networkPolicy";
import { CONTAINER_TYPE, containerViolations, NETWORK_TYPE, STACK_RULES, stackViolations } from "../../policy/rules";
import { auditFindings, EngineSnapshot } from "../../topology/audit";
import { containerNodeId, renderDiagram } from "../../topology/diagram";
import { checkPolicy } from "../../topology/policy";
import type { Plan, PlannedContainer } from "../../topology/types";

/**
 * The four consumers of the shared network policy, each fed a plan the way it really gets one: the planner
 * checks the plan itself; the pack judges the docker.Container / docker.Network inputs the components
 * build from it (containerArgs, networkArgs); the audit judges an engine that runs exactly that; the
 * diagram draws it. Each answers with the messages it gives (the diagram: the containers it paints red).
 */
export function plannerMessages(plan: Plan): string[] {
  return checkPolicy(plan)
    .map((p) => p.message)
    .sort();
}

export function registeredResources(plan: Plan) {
  const names = new Map(plan.networks.map((n) => [n.name, n.name]));
  return [
    ...plan.networks.map((n) => ({ type: NETWORK_TYPE, name: n.name, urn: n.name, props: networkArgs(n) as Record<string, any> })),
    ...plan.containers.map((c) => ({
      type: CONTAINER_TYPE,
      name: c.name,
      urn: c.name,
      props: withResolvedEnv(containerArgs(c, c.image, names, secretValues(c)), c),
    })),
  ];
}

/** Stand-ins for the plan's secrets, as HostSecrets would hand them to containerArgs. */
const secretValues = (c: PlannedContainer) => Object.fromEntries(Object.keys(c.secretEnv ?? {}).map((k) => [k, `secret-of-${c.secretEnv![k]}`]));

/**
 * The pack judges resolved inputs: with secret env, containerArgs' `envs` is an Output (plain entries, then the
 * secret ones); here it is what that Output resolves to, in the same order.
 */
function withResolvedEnv(args: Record<string, any>, c: PlannedContainer): Record<string, any> {
  const entries = (o: Record<string, string>) =>
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`);
  return { ...args, envs: [...entries(c.env), ...entries(secretValues(c))] };
}

export function packMessages(plan: Plan): string[] {
  const resources = registeredResources(plan);
  const messages: string[] = [];
  const report: ReportViolation = (m) => messages.push(m);
  for (const r of resources.filter((r) => r.type === CONTAINER_TYPE))
    for (const rule of RULES.filter((x) => !STACK_RULES.includes(x))) containerViolations(r.props, rule, report, r.name);
  messages.push(...stackViolations(resources).map((v) => v.message));
  return messages.sort();
}

export function engineOf(plan: Plan): EngineSnapshot {
  return {
    networks: plan.networks.map((n) => ({
      id: n.name,
      name: n.name,
      subnets: [n.subnet],
      labels: { "homelab.network-kind": n.kind, ...(n.service ? { "homelab.service": n.service } : {}) },
    })),
    containers: plan.containers.map((c) => ({
      id: `${c.name}-id`,
      name: c.name,
      state: "running",
      labels: c.labels,
      networkMode: c.networkMode ?? c.networks[0] ?? "default",
      networks: [...c.networks],
      mounts: c.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly, type: m.type })),
      hostPorts: c.hostPorts.map((p) => p.external),
    })),
  };
}

export function auditMessages(plan: Plan): string[] {
  return auditFindings(plan, engineOf(plan))
    .filter((f) => f.kind === "policy" || f.kind === "docker-socket")
    .map((f) => `${f.object}: ${f.actual}`)
    .sort();
}

/** The audit's policy findings (not its Docker-socket findings), in the shared policy's words. */
export function auditPolicyMessages(plan: Plan): string[] {
  return auditFindings(plan, engineOf(plan))
    .filter((f) => f.kind === "policy")
    .map((f) => f.actual)
    .sort();
}

/** Names of the containers the diagram paints red. */
export function diagramDanger(plan: Plan): string[] {
  const line = renderDiagram(plan)
    .split("\n")
    .find((l) => /^\s*class .* danger$/.test(l));
  const ids = new Set(line?.trim().split(" ")[1].split(",") ?? []);
  return plan.containers
    .filter((c) => ids.has(containerNodeId(c.name)))
    .map((c) => c.name)
    .sort();
}
