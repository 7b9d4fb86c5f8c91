import type { ImportReport, ReportLine } from "./types";

function group(title: string, lines: ReportLine[]): string[] {
  if (!lines.length) return [];
  const width = Math.max(...lines.map((l) => l.service.length));
  return [`${title} (${lines.length}):`, ...lines.map((l) => `  ${l.service.padEnd(width)}  ${l.text}${l.at ? `  [${l.at}]` : ""}`)];
}

/** The grouped report: every compose service lands in exactly one of the first three groups. */
export function formatReport(report: ImportReport, stackFile: string, services: number): string {
  return [
    `Imported ${services} compose service(s) into ${stackFile}.`,
    ...group("mapped to the catalog", report.catalog),
    ...group("run by the stack itself (settings carried over)", report.provided),
    ...group("imported as custom services", report.custom),
    ...group("dropped", report.dropped),
    ...(report.changes.length ? ["what changes for you:", ...report.changes.map((c) => `  - ${c}`)] : []),
    ...(report.warnings.length ? ["warnings:", ...report.warnings.map((w) => `  - ${w}`)] : []),
  ].join("\n");
}
