import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { childNaming } from "./childNaming";
import type { DockerHosts } from "./hosts";

const slug = (ref: string) => ref.replace(/[^A-Za-z0-9.-]+/g, "-");

/**
 * One RemoteImage per distinct image reference, shared by every container that uses it, registered on first
 * use. Containers use `imageId` with `keepLocally: true`: the other forms make the provider report a diff
 * on every preview.
 */
export class Images extends pulumi.ComponentResource {
  private readonly images = new Map<string, docker.RemoteImage>();
  private readonly child: ReturnType<typeof childNaming>;

  constructor(
    name: string,
    opts?: pulumi.ComponentResourceOptions,
    private readonly hosts?: DockerHosts,
  ) {
    super("homelab:index:Images", name, {}, opts);
    this.child = childNaming(this, name);
    // Nothing to wait for: the images are registered later, as containers ask for them.
    this.registerOutputs({});
  }

  /** The image's id on `host`'s engine (each host of a multi-host stack pulls its own copy). */
  imageId(ref: string, host?: string): pulumi.Output<string> {
    const key = host === undefined ? ref : `${ref}.${host}`;
    let image = this.images.get(key);
    if (!image) {
      // Images once sat at the stack root as `image-<ref>`: the alias keeps them rather than pulling them anew.
      image = new docker.RemoteImage(
        this.child.name(slug(key)),
        { name: ref, keepLocally: true },
        {
          parent: this,
          // Only single-host images ever sat at the root; a per-host copy is new in this shape and needs no alias.
          aliases: host === undefined ? [{ name: `image-${slug(ref)}`, parent: pulumi.rootStackResource }] : [],
          ...(this.hosts?.on(host) ?? {}),
        },
      );
      this.images.set(key, image);
    }
    return image.imageId;
  }
}
