import { createHash } from "node:crypto";

/** The image id the mocks give a RemoteImage: derived from its name so tests can map ids back to images. */
export function mockImageId(imageName: string): string {
  return `sha256:${createHash("sha256").update(imageName).digest("hex")}`;
}
