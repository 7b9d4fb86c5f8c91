import * as assert from "node:assert/strict";
import { resolveDockerHost } from "../../config/dockerHost";

describe("config/dockerHost: one order for finding the engine", () => {
  it("the stack's docker:host wins over DOCKER_HOST, as in the Docker provider", () => {
    assert.deepEqual(resolveDockerHost({ host: "ssh://me@nas" }, { DOCKER_HOST: "tcp://other:2375" }), { url: "ssh://me@nas", source: "docker:host" });
  });

  it("DOCKER_HOST when the stack names no host, then the local socket", () => {
    assert.deepEqual(resolveDockerHost({}, { DOCKER_HOST: "tcp://other:2375" }), { url: "tcp://other:2375", source: "DOCKER_HOST" });
    assert.deepEqual(resolveDockerHost({ host: "  " }, {}), { url: "unix:///var/run/docker.sock", source: "default" });
  });

  it("the TLS folder: docker:certPath, else DOCKER_CERT_PATH", () => {
    assert.equal(resolveDockerHost({ host: "tcp://nas:2376", certPath: "/etc/nas" }, { DOCKER_CERT_PATH: "/home/me/.docker" }).certPath, "/etc/nas");
    assert.equal(resolveDockerHost({ host: "tcp://nas:2376" }, { DOCKER_CERT_PATH: "/home/me/.docker" }).certPath, "/home/me/.docker");
    assert.equal(resolveDockerHost({ host: "tcp://nas:2376", certPath: 7 }, {}).certPath, undefined);
  });
});
