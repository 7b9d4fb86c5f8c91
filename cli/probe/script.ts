import type { EgressObservation } from "../../topology/probeVerdict";

/**
 * The shell the probes run inside a network namespace, and the parsing of what they print. Only busybox
 * applets are used (sh, nc, ip, sed, wget), so any busybox image can carry them: `nc -w SEC` is the
 * connect timeout (busybox networking/nc.c usage); `timeout SEC` bounds the download.
 */

export interface TcpProbe {
  ip: string;
  port: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function checkTarget(t: TcpProbe): void {
  if (!IPV4.test(t.ip) || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new Error(`not a probe target: ${JSON.stringify(t)}`);
}

/** All connections at once in the background; one `tcp <index> <0|1>` line each. */
export function tcpProbeScript(targets: TcpProbe[], timeoutSeconds: number): string {
  targets.forEach(checkTarget);
  return (
    `p() { if nc -w ${timeoutSeconds} "$1" "$2" </dev/null >/dev/null 2>&1; then echo "tcp $3 1"; else echo "tcp $3 0"; fi; }; ` +
    targets.map((t, i) => `p ${t.ip} ${t.port} ${i} &`).join(" ") +
    " wait"
  );
}

/** One answer per target, in order; throws when a target gave none (the script was cut short). */
export function parseTcpAnswers(stdout: string, count: number): boolean[] {
  const answers = new Map<number, boolean>();
  for (const m of stdout.matchAll(/^tcp (\d+) ([01])\s*$/gm)) answers.set(Number(m[1]), m[2] === "1");
  return Array.from({ length: count }, (_, i) => {
    const a = answers.get(i);
    if (a === undefined) throw new Error(`probe ${i} of ${count} gave no answer; output: ${stdout.trim().slice(0, 300) || "(none)"}`);
    return a;
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The default route, the resolvers, and the address an echo endpoint sees (plain text: the caller's IP). */
export function egressScript(echoUrl: string, timeoutSeconds: number): string {
  if (!/^https?:\/\/[^\s]+$/.test(echoUrl)) throw new Error(`echo endpoint ${JSON.stringify(echoUrl)} is not an http(s) URL`);
  return [
    `echo "route $(ip -4 route show 2>/dev/null | sed -n 's/^default //p' | head -n 1)"`,
    `sed -n 's/^nameserver[[:space:]]*/dns /p' /etc/resolv.conf`,
    // `timeout`, not `wget -T`: Debian's static busybox 1.35 crashes on -T.
    `if out=$(timeout ${timeoutSeconds} wget -q -O - ${shellQuote(echoUrl)} 2>&1); then echo "egress $out" | head -n 1; else echo "egress-error $out" | head -n 1; fi`,
  ].join("; ");
}

export function parseEgress(stdout: string): EgressObservation {
  const lines = stdout.replace(/\r/g, "").split("\n");
  const value = (prefix: string) =>
    lines
      .find((l) => l.startsWith(`${prefix} `))
      ?.slice(prefix.length + 1)
      .trim();
  const route = value("route");
  // An echo behind a dual-stack socket may answer an IPv4 caller as `[::ffff:a.b.c.d]`.
  const egress = value("egress")
    ?.replace(/^\[(.*)\]$/, "$1")
    .replace(/^::ffff:(?=\d+\.)/i, "");
  const observation: EgressObservation = {
    // `linkdown`, `proto`, `metric` and friends do not say where traffic goes.
    defaultRoute: route
      ? route
          .split(/\s+/)
          .filter((w, i, all) => ["via", "dev"].includes(w) || ["via", "dev"].includes(all[i - 1]))
          .join(" ")
      : undefined,
    nameservers: lines.filter((l) => l.startsWith("dns ")).map((l) => l.slice(4).trim().split(/\s+/)[0]),
  };
  if (egress !== undefined && (IPV4.test(egress) || /^[0-9a-f:]+$/i.test(egress))) observation.egressIp = egress;
  else
    observation.egressError =
      egress !== undefined ? `the echo endpoint answered ${JSON.stringify(egress.slice(0, 80))}, not an address` : value("egress-error") || "no answer";
  return observation;
}
