import { createHash } from "node:crypto";

/** The image id the mocks give a RemoteImage: derived from its name so tests can map ids back to images. */
export function mockImageId(imageName: string): string {
  return `sha256:${createHash("sha256").update(imageName).digest("hex")}`;
}

/**
 * What the providers would compute for a resource, on top of its inputs: the outputs the program reads.
 * Shared by the test recorder and the bench, so both run the program against the same stand-ins.
 */
export function mockOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type === "docker:index/remoteImage:RemoteImage") return { imageId: mockImageId(String(inputs.name)) };
  if (type === "random:index/randomBytes:RandomBytes") return { result: `mock-${name}`, base64: Buffer.from(`mock-${name}`).toString("base64") };
  if (type === "random:index/randomPassword:RandomPassword") {
    // Shaped like the provider's: a bcrypt hash (cost 10) of the generated value, fixed for a name.
    return {
      result: `mock-${name}`,
      bcryptHash: `$2a$10$${createHash("sha256")
        .update(name)
        .digest("base64")
        .replace(/[^A-Za-z0-9]/g, "")
        .padEnd(53, "x")
        .slice(0, 53)}`,
    };
  }
  if (type === "random:index/randomId:RandomId")
    return {
      hex: createHash("sha256")
        .update(name)
        .digest("hex")
        .slice(0, 2 * Number(inputs.byteLength)),
    };
  if (type.startsWith("random:")) return { result: `mock-${name}` };
  // @pulumi/tls: PEM-shaped stand-ins, named after the resource so tests can tell them apart.
  const pem = (label: string) => `-----BEGIN ${label}-----\nmock-${name}\n-----END ${label}-----\n`;
  if (type === "tls:index/privateKey:PrivateKey") return { privateKeyPem: pem("PRIVATE KEY"), publicKeyPem: pem("PUBLIC KEY") };
  if (type === "tls:index/certRequest:CertRequest") return { certRequestPem: pem("CERTIFICATE REQUEST") };
  if (type === "tls:index/selfSignedCert:SelfSignedCert" || type === "tls:index/locallySignedCert:LocallySignedCert") return { certPem: pem("CERTIFICATE") };
  return {};
}
