import * as assert from "node:assert/strict";
import { swarmProblems, type HostSwarmState } from "../../topology/swarm";

const hosts = [
  { name: "nas", docker: "ssh://me@nas", manager: true },
  { name: "gpu", docker: "ssh://me@gpu", manager: false },
];
const active = (host: string, nodeId: string, manager = false, nodes?: string[]): HostSwarmState => ({
  host,
  reachable: true,
  nodeId,
  nodeAddr: host === "nas" ? "10.0.0.2" : "10.0.0.3",
  state: "active",
  manager,
  ...(nodes ? { nodes } : {}),
});

describe("swarm check before preview/up (topology/swarm.ts)", () => {
  it("passes when every host answers and all are nodes of the manager's swarm", () => {
    assert.deepEqual(swarmProblems(hosts, [active("nas", "n1", true, ["n1", "n2"]), active("gpu", "n2")]), []);
  });

  it("says which host does not answer", () => {
    const problems = swarmProblems(hosts, [active("nas", "n1", true, ["n1"]), { host: "gpu", reachable: false, error: "connect ENOENT" }]);
    assert.deepEqual(problems, ["host 'gpu' (ssh://me@gpu) does not answer: connect ENOENT"]);
  });

  it("prints docker swarm init for a manager without a swarm, and join for the others", () => {
    const inactive = (host: string): HostSwarmState => ({ host, reachable: true, nodeId: "", nodeAddr: "", state: "inactive", manager: false });
    const problems = swarmProblems(hosts, [inactive("nas"), inactive("gpu")]);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^host 'nas' is not in a swarm \(state: inactive\); start one there:\n {4}docker -H ssh:\/\/me@nas swarm init --advertise-addr /);
    assert.match(problems[1], /docker -H ssh:\/\/me@gpu swarm join --token "\$\(docker -H ssh:\/\/me@nas swarm join-token -q worker\)" <nas's address>:2377$/);
  });

  it("uses the manager's swarm address once it has one, and catches a host in another swarm", () => {
    const joinLater = swarmProblems(hosts, [
      active("nas", "n1", true, ["n1"]),
      { host: "gpu", reachable: true, nodeId: "", nodeAddr: "", state: "inactive", manager: false },
    ]);
    assert.match(joinLater[0], / 10\.0\.0\.2:2377$/);
    const elsewhere = swarmProblems(hosts, [active("nas", "n1", true, ["n1"]), active("gpu", "x9")]);
    assert.match(elsewhere[0], /^host 'gpu' is in another swarm than 'nas'; leave it and join this one:\n {4}docker -H ssh:\/\/me@gpu swarm leave --force\n/);
  });

  it("refuses a planned manager that is only a worker", () => {
    const problems = swarmProblems(hosts, [active("nas", "n1"), active("gpu", "n2", true, ["n1", "n2"])]);
    assert.match(problems[0], /^host 'nas' is in a swarm but not a manager/);
  });
});
