// Placeholder until the Automation API driver lands; replaced by the operate branch.
export type Operation = "preview" | "up" | "destroy" | "refresh" | "drift";
export async function operate(op: Operation, stack: string, _opts: { projectDir: string; yes?: boolean }): Promise<number> {
  console.error(`homelab: ${op} ${stack} is not available yet`);
  return 1;
}
