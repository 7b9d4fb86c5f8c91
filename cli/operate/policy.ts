// The CrossGuard pack in policy/ on every `homelab preview` and `homelab up`.
//
// How Pulumi loads it: `--policy-pack <dir>` reads <dir>/PulumiPolicy.yaml (runtime: nodejs) and has the
// Node.js language host start `@pulumi/pulumi/cmd/run-policy-pack` in <dir>, found with Node's own
// `require.resolve` from that directory (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
// RunPlugin and locateModule). Resolution walks up to the project's node_modules, so the root `npm ci`
// (which installs @pulumi/pulumi, @pulumi/policy and @pulumi/docker) is all the pack needs: no install in policy/.
import type { PolicyEvent } from "@pulumi/pulumi/automation";
import * as fs from "node:fs";
import * as path from "node:path";
import { shortType } from "./progress";

/**
 * The pack ships with the code, whatever project directory the stacks live in: the nearest policy/ above
 * this file (cli/operate/ when run from source, dist/ when bin/homelab runs the compiled CLI).
 */
export const POLICY_PACK = findPolicyPack(__dirname);

function findPolicyPack(from: string): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "policy", "PulumiPolicy.yaml"))) return path.join(dir, "policy");
  }
  throw new Error(`the policy pack (policy/PulumiPolicy.yaml) is missing above ${from}: reinstall homelab`);
}

export const NO_POLICY_WARNING =
  "homelab: WARNING: --no-policy: the network policy pack is NOT checked in this run; a policy violation would be applied without a word.";

/** Counts the pack's findings and words each one with its rule and resource. */
export class PolicyViolations {
  mandatory = 0;

  /** One line: severity, rule, the resource (type and name) and the rule's own message. */
  record(event: PolicyEvent): string {
    if (event.enforcementLevel === "mandatory") this.mandatory++;
    return `policy ${event.enforcementLevel === "mandatory" ? "violation" : "warning"}: ${event.policyName} on ${describeUrn(event.resourceUrn)}: ${event.message.trim()}`;
  }

  /** The closing line when the pack refused the run. */
  stoppedLine(op: string): string {
    return `homelab: the policy pack stopped '${op}' before anything was changed: ${this.mandatory} violation(s), listed above with their rule and resource.`;
  }
}

/** `urn:pulumi:lab::homelab::docker:index/container:Container::lab-db` → `docker:Container lab-db`; no URN: the stack. */
function describeUrn(urn: string | undefined): string {
  if (!urn) return "the stack";
  const [, , type = "", name = urn] = urn.split("::");
  return `${shortType(type.split("$").pop()!)} ${name}`;
}
