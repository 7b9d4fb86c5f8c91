import * as assert from "node:assert/strict";
import { recordProgram, type ProgramRun } from "../support/program";
import { aliasUrn, urnOf } from "../support/urns";

/**
 * Renaming a resource or giving it a new parent changes its URN, and the engine replaces a resource whose URN
 * it does not know: a new tunnel, a new CA every device must trust again, images pulled again. The fixture is
 * every URN the shipped stacks registered before children were named from their parent and images got a
 * parent (main at 9b9e2fb, recorded under the same mocks). Each of them must still be registered, or be the
 * alias of exactly one resource of the same type registered now.
 */
const BEFORE = require("./fixtures/urns-9b9e2fb.json") as Record<string, string[]>;

const typeOf = (urn: string) => urn.split("::")[2].split("$").pop();

describe("aliases: the shipped stacks keep every resource they had", function () {
  this.timeout(60000);
  const runs: Record<string, ProgramRun> = {};
  before(async () => {
    for (const stack of Object.keys(BEFORE)) runs[stack] = await recordProgram(stack);
  });

  for (const stack of Object.keys(BEFORE)) {
    describe(stack, () => {
      it("registers every earlier URN, or one resource of its type carries it as an alias", () => {
        const run = runs[stack];
        assert.equal(run.error, undefined);
        const now = new Set(run.resources.map((r) => r.urn));
        const lost: string[] = [];
        for (const old of BEFORE[stack]) {
          if (now.has(old)) continue;
          const heirs = run.resources.filter((r) => r.aliases.includes(old));
          if (heirs.length !== 1 || typeOf(heirs[0].urn) !== typeOf(old)) lost.push(`${old} (${heirs.length} heirs: ${heirs.map((h) => h.urn).join(", ")})`);
        }
        // A resource a stack drops on purpose is a replacement too: say so by removing it from the fixture.
        assert.deepEqual(lost, [], "these earlier resources would be deleted and created again");
      });

      it("moved the children the issue names: RemoteAccess and InternalCa children by their parent's name, images under `images`", () => {
        const resources = runs[stack].resources;
        const fromBefore = (r: (typeof resources)[number]) => r.aliases.filter((a) => BEFORE[stack].includes(a));
        const images = resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage");
        assert.ok(images.length > 0);
        for (const image of images) {
          assert.match(image.urn, /::homelab:index:Images\$docker:index\/remoteImage:RemoteImage::images-/);
          assert.deepEqual(fromBefore(image), [image.urn.replace("homelab:index:Images$", "").replace("::images-", "::image-")]);
        }
        const named = resources.filter((r) => /::homelab:index:(RemoteAccess|InternalCa)\$/.test(r.urn) && r.type !== "docker:index/container:Container");
        assert.ok(named.length >= (stack === "home" ? 5 + 10 : 5), `expected InternalCa's children${stack === "home" ? " and RemoteAccess's" : ""}`);
        for (const r of named) {
          assert.match(r.name, r.urn.includes("RemoteAccess$") ? /^remote-access-/ : /^internal-ca-/, "named from its parent");
          assert.equal(fromBefore(r).length, 1, `${r.name} carries the bare name it had as an alias`);
        }
      });

      it("aliases only URNs that nothing registers now (an alias onto a live resource would merge two)", () => {
        const now = new Set(runs[stack].resources.map((r) => r.urn));
        assert.deepEqual(
          runs[stack].resources.flatMap((r) => r.aliases.filter((a) => now.has(a))),
          [],
        );
      });
    });
  }
});

describe("aliases: how an alias spec resolves (the engine's rules, which the test above relies on)", () => {
  const current = { stack: "home", project: "homelab", type: "tls:index/privateKey:PrivateKey", name: "internal-ca-key" };
  const parentUrn = urnOf("home", "homelab", "homelab:index:InternalCa", "internal-ca");

  it("a name alone keeps the current parent", () => {
    assert.equal(
      aliasUrn({ name: "ca-key", parentUrn }, { ...current, parentUrn }),
      "urn:pulumi:home::homelab::homelab:index:InternalCa$tls:index/privateKey:PrivateKey::ca-key",
    );
  });

  it("noParent means the stack root: no parent type in the chain", () => {
    assert.equal(
      aliasUrn({ name: "image-x", noParent: true }, { ...current, type: "docker:index/remoteImage:RemoteImage", name: "images-x", parentUrn }),
      "urn:pulumi:home::homelab::docker:index/remoteImage:RemoteImage::image-x",
    );
  });

  it("a child of a child carries its parent's whole type chain", () => {
    const child = urnOf("home", "homelab", "docker:index/container:Container", "c", urnOf("home", "homelab", "b:index:B", "b", parentUrn));
    assert.equal(child, "urn:pulumi:home::homelab::homelab:index:InternalCa$b:index:B$docker:index/container:Container::c");
  });
});
