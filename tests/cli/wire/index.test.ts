import { strict as assert } from "node:assert";
import { wire, type ContainerLocator } from "../../../cli/wire";
import type { ApiClientOptions } from "../../../cli/wire/http";
import type { Plan } from "../../../topology/types";
import { jellyseerrDouble, plexDouble, prowlarrDouble, type ArrApp, type Double } from "../../support/appDoubles";
import { minimalConfig, planOf, stackConfig } from "../../support/configs";

/** `homelab wire` against HTTP doubles of Prowlarr and Jellyseerr (tests/support/appDoubles.ts), on the home stack's plan. */
describe("homelab wire: Prowlarr's applications and Jellyseerr's servers", () => {
  const plan: Plan = planOf(stackConfig("home"));
  const fast: ApiClientOptions = { requestMs: 2000, readyMs: 300, pollMs: 100 };
  const keys: Record<string, string> = {
    prowlarr: "k-prowlarr",
    jellyseerr: "k-jellyseerr",
    sonarr: "k-sonarr",
    radarr: "k-radarr",
    lidarr: "k-lidarr",
    readarr: "k-readarr",
  };
  const envs: Record<string, Record<string, string>> = {
    prowlarr: { PROWLARR__AUTH__APIKEY: keys.prowlarr, TZ: "Europe/Berlin" },
    jellyseerr: { API_KEY: keys.jellyseerr },
    sonarr: { SONARR__AUTH__APIKEY: keys.sonarr },
    radarr: { RADARR__AUTH__APIKEY: keys.radarr },
    lidarr: { LIDARR__AUTH__APIKEY: keys.lidarr },
    readarr: { READARR__AUTH__APIKEY: keys.readarr },
  };
  const app = (name: string, folder = `/data/media/${name}`): ArrApp => ({
    apiKey: keys[name],
    profiles: [
      { id: 4, name: "HD-1080p" },
      { id: 6, name: "Ultra-HD" },
    ],
    rootFolders: folder ? [{ id: 1, path: folder }] : [],
  });
  const byUrl = (names: string[], port: Record<string, number>) => Object.fromEntries(names.map((n) => [`http://${n}:${port[n]}`, app(n)]));
  const ports = { sonarr: 8989, radarr: 7878, lidarr: 8686, readarr: 8787 };

  /** A port nothing listens on any more: the app is down. */
  let closed = "";
  before(async () => {
    const gone = await prowlarrDouble(keys.prowlarr, {});
    await gone.close();
    closed = gone.url;
  });
  let doubles: Double[] = [];
  afterEach(async () => {
    await Promise.all(doubles.map((d) => d.close()));
    doubles = [];
  });
  const locator = (urls: Record<string, string>): ContainerLocator => ({
    env: async (c) => envs[c] ?? {},
    url: async (c) => urls[c] ?? closed,
    readFile: async () => assert.fail("no file is read"),
  });
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
  };

  it("adds every app Prowlarr and Jellyseerr lack, with the generated keys, and a second run posts nothing", async () => {
    const prowlarr = await prowlarrDouble(keys.prowlarr, byUrl(["sonarr", "radarr", "lidarr", "readarr"], ports));
    const jellyseerr = await jellyseerrDouble(keys.jellyseerr, { "sonarr:8989": app("sonarr"), "radarr:7878": app("radarr") });
    doubles = [prowlarr, jellyseerr];
    const where = locator({ prowlarr: prowlarr.url, jellyseerr: jellyseerr.url });

    const first = capture();
    assert.equal(await wire("home", plan, where, first.io, fast), 0, first.err.join("\n"));
    assert.deepEqual(prowlarr.saved.map((a) => a.name).sort(), ["lidarr", "radarr", "readarr", "sonarr"]);
    const sonarr = prowlarr.saved.find((a) => a.name === "sonarr") as { implementation: string; fields: { name: string; value: unknown }[] };
    assert.equal(sonarr.implementation, "Sonarr");
    assert.deepEqual(Object.fromEntries(sonarr.fields.map((f) => [f.name, f.value])), {
      prowlarrUrl: "http://prowlarr:9696",
      baseUrl: "http://sonarr:8989",
      apiKey: keys.sonarr,
    });
    assert.deepEqual(
      jellyseerr.saved.map((s) => [s.name, s.hostname, s.port, s.apiKey, s.activeProfileName, s.activeDirectory, s.isDefault]),
      [
        ["radarr", "radarr", 7878, keys.radarr, "HD-1080p", "/data/media/radarr", true],
        ["sonarr", "sonarr", 8989, keys.sonarr, "HD-1080p", "/data/media/sonarr", true],
      ],
    );
    assert.ok(first.out.includes("prowlarr: added sonarr (http://sonarr:8989, full sync)"), first.out.join("\n"));

    const posts = (d: Double) => d.requests.filter((r) => r.startsWith("POST")).length;
    const before = [posts(prowlarr), posts(jellyseerr)];
    const second = capture();
    assert.equal(await wire("home", plan, where, second.io, fast), 0, second.err.join("\n"));
    assert.deepEqual([posts(prowlarr), posts(jellyseerr)], before, "the second run posts nothing");
    assert.ok(second.out.includes("prowlarr: sonarr is already an application ('sonarr')"));
    assert.ok(second.out.includes("jellyseerr: radarr is already a radarr server"));
  });

  it("keeps what the owner added by hand under another name (same app and URL)", async () => {
    const prowlarr = await prowlarrDouble(keys.prowlarr, byUrl(["sonarr", "radarr", "lidarr", "readarr"], ports));
    doubles = [prowlarr];
    const hand = { name: "My Sonarr", implementation: "Sonarr", configContract: "SonarrSettings", syncLevel: "addOnly", fields: [] as unknown[] };
    hand.fields = [
      { name: "prowlarrUrl", value: "http://prowlarr:9696" },
      { name: "baseUrl", value: "http://sonarr:8989" },
      { name: "apiKey", value: keys.sonarr },
    ];
    const res = await fetch(`${prowlarr.url}/api/v1/applications`, {
      method: "POST",
      headers: { "X-Api-Key": keys.prowlarr, "Content-Type": "application/json" },
      body: JSON.stringify(hand),
    });
    assert.equal(res.status, 201);
    const run = capture();
    await wire("home", plan, locator({ prowlarr: prowlarr.url }), run.io, fast);
    assert.ok(!prowlarr.saved.some((a) => a.name === "sonarr"), "no second Sonarr application");
    assert.ok(run.out.includes("prowlarr: sonarr is already an application ('My Sonarr')"));
  });

  it("says in one line which app is unreachable, exits 1, and still wires the other", async () => {
    const jellyseerr = await jellyseerrDouble(keys.jellyseerr, { "sonarr:8989": app("sonarr"), "radarr:7878": app("radarr") });
    doubles = [jellyseerr];
    const run = capture();
    assert.equal(await wire("home", plan, locator({ jellyseerr: jellyseerr.url }), run.io, fast), 1);
    const failure = run.err.filter((l) => /prowlarr/i.test(l));
    assert.deepEqual(failure, ["homelab wire: Prowlarr's applications …", `homelab wire: prowlarr at ${closed} is not answering (ECONNREFUSED)`]);
    assert.equal(jellyseerr.saved.length, 2);
    assert.match(run.err.at(-1)!, /run 'homelab wire home' again/);
  });

  it("passes Prowlarr's refusal on (its connection test failed) and does not store the app", async () => {
    const prowlarr = await prowlarrDouble(keys.prowlarr, byUrl(["radarr", "lidarr", "readarr"], ports));
    doubles = [prowlarr];
    const run = capture();
    assert.equal(await wire("home", plan, locator({ prowlarr: prowlarr.url }), run.io, fast), 1);
    assert.ok(
      run.err.includes(
        "homelab wire: prowlarr refused POST /api/v1/applications: HTTP 400 BaseUrl: Unable to complete application test, cannot connect to Sonarr.",
      ),
      run.err.join("\n"),
    );
  });

  it("waits for Jellyseerr's setup instead of failing, and adds nothing before it", async () => {
    const jellyseerr = await jellyseerrDouble(keys.jellyseerr, { "sonarr:8989": app("sonarr"), "radarr:7878": app("radarr") }, false);
    const prowlarr = await prowlarrDouble(keys.prowlarr, byUrl(["sonarr", "radarr", "lidarr", "readarr"], ports));
    doubles = [jellyseerr, prowlarr];
    const run = capture();
    assert.equal(await wire("home", plan, locator({ prowlarr: prowlarr.url, jellyseerr: jellyseerr.url }), run.io, fast), 0);
    assert.deepEqual(jellyseerr.requests, ["GET /api/v1/settings/public", "GET /api/v1/settings/public"]);
    assert.ok(run.out.includes("jellyseerr: not set up yet: sign in once through its setup page, then run 'homelab wire home' to add radarr and sonarr"));
  });

  it("leaves a server out until its app has a root folder, and says where to add one", async () => {
    const jellyseerr = await jellyseerrDouble(keys.jellyseerr, { "sonarr:8989": app("sonarr", ""), "radarr:7878": app("radarr") });
    doubles = [jellyseerr];
    const run = capture();
    await wire("home", plan, locator({ jellyseerr: jellyseerr.url }), run.io, fast);
    assert.deepEqual(
      jellyseerr.saved.map((s) => s.name),
      ["radarr"],
    );
    assert.ok(run.out.includes("jellyseerr: sonarr has no root folder yet: add one in sonarr, then run 'homelab wire home'"));
  });

  it("says in one line when an app refuses the key it was started with", async () => {
    const prowlarr = await prowlarrDouble("another-key", {});
    doubles = [prowlarr];
    const run = capture();
    assert.equal(await wire("home", plan, locator({ prowlarr: prowlarr.url }), run.io, fast), 1);
    assert.ok(run.err.includes(`homelab wire: prowlarr at ${prowlarr.url} refused its key (HTTP 401)`), run.err.join("\n"));
  });

  it("stops with one line when an app's key is not in its container (not deployed yet)", async () => {
    const prowlarr = await prowlarrDouble(keys.prowlarr, {});
    doubles = [prowlarr];
    const run = capture();
    const noKeys: ContainerLocator = { env: async () => ({}), url: async () => prowlarr.url, readFile: async () => "" };
    assert.equal(await wire("home", plan, noKeys, run.io, fast), 1);
    assert.ok(run.err.includes("homelab wire: lidarr has no LIDARR__AUTH__APIKEY: run 'homelab up home' first"), run.err.join("\n"));
    assert.deepEqual(prowlarr.requests, []);
  });

  it("has nothing to do on a stack without Prowlarr or Jellyseerr", async () => {
    const run = capture();
    const untouched: ContainerLocator = {
      env: async () => assert.fail("no container is read"),
      url: async () => assert.fail("no container is read"),
      readFile: async () => assert.fail("no container is read"),
    };
    assert.equal(await wire("lab", planOf(stackConfig("lab")), untouched, run.io, fast), 0);
  });

  describe("Plex's custom server access URLs (homelab:plex.advertise)", () => {
    const advertise = ["https://plex.home.example.com:443", "http://192.168.1.10:32400"];
    const plexPlan = planOf(minimalConfig({ services: { plex: {} }, plex: { advertise } }));
    const preferences = (token?: string) =>
      `<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="m"${token ? ` PlexOnlineToken="${token}"` : ""}/>\n`;
    const at = (url: string, file: string): ContainerLocator => ({
      env: async () => ({}),
      url: async (c) => (c === "plex" ? url : assert.fail(c)),
      readFile: async (c, path) =>
        c === "plex" && path === "/config/Library/Application Support/Plex Media Server/Preferences.xml" ? file : assert.fail(path),
    });

    it("sets them through Plex's API with the owner's token from Preferences.xml, once", async () => {
      const plex = await plexDouble("owner-token");
      doubles = [plex];
      const first = capture();
      assert.equal(await wire("home", plexPlan, at(plex.url, preferences("owner-token")), first.io, fast), 0, first.err.join("\n"));
      assert.deepEqual(first.out, [`plex: custom server access URLs set to ${advertise.join(",")}`]);
      const second = capture();
      assert.equal(await wire("home", plexPlan, at(plex.url, preferences("owner-token")), second.io, fast), 0);
      assert.deepEqual(second.out, [`plex: custom server access URLs are already ${advertise.join(",")}`]);
      assert.equal(plex.requests.filter((r) => r.startsWith("PUT")).length, 1, "the second run changes nothing");
    });

    it("waits for the server to be claimed: no token, no request", async () => {
      const plex = await plexDouble("owner-token");
      doubles = [plex];
      const run = capture();
      assert.equal(await wire("home", plexPlan, at(plex.url, preferences()), run.io, fast), 0);
      assert.deepEqual(run.out, ["plex: not claimed yet: sign in to it once (or set homelab:plex.claim), then run 'homelab wire home'"]);
      assert.deepEqual(plex.requests, []);
    });

    it("reports a refused token in one line", async () => {
      const plex = await plexDouble("owner-token");
      doubles = [plex];
      const run = capture();
      assert.equal(await wire("home", plexPlan, at(plex.url, preferences("stale")), run.io, fast), 1);
      assert.ok(run.err.includes("homelab wire: plex refused GET /:/prefs: HTTP 401"), run.err.join("\n"));
    });
  });
});
