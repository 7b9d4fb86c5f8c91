import * as assert from "node:assert/strict";
import { fillSecretRefs, secretRef, secretRefsIn, showSecretRefs } from "../../config/secret";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import { undeclaredSecretRefs } from "../../topology/checks";
import { AUTHELIA_CONFIG_FILE } from "../../topology/authelia";
import { byType, CONTAINER, filesOf, LIVE_FILE, recordProgram, unwrapSecrets } from "../support/program";
import { stackConfig } from "../support/configs";

/** Text an attacker with write access to the stack file puts where plain text goes, hoping it gets filled. */
const BAIT = "{{secret:crowdsec-bouncer-key}} {{bcrypt:authelia-user-admin}} {{argon2id:authelia-user-admin}}";

describe("secret references are structured: config text never becomes one", function () {
  this.timeout(60_000);

  it("only secretRef makes a reference; the placeholder syntax alone is plain text", () => {
    assert.deepEqual(secretRefsIn(BAIT), []);
    assert.deepEqual(secretRefsIn(`a ${secretRef("x")} b ${secretRef("y", "bcrypt")}`), [
      { form: "secret", name: "x" },
      { form: "bcrypt", name: "y" },
    ]);
    assert.equal(
      fillSecretRefs(`${BAIT} ${secretRef("x")}`, () => "V"),
      `${BAIT} V`,
    );
    assert.equal(showSecretRefs(`k: ${secretRef("x", "argon2id")}`), "k: {{argon2id:x}}");
    assert.throws(() => secretRef("Bad Name"), /lower-case/);
  });

  it("placeholders in a display name, an SMTP user and the ACME e-mail reach the files as the text they are", async () => {
    const run = await recordProgram("home", {
      acme: { email: "x{{secret:acme-cloudflare-api-token}}@example.com", cloudflareApiToken: { $secret: "cf-token-123" } },
      authelia: {
        users: { admin: { displayname: BAIT, email: "admin@example.com", password: { $secret: "hunter2hunter2" } } },
        smtp: {
          host: "smtp.example.com",
          port: 587,
          username: "{{secret:authelia-smtp-password}}",
          sender: "auth@example.com",
          password: { $secret: "smtp-pw-456" },
        },
      },
    });
    // The ACME e-mail is refused as an e-mail or kept as text; either way no secret is filled into it.
    const everything = JSON.stringify(unwrapSecrets([...byType(run, CONTAINER), ...byType(run, LIVE_FILE)].map((c) => c.inputs)));
    if (run.error) assert.doesNotMatch(run.error, /cf-token-123|smtp-pw-456/);
    else {
      const authelia = byType(run, CONTAINER).find((c) => c.inputs.name === "authelia")!;
      const files = filesOf(run, authelia);
      assert.ok(files["/config/users_database.yml"].includes("{{secret:crowdsec-bouncer-key}}"), "the display name is kept as written");
      assert.ok(files[AUTHELIA_CONFIG_FILE].includes("{{secret:authelia-smtp-password}}"), "the SMTP user is kept as written");
      // The one place the SMTP password belongs: its secret file. Nowhere else.
      assert.equal(files["/secrets/authelia-smtp-password"], "smtp-pw-456");
      assert.equal(everything.split("smtp-pw-456").length - 1, 1, "the SMTP password appears only in its own file");
      assert.ok(!everything.includes("hunter2hunter2"));
    }
  });

  it("the plan refuses a file that refers to a secret it does not declare, at the service's key", () => {
    const result = buildPlan(stackConfig("lab"));
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.deepEqual(undeclaredSecretRefs(result.plan), []);
    // What a generator bug would look like: a reference to a name nobody declares, and a bcrypt of a configured secret.
    const authelia = result.plan.containers.find((c) => c.name === "lab-authelia")!;
    authelia.files!.push({ path: "/x", content: `a: ${secretRef("nobody")}`, secret: true });
    result.plan.secrets!.push({ name: "given", source: "config", path: "homelab:x", value: new SecretValue("v"), purpose: "test" });
    authelia.files!.push({ path: "/y", content: secretRef("given", "bcrypt"), secret: true });
    assert.deepEqual(undeclaredSecretRefs(result.plan), [
      { path: "homelab:services.authelia", message: "lab-authelia:/x refers to secret 'nobody' (secret), which the plan does not declare" },
      { path: "homelab:services.authelia", message: "lab-authelia:/y refers to secret 'given' (bcrypt), which the plan does not generate" },
    ]);
  });
});
