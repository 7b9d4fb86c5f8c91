import * as assert from "node:assert/strict";
import { byType, CONTAINER, filesOf, isSecretInput, ProgramRun, recordProgram, RegisteredResource } from "../support/program";

const TLS = {
  key: "tls:index/privateKey:PrivateKey",
  ca: "tls:index/selfSignedCert:SelfSignedCert",
  request: "tls:index/certRequest:CertRequest",
  cert: "tls:index/locallySignedCert:LocallySignedCert",
};
const pem = (label: string, name: string) => `-----BEGIN ${label}-----\nmock-${name}\n-----END ${label}-----`;
const named = (run: ProgramRun, name: string) => byType(run, CONTAINER).find((c) => c.inputs.name === name) as RegisteredResource;

/** The stack's own CA (no homelab:acme), under Pulumi mocks: the @pulumi/tls plugin cannot be downloaded here. */
describe("internal CA under Pulumi mocks", function () {
  this.timeout(120000);
  let lab: ProgramRun;
  let home: ProgramRun;
  let acme: ProgramRun;
  before(async () => {
    [lab, home, acme] = await Promise.all([
      recordProgram("lab"),
      recordProgram("home"),
      recordProgram("lab", { acme: { email: "ops@lab.example.com", cloudflareApiToken: { $secret: "cf-token" } } }),
    ]);
  });

  it("creates one CA and one wildcard certificate for the domain, signed by it", () => {
    const [ca] = byType(lab, TLS.ca);
    assert.equal(ca.inputs.isCaCertificate, true);
    assert.deepEqual(ca.inputs.allowedUses, ["cert_signing", "crl_signing", "digital_signature"]);
    assert.ok(ca.dependsOn.includes("internal-ca-key"));
    const [request] = byType(lab, TLS.request);
    assert.deepEqual(request.inputs.dnsNames, ["lab.example.com", "*.lab.example.com"]);
    const [cert] = byType(lab, TLS.cert);
    assert.deepEqual(cert.inputs.allowedUses, ["server_auth", "digital_signature", "key_encipherment"]);
    assert.ok(
      ["internal-ca-cert", "internal-ca-key", "internal-ca-wildcard-request"].every((d) => cert.dependsOn.includes(d)),
      `depends on ${cert.dependsOn}`,
    );
    assert.deepEqual(
      byType(lab, TLS.key)
        .map((k) => k.name)
        .sort(),
      ["internal-ca-key", "internal-ca-wildcard-key"],
    );
  });

  it("exports the CA certificate, the only TLS material in the outputs", () => {
    assert.equal(lab.outputs.caCertificate, `${pem("CERTIFICATE", "internal-ca-cert")}\n`);
    assert.ok(!JSON.stringify(lab.outputs).includes("PRIVATE KEY"));
  });

  it("gives SWAG the wildcard certificate and its key (a secret upload) where its init looks", () => {
    const swag = named(lab, "lab-swag");
    const files = filesOf(lab, swag);
    assert.equal(files["/config/etc/letsencrypt/live/lab.example.com/fullchain.pem"], `${pem("CERTIFICATE", "internal-ca-wildcard")}\n`);
    assert.equal(files["/config/etc/letsencrypt/live/lab.example.com/privkey.pem"], `${pem("PRIVATE KEY", "internal-ca-wildcard-key")}\n`);
    assert.ok(isSecretInput(swag.inputs.uploads), "uploads holding the key must be secret");
  });

  it("gives Traefik the certificate and key its file provider names", () => {
    const traefik = named(home, "traefik");
    const files = filesOf(home, traefik);
    assert.equal(files["/etc/traefik/certs/homelab.crt"], pem("CERTIFICATE", "internal-ca-wildcard"));
    assert.equal(files["/etc/traefik/certs/homelab.key"], pem("PRIVATE KEY", "internal-ca-wildcard-key"));
    assert.ok(isSecretInput(traefik.inputs.uploads));
  });

  it("with ACME: no CA, no TLS SDK, no certificate files", () => {
    assert.equal(byType(acme, TLS.ca).length + byType(acme, TLS.cert).length + byType(acme, TLS.key).length, 0);
    assert.ok(!acme.sdks.includes("@pulumi/tls"), `loaded ${acme.sdks}`);
    assert.equal(acme.outputs.caCertificate, undefined);
    assert.ok(!Object.keys(filesOf(acme, named(acme, "lab-swag"))).some((f) => f.startsWith("/config/etc/letsencrypt/")));
  });
});
