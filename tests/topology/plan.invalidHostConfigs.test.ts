import * as assert from "node:assert/strict";
import { buildPlan } from "../../topology/plan";
import { errorsOf, minimalConfig } from "../support/configs";
import { rejectedRuns } from "../support/program";

const user = { displayname: "A", email: "a@example.com" };

/** The host stack's invalid configs, each with the message it must produce; none may register a resource. */
const HOST_INVALID_CONFIGS: { name: string; config: Record<string, unknown>; expect: RegExp }[] = [
  {
    name: "unknown auth level",
    config: minimalConfig({ services: { sonarr: { auth: "three_factor" } } }),
    expect: /^homelab:services\.sonarr\.auth: .*one_factor.*\(got "three_factor"\)/,
  },
  {
    name: "Portainer without write access acknowledged",
    config: minimalConfig({ services: { portainer: {} } }),
    expect: /^homelab:socketProxy\.allowWrite: portainer manages containers and needs write access/,
  },
  {
    name: "custom service writing the Docker API without acknowledgement",
    config: minimalConfig({ services: { ops: { image: "me/ops:1.0", port: 80, role: "monitoring", dockerApi: "write" } } }),
    expect: /^homelab:socketProxy\.allowWrite: ops manages/,
  },
  {
    name: "route to a custom service with no web port",
    config: minimalConfig({ services: { job: { image: "me/job:1.0", expose: "tunnel" } } }),
    expect: /^homelab:services\.job\.expose: 'job' has no web port/,
  },
  {
    name: "Authelia user password in plain text",
    config: minimalConfig({ authelia: { users: { a: { ...user, password: "hunter2" } } } }),
    expect: /^homelab:authelia\.users\.a\.password: must be a secret/,
  },
  {
    name: "SMTP password in plain text",
    config: minimalConfig({ authelia: { smtp: { host: "smtp.example.com", username: "u", sender: "a@example.com", password: "pw" } } }),
    expect: /^homelab:authelia\.smtp\.password: must be a secret/,
  },
  {
    name: "ACME token in plain text",
    config: minimalConfig({ acme: { email: "ops@example.com", cloudflareApiToken: "tok" } }),
    expect: /^homelab:acme\.cloudflareApiToken: must be a secret/,
  },
  {
    name: "Authelia user e-mail invalid",
    config: minimalConfig({ authelia: { users: { a: { ...user, email: "nope" } } } }),
    expect: /^homelab:authelia\.users\.a\.email: must be an e-mail address/,
  },
  { name: "unknown Authelia storage", config: minimalConfig({ authelia: { storage: "mysql" } }), expect: /^homelab:authelia\.storage: .*sqlite.*postgres/ },
  { name: "typo in an Authelia key", config: minimalConfig({ authelia: { user: {} } }), expect: /^homelab:authelia: unknown key "user"/ },
  {
    name: "API bypass of a service that is not routed",
    config: minimalConfig({ services: { jellyfin: {}, sonarr: {} }, authelia: { apiBypass: ["radarr"] } }),
    expect: /^homelab:authelia\.apiBypass\.0: 'radarr' is not a routed service/,
  },
  {
    name: "API bypass of a denied service",
    config: minimalConfig({ services: { sonarr: { auth: "deny" } }, authelia: { apiBypass: ["sonarr"] } }),
    expect: /^homelab:authelia\.apiBypass\.0: 'sonarr' has auth: deny/,
  },
  {
    name: "CrowdSec collection not hub-shaped",
    config: minimalConfig({ crowdsec: { collections: ["http-cve"] } }),
    expect: /^homelab:crowdsec\.collections\.0: must be a hub collection/,
  },
];

describe("invalid host stack configs", () => {
  for (const c of HOST_INVALID_CONFIGS) {
    it(`refuses: ${c.name}`, () => {
      const errors = errorsOf(buildPlan(c.config));
      assert.ok(
        errors.some((e) => c.expect.test(e)),
        `no error matches ${c.expect}:\n${errors.join("\n") || "(accepted)"}`,
      );
    });
  }

  it(`the real program registers no resource for any of the ${HOST_INVALID_CONFIGS.length} configs`, async function () {
    this.timeout(60_000);
    const runs = await rejectedRuns(
      null,
      HOST_INVALID_CONFIGS.map((c) => c.config),
    );
    runs.forEach((run, i) => {
      assert.ok(run.error, `${HOST_INVALID_CONFIGS[i].name}: the program accepted the config`);
      assert.equal(run.registered, 0, `${HOST_INVALID_CONFIGS[i].name}: registered ${run.registered} resources`);
    });
  });
});
