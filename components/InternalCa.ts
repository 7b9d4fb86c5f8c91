// Loaded by index.ts only when the plan uses the internal CA (no homelab:acme).
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { TlsPlan } from "../topology/tls";
import { childNaming } from "./childNaming";

/** The CA outlives many server certificates: users trust it once, on every device. */
const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** A year, renewed (replaced on the next `up`) in its last 30 days. */
const CERT_VALIDITY_HOURS = 365 * 24;
const CERT_EARLY_RENEWAL_HOURS = 30 * 24;

const PLACEHOLDER = /\{\{tls:(cert|key|ca)\}\}/g;

/**
 * The stack's own certificate authority and one wildcard certificate for its domain, for stacks without
 * ACME. Every key is a Pulumi secret (the provider marks privateKeyPem secret) and lives only in state and
 * in the files that need it; the CA certificate is public (a stack output, `homelab ca <stack>`).
 */
export class InternalCa extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  readonly certPem: pulumi.Output<string>;
  readonly keyPem: pulumi.Output<string>;

  constructor(name: string, plan: Extract<TlsPlan, { mode: "internal" }>, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:InternalCa", name, {}, opts);
    const child = childNaming(this, name);
    const caKey = new tls.PrivateKey(child.name("key"), { algorithm: "ECDSA", ecdsaCurve: "P256" }, child.opts("ca-key"));
    const ca = new tls.SelfSignedCert(
      child.name("cert"),
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `homelab CA for ${plan.domain}`, organization: "homelab" },
        validityPeriodHours: CA_VALIDITY_HOURS,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      child.opts("ca"),
    );
    const key = new tls.PrivateKey(child.name("wildcard-key"), { algorithm: "ECDSA", ecdsaCurve: "P256" }, child.opts("wildcard-key"));
    const request = new tls.CertRequest(
      child.name("wildcard-request"),
      { privateKeyPem: key.privateKeyPem, subject: { commonName: `*.${plan.domain}` }, dnsNames: plan.dnsNames },
      child.opts("wildcard-request"),
    );
    const cert = new tls.LocallySignedCert(
      child.name("wildcard"),
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: CERT_VALIDITY_HOURS,
        earlyRenewalHours: CERT_EARLY_RENEWAL_HOURS,
        allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
      },
      child.opts("wildcard"),
    );
    this.caCertPem = ca.certPem;
    this.certPem = cert.certPem;
    this.keyPem = pulumi.secret(key.privateKeyPem);
    this.registerOutputs({ caCertPem: this.caCertPem });
  }

  /** A file's content with the `{{tls:…}}` placeholders filled in; secret when it holds the key. */
  fill(content: pulumi.Input<string>): pulumi.Input<string> {
    return pulumi.output(content).apply((text) => {
      const kinds = [...new Set([...text.matchAll(PLACEHOLDER)].map(([, kind]) => kind))];
      const values: Record<string, pulumi.Output<string>> = { cert: this.certPem, key: this.keyPem, ca: this.caCertPem };
      const filled = pulumi.all(kinds.map((k) => values[k])).apply((pems) => text.replace(PLACEHOLDER, (_, kind: string) => pems[kinds.indexOf(kind)].trim()));
      return kinds.includes("key") ? pulumi.secret(filled) : filled;
    });
  }
}
