import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

// Constructing the pack starts the policy server: only `pulumi … --policy-pack policy` loads this file.
// Tests import ./rules instead.
new PolicyPack("homelab-network-policy", {
  description:
    "The homelab's Docker network policy (from the seed): isolation per service, databases off shared networks, the Docker socket only in the socket proxy.",
  enforcementLevel: "mandatory",
  policies,
});
