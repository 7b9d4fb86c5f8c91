/** The lab stack with every VPN-capable service routed through Gluetun: whoami, jellyfin, qbittorrent, sonarr. */
import type { Plan } from "../../topology/types";
import { planOf, stackConfig } from "./configs";

export const LAB_VPN = { mode: "full", provider: "mullvad", type: "wireguard" };
/** Overrides for recordProgram (`$secret` marks the key as a Pulumi secret). */
export const LAB_WITH_VPN = { vpn: LAB_VPN, vpnCredentials: { wireguardPrivateKey: { $secret: "wg-test-key" }, wireguardAddresses: "10.64.0.2/32" } };

/** The same stack as the CLI plans it (the home stack file's credentials are already a secret value). */
export function labWithVpnPlan(): Plan {
  return planOf({ ...stackConfig("lab"), vpn: LAB_VPN, vpnCredentials: stackConfig("home").vpnCredentials });
}
