// `homelab ca <stack>`: prints the stack's CA certificate (the `caCertificate` stack output, see index.ts at
// the project root) so users can trust it on their devices. Reads the state through the Automation API.
import { CommandError } from "@pulumi/pulumi/automation";
import { assertKnownStack, OperateError } from "./environment";
import { ioFrom, openStack, type OperateOptions } from "./index";
import { describeError } from "./pulumiCli";

export const CA_OUTPUT = "caCertificate";

/** Writes the PEM alone on stdout (`homelab ca lab > homelab-ca.pem`); everything else goes to stderr. */
export async function printCaCertificate(stack: string, opts: OperateOptions): Promise<number> {
  const io = ioFrom(opts);
  try {
    assertKnownStack(opts.projectDir, stack);
    const { target } = await openStack(stack, opts, io, "select").catch((err: unknown) => {
      if (err instanceof CommandError && /no stack named/i.test(describeError(err)))
        throw new OperateError(`homelab: stack '${stack}' has not been deployed yet: run 'homelab up ${stack}' first.`);
      throw err;
    });
    const output = (await target.outputs())[CA_OUTPUT];
    if (!output || typeof output.value !== "string") {
      throw new OperateError(`homelab: stack '${stack}' has no internal CA: it uses ACME (Let's Encrypt), whose certificates devices already trust.`);
    }
    io.out(output.value.trim());
    return 0;
  } catch (err) {
    io.err(err instanceof OperateError ? err.message : `homelab: reading the CA of '${stack}' failed: ${describeError(err)}`);
    return err instanceof OperateError ? err.exitCode : 1;
  }
}
