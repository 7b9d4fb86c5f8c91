// The driver end to end against the fake `pulumi` in fixtures/bin (see its header for what it does).
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as assert from "assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { calls, FAKE_BIN, removeSandboxes, run, sandbox } from "../../support/operate";

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");
const subcommands = (box: ReturnType<typeof sandbox>) => calls(box).map((call) => call.argv.slice(0, 2).join(" "));

describe("homelab preview|up|destroy|refresh|drift (Automation API driver)", () => {
  after(removeSandboxes);

  describe("preview", () => {
    it("creates the stack from its stack file on first use, streams progress and summarises, exit 0", async () => {
      const box = sandbox();
      const result = await run(box, "preview");
      assert.strictEqual(result.code, 0, result.err);
      assert.deepStrictEqual(subcommands(box), ["stack select", "stack init", "preview --policy-pack"]);
      const [select, init, preview] = calls(box);
      assert.deepStrictEqual(select.argv.slice(2, 4), ["--stack", "lab"]);
      assert.deepStrictEqual(init.argv, ["stack", "init", "lab", "--secrets-provider", "passphrase"]);
      assert.strictEqual(preview.cwd, box.projectDir);
      assert.ok(preview.argv.includes("--event-log"));
      assert.match(result.out, /^\[4\] \+ docker:Container lab-jellyfin to create$/m);
      assert.match(result.out, /^\[7\] - docker:Network vnet-old to delete$/m);
      assert.match(result.out, /^Summary: 1 to create, 1 to update, 1 to replace, 1 to delete; 3 unchanged\.$/m);
      assert.match(result.out, /^ {2}~ {2}docker:Container lab-sonarr: envs\[2\], labels$/m);
      assert.match(result.out, /^ {2}\+- docker:Container lab-gluetun: image \(replace\)$/m);
      // A replacement is three engine steps but one resource line.
      assert.strictEqual(result.out.match(/lab-gluetun to replace/g)?.length, 1);
      assert.match(result.err, /^warning: this is only a test engine$/m);
    });

    it("selects the existing stack on the next run instead of creating it again", async () => {
      const box = sandbox();
      await run(box, "preview");
      await run(box, "preview");
      assert.deepStrictEqual(subcommands(box).slice(3), ["stack select", "preview --policy-pack"]);
    });

    it("reports a failing engine run as one line with the CLI's error, exit 1", async () => {
      const box = sandbox({ FAKE_PULUMI_FAIL: "preview" });
      const result = await run(box, "preview");
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(lines(result.err), ["homelab: pulumi preview failed: preview failed: the program exited with an error"]);
    });
  });

  describe("up", () => {
    it("refuses without --yes when it cannot ask, before running anything", async () => {
      const box = sandbox();
      const result = await run(box, "up");
      assert.notStrictEqual(result.code, 0);
      assert.deepStrictEqual(lines(result.err), [
        "homelab: 'up' changes your homelab and needs confirmation: re-run with --yes (or run 'homelab preview lab' to only look).",
      ]);
      assert.deepStrictEqual(calls(box), []);
    });

    it("refuses `up` in one line, before touching the stack, when the Docker CLI is missing", async () => {
      const box = sandbox();
      const pulumiOnly = path.join(box.root, "pulumi-only", "bin");
      fs.mkdirSync(pulumiOnly, { recursive: true });
      // node's own folder may hold a docker CLI too (/usr/local/bin): only the fake pulumi and node.
      fs.symlinkSync(path.join(FAKE_BIN, "pulumi"), path.join(pulumiOnly, "pulumi"));
      fs.symlinkSync(process.execPath, path.join(pulumiOnly, "node"));
      const result = await run(box, "up", "lab", { yes: true, env: { ...box.env, PATH: pulumiOnly } });
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(lines(result.err), [
        "homelab: 'up' writes generated config files into the containers with the Docker CLI, and 'docker' is not on PATH: install it (Debian: apt-get install docker.io), then re-run.",
      ]);
      assert.ok(
        calls(box).every((c) => !c.argv.includes("up") && !c.argv.includes("preview")),
        "nothing previewed or applied",
      );
    });

    it("with --yes previews, then runs `up` on the right stack and backend with a running count", async () => {
      const box = sandbox();
      const result = await run(box, "up", "lab", { yes: true });
      assert.strictEqual(result.code, 0, result.err);
      const up = calls(box).find((call) => call.argv[0] === "up");
      assert.ok(up, "pulumi up was not run");
      assert.deepStrictEqual(up.argv.slice(0, 3), ["up", "--yes", "--skip-preview"]);
      assert.deepStrictEqual(up.argv.slice(up.argv.indexOf("--stack"), up.argv.indexOf("--stack") + 2), ["--stack", "lab"]);
      assert.strictEqual(up.backend, `file://${path.join(box.home, ".homelab", "state")}`);
      assert.strictEqual(up.passphrase, true);
      assert.ok(subcommands(box).indexOf("preview --policy-pack") < subcommands(box).indexOf("up --yes"));
      assert.match(result.out, /^\[4\/7\] \+ docker:Container lab-jellyfin created$/m);
      assert.match(result.out, /^\[6\/7\] \+- docker:Container lab-gluetun replaced$/m);
      assert.match(result.out, /^Summary: 1 created, 1 updated, 1 replaced, 1 deleted; 3 unchanged\.$/m);
      assert.match(result.out, /^ {2}tunnelToken: \[secret\]$/m);
      assert.doesNotMatch(result.out, /tunnel-token-value/);
    });

    it("asks after the preview and changes nothing when the answer is no", async () => {
      const box = sandbox();
      const result = await run(box, "up", "lab", { interactive: true, answers: "n\n" });
      assert.strictEqual(result.code, 1);
      assert.match(result.err, /Apply these 4 change\(s\) to stack 'lab'\? \[y\/N\]/);
      assert.match(result.err, /homelab: cancelled; nothing was changed\./);
      assert.ok(!subcommands(box).includes("up --yes"));
    });

    it("applies when the answer is yes", async () => {
      const box = sandbox();
      const result = await run(box, "up", "lab", { interactive: true, answers: "y\n" });
      assert.strictEqual(result.code, 0, result.err);
      assert.ok(subcommands(box).includes("up --yes"));
    });

    // `homelab up` passes the allocation lock's write as onApplied (cli/main.ts): it must follow a real apply only.
    describe("what follows a successful apply (the allocation lock)", () => {
      const counted = () => {
        const hook = { calls: 0, onApplied: () => void hook.calls++ };
        return hook;
      };
      it("runs after `up` applied", async () => {
        const hook = counted();
        const result = await run(sandbox(), "up", "lab", { yes: true, onApplied: hook.onApplied });
        assert.strictEqual(result.code, 0, result.err);
        assert.strictEqual(hook.calls, 1);
      });
      it("does not run when the apply fails", async () => {
        const hook = counted();
        const result = await run(sandbox({ FAKE_PULUMI_FAIL: "up" }), "up", "lab", { yes: true, onApplied: hook.onApplied });
        assert.strictEqual(result.code, 1);
        assert.strictEqual(hook.calls, 0);
      });
      it("does not run when the preview fails, or the answer is no", async () => {
        const hook = counted();
        assert.strictEqual((await run(sandbox({ FAKE_PULUMI_FAIL: "preview" }), "up", "lab", { yes: true, onApplied: hook.onApplied })).code, 1);
        assert.strictEqual((await run(sandbox(), "up", "lab", { interactive: true, answers: "n\n", onApplied: hook.onApplied })).code, 1);
        assert.strictEqual(hook.calls, 0);
      });
    });

    it("does not ask or apply when the preview shows no changes", async () => {
      const box = sandbox({ FAKE_PULUMI_SCENARIO: "clean" });
      const result = await run(box, "up", "lab", { interactive: true });
      assert.strictEqual(result.code, 0, result.err);
      assert.match(result.out, /^No changes \(5 resources unchanged\)\.$/m);
      assert.ok(!subcommands(box).includes("up --yes"));
    });
  });

  describe("destroy and refresh", () => {
    it("destroy --yes previews the deletions, then destroys", async () => {
      const box = sandbox();
      const result = await run(box, "destroy", "lab", { yes: true });
      assert.strictEqual(result.code, 0, result.err);
      assert.deepStrictEqual(subcommands(box).slice(2), ["destroy --preview-only", "destroy --yes", "stack history"]);
      assert.match(result.out, /^\[4\/4\] - docker:Container lab-jellyfin deleted$/m);
    });

    it("refresh without --yes refuses when it cannot ask", async () => {
      const box = sandbox();
      const result = await run(box, "refresh");
      assert.notStrictEqual(result.code, 0);
      assert.strictEqual(lines(result.err).length, 1);
    });
  });

  describe("drift", () => {
    it("exits 1 and names the drifted resource and property when reality differs", async () => {
      const box = sandbox({ FAKE_PULUMI_SCENARIO: "drift" });
      const result = await run(box, "drift");
      assert.strictEqual(result.code, 1, result.err);
      assert.match(result.out, /^\[4\] ~ docker:Container lab-sonarr changed outside homelab$/m);
      assert.match(result.out, /^ {2}~ {2}docker:Container lab-sonarr: restart$/m);
      assert.match(result.out, /^Drift in 1 resource\(s\)/m);
      // Only ever the preview-only refresh: drift must not touch the state.
      assert.deepStrictEqual(
        calls(box)
          .filter((call) => call.argv[0] === "refresh")
          .map((call) => call.argv[1]),
        ["--preview-only"],
      );
    });

    it("exits 0 when everything matches", async () => {
      const box = sandbox({ FAKE_PULUMI_SCENARIO: "clean" });
      const result = await run(box, "drift");
      assert.strictEqual(result.code, 0, result.err);
      assert.match(result.out, /^No drift: all 4 resources match their recorded state\.$/m);
    });
  });

  describe("state backend and secrets", () => {
    it("defaults to a file backend under HOME and creates the folder", async () => {
      const box = sandbox();
      await run(box, "preview");
      const state = path.join(box.home, ".homelab", "state");
      assert.ok(fs.statSync(state).isDirectory());
      assert.ok(calls(box).every((call) => call.backend === `file://${state}`));
    });

    it("honours PULUMI_BACKEND_URL", async () => {
      const box = sandbox();
      const custom = `file://${path.join(box.root, "elsewhere")}`;
      fs.mkdirSync(path.join(box.root, "elsewhere"));
      await run(box, "preview", "lab", { env: { ...box.env, PULUMI_BACKEND_URL: custom } });
      assert.ok(calls(box).every((call) => call.backend === custom));
      assert.ok(!fs.existsSync(path.join(box.home, ".homelab", "state")));
    });

    it("without a passphrase and without a terminal fails with one line, before touching any stack", async () => {
      const box = sandbox();
      const { PULUMI_CONFIG_PASSPHRASE: _unused, ...env } = box.env;
      const result = await run(box, "preview", "lab", { env });
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(lines(result.err), [
        "homelab: no secrets passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, or run in a terminal to be asked for it.",
      ]);
      assert.deepStrictEqual(calls(box), []);
    });

    it("asks for the passphrase when interactive and hands it to pulumi", async () => {
      const box = sandbox();
      const { PULUMI_CONFIG_PASSPHRASE: _unused, ...env } = box.env;
      const result = await run(box, "preview", "lab", { env, interactive: true, answers: "typed secret\n" });
      assert.strictEqual(result.code, 0, result.err);
      assert.match(result.err, /Passphrase for the secrets of stack 'lab': /);
      assert.doesNotMatch(result.err + result.out, /typed secret/);
      assert.ok(calls(box).every((call) => call.passphrase));
    });

    it("accepts PULUMI_CONFIG_PASSPHRASE_FILE", async () => {
      const box = sandbox();
      const { PULUMI_CONFIG_PASSPHRASE: _unused, ...env } = box.env;
      const file = path.join(box.root, "passphrase");
      fs.writeFileSync(file, "from a file\n");
      const result = await run(box, "preview", "lab", { env: { ...env, PULUMI_CONFIG_PASSPHRASE_FILE: file } });
      assert.strictEqual(result.code, 0, result.err);
      assert.ok(calls(box).every((call) => call.passphrase));
    });
  });

  describe("unknown stack", () => {
    it("refuses with one line listing the stacks that exist", async () => {
      const box = sandbox();
      fs.writeFileSync(path.join(box.projectDir, "Pulumi.home.yaml"), "config: {}\n");
      const result = await run(box, "preview", "prod");
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(lines(result.err), [`homelab: unknown stack 'prod' (no Pulumi.prod.yaml in ${box.projectDir}; known stacks: home, lab).`]);
      assert.deepStrictEqual(calls(box), []);
    });
  });

  describe("missing Pulumi CLI", () => {
    const realInstall = PulumiCommand.install;
    let installs: Array<{ root?: string }> = [];
    afterEach(() => {
      PulumiCommand.install = realInstall;
      installs = [];
    });
    /** PATH with node but without any `pulumi`; the installer replaced by one that fails like offline. */
    function offline(box: ReturnType<typeof sandbox>, behaviour: "fail" | "hang" = "fail"): NodeJS.ProcessEnv {
      PulumiCommand.install = async (opts) => {
        installs.push({ root: opts?.root });
        if (behaviour === "hang") return new Promise<PulumiCommand>(() => undefined);
        throw new Error("Failed to download https://get.pulumi.com/install.sh: fetch failed");
      };
      return { ...box.env, PATH: path.dirname(process.execPath) };
    }

    it("with --yes tries the installer into ~/.homelab/pulumi and, offline, prints exactly one clear line", async () => {
      const box = sandbox();
      const result = await run(box, "preview", "lab", { yes: true, env: offline(box) });
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(installs, [{ root: path.join(box.home, ".homelab", "pulumi") }]);
      assert.deepStrictEqual(lines(result.err), [
        "homelab: the Pulumi CLI is not installed and could not be downloaded (Failed to download https://get.pulumi.com/install.sh: fetch failed). Install it from https://www.pulumi.com/docs/install/ or put 'pulumi' on PATH, then re-run.",
      ]);
      assert.doesNotMatch(result.out + result.err, /\n\s+at /);
    });

    it("bounds the install attempt's time", async () => {
      const box = sandbox();
      const env = { ...offline(box, "hang"), HOMELAB_PULUMI_INSTALL_TIMEOUT_SECONDS: "0.2" };
      const result = await run(box, "preview", "lab", { yes: true, env });
      assert.strictEqual(result.code, 1);
      assert.strictEqual(lines(result.err).length, 1);
      assert.match(result.err, /could not be downloaded \(timed out after 0\.2s\)/);
      assert.ok(result.ms < 5000, `took ${result.ms}ms`);
    });

    it("without --yes and without a terminal says what to install, without downloading", async () => {
      const box = sandbox();
      const result = await run(box, "preview", "lab", { env: offline(box) });
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(installs, []);
      assert.strictEqual(lines(result.err).length, 1);
      assert.match(result.err, /^homelab: the Pulumi CLI is not installed\. Install it from https:\/\/www\.pulumi\.com\/docs\/install\//);
    });

    it("when interactive asks first and respects a no", async () => {
      const box = sandbox();
      const result = await run(box, "preview", "lab", { env: offline(box), interactive: true, answers: "n\n" });
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(installs, []);
      assert.match(result.err, /The Pulumi CLI is not installed\. Download it into .*\.homelab\/pulumi now\? \[y\/N\]/);
      assert.match(result.err, /homelab: the Pulumi CLI is needed for this command\./);
    });

    it("reports a pulumi on PATH that does not run as one line with its error", async () => {
      const box = sandbox();
      const bin = path.join(box.root, "broken", "bin");
      fs.mkdirSync(bin, { recursive: true });
      fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho 'error: plugin cache is corrupt' >&2\nexit 1\n", { mode: 0o755 });
      const result = await run(box, "preview", "lab", { env: { ...offline(box), PATH: bin } });
      assert.strictEqual(result.code, 1);
      assert.deepStrictEqual(lines(result.err), [`homelab: the Pulumi CLI at ${path.join(bin, "pulumi")} does not work (plugin cache is corrupt).`]);
      assert.deepStrictEqual(installs, []);
    });

    it("finds a CLI that homelab installed earlier in ~/.homelab/pulumi/bin", async () => {
      const box = sandbox();
      const bin = path.join(box.home, ".homelab", "pulumi", "bin");
      fs.mkdirSync(bin, { recursive: true });
      fs.copyFileSync(path.join(__dirname, "fixtures", "bin", "pulumi"), path.join(bin, "pulumi"));
      fs.chmodSync(path.join(bin, "pulumi"), 0o755);
      const result = await run(box, "preview", "lab", { env: offline(box) });
      assert.strictEqual(result.code, 0, result.err);
      assert.deepStrictEqual(installs, []);
    });
  });
});
