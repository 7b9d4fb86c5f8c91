/**
 * A generated stack config with `count` custom web services (`svc-1` … `svc-N`, one container each), in a
 * pool wide enough (10.64.0.0/12, 131,072 /29 slots) that allocation always fits: it measures growth, not
 * exhaustion. Nothing is locked, so every subnet goes through the hash-and-probe allocator.
 */
export function syntheticConfig(count: number): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  for (let i = 1; i <= count; i++) services[`svc-${i}`] = { image: "example/app:1.0.0", port: 8080 };
  return {
    domain: "bench.example.com",
    timezone: "Etc/UTC",
    lan: "192.168.1.0/24",
    network: { prefix: "", ingress: "10.90.0.0/24", socket: "10.91.0.0/24", pool: "10.64.0.0/12" },
    proxy: "traefik",
    services,
  };
}

/**
 * The same synthetic stack spread over `hosts` Docker hosts (homelab:hosts): service i on host i mod n, so
 * vnet-ingress becomes an overlay, each host runs its share, and Traefik routes most of them through its file
 * provider. Compared with the single-host stack of the same size, it prices the multi-host planning step.
 */
export function multiHostConfig(count: number, hosts = 3): Record<string, unknown> {
  const raw = syntheticConfig(count);
  const names = Array.from({ length: hosts }, (_, i) => `host${i + 1}`);
  const services = raw.services as Record<string, Record<string, unknown>>;
  Object.values(services).forEach((s, i) => (s.host = names[i % hosts]));
  return { ...raw, hosts: Object.fromEntries(names.map((h, i) => [h, { docker: `ssh://homelab@${h}`, ...(i === 0 ? { manager: true } : {}) }])) };
}

/**
 * The allocator's worst case: `count` services, the first pinned to half of the pool (10.64.0.0/13), so
 * about half of the others hash into the pinned block and must probe past it. A slot-by-slot probe took
 * minutes here; jumping over taken blocks keeps it within the 1 s bound (tests/hostile/bounds.test.ts).
 */
export function worstCasePinnedConfig(count: number): Record<string, unknown> {
  const raw = syntheticConfig(count);
  const services = raw.services as Record<string, Record<string, unknown>>;
  services["svc-1"] = { ...services["svc-1"], subnet: "10.64.0.0/13" };
  return raw;
}

/** A stack file whose YAML aliases expand to 10^9 values (`a: [x×10]`, `b: [*a×10]`, …): about 1 KB of text. */
export function aliasBombYaml(levels = 9): string {
  const lines = ["config:", "  homelab:domain: bomb.example.com", '  homelab:bomb0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `  homelab:bomb${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(",")}]`,
    );
  return lines.join("\n") + "\n";
}
