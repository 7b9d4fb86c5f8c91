import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import * as assert from "assert";
import { Progress, shortType } from "../../../cli/operate/progress";

function outputs(meta: Partial<StepEventMetadata> & Pick<StepEventMetadata, "op" | "urn" | "type">): EngineEvent {
  return { sequence: 0, timestamp: 0, resOutputsEvent: { metadata: { provider: "", ...meta } } };
}

describe("operate progress", () => {
  it("shortens provider type tokens", () => {
    assert.strictEqual(shortType("docker:index/container:Container"), "docker:Container");
    assert.strictEqual(shortType("aws:s3/bucket:Bucket"), "aws:s3:Bucket");
    assert.strictEqual(shortType("homelab:ServiceStack"), "homelab:ServiceStack");
  });

  it("reads an older engine's `refresh` steps: gone is a delete, a diff is an update", () => {
    const lines: string[] = [];
    const progress = new Progress((line) => lines.push(line), { phase: "plan", refresh: true });
    const type = "docker:index/container:Container";
    progress.onEvent(outputs({ op: "refresh", urn: "urn:pulumi:lab::homelab::x::gone", type }));
    progress.onEvent(outputs({ op: "refresh", urn: "urn:pulumi:lab::homelab::x::edited", type, new: {} as never, diffs: ["env"] }));
    progress.onEvent(outputs({ op: "refresh", urn: "urn:pulumi:lab::homelab::x::fine", type, new: {} as never }));
    assert.deepStrictEqual(lines, ["[1] - docker:Container gone gone", "[2] ~ docker:Container edited changed outside homelab"]);
    assert.deepStrictEqual(progress.summary(), [
      "Summary: 1 changed outside homelab, 1 gone; 1 unchanged.",
      "  ~  docker:Container edited: env",
      "  -  docker:Container gone",
    ]);
  });

  it("reports a failed step and marks it in the summary", () => {
    const lines: string[] = [];
    const progress = new Progress((line) => lines.push(line), { phase: "apply", total: 2 });
    const metadata: StepEventMetadata = {
      op: "create",
      urn: "urn:pulumi:lab::homelab::docker:index/network:Network::vnet-x",
      type: "docker:index/network:Network",
      provider: "",
    };
    progress.onEvent({ sequence: 1, timestamp: 0, resOpFailedEvent: { metadata, status: 1, steps: 1 } });
    assert.deepStrictEqual(lines, ["[1/2] + docker:Network vnet-x failed"]);
    assert.deepStrictEqual(progress.summary().slice(1), ["  +  docker:Network vnet-x (FAILED)"]);
  });
});
