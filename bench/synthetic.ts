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
