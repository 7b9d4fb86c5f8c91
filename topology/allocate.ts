import { Block, containerCapacity, contains, formatBlock, isNetworkAddress, isPrivate, overlaps, parseBlock, size } from "./cidr";
import { compareNames } from "./order";
import type { PlanProblem } from "./types";

/** Seed guideline: /29 for 1–2 containers, /28 for 3 or more; bigger only when a service truly needs it. */
export function guidelinePrefix(containers: number): number {
  let prefix = containers <= 2 ? 29 : 28;
  while (containerCapacity(prefix) < containers) prefix--;
  return prefix;
}

/** The smallest network Docker can run this many containers on (network, broadcast and gateway take three). */
export const SMALLEST_SERVICE_PREFIX = 29;

export interface SubnetRequest {
  /** Unprefixed network name, also the key in the allocation lock: `vnet-jellyfin`. */
  key: string;
  containers: number;
  /** Subnet the owner pinned in the config. */
  pinned?: string;
  /** Config key path of the pin, for messages. */
  path: string;
}

export interface Reserved {
  cidr: string;
  what: string;
  path: string;
}

export interface Assignment {
  subnet: string;
  origin: "pinned" | "locked" | "allocated";
}

export interface AllocationResult {
  assignments: Map<string, Assignment>;
  problems: PlanProblem[];
  warnings: string[];
}

interface Taken {
  block: Block;
  what: string;
}

/**
 * The address space already in use. The few reserved blocks (shared networks, LAN, Docker's bridge) may
 * overlap anything and are scanned; everything placed afterwards is disjoint by construction, so it is kept
 * sorted and only the nearest block below a candidate can overlap it — a binary search, which keeps a
 * 1,000-service plan linear instead of quadratic.
 */
class Occupancy {
  private readonly placed: Taken[] = [];
  constructor(private readonly reserved: Taken[]) {}

  conflict(block: Block): Taken | undefined {
    const fixed = this.reserved.find((t) => overlaps(t.block, block));
    if (fixed) return fixed;
    const below = this.placed[this.firstStartingFrom(block.start + size(block)) - 1];
    return below && overlaps(below.block, block) ? below : undefined;
  }

  /** Inserted at the slot the same binary search finds: scanning for it (half the list per block) was most of placing a thousand. */
  push(t: Taken): void {
    this.placed.splice(this.firstStartingFrom(t.block.start + 1), 0, t);
  }

  /** Index of the first placed block that starts at or after `address` (the length when none does). */
  private firstStartingFrom(address: number): number {
    let lo = 0;
    let hi = this.placed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.placed[mid].block.start < address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  all(): Taken[] {
    return [...this.reserved, ...this.placed];
  }
}

/** FNV-1a: a fixed, well-spread starting slot per name, independent of which other services exist. */
function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Gives every service network a subnet. Stability is the point: renumbering a network replaces it
 * and every container on it. So, in order of precedence:
 *   1. a subnet pinned in the config is honoured (checked, never moved);
 *   2. a subnet in the allocation lock (`homelab:allocations`, written by `homelab network pin`) is kept;
 *   3. anything else starts at a slot derived from its own name's hash and probes forward, so adding
 *      or removing *other* services cannot move it unless two names collide — which the lock then settles.
 * Config order never matters: requests are processed sorted by name.
 */
export function allocateServiceSubnets(args: {
  pool: string;
  poolPath: string;
  requests: SubnetRequest[];
  lock: Record<string, string>;
  reserved: Reserved[];
}): AllocationResult {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const assignments = new Map<string, Assignment>();
  const taken = new Occupancy(args.reserved.map((r) => ({ block: parseBlock(r.cidr), what: r.what })));
  const requests = [...args.requests].sort((a, b) => compareNames(a.key, b.key));

  const conflict = (block: Block): Taken | undefined => taken.conflict(block);

  for (const req of requests.filter((r) => r.pinned)) {
    const cidr = req.pinned!;
    const block = parseBlock(cidr);
    const before = problems.length;
    if (!isNetworkAddress(cidr))
      problems.push({
        path: req.path,
        message: `${cidr} is not a network address (host bits set); did you mean ${formatBlock({ start: block.start - (block.start % size(block)), prefix: block.prefix })}?`,
      });
    if (!isPrivate(block)) problems.push({ path: req.path, message: `${cidr} is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)` });
    if (block.prefix > SMALLEST_SERVICE_PREFIX)
      problems.push({ path: req.path, message: `/${block.prefix} is too small for a service network: use /${SMALLEST_SERVICE_PREFIX} or larger` });
    else if (containerCapacity(block.prefix) < req.containers)
      problems.push({
        path: req.path,
        message: `${cidr} holds ${containerCapacity(block.prefix)} containers besides the gateway, but ${req.key} has ${req.containers}`,
      });
    const clash = conflict(block);
    if (clash) problems.push({ path: req.path, message: `${cidr} overlaps ${clash.what} (${formatBlock(clash.block)})` });
    if (problems.length > before) continue;
    if (block.prefix > guidelinePrefix(req.containers))
      warnings.push(
        `${req.key}: pinned ${cidr} is smaller than the /${guidelinePrefix(req.containers)} guideline for ${req.containers} containers (it fits, so it is kept)`,
      );
    taken.push({ block, what: `${req.key} (pinned)` });
    assignments.set(req.key, { subnet: cidr, origin: "pinned" });
  }

  const unpinned = requests.filter((r) => !r.pinned);
  for (const req of unpinned) {
    const locked = args.lock[req.key];
    if (!locked) continue;
    const block = parseBlock(locked);
    const clash = conflict(block);
    if (!isPrivate(block)) {
      problems.push({
        path: `homelab:allocations.${req.key}`,
        message: `locked ${locked} is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)`,
      });
    } else if (!isNetworkAddress(locked) || block.prefix > SMALLEST_SERVICE_PREFIX) {
      warnings.push(`${req.key}: ignoring locked ${locked} (not a usable network); it gets a new subnet`);
    } else if (containerCapacity(block.prefix) < req.containers) {
      warnings.push(`${req.key}: locked ${locked} no longer fits ${req.containers} containers; it gets a new subnet (its containers will be replaced)`);
    } else if (clash) {
      warnings.push(`${req.key}: locked ${locked} overlaps ${clash.what}; it gets a new subnet`);
    } else {
      taken.push({ block, what: `${req.key} (locked)` });
      assignments.set(req.key, { subnet: locked, origin: "locked" });
    }
  }

  const pool = parseBlock(args.pool);
  const homeless: SubnetRequest[] = [];
  // Prefixes with no free slot left: `taken` only grows, so they stay full, and probing again would make
  // a config with thousands of services take seconds to report the exhausted pool.
  const full = new Set<number>();
  for (const req of unpinned.filter((r) => !assignments.has(r.key))) {
    const prefix = guidelinePrefix(req.containers);
    if (full.has(prefix)) {
      homeless.push(req);
      continue;
    }
    const blockSize = 2 ** (32 - prefix);
    const slots = prefix >= pool.prefix ? size(pool) / blockSize : 0;
    let placed = false;
    // Probing jumps over whole taken blocks (every slot it skips overlaps the block that stopped it), so a
    // large pinned block costs one step, not one per slot: the same slot as a slot-by-slot probe, found in
    // at most as many steps as there are taken blocks.
    for (let i = 0; i < slots && !placed;) {
      const slot = (hash(req.key) + i) % slots;
      const block = { start: pool.start + slot * blockSize, prefix };
      const clash = conflict(block);
      if (!clash) {
        taken.push({ block, what: req.key });
        assignments.set(req.key, { subnet: formatBlock(block), origin: "allocated" });
        placed = true;
      } else {
        const after = Math.ceil((clash.block.start + size(clash.block) - pool.start) / blockSize);
        i += Math.min(Math.max(after, slot + 1), slots) - slot;
      }
    }
    if (!placed) {
      full.add(prefix);
      homeless.push(req);
    }
  }
  if (homeless.length > 0) {
    const needed = homeless.reduce((n, r) => n + 2 ** (32 - guidelinePrefix(r.containers)), 0);
    const free =
      size(pool) -
      taken
        .all()
        .filter((t) => contains(pool, t.block))
        .reduce((n, t) => n + size(t.block), 0);
    problems.push({
      path: args.poolPath,
      message: `pool ${args.pool} is exhausted: ${homeless.length} more service network(s) (${listSome(homeless.map((r) => r.key))}) need ${needed} addresses, ${Math.max(free, 0)} are free; widen the pool or pin subnets outside it`,
    });
  }
  return { assignments, problems, warnings };
}

function listSome(items: string[], max = 10): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Checks one shared network (ingress/socket/pool/lan) on its own: private, a network address, the right size. */
export function checkSharedBlock(cidr: string, path: string, what: string, exactPrefix?: number): PlanProblem[] {
  const block = parseBlock(cidr);
  const problems: PlanProblem[] = [];
  if (!isNetworkAddress(cidr)) problems.push({ path, message: `${cidr} is not a network address (host bits set)` });
  if (!isPrivate(block)) problems.push({ path, message: `${what} ${cidr} is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)` });
  if (exactPrefix !== undefined && block.prefix !== exactPrefix) problems.push({ path, message: `${what} must be a /${exactPrefix} (got /${block.prefix})` });
  return problems;
}
