// Loaded by index.ts only when homelab:cloudflare is enabled: a stack without remote access never loads
// the Cloudflare SDK, needs no Cloudflare credentials and makes no Cloudflare provider call.
import * as cloudflare from "@pulumi/cloudflare";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TUNNEL_ID } from "../topology/remoteAccess";
import { childNaming } from "./childNaming";
import { containerArgs } from "./containerArgs";
import { networkNamesOn, type DockerHosts } from "./hosts";
import { containerUploads, withInternalCa, type TlsMaterial } from "./containerFiles";
import type { Images } from "./Images";
import type { NetworkNames } from "./networkArgs";
import type { RemoteAccessSlice } from "./planSlices";
import { resolveSecretEnv } from "./secretEnv";

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
  /** The tunnel, its DNS records and Access applications, and the cloudflared container. */
  slice: RemoteAccessSlice;
  images: Images;
  /** The shared networks cloudflared joins (vnet-ingress), so it waits for them. */
  sharedNetworks: NetworkNames;
  /** The stack's CA, when it has one: cloudflared gets its certificate to verify the proxy. */
  ca?: TlsMaterial;
  /** A multi-host stack's providers: cloudflared is registered through its host's. */
  hosts?: DockerHosts;
}

/**
 * The Internet side of the plan: one Cloudflare tunnel with one remotely managed config (one ingress
 * rule per tunnelled host, catch-all last), a proxied CNAME and an Access application per host guarded
 * by reusable policies, and the cloudflared container that runs the tunnel.
 *
 * Children are named `<name>-<what>`. They were once registered with bare names (`tunnel`, `dns-<service>`),
 * and each carries its bare name as an alias, so an existing stack keeps its tunnel, records and applications.
 */
export class RemoteAccess extends pulumi.ComponentResource {
  readonly tunnel: cloudflare.ZeroTrustTunnelCloudflared;
  readonly connector: docker.Container;

  constructor(name: string, args: RemoteAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:RemoteAccess", name, {}, opts);
    const { slice, images } = args;
    const { cloudflare: cf, tunnel: t, dns, access } = slice;
    const child = childNaming(this, name);
    const accountId = cf.accountId;

    // Generated once and kept in state: a new secret would mean a new tunnel.
    const tunnelSecret = new random.RandomBytes(child.name("tunnel-secret"), { length: 32 }, child.opts("tunnel-secret"));
    this.tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      child.name("tunnel"),
      { accountId, name: t.name, configSrc: "cloudflare", tunnelSecret: pulumi.secret(tunnelSecret.base64) },
      child.opts("tunnel"),
    );
    const tunnelId = this.tunnel.id;

    // Exactly one config per tunnel: it replaces the whole ingress list, so adding or removing a service edits it in place.
    const config = new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      child.name("tunnel-config"),
      {
        accountId,
        tunnelId,
        source: "cloudflare",
        config: { ingresses: t.ingress.map((r) => ({ hostname: r.hostname, service: r.service, originRequest: r.originRequest })) },
      },
      child.opts("tunnel-config"),
    );

    for (const r of dns) {
      new cloudflare.DnsRecord(
        child.name(`dns-${r.service}`),
        {
          zoneId: cf.zoneId,
          name: r.name,
          type: r.type,
          content: tunnelId.apply((id) => r.content.replace(TUNNEL_ID, id)),
          proxied: r.proxied,
          ttl: r.ttl,
          comment: `homelab: ${r.service} through tunnel ${t.name}`,
        },
        child.opts(`dns-${r.service}`),
      );
    }

    const oneTimePin = cf.oneTimePin
      ? new cloudflare.ZeroTrustAccessIdentityProvider(
          child.name("one-time-pin"),
          { accountId, name: "One-time PIN", type: "onetimepin", config: {} },
          child.opts("one-time-pin"),
        )
      : undefined;
    const allowedIdps: pulumi.Input<string>[] = [...(oneTimePin ? [oneTimePin.id] : []), ...cf.identityProviderIds];

    const policies = new Map(
      cf.policies.map((p) => [
        p.name,
        new cloudflare.ZeroTrustAccessPolicy(
          child.name(`policy-${p.name}`),
          {
            accountId,
            name: `${t.name}: ${p.name}`,
            decision: p.decision,
            includes: [...p.emails.map((email) => ({ email: { email } })), ...p.emailDomains.map((domain) => ({ emailDomain: { domain } }))],
            sessionDuration: p.sessionDuration,
          },
          child.opts(`policy-${p.name}`),
        ),
      ]),
    );

    for (const a of access) {
      new cloudflare.ZeroTrustAccessApplication(
        child.name(`access-${a.service}`),
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
        child.opts(`access-${a.service}`),
      );
    }

    const token = pulumi.secret(cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId, tunnelId }, { parent: this }).token);
    const c = slice.connector;
    const uploads = containerUploads(
      c,
      withInternalCa((f) => f.content, args.ca),
    );
    // Named by its Docker name, like every container. dependsOn the tunnel and its config: destroy removes
    // cloudflared first (live connections block deleting a tunnel).
    const networkNames = networkNamesOn(args.sharedNetworks, c.host);
    this.connector = new docker.Container(
      c.name,
      containerArgs(c, images.imageId(c.image, c.host), networkNames, resolveSecretEnv(c.name, c.secretEnv, { "tunnel-token": () => token }), uploads),
      {
        parent: this,
        deleteBeforeReplace: true,
        dependsOn: [this.tunnel, config],
        ...(args.hosts?.on(c.host) ?? {}),
      },
    );

    this.registerOutputs({ tunnelId, publicHosts: dns.map((r) => r.name) });
  }
}
