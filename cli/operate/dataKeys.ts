// After `homelab up`: every generated key that guards data outside Pulumi (Authelia's storage encryption key,
// database passwords) is stored as a stack secret in `homelab:keys`, so destroy + up, a rename or a change
// in how keys are generated pairs the old data with its old key. The next plan reads the key from there
// (topology/plan.ts holdDataKeys) with the same value, so holding it changes no resource.
import type { Plan } from "../../topology/types";
import { OperateError } from "./environment";
import { describeError } from "./pulumiCli";
import type { AppliedStack } from "./index";

/** The stack output (index.ts) holding every data key in use, name → value; secret. */
export const DATA_KEYS_OUTPUT = "dataKeys";

/** The data keys this plan still generates: the ones `up` must hold. */
export function unheldDataKeys(plan: Plan): string[] {
  return (plan.secrets ?? []).filter((s) => s.source === "generated" && s.guardsData).map((s) => s.name);
}

/** Stores each generated data key as `homelab:keys.<name>`; says which by name only (never a value). */
export async function holdDataKeys(plan: Plan, stack: AppliedStack, say: (line: string) => void): Promise<string[]> {
  const names = unheldDataKeys(plan);
  if (names.length === 0) return [];
  const output = (await stack.outputs())[DATA_KEYS_OUTPUT]?.value as Record<string, unknown> | undefined;
  const missing = names.filter((n) => typeof output?.[n] !== "string" || output[n] === "");
  if (missing.length)
    throw new OperateError(
      `homelab: applied, but the stack did not report the data key(s) ${missing.join(", ")}, so they are not held in homelab:keys yet; run 'homelab up ${stack.name}' again (docs/operating.md)`,
    );
  for (const name of names) {
    try {
      await stack.setSecret(`homelab:keys.${name}`, output![name] as string);
    } catch (e) {
      // The value went through stdin: neither the CLI's arguments nor its error can contain it.
      throw new OperateError(`homelab: applied, but holding ${name} in homelab:keys failed (${describeError(e)}); run 'homelab up ${stack.name}' again`);
    }
  }
  say(
    `homelab: held ${names.length} data key(s) as stack secrets in Pulumi.${stack.name}.yaml (homelab:keys): ${names.join(", ")}. They now survive destroy + up; docs/operating.md says how to rotate one.`,
  );
  return names;
}
