/**
 * One realised request path for a planned SWAG stack: Debian's nginx serving the GENERATED SWAG confs, the
 * Authelia double reading the GENERATED configuration.yml, a busybox httpd behind every route, a cloudflared-like
 * peer forwarding to the GENERATED tunnel origin, an outsider on vnet-ingress and a LAN client. Everything runs
 * from the local image tests/e2e/build-image.sh builds, carries the engine tests' run label (so
 * tests/support/engine/realise.ts `teardown` removes it, also after a crash) and is named `e2e-<runId>-<role>`;
 * the plan's container names are network aliases, so the generated confs resolve them through Docker's DNS.
 */
import Docker from "dockerode";
import * as yaml from "js-yaml";
import * as fs from "node:fs";
import * as path from "node:path";
import { SWAG_NGINX } from "../../../topology/swag";
import type { Plan, PlannedContainer } from "../../../topology/types";
import { randomSubnets } from "../engine/engineSuite";
import { LABELS } from "../engine/engineMapping";
import { connectEngine, execIn, runWorkDir } from "../engine/realise";
import { TestPki, makePki } from "./pki";

export const E2E_IMAGE = process.env.HOMELAB_E2E_IMAGE ?? "homelab-test/e2e:1";
/** The request path fixtures (SWAG includes, doubles) live with the suite in tests/e2e/. */
const HERE = path.join(__dirname, "..", "..", "e2e");
const JS_YAML = path.dirname(require.resolve("js-yaml/package.json"));
/** The session cookie value the Authelia double accepts as a finished two-factor login of `user`. */
export const SESSION = "e2e-two-factor-session";
/** The ports a SWAG container serves (plain HTTP only redirects). */
const SWAG_PORTS = [80, 443];
/** Where the cloudflared peer takes the edge's requests (doubles/cloudflared.js). */
export const PEER_PORT = 8080;

export interface Endpoint {
  id: string;
  /** Address per realised network name. */
  ips: Record<string, string>;
}

export interface World {
  runId: string;
  docker: Docker;
  work: string;
  pki: TestPki;
  ingress: string;
  lan: string;
  swag: Endpoint;
  authelia: Endpoint;
  peer?: Endpoint;
  lanClient: Endpoint;
  outsider: Endpoint;
  /** The file in the work folder holding nginx's access log. */
  accessLog: string;
  /** The user the session belongs to (the first user of the generated users database). */
  user: string;
}

/** The Pulumi layer's placeholders (components/HostSecrets.ts, topology/tls.ts TLS_PLACEHOLDERS). */
const PLACEHOLDER = /\{\{(secret|argon2id|bcrypt|tls):([a-z0-9-]+)\}\}/g;

/**
 * Writes a planned container's generated files that live under `under` below `root`: secrets filled with
 * dummies, the internal CA's material with the test PKI (standing in for components/InternalCa.ts).
 */
function writePlannedFiles(c: PlannedContainer, root: string, pki: TestPki, under = "/config/"): void {
  const tls: Record<string, string> = { cert: pki.cert, key: pki.key, ca: pki.caCert };
  for (const f of c.files ?? []) {
    if (!f.path.startsWith(under)) continue;
    const target = path.join(root, f.path.slice(under.length));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const filled = f.content.replace(PLACEHOLDER, (_, kind: string, name: string) =>
      kind === "tls" ? fs.readFileSync(tls[name], "utf8").trim() : `e2e-${kind}-${name}`,
    );
    fs.writeFileSync(target, filled);
  }
}

function plannedContainer(plan: Plan, service: string): PlannedContainer {
  const c = plan.containers.find((x) => x.name === `${plan.prefix}${service}`);
  if (!c) throw new Error(`the plan has no container ${plan.prefix}${service}`);
  return c;
}

/**
 * SWAG's /config: our reproduction of SWAG 5.1.0's own files, then every generated file on top, then the
 * certificate where SWAG's init leaves it. With ACME, certbot writes the live folder; here the test PKI's
 * certificate stands in for Let's Encrypt's (the internal CA's is a generated file the plan already placed).
 */
function swagConfig(plan: Plan, work: string, pki: TestPki): string {
  const root = path.join(work, "swag");
  fs.cpSync(path.join(HERE, "swag"), path.join(root, SWAG_NGINX.slice("/config/".length)), { recursive: true });
  writePlannedFiles(plannedContainer(plan, "swag"), root, pki);
  const live = path.join(root, "etc", "letsencrypt", "live", plan.domain);
  if (!fs.existsSync(path.join(live, "fullchain.pem"))) {
    if (plan.tls.mode !== "acme") throw new Error(`the plan places no certificate for SWAG although it does not use ACME`);
    fs.mkdirSync(live, { recursive: true });
    fs.copyFileSync(pki.cert, path.join(live, "fullchain.pem"));
    fs.copyFileSync(pki.key, path.join(live, "privkey.pem"));
  }
  // docker-swag 5.1.0 root/etc/s6-overlay/s6-rc.d/init-certbot-config/run:168-173 and :365-369: keys/letsencrypt
  // links to the live folder, keys/cert.{crt,key} (what ssl.conf reads) to its fullchain/privkey.
  fs.mkdirSync(path.join(root, "keys"), { recursive: true });
  fs.symlinkSync(`/config/etc/letsencrypt/live/${plan.domain}`, path.join(root, "keys", "letsencrypt"));
  fs.symlinkSync("./letsencrypt/fullchain.pem", path.join(root, "keys", "cert.crt"));
  fs.symlinkSync("./letsencrypt/privkey.pem", path.join(root, "keys", "cert.key"));
  fs.mkdirSync(path.join(root, "log", "nginx"), { recursive: true });
  return root;
}

/** The app stand-in's document root: `/` runs a CGI that says which app answered and what it was told. */
function appRoot(work: string): string {
  const root = path.join(work, "app");
  fs.mkdirSync(path.join(root, "cgi-bin"), { recursive: true });
  fs.mkdirSync(path.join(root, "api", "v3", "system"), { recursive: true });
  fs.writeFileSync(path.join(root, "api", "v3", "system", "status"), "api-ok\n");
  fs.writeFileSync(
    path.join(root, "cgi-bin", "index.cgi"),
    '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\n' +
      'echo "app=$APP user=$HTTP_REMOTE_USER groups=$HTTP_REMOTE_GROUPS realip=$HTTP_X_REAL_IP proto=$HTTP_X_FORWARDED_PROTO"\n',
    { mode: 0o755 },
  );
  return root;
}

interface ContainerSpec {
  role: string;
  cmd: string[];
  /** First network: [network, aliases, fixed address?]. */
  networks: { name: string; aliases?: string[]; ip?: string }[];
  binds: string[];
  env?: Record<string, string>;
}

async function startContainer(w: { docker: Docker; runId: string; started: string }, spec: ContainerSpec): Promise<Endpoint> {
  const [first, ...rest] = spec.networks;
  const endpoint = (n: ContainerSpec["networks"][number]) => ({ Aliases: n.aliases ?? [], ...(n.ip ? { IPAMConfig: { IPv4Address: n.ip } } : {}) });
  const container = await w.docker.createContainer({
    name: `e2e-${w.runId}-${spec.role}`,
    Image: E2E_IMAGE,
    Cmd: spec.cmd,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [LABELS.run]: w.runId, [LABELS.started]: w.started, [LABELS.name]: spec.role },
    HostConfig: { Binds: spec.binds, NetworkMode: first.name, Init: true },
    NetworkingConfig: { EndpointsConfig: { [first.name]: endpoint(first) } },
  });
  for (const n of rest) await w.docker.getNetwork(n.name).connect({ Container: container.id, EndpointConfig: endpoint(n) });
  await container.start();
  const info = await container.inspect();
  const ips = Object.fromEntries(Object.entries(info.NetworkSettings.Networks).map(([name, n]) => [name, n.IPAddress]));
  return { id: container.id, ips };
}

/** Creates a network, drawing again (bounded) while another run holds the same addresses. */
async function createNetwork(
  w: { docker: Docker; runId: string; started: string },
  role: string,
  subnet: () => { subnet: string; gateway: string; ipRange?: string },
  maxWaitMs = 90_000,
): Promise<string> {
  const name = `e2e-${w.runId}-${role}`;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const s = subnet();
    try {
      await w.docker.createNetwork({
        Name: name,
        CheckDuplicate: true,
        Driver: "bridge",
        IPAM: { Config: [{ Subnet: s.subnet, Gateway: s.gateway, ...(s.ipRange ? { IPRange: s.ipRange } : {}) }] },
        Labels: { [LABELS.run]: w.runId, [LABELS.started]: w.started, [LABELS.name]: role },
      });
      return name;
    } catch (e) {
      if (!/overlap/i.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** A container's log as text: Docker frames each chunk with 8 bytes (stream, 3 zero bytes, length), without a TTY. */
export async function containerLog(docker: Docker, id: string, streams: { stdout: boolean; stderr: boolean }): Promise<string> {
  const raw = (await docker.getContainer(id).logs({ ...streams, follow: false })) as unknown as Buffer;
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

/** Waits, bounded, until a container answers on each port (loopback), or fails with its log. */
async function waitForPorts(docker: Docker, e: Endpoint, ports: number[], what: string): Promise<void> {
  const script =
    `i=0; while [ $i -lt 50 ]; do ok=1; for p in ${ports.join(" ")}; do nc -w 1 127.0.0.1 $p </dev/null >/dev/null 2>&1 || { ok=0; break; }; done; ` +
    `[ $ok = 1 ] && exit 0; i=$((i+1)); sleep 0.1; done; exit 1`;
  const result = await execIn(docker, e.id, script, 15_000).catch((err: Error) => ({ exitCode: -1, stderr: err.message }));
  if (result.exitCode === 0) return;
  const logs = await containerLog(docker, e.id, { stdout: true, stderr: true });
  throw new Error(`${what} did not listen on ${ports.join(",")}:\n${logs.split("\n").slice(-30).join("\n")}`);
}

export async function buildWorld(plan: Plan, runId: string): Promise<World> {
  const docker = connectEngine();
  const started = String(Date.now());
  const w = { docker, runId, started };
  const work = runWorkDir(runId);
  const pki = makePki(path.join(work, "pki"), plan.domain);
  const swagRoot = swagConfig(plan, work, pki);
  const autheliaPlan = plannedContainer(plan, "authelia");
  const autheliaRoot = path.join(work, "authelia");
  writePlannedFiles(autheliaPlan, autheliaRoot, pki);
  const e2e = path.join(work, "e2e");
  fs.mkdirSync(e2e, { recursive: true });
  const userDb = yaml.load(fs.readFileSync(path.join(autheliaRoot, "users_database.yml"), "utf8")) as { users?: Record<string, unknown> };
  const user = Object.keys(userDb.users ?? {})[0];
  if (!user) throw new Error("the generated users database has no user");
  fs.writeFileSync(path.join(e2e, "sessions.json"), JSON.stringify({ [SESSION]: { username: user, level: 2 } }));
  fs.writeFileSync(path.join(e2e, "ingress.json"), JSON.stringify(plan.tunnel?.ingress ?? []));
  fs.copyFileSync(pki.caCert, path.join(e2e, "ca.crt"));
  const connector = plan.tunnel ? plan.containers.find((c) => c.name === plan.tunnel!.connector) : undefined;
  // cloudflared's generated files (the stack CA for caPool) where the peer reads them (see doubles/cloudflared.js).
  if (connector) writePlannedFiles(connector, path.join(e2e, "cloudflared"), pki, "/etc/cloudflared/");
  const app = appRoot(work);
  const common = [`${path.join(HERE, "doubles")}:/opt/doubles:ro`, `${e2e}:/e2e`];

  const ingressNet = plan.networks.find((n) => n.kind === "ingress")!;
  const ingress = await createNetwork(w, "ingress", () => ({ subnet: ingressNet.subnet, gateway: ingressNet.gateway, ipRange: ingressNet.ipRange }));
  const lan = await createNetwork(w, "lan", () => randomSubnets(1)[0]);
  const swagName = `${plan.prefix}swag`;
  const onIngress = (name: string) => ({ name: ingress, aliases: [name], ip: plan.containers.find((c) => c.name === name)?.addresses?.[ingressNet.name] });

  const apps = plan.routes.filter((r) => r.upstream.split(":")[0] !== autheliaPlan.name);
  const appsUp = Promise.all(
    apps.map(async (r) => {
      const [host, port] = r.upstream.split(":");
      const e = await startContainer(w, {
        role: `app-${r.service}`,
        cmd: ["httpd", "-f", "-p", port, "-h", "/www"],
        networks: [onIngress(host)],
        binds: [`${app}:/www:ro`],
        env: { APP: r.service },
      });
      await waitForPorts(docker, e, [Number(port)], `the ${r.service} stand-in`);
    }),
  );
  appsUp.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const [swag, authelia, lanClient, outsider, peer] = await Promise.all([
    // The LAN network stands in for SWAG's published ports: a LAN client reaches it directly, from its own address.
    startContainer(w, {
      role: "swag",
      cmd: ["nginx", "-c", `${SWAG_NGINX}/nginx.conf`],
      networks: [onIngress(swagName), { name: lan, aliases: [swagName] }],
      binds: [`${swagRoot}:/config`],
    }),
    startContainer(w, {
      role: "authelia",
      cmd: ["node", "/opt/doubles/authelia.js"],
      networks: [onIngress(autheliaPlan.name)],
      binds: [...common, `${autheliaRoot}:/config:ro`, `${JS_YAML}:/opt/js-yaml:ro`],
      // Where Authelia reads its configuration from (X_AUTHELIA_CONFIG), as the plan sets it.
      env: Object.fromEntries(Object.entries(autheliaPlan.env).filter(([k]) => k.startsWith("X_AUTHELIA_"))),
    }),
    startContainer(w, { role: "lan-client", cmd: ["sleep", "600"], networks: [{ name: lan }], binds: common }),
    startContainer(w, { role: "outsider", cmd: ["sleep", "600"], networks: [{ name: ingress }], binds: common }),
    plan.tunnel
      ? startContainer(w, {
          role: "cloudflared",
          cmd: ["node", "/opt/doubles/cloudflared.js"],
          networks: [onIngress(plan.tunnel.connector), { name: lan }],
          binds: common,
          // With ACME, cloudflared trusts the proxy's certificate through the system roots; the test CA stands in for them.
          env: plan.tls.mode === "acme" ? { NODE_EXTRA_CA_CERTS: "/e2e/ca.crt" } : {},
        })
      : Promise.resolve(undefined),
  ]);
  await Promise.all([
    appsUp,
    waitForPorts(docker, swag, SWAG_PORTS, "nginx (SWAG)"),
    waitForPorts(docker, authelia, [Number(autheliaPlan.ports[0] ?? 9091)], "the Authelia double"),
    ...(peer ? [waitForPorts(docker, peer, [PEER_PORT], "the cloudflared peer")] : []),
  ]);
  return {
    runId,
    docker,
    work,
    pki,
    ingress,
    lan,
    swag,
    authelia,
    peer,
    lanClient,
    outsider,
    accessLog: path.join(swagRoot, "log", "nginx", "access.log"),
    user,
  };
}
