import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { image } from "../../config/schema";
import { AUTHELIA_CONFIG_FILE, AUTHELIA_RULES_FILE, needsForwardAuth } from "../../topology/authelia";
import { DOCKER_SOCKET } from "../../topology/policy";
import type { Plan } from "../../topology/types";
import { REMOVE_FILE, WRITE_FILE } from "../../components/containerFiles";
import { mockOutputs } from "../support/mockProviders";
import {
  byType,
  CONTAINER,
  filesOf,
  isSecretInput,
  LIVE_FILE,
  ProgramRun,
  recordProgram,
  REMOTE_IMAGE,
  RegisteredResource,
  unwrapSecrets,
} from "../support/program";
import { stackPlan, STACKS } from "../support/configs";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Every string in the inputs that is *not* inside a secret wrapper. */
function plainStrings(v: unknown, out: string[] = []): string[] {
  if (isSecretInput(v)) return out;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => plainStrings(x, out));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => plainStrings(x, out));
  return out;
}

const labelsOf = (c: RegisteredResource): Record<string, string> => Object.fromEntries((c.inputs.labels ?? []).map((l: any) => [l.label, l.value]));
const envOf = (c: RegisteredResource): Record<string, string> =>
  Object.fromEntries(unwrapSecrets<string[]>(c.inputs.envs ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

describe("host stack under Pulumi mocks", function () {
  this.timeout(60000);

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      let run: ProgramRun;
      let plan: Plan;
      const containerNamed = (name: string) => {
        const c = byType(run, CONTAINER).find((r) => r.inputs.name === name);
        assert.ok(c, `container ${name} not registered`);
        return c;
      };
      before(async () => {
        plan = stackPlan(stack);
        run = await recordProgram(stack);
        assert.equal(run.error, undefined);
      });

      it("registers every planned container, each with the hardening defaults and a pinned image", () => {
        const containers = byType(run, CONTAINER);
        assert.deepEqual(containers.map((c) => c.inputs.name).sort(), plan.containers.map((c) => c.name).sort());
        for (const c of containers) {
          assert.deepEqual(c.inputs.securityOpts, ["no-new-privileges:true"], c.inputs.name);
          assert.equal(c.inputs.restart, "unless-stopped");
          assert.equal(c.inputs.logOpts["max-size"], "10m");
          if (c.inputs.ports?.length) assert.equal(c.inputs.name, `${plan.prefix}${plan.proxy}`, `${c.inputs.name} publishes host ports`);
        }
        for (const img of byType(run, REMOTE_IMAGE)) {
          assert.ok(image.safeParse(img.inputs.name).success, `${img.inputs.name} is not pinned`);
          assert.equal(img.inputs.keepLocally, true);
        }
      });

      it("mounts the Docker socket only into the socket proxy, read-only", () => {
        const mounting = byType(run, CONTAINER).filter((c) => (c.inputs.mounts ?? []).some((m: any) => m.source === DOCKER_SOCKET));
        assert.deepEqual(
          mounting.map((c) => c.inputs.name),
          [`${plan.prefix}cetusguard`],
        );
        assert.ok(mounting[0].inputs.mounts.every((m: any) => m.source !== DOCKER_SOCKET || m.readOnly === true));
        // Its rules are a live file (a consumer that comes or goes restarts it, never recreates it).
        assert.equal(envOf(mounting[0]).CETUSGUARD_RULES, undefined);
        assert.equal(envOf(mounting[0]).CETUSGUARD_RULES_FILE, "/etc/cetusguard/rules.list");
        assert.equal(filesOf(run, mounting[0])["/etc/cetusguard/rules.list"], `${plan.socketProxy!.rules.join("\n")}\n`);
      });

      it("routes every planned host, with forward-auth on every non-bypass route", () => {
        for (const route of plan.routes) {
          if (plan.proxy === "traefik") {
            const labels = labelsOf(containerNamed(`${plan.prefix}${route.service}`));
            const router = `${plan.prefix}${route.service}`;
            assert.equal(labels[`traefik.http.routers.${router}.rule`], `Host(\`${route.host}\`)`);
            assert.equal(
              labels[`traefik.http.routers.${router}.middlewares`].split(",").includes(`${plan.prefix}authelia@docker`),
              needsForwardAuth(route),
              route.host,
            );
          } else {
            const conf = filesOf(run, containerNamed(`${plan.prefix}swag`))[`/config/nginx/proxy-confs/${route.service}.subdomain.conf`];
            assert.ok(conf, `no conf for ${route.host}`);
            assert.match(conf, new RegExp(`server_name ${route.host.replace(/\./g, "\\.")};`));
            assert.equal(conf.includes("authelia-location.conf"), needsForwardAuth(route), route.host);
          }
        }
      });

      it("gives Authelia a configuration whose rules are the plan's, and hashed passwords", () => {
        const authelia = containerNamed(`${plan.prefix}authelia`);
        const files = filesOf(run, authelia);
        assert.deepEqual(parse(files[AUTHELIA_RULES_FILE]).access_control.rules, plan.authelia!.rules);
        assert.equal(parse(files[AUTHELIA_CONFIG_FILE]).access_control.default_policy, "deny");
        const users = parse(files["/config/users_database.yml"]).users;
        for (const [name, u] of Object.entries<any>(users)) {
          // Every shipped user has a generated password: the bcrypt hash its RandomPassword keeps in state.
          const generator = byType(run, RANDOM_PASSWORD).find((r) => r.name === `authelia-user-${name}`);
          assert.ok(generator, `authelia-user-${name} is generated`);
          assert.equal(u.password, mockOutputs(RANDOM_PASSWORD, generator.name, generator.inputs).bcryptHash);
          assert.match(u.password, /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
        }
        assert.equal(files["/secrets/authelia-session-secret"], "mock-authelia-session-secret");
      });

      it("writes every file that follows other services next to its container (one command each), every other one as an upload", () => {
        const commands = byType(run, LIVE_FILE);
        for (const planned of plan.containers) {
          const container = containerNamed(planned.name);
          const uploaded = unwrapSecrets<{ file: string }[]>(container.inputs.uploads ?? [])
            .map((u) => u.file)
            .sort();
          const live = commands.filter((r) => unwrapSecrets(r.inputs.environment).HOMELAB_CONTAINER === container.id);
          const files = planned.files ?? [];
          assert.deepEqual(
            uploaded,
            files
              .filter((f) => !f.reload)
              .map((f) => f.path)
              .sort(),
            `${planned.name}: uploads`,
          );
          assert.deepEqual(
            live
              .map((r) => unwrapSecrets(r.inputs.environment))
              .map((e) => [e.HOMELAB_FILE, e.HOMELAB_RELOAD, e.HOMELAB_FILE_MODE])
              .sort(),
            files
              .filter((f) => f.reload)
              .map((f) => [f.path, f.reload, f.secret ? "0600" : "0644"])
              .sort(),
            `${planned.name}: live files`,
          );
          for (const r of live) assert.deepEqual([r.inputs.create, r.inputs.update, r.inputs.delete], [WRITE_FILE, WRITE_FILE, REMOVE_FILE]);
          // Every file lands with an explicit mode (secrets 0600) and the app's user as owner (PUID:PGID, else root).
          const owner = planned.env.PUID ? `${planned.env.PUID}:${planned.env.PGID}` : "0:0";
          for (const r of live) assert.equal(unwrapSecrets(r.inputs.environment).HOMELAB_FILE_OWNER, owner, `${planned.name}: live file owner`);
          const uploads = unwrapSecrets<{ file: string; permissions: string; owner: string; group: string }[]>(container.inputs.uploads ?? []);
          for (const u of uploads) {
            const secret = files.find((f) => f.path === u.file)!.secret;
            assert.deepEqual([u.permissions, `${u.owner}:${u.group}`], [secret ? "0600" : "0644", owner], `${planned.name}: ${u.file}`);
          }
        }
        assert.ok(commands.length > 0, "the stack has live files");
        // The ones a new service changes: Authelia's rules, and the dashboard or each SWAG route.
        const live = commands.map((r) => unwrapSecrets(r.inputs.environment).HOMELAB_FILE);
        assert.ok(live.includes(AUTHELIA_RULES_FILE));
        if (plan.proxy === "swag")
          for (const route of plan.routes) assert.ok(live.includes(`/config/nginx/proxy-confs/${route.service}.subdomain.conf`), route.service);
      });

      it("generates every secret with @pulumi/random and keeps it secret in every input", () => {
        const randoms = byType(run, RANDOM_PASSWORD).map((r) => r.name);
        for (const s of plan.secrets!.filter((x) => x.source === "generated")) assert.ok(randoms.includes(s.name), `${s.name} not generated`);
        for (const c of byType(run, CONTAINER)) {
          const planned = plan.containers.find((p) => p.name === c.inputs.name)!;
          if (Object.keys(planned.secretEnv).length) assert.ok(isSecretInput(c.inputs.envs), `${c.inputs.name}: envs must be secret`);
          if ((planned.files ?? []).some((f) => f.secret)) assert.ok(isSecretInput(c.inputs.uploads), `${c.inputs.name}: uploads must be secret`);
        }
        const leaked = [...byType(run, CONTAINER), ...byType(run, LIVE_FILE)]
          .flatMap((c) => plainStrings(c.inputs))
          .filter((s) => /mock-(authelia|crowdsec)/.test(s));
        assert.deepEqual(leaked, [], "secret values outside secret inputs");
      });
    });
  }

  it("passes configured secrets (ACME token, SMTP password) through as Pulumi secrets", async () => {
    const run = await recordProgram("home", {
      acme: { email: "ops@example.com", cloudflareApiToken: { $secret: "cf-token-123" } },
      authelia: {
        users: { admin: { displayname: "Admin", email: "admin@example.com", password: { $secret: "hunter2hunter2" } } },
        smtp: { host: "smtp.example.com", port: 587, username: "auth", sender: "auth@example.com", password: { $secret: "smtp-pw-456" } },
      },
    });
    assert.equal(run.error, undefined);
    const traefik = byType(run, CONTAINER).find((c) => c.inputs.name === "traefik")!;
    assert.ok(isSecretInput(traefik.inputs.envs));
    assert.equal(envOf(traefik).CF_DNS_API_TOKEN, "cf-token-123");
    const authelia = byType(run, CONTAINER).find((c) => c.inputs.name === "authelia")!;
    assert.equal(filesOf(run, authelia)["/secrets/authelia-smtp-password"], "smtp-pw-456");
    const all = JSON.stringify([...byType(run, CONTAINER), ...byType(run, LIVE_FILE)].flatMap((c) => plainStrings(c.inputs)));
    for (const v of ["cf-token-123", "smtp-pw-456", "hunter2hunter2"]) assert.ok(!all.includes(v), `${v} leaked`);
    assert.ok(!JSON.stringify(unwrapSecrets(byType(run, CONTAINER).map((c) => c.inputs))).includes("hunter2hunter2"), "user password only as a hash");
    assert.match(
      parse(filesOf(run, authelia)["/config/users_database.yml"]).users.admin.password,
      /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/,
      "a chosen password gets argon2id",
    );
    assert.equal(parse(filesOf(run, authelia)[AUTHELIA_CONFIG_FILE]).notifier.smtp.address, "submission://smtp.example.com:587");
  });

  it("fails with the key path when Portainer's write access is not acknowledged", async () => {
    const run = await recordProgram("home", { socketProxy: null });
    assert.match(run.error ?? "", /homelab:socketProxy\.allowWrite: portainer/);
    assert.equal(byType(run, CONTAINER).length, 0);
  });
});
