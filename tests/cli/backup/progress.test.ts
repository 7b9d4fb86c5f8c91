import * as assert from "node:assert/strict";
import { backupProgress, describeSummary } from "../../../cli/backup/progress";

describe("backup CLI pieces", () => {
  it("reports progress in files and bytes at most every interval, and a summary", () => {
    const lines: string[] = [];
    const p = backupProgress("backup immich", (l) => lines.push(l), 0);
    p.onJson({ message_type: "status", percent_done: 0.5, total_files: 2000, files_done: 1000, total_bytes: 200 * 1024 * 1024, bytes_done: 100 * 1024 * 1024 });
    p.onJson({
      message_type: "summary",
      snapshot_id: "0123456789abcdef",
      total_files_processed: 2000,
      total_bytes_processed: 209715200,
      data_added: 1048576,
      total_duration: 12.34,
    });
    assert.deepEqual(lines, ["backup immich: 1,000/2,000 files, 100.0 MB/200.0 MB (50%)"]);
    assert.equal(describeSummary("backup immich", p.summary()!), "backup immich: snapshot 01234567, 2,000 files, 200.0 MB (1.0 MB new) in 12.3s");
    const quiet: string[] = [];
    const q = backupProgress("b", (l) => quiet.push(l), 60_000);
    for (let i = 0; i < 5; i++) q.onJson({ message_type: "status", percent_done: i / 5 });
    assert.equal(quiet.length, 1, "throttled");
  });
});
