import { strict as assert } from "node:assert";
import { wire, type ContainerLocator } from "../../../cli/wire";
import { WireError, type ApiClientOptions } from "../../../cli/wire/http";
import type { Plan } from "../../../topology/types";
import { minimalConfig, planOf } from "../../support/configs";
import { portainerDouble, type PortainerDouble } from "../../support/portainerDouble";

/**
 * `homelab wire` adds the other hosts to Portainer as environments, against an HTTP double of Portainer's API
 * (tests/support/portainerDouble.ts: a double of the contract cited in cli/wire/portainer.ts, portainer/portainer@2.23.0).
 */
describe("homelab wire: Portainer's environments on several hosts", () => {
  const HOSTS = { nas: { docker: "ssh://me@nas", manager: true }, gpu: { docker: "ssh://me@gpubox" }, mini: { docker: "ssh://me@mini" } };
  const plan: Plan = planOf(
    minimalConfig({ hosts: HOSTS, services: { portainer: {}, jellyfin: { host: "gpu" }, sonarr: { host: "mini" } }, socketProxy: { allowWrite: true } }),
  );
  const fast: ApiClientOptions = { requestMs: 2000, readyMs: 300, pollMs: 100 };
  const PASSWORD = "generated-by-the-stack-0123456789";
  const ENGINES = ["tcp://cetusguard-gpu:2375", "tcp://cetusguard-mini:2375"];

  let double: PortainerDouble | undefined;
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });
  /** Portainer's container: the password file as the stack wrote it (Portainer cuts one trailing newline itself). */
  const locator = (url: string, file: string | Error = PASSWORD): ContainerLocator => ({
    env: async () => assert.fail("Portainer's sync reads no env"),
    url: async (c, port) => (c === "portainer" && port === 9000 ? url : assert.fail(`${c}:${port}`)),
    readFile: async (c, path) => {
      assert.deepEqual([c, path], ["portainer", "/secrets/portainer-admin-password"]);
      if (file instanceof Error) throw file;
      return file;
    },
  });
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
  };
  const posts = (d: PortainerDouble) => d.requests.filter((r) => r === "POST /api/endpoints").length;

  it("signs in as admin and adds each other host as a Docker API environment, and a second run adds nothing", async () => {
    double = await portainerDouble(PASSWORD, ENGINES);
    const first = capture();
    assert.equal(await wire("lab", plan, locator(double.url, `${PASSWORD}\n`), first.io, fast), 0, first.err.join("\n"));
    assert.deepEqual(double.forms, [
      { Name: "gpu", EndpointCreationType: "1", URL: "tcp://cetusguard-gpu:2375" },
      { Name: "mini", EndpointCreationType: "1", URL: "tcp://cetusguard-mini:2375" },
    ]);
    assert.deepEqual(first.out, ["portainer: added gpu (tcp://cetusguard-gpu:2375)", "portainer: added mini (tcp://cetusguard-mini:2375)"]);
    assert.deepEqual(double.requests.slice(0, 3), ["GET /api/system/status", "POST /api/auth", "GET /api/endpoints"]);

    const second = capture();
    assert.equal(await wire("lab", plan, locator(double.url), second.io, fast), 0, second.err.join("\n"));
    assert.equal(posts(double), 2, "the second run posts no environment");
    assert.deepEqual(second.out, ["portainer: gpu is already an environment ('gpu')", "portainer: mini is already an environment ('mini')"]);
  });

  it("keeps an environment the owner added by hand (another name, the URL as the UI stores it) and one whose name is taken", async () => {
    double = await portainerDouble(PASSWORD, ENGINES, [
      { Id: 1, Name: "primary", URL: "tcp://cetusguard:2375", Type: 1 },
      { Id: 2, Name: "GPU box", URL: "cetusguard-gpu:2375", Type: 1 },
      { Id: 3, Name: "mini", URL: "tcp://10.0.0.9:2375", Type: 1 },
    ]);
    const run = capture();
    assert.equal(await wire("lab", plan, locator(double.url), run.io, fast), 0, run.err.join("\n"));
    assert.equal(posts(double), 0);
    assert.deepEqual(run.out, [
      "portainer: gpu is already an environment ('GPU box')",
      "portainer: an environment named 'mini' reads tcp://10.0.0.9:2375, not tcp://cetusguard-mini:2375: left as it is (rename it to have mini added)",
    ]);
  });

  it("says in one line how to go on when Portainer refuses the password (its admin was set by hand), and lists nothing", async () => {
    double = await portainerDouble("set-by-hand-before", ENGINES);
    const run = capture();
    assert.equal(await wire("lab", plan, locator(double.url), run.io, fast), 1);
    assert.ok(
      run.err.includes(
        "homelab wire: portainer refused the stack's admin password (HTTP 422): its administrator was set before, by hand. Hold that password instead (pulumi config set --secret --path 'homelab:keys.portainer-admin-password' -s lab, then 'homelab up lab'), or add gpu (tcp://cetusguard-gpu:2375), mini (tcp://cetusguard-mini:2375) by hand (Environments → Add environment → Docker Standalone → API)",
      ),
      run.err.join("\n"),
    );
    assert.deepEqual(double.requests, ["GET /api/system/status", "POST /api/auth"]);
  });

  it("passes on Portainer's refusal of an engine it cannot reach, in one line, exit 1, and still adds the others", async () => {
    double = await portainerDouble(PASSWORD, ["tcp://cetusguard-mini:2375"]);
    const run = capture();
    assert.equal(await wire("lab", plan, locator(double.url), run.io, fast), 1);
    assert.ok(
      run.err.includes(
        "homelab wire: portainer: added mini (tcp://cetusguard-mini:2375); but could not add gpu: portainer refused POST /api/endpoints: HTTP 500 Unable to initiate communications with environment",
      ),
      run.err.join("\n"),
    );
    assert.deepEqual(
      double.forms.map((f) => f.Name),
      ["gpu", "mini"],
      "both are tried, in order",
    );
    assert.deepEqual(
      double.environments.map((e) => e.Name),
      ["mini"],
      "mini is added although gpu, tried first, failed",
    );
  });

  it("stops with one line when the password file cannot be read (not deployed yet), before any request", async () => {
    double = await portainerDouble(PASSWORD, ENGINES);
    const run = capture();
    const missing = new WireError("cannot read /secrets/portainer-admin-password in portainer: no such container");
    assert.equal(await wire("lab", plan, locator(double.url, missing), run.io, fast), 1);
    assert.ok(run.err.includes(`homelab wire: ${missing.message}`), run.err.join("\n"));
    assert.deepEqual(double.requests, []);
  });
});
