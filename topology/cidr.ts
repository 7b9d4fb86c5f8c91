import * as ipaddr from "ipaddr.js";

/** Small pure CIDR helpers over ipaddr.js; everything works on 32-bit unsigned integers. */

export interface Block {
  start: number;
  prefix: number;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(parseBlock);
/** Docker's default bridge: containers on it would collide with anything we put there. */
export const DOCKER_DEFAULT_BRIDGE = "172.17.0.0/16";

export function parseBlock(cidr: string): Block {
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  return { start: toInt(addr), prefix };
}

function toInt(addr: ipaddr.IPv4): number {
  return addr.octets.reduce((n, o) => n * 256 + o, 0);
}

export function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function size(b: Block): number {
  return 2 ** (32 - b.prefix);
}

export function formatBlock(b: Block): string {
  return `${fromInt(b.start)}/${b.prefix}`;
}

/** True when the address part has no bits set below the prefix (192.168.1.0/24, not 192.168.1.5/24). */
export function isNetworkAddress(cidr: string): boolean {
  const b = parseBlock(cidr);
  return b.start % size(b) === 0;
}

export function overlaps(a: Block, b: Block): boolean {
  return a.start < b.start + size(b) && b.start < a.start + size(a);
}

export function contains(outer: Block, inner: Block): boolean {
  return inner.start >= outer.start && inner.start + size(inner) <= outer.start + size(outer);
}

export function isPrivate(b: Block): boolean {
  return PRIVATE_RANGES.some((r) => contains(r, b));
}

/** Hosts a container can use: all addresses minus network, broadcast and Docker's gateway. */
export function containerCapacity(prefix: number): number {
  return 2 ** (32 - prefix) - 3;
}

export function usableHosts(prefix: number): number {
  return 2 ** (32 - prefix) - 2;
}

export function gatewayOf(b: Block): string {
  return fromInt(b.start + 1);
}
