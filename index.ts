import * as pulumi from "@pulumi/pulumi";
import { ImageCache } from "./components/images";
import { SharedNetworks } from "./components/networks";
import { HostSecrets } from "./components/Secrets";
import { withoutPromiseStackTraces } from "./components/registration";
import { ServiceStack } from "./components/ServiceStack";
import { secretResolver } from "./components/configSecrets";
import { VpnGateway, vpnGatewayService } from "./components/VpnGateway";
import { problemLine, visible } from "./config/echo";
import { rawConfigFromEntries, StackFileError } from "./config/load";
import { buildPlan } from "./topology/plan";
import { TUNNEL_CONNECTOR } from "./config/catalog";

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
  const shared = new SharedNetworks(
    "shared",
    plan.networks.filter((n) => n.kind === "ingress" || n.kind === "socket" || n.kind === "link"),
  );
  const images = new ImageCache();
  const networkNames = new Map<string, pulumi.Input<string>>([...shared.byName].map(([name, net]) => [name, net.name]));
  const secrets = new HostSecrets("secrets", plan.secrets ?? []);
  // Required here, not imported above: a stack with ACME never loads the TLS SDK.
  const ca =
    plan.tls.mode === "internal"
      ? new (require("./components/InternalCa") as typeof import("./components/InternalCa")).InternalCa("internal-ca", plan.tls)
      : undefined;
  const gatewayService = vpnGatewayService(plan);
  const gateway =
    gatewayService && new VpnGateway(gatewayService.name, { service: gatewayService, plan, images, networkNames, secret: secretResolver(raw), secrets });
  for (const service of plan.services) {
    if (service === gatewayService || service.name === TUNNEL_CONNECTOR) continue;
    new ServiceStack(service.name, { service, plan, images, networkNames, secrets, ca, namespaces: gateway?.namespaces });
  }
  if (plan.tunnel) {
    // Required here, not imported above: a stack without remote access must not even load the Cloudflare SDK.
    const { RemoteAccess, checkApiToken } = require("./components/RemoteAccess") as typeof import("./components/RemoteAccess");
    checkApiToken(entries, isConfigSecret);
    new RemoteAccess("remote-access", { plan, images, networkNames, ca });
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
