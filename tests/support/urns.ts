/**
 * URNs as the Pulumi engine forms them (pkg/resource/urn.go): `urn:pulumi:<stack>::<project>::<type chain>::<name>`,
 * where a child's type chain is its parent's qualified type, `$`, its own type (the root stack adds nothing).
 */
export function urnOf(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  const parentType = parentUrn ? parentUrn.split("::")[2] : undefined;
  const chain = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${chain}::${name}`;
}

/** One alias of a registration request (the SDK sends specs; the engine fills in what a spec leaves out). */
export interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  parentUrn?: string;
  noParent?: boolean;
}

/** The URN an alias stands for, resolved the way the engine does for the resource registered as `current`. */
export function aliasUrn(alias: AliasSpec, current: { stack: string; project: string; type: string; name: string; parentUrn?: string }): string {
  if (alias.urn) return alias.urn;
  const parent = alias.noParent ? undefined : (alias.parentUrn ?? current.parentUrn);
  return urnOf(current.stack, current.project, alias.type || current.type, alias.name || current.name, parent);
}
