/**
 * `homelab audit lab --probe` as the command runs it (signal handlers included), for the engine test that
 * interrupts and kills it. Input (argv[2]): the probe options (JSON) that point it at the harness's run.
 */
import { probeWithInterrupt } from "../../../cli/main";
import { labWithVpnPlan } from "../labWithVpn";

const options = JSON.parse(process.argv[2]) as Record<string, unknown>;
probeWithInterrupt("lab", labWithVpnPlan(), false, { out: (s) => console.log(s), err: (s) => console.error(s) }, options).then((code) => process.exit(code));
