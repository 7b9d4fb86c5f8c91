// restic's --json status lines as one progress line every few seconds, and a closing summary.

const MB = 1024 * 1024;
const count = (n: unknown) => Number(n ?? 0).toLocaleString("en-US");
const megabytes = (n: unknown) => `${(Number(n ?? 0) / MB).toFixed(1)} MB`;

export interface BackupSummary {
  snapshotId: string;
  files: number;
  bytes: number;
  added: number;
  seconds: number;
}

/** A listener for restic's JSON messages: prints status at most every `everyMs`, remembers the summary. */
export function backupProgress(label: string, write: (line: string) => void, everyMs = 2000) {
  let last = 0;
  let summary: BackupSummary | undefined;
  const onJson = (m: Record<string, unknown>) => {
    if (m.message_type === "status") {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      const percent = Math.floor(Number(m.percent_done ?? 0) * 100);
      write(`${label}: ${count(m.files_done)}/${count(m.total_files)} files, ${megabytes(m.bytes_done)}/${megabytes(m.total_bytes)} (${percent}%)`);
    } else if (m.message_type === "summary") {
      summary = {
        snapshotId: String(m.snapshot_id ?? ""),
        files: Number(m.total_files_processed ?? 0),
        bytes: Number(m.total_bytes_processed ?? 0),
        added: Number(m.data_added ?? 0),
        seconds: Number(m.total_duration ?? 0),
      };
    }
  };
  return { onJson, summary: () => summary };
}

export function describeSummary(label: string, s: BackupSummary): string {
  return `${label}: snapshot ${s.snapshotId.slice(0, 8)}, ${count(s.files)} files, ${megabytes(s.bytes)} (${megabytes(s.added)} new) in ${s.seconds.toFixed(1)}s`;
}
