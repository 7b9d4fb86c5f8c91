import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { dockerLocator } from "../../cli/wire/docker";
import { requireEngine } from "../support/engine/engineSuite";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

const IMAGE = process.env.HOMELAB_TEST_IMAGE ?? "homelab-test/busybox:local";

/** The locator on the real engine: a test container with a key in its env, a preferences file and a web server on its address. */
describe("homelab wire: the running containers on the real engine", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const docker = new Docker();
  const name = `homelab-wire-test-${randomBytes(4).toString("hex")}`;
  const env = { DOCKER_HOST: "unix:///var/run/docker.sock" };

  before(async function () {
    await requireEngine(this);
    const script =
      "mkdir -p /www /prefs && echo wired > /www/index.html && printf '<Preferences PlexOnlineToken=\"t-1\"/>' > /prefs/p.xml && exec httpd -f -p 8080 -h /www";
    const container = await docker.createContainer({
      name,
      Image: IMAGE,
      Cmd: ["sh", "-c", script],
      Env: ["SONARR__AUTH__APIKEY=k=1"],
      Labels: { "homelab.test": "wire" },
    });
    await container.start();
  });
  after(async () => {
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it("reads a container's env and a file inside it, and reaches its web port at its address", async () => {
    const locator = dockerLocator("/nonexistent", "test", env);
    assert.equal((await locator.env(name)).SONARR__AUTH__APIKEY, "k=1");
    assert.equal(await locator.readFile(name, "/prefs/p.xml"), '<Preferences PlexOnlineToken="t-1"/>');
    const url = await locator.url(name, 8080);
    let body = "";
    for (let i = 0; i < 20 && !body; i++) {
      body = await fetch(url)
        .then((r) => r.text())
        .catch(() => new Promise<string>((r) => setTimeout(() => r(""), 200)));
    }
    assert.equal(body.trim(), "wired");
  });

  it("says in one line when a file or a container is not there", async () => {
    const locator = dockerLocator("/nonexistent", "test", env);
    await assert.rejects(locator.readFile(name, "/prefs/missing.xml"), /^Error: cannot read \/prefs\/missing\.xml in homelab-wire-test-\w+: \(HTTP code 404\)/);
    await assert.rejects(locator.readFile(name, "/prefs"), /^Error: cannot read \/prefs in homelab-wire-test-\w+: not a regular file$/);
    await assert.rejects(locator.env(`${name}-gone`), /container homelab-wire-test-\w+-gone is not there .*: run 'homelab up test' first/);
  });

  it("reads a 0600 file through the engine's archive API: nothing runs in the container (no cat needed), so a stopped one is read too", async () => {
    const locator = dockerLocator("/nonexistent", "test", env);
    const container = docker.getContainer(name);
    const exec = await container.exec({ Cmd: ["sh", "-c", "printf 'pw-1\\n' > /prefs/secret && chmod 600 /prefs/secret"], AttachStdout: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise((r) => stream.on("end", r).resume());
    await container.stop({ t: 1 });
    assert.equal(await locator.readFile(name, "/prefs/secret"), "pw-1\n");
    assert.equal(await locator.readFile(name, "/prefs/p.xml"), '<Preferences PlexOnlineToken="t-1"/>');
  });

  it("refuses a remote engine's addresses with where to run it instead", async () => {
    const locator = dockerLocator("/nonexistent", "test", { DOCKER_HOST: "tcp://nas:2375" });
    await assert.rejects(locator.url(name, 8080), /reachable only on that host: run 'homelab wire test' there/);
  });
});
