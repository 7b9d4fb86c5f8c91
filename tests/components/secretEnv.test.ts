import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { SecretEnvRef } from "../../config/secret";
import { resolveSecretEnv } from "../../components/secretEnv";
import { planOf, stackConfig } from "../support/configs";

describe("secret env references", () => {
  it("keep the text plan --json always showed: the secret's name, the config key, what the token is", () => {
    const env = { A: SecretEnvRef.secret("immich-db-password"), B: SecretEnvRef.config("homelab:vpnCredentials.wireguardPrivateKey") };
    assert.equal(JSON.stringify(env), '{"A":"immich-db-password","B":"homelab:vpnCredentials.wireguardPrivateKey"}');
    assert.equal(JSON.stringify(SecretEnvRef.tunnelToken), '"the tunnel token (getZeroTrustTunnelCloudflaredToken)"');
  });

  it("in the home stack: plan secrets by declared name, config keys only on Gluetun, the tunnel token only on cloudflared", () => {
    const plan = planOf(stackConfig("home"));
    const declared = new Set((plan.secrets ?? []).map((s) => s.name));
    const kinds = new Map<string, Set<string>>();
    for (const c of plan.containers)
      for (const [env, ref] of Object.entries(c.secretEnv)) {
        assert.ok(ref instanceof SecretEnvRef, `${c.name} ${env}`);
        kinds.set(ref.kind, new Set([...(kinds.get(ref.kind) ?? []), c.service]));
        if (ref.kind === "secret") assert.ok(declared.has(ref.key), `${c.name} ${env} names undeclared secret ${ref.key}`);
        if (ref.kind === "config") assert.match(ref.key, /^homelab:vpnCredentials\./);
      }
    assert.deepEqual([...kinds.keys()].sort(), ["config", "secret", "tunnel-token"]);
    assert.deepEqual([...kinds.get("config")!], ["gluetun"]);
    assert.deepEqual([...kinds.get("tunnel-token")!], ["cloudflared"]);
  });

  it("resolve by kind, and a kind the component cannot provide stops the run naming the container and the variable", () => {
    const env = { TOKEN: SecretEnvRef.tunnelToken, KEY: SecretEnvRef.secret("a-key") };
    const asked: string[] = [];
    const resolved = resolveSecretEnv("lab-x", env, {
      "tunnel-token": (k) => (asked.push(`token:${k}`), pulumi.output("t")),
      secret: (k) => (asked.push(`secret:${k}`), pulumi.output("s")),
    });
    assert.deepEqual(Object.keys(resolved), ["TOKEN", "KEY"]);
    assert.deepEqual(asked, ["token:the tunnel token (getZeroTrustTunnelCloudflaredToken)", "secret:a-key"]);
    assert.throws(() => resolveSecretEnv("lab-x", env, { secret: () => pulumi.output("s") }), /lab-x: TOKEN refers to tunnel-token/);
  });
});
