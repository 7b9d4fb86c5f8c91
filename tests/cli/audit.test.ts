import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dockerOptions, stackDockerHost } from "../../cli/audit";

describe("homelab audit: choosing the Docker host", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-dockerhost-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "Pulumi.nas.yaml"), "config:\n  docker:host: ssh://admin@nas.lan:2222\n  homelab:domain: nas.example.com\n");
  fs.writeFileSync(path.join(dir, "Pulumi.local.yaml"), "config:\n  homelab:domain: local.example.com\n");

  it("uses the stack's docker:host first (as the Docker provider does), then DOCKER_HOST, then the local socket", () => {
    assert.deepEqual(stackDockerHost(dir, "nas", { DOCKER_HOST: "tcp://10.0.0.5:2375" }), { url: "ssh://admin@nas.lan:2222", source: "docker:host" });
    assert.deepEqual(stackDockerHost(dir, "local", { DOCKER_HOST: "tcp://10.0.0.5:2375" }), { url: "tcp://10.0.0.5:2375", source: "DOCKER_HOST" });
    assert.deepEqual(stackDockerHost(dir, "local", {}), { url: "unix:///var/run/docker.sock", source: "default" });
  });

  it("turns unix, tcp and ssh URLs into dockerode options", () => {
    assert.deepEqual(dockerOptions("unix:///run/user/1000/docker.sock", {}, 5000), { socketPath: "/run/user/1000/docker.sock", timeout: 5000 });
    assert.deepEqual(dockerOptions("tcp://nas:2375", {}, 5000), { protocol: "http", host: "nas", port: "2375", timeout: 5000 });
    assert.deepEqual(dockerOptions("tcp://nas:2376", {}, 5000), { protocol: "https", host: "nas", port: "2376", timeout: 5000 });
    assert.deepEqual(dockerOptions("ssh://admin@nas.lan:2222", { SSH_AUTH_SOCK: "/tmp/agent" }, 5000), {
      protocol: "ssh",
      host: "nas.lan",
      port: "2222",
      username: "admin",
      sshOptions: { agent: "/tmp/agent" },
      timeout: 5000,
    });
    assert.throws(() => dockerOptions("ftp://nas", {}), /unsupported scheme ftp:/);
  });
});
