import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/**
 * One RemoteImage per distinct image reference, shared by every container that uses it. Containers use
 * `imageId` with `keepLocally: true`: the other forms make the provider report a diff on every preview.
 */
export class ImageCache {
  private readonly images = new Map<string, docker.RemoteImage>();
  constructor(private readonly parent?: pulumi.Resource) {}

  imageId(ref: string): pulumi.Output<string> {
    let image = this.images.get(ref);
    if (!image) {
      image = new docker.RemoteImage(`image-${ref.replace(/[^A-Za-z0-9.-]+/g, "-")}`, { name: ref, keepLocally: true }, { parent: this.parent });
      this.images.set(ref, image);
    }
    return image.imageId;
  }
}
