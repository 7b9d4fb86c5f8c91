import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { SecretValue } from "../../config/secret";
import { AUTHELIA_CONFIG_DIR, AUTHELIA_CONFIG_FILE, AUTHELIA_RULES_FILE } from "../../topology/authelia";
import { keyPaths } from "../support/keyPaths";
import { stackPlan } from "../support/configs";
import { container, file } from "../support/plans";

/**
 * Authelia publishes its configuration schema as Go (no npm package ships it, and copying upstream files is not
 * allowed), so this is a contract test: the generated keys are checked against the ones listed here, each
 * transcribed from authelia v4.39.13 internal/configuration/schema/keys.go (the generated list of every valid key),
 * and the values against the validators cited next to each assertion.
 */
const KEYS_4_39 = new Set([
  "theme",
  "server.address",
  "log.level",
  "totp.issuer",
  "identity_validation.reset_password.jwt_lifespan",
  "identity_validation.reset_password.jwt_algorithm",
  "authentication_backend.password_reset.disable",
  "authentication_backend.file.path",
  "authentication_backend.file.watch",
  "authentication_backend.file.password.algorithm",
  "authentication_backend.file.password.argon2.variant",
  "authentication_backend.file.password.argon2.iterations",
  "authentication_backend.file.password.argon2.memory",
  "authentication_backend.file.password.argon2.parallelism",
  "authentication_backend.file.password.argon2.key_length",
  "authentication_backend.file.password.argon2.salt_length",
  "access_control.default_policy",
  "access_control.rules[].domain",
  "access_control.rules[].policy",
  "access_control.rules[].resources",
  "session.cookies[].domain",
  "session.cookies[].authelia_url",
  "session.redis.host",
  "session.redis.port",
  "regulation.max_retries",
  "regulation.find_time",
  "regulation.ban_time",
  "storage.local.path",
  "storage.postgres.address",
  "storage.postgres.database",
  "storage.postgres.username",
  "notifier.filesystem.filename",
  "notifier.smtp.address",
  "notifier.smtp.username",
  "notifier.smtp.sender",
  "duo_api.hostname",
  "duo_api.integration_key",
  // Secrets, set through AUTHELIA_<KEY>_FILE (internal/configuration/koanf_callbacks.go: the _FILE suffix reads the file).
  "identity_validation.reset_password.jwt_secret",
  "session.secret",
  "storage.encryption_key",
  "storage.postgres.password",
  "notifier.smtp.password",
  "duo_api.secret_key",
]);

const variants: [string, string, Record<string, unknown>][] = [
  ["home", "", {}],
  ["lab", "lab-", {}],
  [
    "lab with postgres, SMTP and Duo",
    "lab-",
    {
      authelia: {
        users: {},
        storage: "postgres",
        smtp: { host: "smtp.example.com", port: 587, username: "u", sender: "auth@example.com", password: new SecretValue("x") },
        duo: { hostname: "api-1234.duosecurity.com", integrationKey: "DIXXXXXXXXXXXXXXXXXX", secretKey: new SecretValue("y") },
      },
    },
  ],
];

describe("Authelia 4.39 configuration contract", () => {
  for (const [name, prefix, overrides] of variants) {
    describe(name, () => {
      const a = container(stackPlan(name.split(" ")[0], overrides), `${prefix}authelia`);
      const base = parse(file(a, AUTHELIA_CONFIG_FILE));
      const rules = parse(file(a, AUTHELIA_RULES_FILE));

      it("uses only keys Authelia 4.39 knows (schema/keys.go), in both files of its folder", () => {
        for (const doc of [base, rules]) for (const key of keyPaths(doc)) assert.ok(KEYS_4_39.has(key), `unknown Authelia key ${key}`);
      });

      it("names every secret by an AUTHELIA_<key>_FILE variable of a known key, pointing at a generated file", () => {
        const secrets = Object.entries(a.env).filter(([k]) => /^AUTHELIA_.*_FILE$/.test(k));
        assert.ok(secrets.length >= 3);
        for (const [env, path] of secrets) {
          const key = env
            .replace(/^AUTHELIA_/, "")
            .replace(/_FILE$/, "")
            .toLowerCase();
          assert.ok(
            [...KEYS_4_39].some((k) => k.replace(/\./g, "_") === key),
            `${env} names no known key`,
          );
          assert.ok(
            (a.files ?? []).some((f) => f.path === path && f.secret),
            `${path} is generated and secret`,
          );
        }
      });

      it("loads the folder (sources.go loadDir) in the order that lets rules.yml replace the placeholder rule", () => {
        assert.equal(a.env.X_AUTHELIA_CONFIG, AUTHELIA_CONFIG_DIR);
        assert.ok(AUTHELIA_CONFIG_FILE.startsWith(`${AUTHELIA_CONFIG_DIR}/`) && AUTHELIA_RULES_FILE.startsWith(`${AUTHELIA_CONFIG_DIR}/`));
        assert.ok(AUTHELIA_CONFIG_FILE < AUTHELIA_RULES_FILE, "os.ReadDir returns entries sorted by name");
        // validator/access_control.go ValidateRules: default_policy deny needs at least one rule in every file set.
        assert.equal(base.access_control.default_policy, "deny");
        assert.ok(base.access_control.rules.length > 0 && rules.access_control.rules.length > 0);
      });

      it("has values the 4.39 validators accept", () => {
        // validator/server.go: tcp address with a path; validator/session.go: authelia_url https under the cookie domain.
        assert.match(base.server.address, /^tcp:\/\/:\d+\/$/);
        for (const c of base.session.cookies) {
          const url = new URL(c.authelia_url);
          assert.equal(url.protocol, "https:");
          assert.ok(url.hostname.endsWith(`.${c.domain}`));
        }
        // validator/access_control.go IsPolicyValid; resources are Go regexps (RE2: no lookarounds).
        for (const r of [...base.access_control.rules, ...rules.access_control.rules]) {
          assert.ok(["bypass", "one_factor", "two_factor", "deny"].includes(r.policy), r.policy);
          for (const re of r.resources ?? []) {
            assert.doesNotThrow(() => new RegExp(re));
            assert.doesNotMatch(re, /\(\?[=!<]/);
          }
        }
        // validator/authentication.go: argon2id variant and the documented parameter bounds.
        const argon2 = base.authentication_backend.file.password.argon2;
        assert.equal(argon2.variant, "argon2id");
        assert.ok(argon2.memory >= 8 * argon2.parallelism && argon2.key_length >= 16 && argon2.salt_length >= 8);
        if (base.storage.postgres) assert.match(base.storage.postgres.address, /^tcp:\/\/[a-z0-9-]+:5432$/);
        if (base.notifier.smtp) assert.match(base.notifier.smtp.address, /^(smtp|submission|submissions):\/\/[^:]+:\d+$/);
      });
    });
  }
});
