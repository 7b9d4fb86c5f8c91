import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { byType, CONTAINER, isSecretInput, PROJECT_DIR, recordProgram, unwrapSecrets } from "../support/program";

/** `pulumi config set --secret --path 'homelab:services.myapp.env.API_KEY' …` as the stack file then holds it. */
const MYAPP = { image: "example/myapp:1.0", port: 8080, env: { LOG_LEVEL: "debug", API_KEY: { $secret: "s3cr3t-api-key" } } };

describe("secret env for custom services", function () {
  this.timeout(60_000);

  it("reaches the container as secret env, next to the plain values", async () => {
    const lab = await recordProgram("lab", { services: { whoami: { image: "traefik/whoami:v1.11.0", port: 80 }, myapp: MYAPP } });
    assert.equal(lab.error, undefined);
    const myapp = byType(lab, CONTAINER).find((c) => c.inputs.name === "lab-myapp")!;
    assert.ok(isSecretInput(myapp.inputs.envs), "the env list holding the secret is a Pulumi secret");
    const env = unwrapSecrets<string[]>(myapp.inputs.envs);
    assert.ok(env.includes("API_KEY=s3cr3t-api-key"), env.join(" "));
    assert.ok(env.includes("LOG_LEVEL=debug"), env.join(" "));
    // Pulumi handed the whole homelab:services key over as a secret: the other services still plan as before.
    assert.ok(byType(lab, CONTAINER).some((c) => c.inputs.name === "lab-whoami"));
  });

  it("is never printed by `plan --json` (read from the stack file's encrypted form)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-secret-env-"));
    try {
      fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      fs.writeFileSync(
        path.join(dir, "Pulumi.s.yaml"),
        [
          "config:",
          "  homelab:domain: s.example.com",
          "  homelab:services:",
          "    myapp:",
          "      image: example/myapp:1.0",
          "      port: 8080",
          "      env:",
          "        LOG_LEVEL: debug",
          "        API_KEY:",
          "          secure: v1:c2VjcmV0LWNpcGhlcnRleHQ=",
          "",
        ].join("\n"),
      );
      const out = execFileSync(path.join(PROJECT_DIR, "bin", "homelab"), ["plan", "s", "--json"], {
        env: { ...process.env, HOMELAB_PROJECT_DIR: dir },
        encoding: "utf8",
      });
      const plan = JSON.parse(out);
      const myapp = plan.containers.find((c: any) => c.name === "myapp");
      assert.deepEqual(myapp.secretEnv, { API_KEY: "myapp-env-API_KEY" });
      assert.equal(myapp.env.API_KEY, undefined);
      assert.equal(myapp.env.LOG_LEVEL, "debug");
      assert.ok(plan.secrets.some((s: any) => s.name === "myapp-env-API_KEY" && s.path === "homelab:services.myapp.env.API_KEY"));
      assert.ok(!out.includes("c2VjcmV0"), "the ciphertext is not printed either");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
