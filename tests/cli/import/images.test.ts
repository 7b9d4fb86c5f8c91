import * as assert from "node:assert/strict";
import { catalogByImage, parseImage, unpinned } from "../../../cli/import/images";
import { CATALOG } from "../../../config/catalog";

describe("image references", () => {
  it("splits registry, repository, tag and digest like Docker", () => {
    assert.deepEqual(parseImage("traefik:v3.5.3"), { registry: "docker.io", repository: "library/traefik", tag: "v3.5.3", digest: undefined });
    assert.deepEqual(parseImage("registry.local:5000/team/app:1.0@sha256:ab"), {
      registry: "registry.local:5000",
      repository: "team/app",
      tag: "1.0",
      digest: "sha256:ab",
    });
    assert.equal(parseImage("lscr.io/linuxserver/sonarr").tag, undefined);
    assert.ok(unpinned(parseImage("lscr.io/linuxserver/sonarr")) && unpinned(parseImage("x:latest")) && !unpinned(parseImage("x:1")));
  });

  it("maps a catalog image from any registry alias, whatever the tag", () => {
    const lookup = catalogByImage();
    for (const image of ["lscr.io/linuxserver/sonarr:latest", "linuxserver/sonarr", "ghcr.io/linuxserver/sonarr:4.0.0", "docker.io/linuxserver/sonarr:4"])
      assert.equal(lookup(image)?.name, "sonarr", image);
    assert.equal(lookup("docker.io/library/traefik:latest")?.name, "traefik");
    assert.equal(lookup("ghcr.io/qdm12/gluetun:v3.40.0")?.name, "gluetun", "Gluetun's ghcr.io name");
    assert.equal(lookup("hotio/sonarr:release"), undefined);
    assert.equal(lookup("registry.local/linuxserver/sonarr:1"), undefined, "a private registry is not an alias");
  });

  it("reads the catalog itself, so every entry (and every new one) maps by its own image", () => {
    const lookup = catalogByImage();
    for (const entry of CATALOG.values()) assert.equal(lookup(entry.main.image)?.name, entry.name);
  });
});
