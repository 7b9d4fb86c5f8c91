import * as assert from "node:assert/strict";
import { SecretEnvRef } from "../../../config/secret";
import * as fs from "node:fs";
import * as path from "node:path";
import { CATALOG } from "../../../config/catalog";
import { CATALOG_DOC_PATH, catalogMarkdown } from "../../../config/catalog/document";
import { image } from "../../../config/schema";
import { SecretValue } from "../../../config/secret";
import { containerArgs } from "../../../components/containerArgs";
import { formatPlan } from "../../../cli/format";
import { auditFindings } from "../../../topology/audit";
import { renderDiagram } from "../../../topology/diagram";
import { buildPlan } from "../../../topology/plan";
import { checkPolicy } from "../../../topology/policy";
import { snapshotOf } from "../../support/auditSnapshot";
import { errorsOf, minimalConfig, planOf } from "../../support/configs";
import { PROJECT_DIR, recordProgram } from "../../support/program";
import { revealSecret } from "../../support/secrets";

// One proxy per stack (traefik); Gluetun and cloudflared come from homelab:vpn and homelab:cloudflare, not from the list.
const EVERY_ENTRY = [...CATALOG.keys()].filter((n) => !["swag", "gluetun", "cloudflared"].includes(n));
const EVERYTHING = {
  services: Object.fromEntries(EVERY_ENTRY.map((n) => [n, {}])),
  links: { transcode: { services: ["tdarr", "tdarr-node"] } },
  socketProxy: { allowWrite: true },
  vpn: { mode: "minimal", provider: "mullvad", type: "wireguard" },
  vpnCredentials: { wireguardPrivateKey: new SecretValue("k"), wireguardAddresses: "10.64.0.2/32" },
  cloudflare: {
    enabled: true,
    accountId: "0123456789abcdef0123456789abcdef",
    zoneId: "fedcba9876543210fedcba9876543210",
    allow: { emails: ["owner@example.com"] },
  },
};

describe("catalog", () => {
  it("docs/catalog.md is generated from the catalog and fresh", () => {
    const file = path.join(PROJECT_DIR, CATALOG_DOC_PATH);
    const actual = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    assert.ok(
      actual === catalogMarkdown(),
      `${CATALOG_DOC_PATH} is ${actual === undefined ? "missing" : "stale"}: run \`homelab catalog --write\` and commit it`,
    );
    for (const name of CATALOG.keys()) assert.match(actual!, new RegExp(`^\\| ${name} \\|`, "m"), `${name} has no row`);
  });

  it("the document changes when an entry's evidence does", () => {
    const changed = new Map(CATALOG);
    const jellyfin = CATALOG.get("jellyfin")!;
    changed.set("jellyfin", { ...jellyfin, evidence: { ...jellyfin.evidence, ports: "somewhere else" } });
    assert.notEqual(catalogMarkdown(changed), catalogMarkdown());
  });

  for (const [name, entry] of CATALOG) {
    it(`${name}: pinned images and an upstream source for every fact`, () => {
      for (const c of [entry.main, ...(entry.companions ?? [])]) assert.ok(image.safeParse(c.image).success, `${c.image} is not a pinned image`);
      for (const key of ["tag", "ports", "mounts", "healthcheck", "user"] as const)
        assert.ok(entry.evidence[key].trim().length > 10, `${name}: evidence.${key} is empty`);
      // A probe's client must be one the evidence shows in the image (jellyseerr's has wget, not curl).
      const probe = entry.main.healthcheck?.test.join(" ") ?? "";
      for (const client of ["curl", "wget"])
        if (new RegExp(`\\b${client} `).test(probe))
          assert.match(entry.evidence.healthcheck, new RegExp(client), `${name} probes with ${client} but its evidence does not show ${client} in the image`);
    });
  }

  it("a stack listing every catalog entry at once plans and passes the policy", () => {
    const result = buildPlan(minimalConfig(EVERYTHING));
    assert.deepEqual(errorsOf(result), []);
    assert.ok(result.ok);
    const planned = new Set(result.plan.services.map((s) => s.name));
    for (const name of CATALOG.keys()) if (name !== "swag") assert.ok(planned.has(name), `${name} is not in the plan`);
  });

  it("readarr plans with a warning that names its maintained replacement", () => {
    const result = buildPlan(minimalConfig({ services: { readarr: {} } }));
    assert.ok(result.ok);
    assert.ok(
      result.warnings.some((w) => w.startsWith("homelab:services.readarr:") && /deprecated/.test(w) && /LazyLibrarian/.test(w)),
      result.warnings.join("\n"),
    );
  });

  it("jellyseerr keeps its settings in /app/config and probes with wget", () => {
    const c = planOf(minimalConfig({ services: { jellyseerr: {} } })).containers.find((x) => x.service === "jellyseerr")!;
    assert.deepEqual(
      c.mounts.map((m) => m.target),
      ["/app/config"],
    );
    assert.match(c.healthcheck!.test.join(" "), /^CMD-SHELL wget /);
    assert.equal(c.env.PUID, undefined);
  });

  it("immich keeps its library at /data in a folder of its own under paths.data", () => {
    const c = planOf(minimalConfig({ services: { immich: {} } })).containers.find((x) => x.name === "immich")!;
    assert.deepEqual(c.mounts, [{ source: "/srv/data/immich", target: "/data", readOnly: false, type: "bind" }]);
  });

  it("unpackerr runs as puid:pgid through Docker's user", () => {
    const c = planOf(minimalConfig({ puid: 1001, pgid: 1002, services: { unpackerr: {} } })).containers.find((x) => x.service === "unpackerr")!;
    assert.equal(c.user, "1001:1002");
    assert.equal(containerArgs(c, "img", new Map()).user, "1001:1002");
  });

  it("homarr gets a generated 64-hex-digit SECRET_ENCRYPTION_KEY", () => {
    const plan = planOf(minimalConfig({ services: { homarr: {} } }));
    const c = plan.containers.find((x) => x.name === "homarr")!;
    const secret = plan.secrets!.find((s) => s.name === c.secretEnv.SECRET_ENCRYPTION_KEY?.key);
    assert.deepEqual(
      secret && { source: secret.source, format: secret.source === "generated" && secret.format, length: secret.source === "generated" && secret.length },
      { source: "generated", format: "hex", length: 64 },
    );
  });

  describe("tdarr-node", () => {
    it("without a link to the tdarr server, plans with a warning naming the key to add", () => {
      const unlinked = buildPlan(minimalConfig({ services: { tdarr: {}, "tdarr-node": {} } }));
      assert.ok(
        unlinked.ok &&
          unlinked.warnings.some((w) => w.startsWith("homelab:services.tdarr-node: 'tdarr-node' talks to 'tdarr' but cannot reach it: join them with a link")),
        unlinked.warnings.join("\n"),
      );
      const alone = buildPlan(minimalConfig({ services: { "tdarr-node": {} } }));
      assert.ok(alone.ok && alone.warnings.some((w) => w.includes("'tdarr', which is not in the stack")), alone.warnings.join("\n"));
    });
    it("with a link, finds the server by its container name", () => {
      const plan = planOf(
        minimalConfig({ network: { prefix: "x-" }, services: { tdarr: {}, "tdarr-node": {} }, links: { transcode: { services: ["tdarr", "tdarr-node"] } } }),
      );
      const node = plan.containers.find((c) => c.service === "tdarr-node")!;
      assert.equal(node.env.serverIP, "x-tdarr");
      assert.ok(node.networks.includes("x-vnet-link-transcode"));
    });
  });

  describe("gpu", () => {
    it("intel passes /dev/dri to the main container", () => {
      const c = planOf(minimalConfig({ services: { jellyfin: { gpu: "intel" } } })).containers.find((x) => x.name === "jellyfin")!;
      assert.deepEqual(c.devices, ["/dev/dri"]);
      assert.deepEqual(containerArgs(c, "img", new Map()).devices, [{ hostPath: "/dev/dri", containerPath: "/dev/dri" }]);
    });
    it("nvidia requests all GPUs for Immich's machine learning only", () => {
      const plan = planOf(minimalConfig({ services: { immich: { gpu: "nvidia" } } }));
      const byName = new Map(plan.containers.map((c) => [c.name, c]));
      assert.equal(byName.get("immich-ml")!.gpus, "all");
      assert.equal(byName.get("immich")!.gpus, undefined);
      assert.equal(containerArgs(byName.get("immich-ml")!, "img", new Map()).gpus, "all");
    });
    it("custom services may take one", () => {
      const c = planOf(minimalConfig({ services: { ollama: { image: "ollama/ollama:0.12.0", port: 11434, gpu: "nvidia" } } })).containers.find(
        (x) => x.name === "ollama",
      )!;
      assert.equal(c.gpus, "all");
    });
    it("is refused on a service with no use for it, naming the key and the services that take one", () => {
      const errors = errorsOf(buildPlan(minimalConfig({ services: { sonarr: { gpu: "intel" } } })));
      assert.ok(
        errors.some(
          (e) => e.startsWith("homelab:services.sonarr.gpu: 'sonarr' has no use for a GPU; only ") && e.includes("jellyfin") && e.includes("local-ai"),
        ),
        errors.join("\n"),
      );
    });
    it("refuses an unknown kind at its key path", () => {
      const errors = errorsOf(buildPlan(minimalConfig({ services: { jellyfin: { gpu: "amd" } } })));
      assert.ok(
        errors.some((e) => e.startsWith("homelab:services.jellyfin.gpu: ") && /intel|nvidia/.test(e)),
        errors.join("\n"),
      );
    });
    it("leaves containers without a GPU untouched", () => {
      const c = planOf(minimalConfig()).containers.find((x) => x.name === "jellyfin")!;
      assert.equal(c.devices, undefined);
      assert.equal(c.gpus, undefined);
    });
  });
});

describe("publish (LAN ports, opt-in)", () => {
  it("publishes the listed container ports on the host, labelled, and shows them in the plan", () => {
    const plan = planOf(minimalConfig({ services: { jellyfin: { publish: [8096] } } }));
    const c = plan.containers.find((x) => x.name === "jellyfin")!;
    assert.deepEqual(c.hostPorts, [{ internal: 8096, external: 8096 }]);
    assert.equal(c.labels["homelab.published"], "8096");
    assert.deepEqual(containerArgs(c, "img", new Map()).ports, [{ internal: 8096, external: 8096, protocol: "tcp" }]);
    assert.deepEqual(plan.services.find((s) => s.name === "jellyfin")!.publish, [8096]);
    assert.match(formatPlan("t", plan), /LAN PORT +CONTAINER +FOR\n:8096 +jellyfin +publish/);
    assert.match(renderDiagram(plan), /:8096/);
  });

  it("routed services publish through Gluetun", () => {
    const plan = planOf(
      minimalConfig({
        services: { qbittorrent: { publish: [8080] } },
        vpn: { mode: "minimal", provider: "mullvad" },
        vpnCredentials: { wireguardPrivateKey: new SecretValue("k"), wireguardAddresses: "10.64.0.2/32" },
      }),
    );
    const byName = new Map(plan.containers.map((c) => [c.name, c]));
    assert.deepEqual(byName.get("qbittorrent")!.hostPorts, []);
    assert.deepEqual(byName.get("gluetun")!.hostPorts, [{ internal: 8080, external: 8080 }]);
  });

  it("refuses a port the service does not listen on, at the key", () => {
    assert.deepEqual(errorsOf(buildPlan(minimalConfig({ services: { jellyfin: { publish: [8096, 9999] } } }))), [
      "homelab:services.jellyfin.publish: 9999 is not a port jellyfin listens on (8096)",
    ]);
  });

  it("refuses two services on one host port, and the proxy's 443", () => {
    const errors = errorsOf(
      buildPlan(minimalConfig({ services: { sabnzbd: { publish: [8080] }, dozzle: { publish: [8080] }, swag: { publish: [443] } }, proxy: "swag" })),
    );
    assert.ok(
      errors.some((e) => /^homelab:services\.(sabnzbd|dozzle)\.publish: host port 8080\/tcp is already published by (sabnzbd|dozzle)$/.test(e)),
      errors.join("\n"),
    );
  });

  it("refuses an empty list and a non-port at the key", () => {
    assert.ok(
      errorsOf(buildPlan(minimalConfig({ services: { jellyfin: { publish: [] } } }))).some((e) =>
        e.startsWith("homelab:services.jellyfin.publish: list at least one port"),
      ),
    );
    assert.ok(
      errorsOf(buildPlan(minimalConfig({ services: { jellyfin: { publish: [70000] } } }))).some(
        (e) => e.startsWith("homelab:services.jellyfin.publish[0]: ") || e.startsWith("homelab:services.jellyfin.publish.0: "),
      ),
    );
  });

  it("the plan's policy refuses a host port the owner did not ask for", () => {
    const plan = structuredClone(planOf(minimalConfig()));
    plan.containers.find((c) => c.name === "jellyfin")!.hostPorts.push({ internal: 8096, external: 8096 });
    assert.deepEqual(
      checkPolicy(plan).map((p) => p.message),
      ["jellyfin (web) publishes host port(s) 8096: only the proxy and the VPN gateway may, or ports the owner lists in publish"],
    );
  });

  it("the audit reports a host port the owner did not publish, once, as the shared policy's finding", () => {
    const plan = planOf(minimalConfig({ services: { jellyfin: { publish: [8096] } } }));
    const snapshot = snapshotOf(plan);
    snapshot.containers.find((c) => c.name === "jellyfin")!.hostPorts = [8096];
    assert.deepEqual(auditFindings(plan, snapshot), []);
    snapshot.containers.find((c) => c.name === "jellyfin")!.hostPorts = [8096, 8920];
    assert.deepEqual(
      auditFindings(plan, snapshot).map((f) => `${f.kind} ${f.object}: ${f.actual}`),
      ["policy jellyfin: jellyfin (web) publishes host port(s) 8920: only the proxy and the VPN gateway may, or ports the owner lists in publish"],
    );
  });
});

describe("wiring: generated API keys", () => {
  const vpn = { vpn: { mode: "full", provider: "mullvad" }, vpnCredentials: { wireguardPrivateKey: new SecretValue("k"), wireguardAddresses: "10.64.0.2/32" } };

  it("each Servarr app reads its generated key from <APP>__AUTH__APIKEY, and Homepage's widget gets the same secret", () => {
    const plan = planOf(minimalConfig({ services: { sonarr: {}, prowlarr: {}, homepage: {} } }));
    const byName = new Map(plan.containers.map((c) => [c.name, c]));
    assert.deepEqual(byName.get("sonarr")!.secretEnv.SONARR__AUTH__APIKEY, SecretEnvRef.secret("sonarr-api-key"));
    assert.deepEqual(byName.get("prowlarr")!.secretEnv.PROWLARR__AUTH__APIKEY, SecretEnvRef.secret("prowlarr-api-key"));
    assert.deepEqual(
      plan.secrets!.filter((s) => s.name.endsWith("-api-key")).map((s) => [s.name, s.source]),
      [
        ["prowlarr-api-key", "generated"],
        ["sonarr-api-key", "generated"],
      ],
    );
    const homepage = byName.get("homepage")!;
    assert.deepEqual(homepage.secretEnv.HOMEPAGE_VAR_SONARR_API_KEY, SecretEnvRef.secret("sonarr-api-key"));
    const services = homepage.files!.find((f) => f.path === "/app/config/services.yaml")!.content;
    assert.match(services, /widget:\n\s+type: sonarr\n\s+url: http:\/\/sonarr:8989\n\s+key: '?\{\{HOMEPAGE_VAR_SONARR_API_KEY\}\}'?/);
    assert.doesNotMatch(services, /mock-|sonarr-api-key/);
  });

  it("unpackerr gets each *arr app's URL and key when they share the VPN namespace", () => {
    const plan = planOf(minimalConfig({ services: { sonarr: {}, radarr: {}, unpackerr: {} }, ...vpn }));
    const unpackerr = plan.containers.find((c) => c.name === "unpackerr")!;
    assert.equal(unpackerr.env.UN_SONARR_0_URL, "http://127.0.0.1:8989");
    assert.equal(unpackerr.env.UN_RADARR_0_PATHS_0, "/data");
    assert.deepEqual(unpackerr.secretEnv.UN_RADARR_0_API_KEY, SecretEnvRef.secret("radarr-api-key"));
  });

  it("unpackerr reaches them over a link network, and warns when it cannot", () => {
    const linked = planOf(minimalConfig({ services: { sonarr: {}, unpackerr: {} }, links: { arr: { services: ["sonarr", "unpackerr"] } } }));
    assert.equal(linked.containers.find((c) => c.name === "unpackerr")!.env.UN_SONARR_0_URL, "http://sonarr:8989");
    const alone = buildPlan(minimalConfig({ services: { sonarr: {}, unpackerr: {} } }));
    assert.ok(
      alone.ok &&
        alone.warnings.includes(
          "homelab:services.unpackerr: unpackerr cannot reach sonarr: route both through the VPN or join them with a link (homelab:links)",
        ),
      alone.warnings.join("\n"),
    );
    assert.equal(alone.plan.containers.find((c) => c.name === "unpackerr")!.secretEnv.UN_SONARR_0_API_KEY, undefined);
  });
});

describe("homelab:plex.claim", () => {
  it("hands the secret claim token to Plex as PLEX_CLAIM", () => {
    const plan = planOf(minimalConfig({ services: { plex: {} }, plex: { claim: new SecretValue("claim-abc") } }));
    assert.deepEqual(plan.containers.find((c) => c.name === "plex")!.secretEnv.PLEX_CLAIM, SecretEnvRef.secret("plex-claim"));
    const secret = plan.secrets!.find((s) => s.name === "plex-claim");
    assert.ok(secret && secret.source === "config" && secret.path === "homelab:plex.claim");
    assert.doesNotMatch(JSON.stringify(plan.containers), /claim-abc/);
  });
  it("refuses a plain-text token at its key", () => {
    assert.deepEqual(errorsOf(buildPlan(minimalConfig({ services: { plex: {} }, plex: { claim: "claim-abc" } }))), [
      "homelab:plex.claim: must be a secret: set it with `pulumi config set --secret` (got plain text)",
    ]);
  });
  it("refuses a claim without a Plex to claim", () => {
    assert.deepEqual(errorsOf(buildPlan(minimalConfig({ plex: { claim: new SecretValue("x") } }))), [
      "homelab:plex.claim: plex is not in homelab:services, so there is no server to claim",
    ]);
  });
});

describe("the program registers the new pieces (under mocks)", function () {
  this.timeout(60_000);
  it("homarr's key is 64 hex digits, sonarr and Homepage share the API key, jellyfin gets /dev/dri and its LAN port", async () => {
    const run = await recordProgram("lab", {
      services: { homarr: {}, sonarr: {}, homepage: {}, jellyfin: { gpu: "intel", publish: [8096] } },
      allocations: {},
    });
    assert.equal(run.error, undefined);
    const container = (name: string) => run.resources.find((r) => r.type === "docker:index/container:Container" && r.name === name)!.inputs;
    const envOf = (name: string) =>
      new Map<string, string>(revealSecret<string[]>(container(name).envs).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    assert.match(envOf("lab-homarr").get("SECRET_ENCRYPTION_KEY")!, /^[0-9a-f]{64}$/);
    const key = envOf("lab-sonarr").get("SONARR__AUTH__APIKEY");
    assert.ok(key && key === envOf("lab-homepage").get("HOMEPAGE_VAR_SONARR_API_KEY"));
    const jellyfin = container("lab-jellyfin");
    assert.deepEqual(jellyfin.devices, [{ hostPath: "/dev/dri", containerPath: "/dev/dri" }]);
    assert.deepEqual(jellyfin.ports, [{ internal: 8096, external: 8096, protocol: "tcp" }]);
  });
});

describe("homelab:acme extra domains and propagation", () => {
  const acme = { email: "me@example.com", cloudflareApiToken: new SecretValue("t") };
  it("SWAG gets EXTRA_DOMAINS and PROPAGATION", () => {
    const swag = planOf(
      minimalConfig({ proxy: "swag", acme: { ...acme, extraDomains: ["example.net", "*.example.org"], propagationSeconds: 90 } }),
    ).containers.find((c) => c.name === "swag")!;
    assert.equal(swag.env.EXTRA_DOMAINS, "example.net,*.example.org");
    assert.equal(swag.env.PROPAGATION, "90");
  });
  it("Traefik waits propagationSeconds before checking the DNS-01 record, and refuses extraDomains at its key", () => {
    const traefik = planOf(minimalConfig({ acme: { ...acme, propagationSeconds: 90 } })).containers.find((c) => c.name === "traefik")!;
    assert.match(traefik.files!.find((f) => f.path === "/etc/traefik/traefik.yml")!.content, /propagation:\n\s+delayBeforeChecks: 90s/);
    assert.ok(
      errorsOf(buildPlan(minimalConfig({ acme: { ...acme, extraDomains: ["example.net"] } }))).includes(
        "homelab:acme.extraDomains: only SWAG adds extra names to its certificate; Traefik requests one per routed host (route the name as a service instead)",
      ),
    );
  });
  it("refuses a malformed domain and a propagation out of bounds, each at its key", () => {
    const errors = errorsOf(buildPlan(minimalConfig({ proxy: "swag", acme: { ...acme, extraDomains: ["Example..net"], propagationSeconds: 0 } })));
    assert.ok(
      errors.some(
        (e) =>
          e.startsWith("homelab:acme.extraDomains[0]: must be a lower-case domain") || e.startsWith("homelab:acme.extraDomains.0: must be a lower-case domain"),
      ),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.startsWith("homelab:acme.propagationSeconds: ")),
      errors.join("\n"),
    );
  });
});
