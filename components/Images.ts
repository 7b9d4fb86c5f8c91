import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { childNaming } from "./childNaming";

const slug = (ref: string) => ref.replace(/[^A-Za-z0-9.-]+/g, "-");

/**
 * One RemoteImage per distinct image reference, shared by every container that uses it, registered on first
 * use. Containers use `imageId` with `keepLocally: true`: the other forms make the provider report a diff
 * on every preview.
 */
export class Images extends pulumi.ComponentResource {
  private readonly images = new Map<string, docker.RemoteImage>();
  private readonly child: ReturnType<typeof childNaming>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:Images", name, {}, opts);
    this.child = childNaming(this, name);
    // Nothing to wait for: the images are registered later, as containers ask for them.
    this.registerOutputs({});
  }

  imageId(ref: string): pulumi.Output<string> {
    let image = this.images.get(ref);
    if (!image) {
      // Images once sat at the stack root as `image-<ref>`: the alias keeps them rather than pulling them anew.
      image = new docker.RemoteImage(
        this.child.name(slug(ref)),
        { name: ref, keepLocally: true },
        { parent: this, aliases: [{ name: `image-${slug(ref)}`, parent: pulumi.rootStackResource }] },
      );
      this.images.set(ref, image);
    }
    return image.imageId;
  }
}
