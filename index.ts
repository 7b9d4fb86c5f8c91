import * as pulumi from "@pulumi/pulumi";
import { DockerHosts } from "./components/hosts";
import { HostSecrets } from "./components/HostSecrets";
import { Images } from "./components/Images";
import { remoteAccessSlice, serviceSlices, sharedNetworks } from "./components/planSlices";
import { withoutPromiseStackTraces } from "./components/withoutPromiseStackTraces";
import { secretResolver } from "./components/secretResolver";
import { ServiceStack } from "./components/ServiceStack";
import { SharedNetworks } from "./components/SharedNetworks";
import { VpnGateway } from "./components/VpnGateway";
import { problemLine, visible } from "./config/echo";
import { rawConfigFromEntries, StackFileError } from "./config/load";
import { buildPlan } from "./topology/plan";

// Which config keys are secrets is only exposed internally by the SDK; the schema needs it to refuse plain-text secrets.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

const entries = Object.entries(pulumi.runtime.allConfig());
const raw = (() => {
  try {
    return rawConfigFromEntries(entries, new Set(entries.map(([k]) => k).filter(isConfigSecret)));
  } catch (e) {
    // A value too large or too deep to walk: said as a config error, not a crash.
    if (e instanceof StackFileError) throw new pulumi.RunError(`the stack config is refused: ${e.message}`);
    throw e;
  }
})();
const result = buildPlan(raw);
for (const w of result.warnings) pulumi.log.warn(visible(w, 600));
if (!result.ok) {
  throw new pulumi.RunError(`the stack config has ${result.errors.length} error(s):\n${result.errors.map(problemLine).join("\n")}`);
}
const plan = result.plan;

const { secrets, ca } = withoutPromiseStackTraces(() => {
  // One Docker provider per host of a multi-host stack; none (the default provider) otherwise.
  const hosts = new DockerHosts(plan.hosts);
  const shared = new SharedNetworks("shared", sharedNetworks(plan), undefined, hosts);
  const images = new Images("images", undefined, hosts);
  const secrets = new HostSecrets("secrets", plan.secrets ?? []);
  // Required here, not imported above: a stack with ACME never loads the TLS SDK.
  const ca =
    plan.tls.mode === "internal"
      ? new (require("./components/InternalCa") as typeof import("./components/InternalCa")).InternalCa("internal-ca", plan.tls)
      : undefined;
  // Each service is created by the component the plan names (PlannedService.component).
  const gateways = serviceSlices(plan, "vpn-gateway").map(
    (slice) => new VpnGateway(slice.name, { slice, images, sharedNetworks: shared.joinedBy(slice.containers), secret: secretResolver(raw), secrets, hosts }),
  );
  const namespaces = new Map(gateways.flatMap((g) => [...g.namespaces]));
  for (const slice of serviceSlices(plan, "service")) {
    new ServiceStack(slice.name, { slice, images, sharedNetworks: shared.joinedBy(slice.containers), secrets, ca, namespaces, hosts });
  }
  const remote = remoteAccessSlice(plan);
  if (remote) {
    // Required here, not imported above: a stack without remote access must not even load the Cloudflare SDK.
    const { RemoteAccess, checkApiToken } = require("./components/RemoteAccess") as typeof import("./components/RemoteAccess");
    checkApiToken(entries, isConfigSecret);
    new RemoteAccess("remote-access", { slice: remote, images, sharedNetworks: shared.joinedBy([remote.connector]), ca, hosts });
  }
  return { secrets, ca };
});

/** `pulumi stack output networks`: the same allocation table `homelab network` prints before anything exists. */
export const networks = plan.networks.map((n) => ({ name: n.name, subnet: n.subnet, kind: n.kind, members: n.members }));
export const serviceUrls = Object.fromEntries(plan.routes.map((r) => [r.service, `https://${r.host}`]));
/** Generated initial passwords of Authelia users without a configured one: `pulumi stack output --show-secrets`. */
export const autheliaInitialPasswords = pulumi.secret(
  pulumi.all(Object.fromEntries(Object.entries(plan.authelia?.generatedPasswords ?? {}).map(([user, secret]) => [user, secrets.value(secret)]))),
);
/** Keys guarding data outside Pulumi (secret): `homelab up` holds each generated one in `homelab:keys` (docs/operating.md). */
export const dataKeys = secrets.dataKeys();
/** The stack CA's certificate (PEM) when it has no ACME: `homelab ca <stack>` prints it for devices to trust. */
export const caCertificate = ca?.caCertPem;
export const publicUrls = Object.fromEntries(plan.routes.filter((r) => r.expose === "tunnel").map((r) => [r.service, `https://${r.host}`]));
