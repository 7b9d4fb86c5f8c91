import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectWith, runHomelab } from "../support/multiHost";

describe("homelab preview of a multi-host stack whose hosts are not a swarm (cli/swarm.ts)", function () {
  this.timeout(60_000);

  it("refuses before Pulumi runs, naming each host that does not answer; nothing is created; audit names each host too", async () => {
    const sockets = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-nohost-"));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-home-"));
    const project = projectWith("lab", "two", {
      hosts: { a: { docker: `unix://${sockets}/a.sock`, manager: true }, b: { docker: `unix://${sockets}/b.sock` } },
      services: { whoami: { image: "traefik/whoami:v1.11.0", port: 80, host: "b" } },
    });
    try {
      for (const command of ["preview", "up"]) {
        const run = await runHomelab(project.dir, [command, "two", "--yes"], { HOME: home, PULUMI_BACKEND_URL: "" });
        assert.equal(run.code, 1, run.err);
        assert.match(run.err, /the hosts of this stack are not one Docker Swarm, so nothing was created/);
        assert.match(run.err, new RegExp(`host 'a' \\(unix://${sockets}/a\\.sock\\) does not answer`));
        assert.match(run.err, new RegExp(`host 'b' \\(unix://${sockets}/b\\.sock\\) does not answer`));
      }
      assert.deepEqual(fs.readdirSync(home), [], "no state folder: Pulumi was never started");
      const audit = await runHomelab(project.dir, ["audit", "two"], { HOMELAB_DOCKER_TIMEOUT_SECONDS: "5" });
      assert.equal(audit.code, 1);
      for (const h of ["a", "b"])
        assert.match(audit.err, new RegExp(`cannot audit host '${h}' of stack two: the Docker engine at unix://${sockets}/${h}\.sock is not reachable`));
    } finally {
      project.remove();
      fs.rmSync(sockets, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
