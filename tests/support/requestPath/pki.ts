/**
 * A throwaway CA and a wildcard certificate for a stack's domain, made with `openssl`: they stand in for the
 * certificates the program creates (@pulumi/tls, internal CA) or SWAG obtains (Let's Encrypt, ACME).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface TestPki {
  caCert: string;
  cert: string;
  key: string;
}

export function makePki(dir: string, domain: string): TestPki {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=e2e test CA for ${domain}`,
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.crt"),
  );
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=*.${domain}`, "-keyout", file("cert.key"), "-out", file("cert.csr"));
  fs.writeFileSync(file("san.ext"), `subjectAltName=DNS:*.${domain},DNS:${domain}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    file("cert.csr"),
    "-CA",
    file("ca.crt"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    file("san.ext"),
    "-out",
    file("cert.crt"),
  );
  // nginx's workers (nobody) never read the key; the master does, as root. Readable anyway: it is a test key.
  for (const f of ["cert.key", "cert.crt", "ca.crt"]) fs.chmodSync(file(f), 0o644);
  return { caCert: file("ca.crt"), cert: file("cert.crt"), key: file("cert.key") };
}
