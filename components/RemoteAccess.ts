// Loaded by index.ts only when homelab:cloudflare is enabled: a stack without remote access never loads
// the Cloudflare SDK, needs no Cloudflare credentials and makes no Cloudflare provider call.
import * as cloudflare from "@pulumi/cloudflare";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TUNNEL_ID } from "../topology/remoteAccess";
import type { Plan } from "../topology/types";
import { containerArgs } from "./containerArgs";
import { containerUploads, withInternalCa, type TlsMaterial } from "./containerFiles";
import { resolveSecretEnv } from "./secretEnv";
import type { ImageCache } from "./images";

/**
 * The Cloudflare provider reads its token from `cloudflare:apiToken` (or CLOUDFLARE_API_TOKEN). A token in
 * plain text in the stack file would be committed with it: refuse that, like the schema does for homelab secrets.
 */
export function checkApiToken(config: [string, unknown][], isSecret: (key: string) => boolean): void {
  const key = "cloudflare:apiToken";
  if (config.some(([k]) => k === key) && !isSecret(key))
    throw new pulumi.RunError(`${key} must be a secret: set it with \`pulumi config set --secret ${key} <token>\``);
  if (!config.some(([k]) => k === key) && !process.env.CLOUDFLARE_API_TOKEN)
    pulumi.log.warn(`no Cloudflare API token: set it with \`pulumi config set --secret ${key} <token>\` (docs/remote-access.md lists the permissions)`);
}

export interface RemoteAccessArgs {
  plan: Plan;
  images: ImageCache;
  /** Docker network name → the network's `name` output, so cloudflared waits for vnet-ingress. */
  networkNames: Map<string, pulumi.Input<string>>;
  /** The stack's CA, when it has one: cloudflared gets its certificate to verify the proxy. */
  ca?: TlsMaterial;
}

/**
 * The Internet side of the plan: one Cloudflare tunnel with one remotely managed config (one ingress
 * rule per tunnelled host, catch-all last), a proxied CNAME and an Access application per host guarded
 * by reusable policies, and the cloudflared container that runs the tunnel.
 */
export class RemoteAccess extends pulumi.ComponentResource {
  readonly tunnel: cloudflare.ZeroTrustTunnelCloudflared;
  readonly connector: docker.Container;

  constructor(name: string, args: RemoteAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:RemoteAccess", name, {}, opts);
    const { plan, images } = args;
    const { cloudflare: cf, tunnel: t, dns = [], access = [] } = plan;
    if (!cf || !t) throw new Error("RemoteAccess needs a plan with Cloudflare enabled");
    const parent = { parent: this };
    const accountId = cf.accountId;

    // Generated once and kept in state: a new secret would mean a new tunnel.
    const tunnelSecret = new random.RandomBytes("tunnel-secret", { length: 32 }, parent);
    this.tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      "tunnel",
      { accountId, name: t.name, configSrc: "cloudflare", tunnelSecret: pulumi.secret(tunnelSecret.base64) },
      parent,
    );
    const tunnelId = this.tunnel.id;

    // Exactly one config per tunnel: it replaces the whole ingress list, so adding or removing a service edits it in place.
    const config = new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      "tunnel-config",
      {
        accountId,
        tunnelId,
        source: "cloudflare",
        config: { ingresses: t.ingress.map((r) => ({ hostname: r.hostname, service: r.service, originRequest: r.originRequest })) },
      },
      parent,
    );

    for (const r of dns) {
      new cloudflare.DnsRecord(
        `dns-${r.service}`,
        {
          zoneId: cf.zoneId,
          name: r.name,
          type: r.type,
          content: tunnelId.apply((id) => r.content.replace(TUNNEL_ID, id)),
          proxied: r.proxied,
          ttl: r.ttl,
          comment: `homelab: ${r.service} through tunnel ${t.name}`,
        },
        parent,
      );
    }

    const oneTimePin = cf.oneTimePin
      ? new cloudflare.ZeroTrustAccessIdentityProvider("one-time-pin", { accountId, name: "One-time PIN", type: "onetimepin", config: {} }, parent)
      : undefined;
    const allowedIdps: pulumi.Input<string>[] = [...(oneTimePin ? [oneTimePin.id] : []), ...cf.identityProviderIds];

    const policies = new Map(
      cf.policies.map((p) => [
        p.name,
        new cloudflare.ZeroTrustAccessPolicy(
          `policy-${p.name}`,
          {
            accountId,
            name: `${t.name}: ${p.name}`,
            decision: p.decision,
            includes: [...p.emails.map((email) => ({ email: { email } })), ...p.emailDomains.map((domain) => ({ emailDomain: { domain } }))],
            sessionDuration: p.sessionDuration,
          },
          parent,
        ),
      ]),
    );

    for (const a of access) {
      new cloudflare.ZeroTrustAccessApplication(
        `access-${a.service}`,
        {
          accountId,
          name: `${a.service} (${t.name})`,
          type: "self_hosted",
          domain: a.domain,
          destinations: [{ type: "public", uri: a.domain }],
          sessionDuration: a.sessionDuration,
          policies: a.policies.map((p, i) => ({ id: policies.get(p)!.id, precedence: i + 1 })),
          allowedIdps: allowedIdps.length ? allowedIdps : undefined,
          autoRedirectToIdentity: allowedIdps.length === 1,
          appLauncherVisible: true,
        },
        parent,
      );
    }

    const token = pulumi.secret(cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId, tunnelId }, parent).token);
    const c = plan.containers.find((c) => c.name === t.connector);
    if (!c) throw new Error(`the plan has no ${t.connector} container`);
    // dependsOn the tunnel and its config: destroy removes cloudflared first (live connections block deleting a tunnel).
    const uploads = containerUploads(
      c,
      withInternalCa((f) => f.content, args.ca),
    );
    this.connector = new docker.Container(
      c.name,
      containerArgs(c, images.imageId(c.image), args.networkNames, resolveSecretEnv(c.name, c.secretEnv, { "tunnel-token": () => token }), uploads),
      {
        parent: this,
        deleteBeforeReplace: true,
        dependsOn: [this.tunnel, config],
      },
    );

    this.registerOutputs({ tunnelId, publicHosts: dns.map((r) => r.name) });
  }
}
