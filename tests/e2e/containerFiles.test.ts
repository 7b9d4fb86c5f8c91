/**
 * The live-file scripts (components/containerFiles.ts) against a real engine, through the Docker CLI, as the
 * command provider runs them: a write creates missing folders and leaves existing ones alone, works on a
 * stopped container, restarts only when asked; a removal deletes the file, empties it in a stopped
 * container or one without `rm`, and succeeds when the container is gone.
 */
import { strict as assert } from "node:assert";
import { REMOVE_FILE, WRITE_FILE } from "../../components/containerFiles";
import { HARNESS_IMAGE, LABELS } from "../support/engine/engineMapping";
import { engineRuns } from "../support/engine/engineSuite";
import { runScript } from "../support/engine/liveFiles";
import { connectEngine, execIn, newRunId, runPrefix } from "../support/engine/realise";
import { ENGINE_TIMEOUT_MS } from "../support/timeouts";

describe("live-file scripts on a real Docker engine", function () {
  this.timeout(ENGINE_TIMEOUT_MS);
  const runs = engineRuns();
  const docker = connectEngine();
  const runId = newRunId();
  const name = `${runPrefix(runId)}files`;
  let id: string;

  const sh = async (script: string) => {
    const r = await execIn(docker, id, script);
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout.trim();
  };
  const write = (file: string, content: string, reload: "watched" | "restart", mode = "0644", owner = "0:0") =>
    runScript(WRITE_FILE, { HOMELAB_CONTAINER: name, HOMELAB_FILE: file, HOMELAB_FILE_MODE: mode, HOMELAB_FILE_OWNER: owner, HOMELAB_RELOAD: reload }, content);
  const remove = (file: string) =>
    runScript(REMOVE_FILE, { HOMELAB_CONTAINER: name, HOMELAB_FILE: file, HOMELAB_FILE_MODE: "0644", HOMELAB_FILE_OWNER: "0:0", HOMELAB_RELOAD: "watched" });
  const startedAt = async () => (await docker.getContainer(id).inspect()).State.StartedAt;

  before(async () => {
    runs.push(runId);
    const container = await docker.createContainer({
      name,
      Image: HARNESS_IMAGE,
      Cmd: ["/bin/sh", "-c", "mkdir -p /config && chown 911:911 /config && chmod 750 /config; trap 'exit 0' TERM; while :; do sleep 1; done"],
      Labels: { [LABELS.run]: runId, [LABELS.started]: String(Date.now()) },
      HostConfig: { NetworkMode: "none" },
    });
    id = container.id;
    await container.start();
    await sh('i=0; until [ "$(stat -c %u /config)" = 911 ] || [ $i -gt 50 ]; do i=$((i+1)); sleep 0.1; done; stat -c %u /config');
  });

  it("writes a file under missing folders, root's with the given mode, and leaves existing folders alone", async () => {
    const before = await startedAt();
    const r = await write("/config/nginx/proxy-confs/app.subdomain.conf", "server {}\n", "watched");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await sh("cat /config/nginx/proxy-confs/app.subdomain.conf"), "server {}");
    assert.equal(await sh("stat -c '%u:%g %a' /config/nginx/proxy-confs/app.subdomain.conf"), "0:0 644");
    assert.equal(await sh("stat -c '%u:%g %a' /config"), "911:911 750", "the existing folder keeps its owner and mode");
    assert.equal(await startedAt(), before, "a watched file does not restart the container");
  });

  it("lands a secret file 0600 and owned by the app's uid (what deliverLiveFiles passes for a LinuxServer.io image)", async () => {
    const r = await write("/config/secrets/api-key", "s3cr3t\n", "watched", "0600", "911:911");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await sh("stat -c '%u:%g %a' /config/secrets/api-key"), "911:911 600");
    assert.equal(await sh("cat /config/secrets/api-key"), "s3cr3t");
    assert.equal(await sh("stat -c '%u:%g %a' /config"), "911:911 750", "the existing folder keeps its owner and mode");
  });

  it("overwrites in place, with a secret's mode, and restarts the container when asked (same container)", async () => {
    const before = await startedAt();
    const r = await write("/config/nginx/proxy-confs/app.subdomain.conf", "server { listen 80; }\n", "restart", "0600");
    assert.equal(r.exitCode, 0, r.stderr);
    const info = await docker.getContainer(id).inspect();
    assert.equal(info.Id, id);
    assert.notEqual(info.State.StartedAt, before, "restarted");
    assert.ok(info.State.Running);
    assert.equal(
      await sh("cat /config/nginx/proxy-confs/app.subdomain.conf; stat -c '%a' /config/nginx/proxy-confs/app.subdomain.conf"),
      "server { listen 80; }\n600",
    );
  });

  it("removes the file from a running container", async () => {
    const r = await remove("/config/nginx/proxy-confs/app.subdomain.conf");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await sh("ls /config/nginx/proxy-confs | wc -l"), "0");
  });

  it("writes into a stopped container, and empties the file there on removal", async () => {
    await write("/config/app.yml", "a: 1\n", "watched");
    await docker.getContainer(id).stop({ t: 0 });
    let r = await write("/config/app.yml", "a: 2\n", "watched");
    assert.equal(r.exitCode, 0, r.stderr);
    r = await remove("/config/other.yml");
    assert.equal(r.exitCode, 0, r.stderr);
    await docker.getContainer(id).start();
    assert.equal(await sh("cat /config/app.yml"), "a: 2");
    await docker.getContainer(id).stop({ t: 0 });
    r = await remove("/config/app.yml");
    assert.equal(r.exitCode, 0, r.stderr);
    await docker.getContainer(id).start();
    assert.equal(await sh("wc -c < /config/app.yml"), "0");
  });

  it("empties the file in a running container that has no `rm` (a scratch image such as Cetusguard's)", async () => {
    await write("/config/rules.list", "GET /x\n", "watched");
    // The busybox applet link is the image's only `rm`.
    await sh("/bin/busybox rm /bin/rm");
    const r = await remove("/config/rules.list");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await sh("wc -c < /config/rules.list"), "0");
    await sh("/bin/busybox ln -s busybox /bin/rm");
  });

  it("a removal succeeds when the container is gone; a write fails loudly", async () => {
    const gone = {
      HOMELAB_CONTAINER: `${runPrefix(runId)}no-such-container`,
      HOMELAB_FILE: "/config/x",
      HOMELAB_FILE_MODE: "0644",
      HOMELAB_FILE_OWNER: "0:0",
      HOMELAB_RELOAD: "watched",
    };
    assert.equal((await runScript(REMOVE_FILE, gone)).exitCode, 0);
    const w = await runScript(WRITE_FILE, gone, "x");
    assert.notEqual(w.exitCode, 0);
    assert.match(w.stderr, /no-such-container|No such container/i);
  });
});
