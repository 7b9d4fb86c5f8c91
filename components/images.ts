import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerHosts } from "./hosts";

/**
 * One RemoteImage per distinct image reference, shared by every container that uses it. Containers use
 * `imageId` with `keepLocally: true`: the other forms make the provider report a diff on every preview.
 */
export class ImageCache {
  private readonly images = new Map<string, docker.RemoteImage>();
  constructor(
    private readonly parent?: pulumi.Resource,
    private readonly hosts?: DockerHosts,
  ) {}

  /** The image's id on `host`'s engine (each host of a multi-host stack pulls its own copy). */
  imageId(ref: string, host?: string): pulumi.Output<string> {
    const key = host === undefined ? ref : `${ref}.${host}`;
    let image = this.images.get(key);
    if (!image) {
      const opts = { parent: this.parent, ...(this.hosts?.on(host) ?? {}) };
      image = new docker.RemoteImage(`image-${key.replace(/[^A-Za-z0-9.-]+/g, "-")}`, { name: ref, keepLocally: true }, opts);
      this.images.set(key, image);
    }
    return image.imageId;
  }
}
