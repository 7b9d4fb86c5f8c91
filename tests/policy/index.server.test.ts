import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { CONTAINER_TYPE } from "../../policy/rules";
import { PROJECT_DIR, recordProgram, RegisteredResource } from "../support/program";

/**
 * The pack as Pulumi runs it: `run-policy-pack` (what the CLI's policy analyzer plugin starts) loads
 * policy/ with ts-node, the PolicyPack prints its gRPC port, and the engine calls Analyze/AnalyzeStack.
 * Here the test plays the engine, with the resources the real program registers for `home`.
 */

// The gRPC and protobuf modules the Pulumi SDK itself uses (not dependencies of this project).
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] }));
const grpc = fromPulumi("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

interface Diagnostic {
  policy: string;
  urn: string;
  message: string;
  enforcementLevel: number;
}

const urnOf = (r: RegisteredResource) => `urn:pulumi:home::homelab::${r.type}::${r.name}`;

/** A recorded resource as the engine sends it in AnalyzeStack, with its property dependencies as URNs (the server resolves them). */
function toAnalyzerResource(r: RegisteredResource, all: RegisteredResource[]) {
  const res = new analyzer.AnalyzerResource();
  res.setType(r.type);
  res.setName(r.name);
  res.setUrn(urnOf(r));
  res.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))));
  res.setOptions(new analyzer.AnalyzerResourceOptions());
  for (const [key, names] of Object.entries(r.propertyDependencies ?? {})) {
    const deps = new analyzer.AnalyzerPropertyDependencies();
    deps.setUrnsList(names.flatMap((n) => all.filter((x) => x.name === n).map(urnOf)));
    res.getPropertydependenciesMap().set(key, deps);
  }
  return res;
}

const diagnostics = (response: any): Diagnostic[] =>
  response
    .getDiagnosticsList()
    .map((d: any) => ({ policy: d.getPolicyname(), urn: d.getUrn(), message: d.getMessage(), enforcementLevel: d.getEnforcementlevel() }));

describe("policy pack, served the way Pulumi runs it", function () {
  this.timeout(90_000);
  let pack: ChildProcess | undefined;
  let client: any;
  let home: RegisteredResource[];

  before(async () => {
    const started = new Promise<number>((resolve, reject) => {
      // The engine address is only used for logging, which these policies never do.
      pack = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], {
        cwd: path.join(PROJECT_DIR, "policy"),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      pack.stdout!.on("data", (d) => {
        out += d;
        const port = /^(\d+)\n/.exec(out)?.[1];
        if (port) resolve(Number(port));
      });
      pack.stderr!.on("data", (d) => (err += d));
      pack.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${out}\n${err}`)));
    });
    const [port, run] = await Promise.all([started, recordProgram("home")]);
    home = run.resources;
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    if (pack?.pid && pack.exitCode === null) pack.kill();
  });

  const analyzeStack = (resources: RegisteredResource[]) =>
    new Promise<Diagnostic[]>((resolve, reject) => {
      const req = new analyzer.AnalyzeStackRequest();
      req.setResourcesList(resources.map((r) => toAnalyzerResource(r, resources)));
      client.analyzeStack(req, (e: Error | null, res: any) => (e ? reject(e) : resolve(diagnostics(res))));
    });
  const analyze = (r: RegisteredResource) =>
    new Promise<Diagnostic[]>((resolve, reject) => {
      const req = new analyzer.AnalyzeRequest();
      req.setType(r.type);
      req.setName(r.name);
      req.setUrn(`urn:pulumi:home::homelab::${r.type}::${r.name}`);
      req.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))));
      req.setOptions(new analyzer.AnalyzerResourceOptions());
      client.analyze(req, (e: Error | null, res: any) => (e ? reject(e) : resolve(diagnostics(res))));
    });

  it("reports nothing for the home stack, resource by resource and as a stack", async () => {
    assert.deepEqual(await analyzeStack(home), []);
    for (const r of home) assert.deepEqual(await analyze(r), [], `${r.type} ${r.name}`);
  });

  it("fails a database put on vnet-ingress, as a mandatory violation", async () => {
    const broken: RegisteredResource[] = JSON.parse(JSON.stringify(home));
    broken.find((r) => r.type === CONTAINER_TYPE && r.name === "immich-db")!.inputs.networksAdvanced.push({ name: "vnet-ingress" });
    const found = await analyzeStack(broken);
    assert.equal(found.length, 1);
    assert.equal(found[0].policy, "network-membership");
    assert.equal(found[0].urn, `urn:pulumi:home::homelab::${CONTAINER_TYPE}::immich-db`);
    assert.match(found[0].message, /immich-db \(database\) must never be on vnet-ingress$/);
    assert.equal(found[0].enforcementLevel, analyzer.EnforcementLevel.MANDATORY);
  });

  it("fails a web container that mounts the Docker socket", async () => {
    const jellyfin: RegisteredResource = JSON.parse(JSON.stringify(home.find((r) => r.type === CONTAINER_TYPE && r.name === "jellyfin")));
    jellyfin.inputs.mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true });
    const found = await analyze(jellyfin);
    assert.deepEqual(
      found.map((d) => d.policy),
      ["docker-socket-only-socket-proxy-read-only"],
    );
    assert.match(found[0].message, /jellyfin \(web\) mounts \/var\/run\/docker\.sock \(the Docker socket\): only the socket proxy may/);
  });
});
