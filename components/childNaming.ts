import type * as pulumi from "@pulumi/pulumi";

/**
 * Names children from their parent (`<parent>-<what>`), so two instances of a component never collide.
 * Children that were first registered under a bare name keep it as an alias: renaming a resource
 * without one would replace it (a new tunnel, a new CA every device must trust again).
 *
 * Not for children whose name is already unique in the stack and is what a preview should show: containers,
 * networks and their live-file commands keep their Docker names, HostSecrets' children the plan's secret names.
 */
export function childNaming(parent: pulumi.Resource, parentName: string) {
  return {
    name: (what: string) => `${parentName}-${what}`,
    /** Options of a child first registered as `formerly` under the same parent. */
    opts: (formerly: string): pulumi.CustomResourceOptions => ({ parent, aliases: [{ name: formerly }] }),
  };
}
