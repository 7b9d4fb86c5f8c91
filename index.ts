import * as pulumi from "@pulumi/pulumi";
import { ImageCache } from "./components/images";
import { SharedNetworks } from "./components/networks";
import { ServiceStack } from "./components/ServiceStack";
import { rawConfigFromEntries } from "./config/load";
import { buildPlan } from "./topology/plan";

// Which config keys are secrets is only exposed internally by the SDK; the schema needs it to refuse plain-text secrets.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

const entries = Object.entries(pulumi.runtime.allConfig());
const raw = rawConfigFromEntries(entries, new Set(entries.map(([k]) => k).filter(isConfigSecret)));
const result = buildPlan(raw);
for (const w of result.warnings) pulumi.log.warn(w);
if (!result.ok) {
  throw new pulumi.RunError(`the stack config has ${result.errors.length} error(s):\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
}
const plan = result.plan;

const shared = new SharedNetworks("shared", plan.networks.filter((n) => n.kind === "ingress" || n.kind === "socket" || n.kind === "link"));
const images = new ImageCache();
const networkNames = new Map<string, pulumi.Input<string>>([...shared.byName].map(([name, net]) => [name, net.name]));
for (const service of plan.services) {
  new ServiceStack(service.name, { service, plan, images, networkNames });
}

/** `pulumi stack output networks`: the same allocation table `homelab network` prints before anything exists. */
export const networks = plan.networks.map((n) => ({ name: n.name, subnet: n.subnet, kind: n.kind, members: n.members }));
export const serviceUrls = Object.fromEntries(plan.routes.map((r) => [r.service, `https://${r.host}`]));
