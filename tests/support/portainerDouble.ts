import * as http from "node:http";
import type { AddressInfo } from "node:net";

/*
 * An HTTP double of Portainer's API as `homelab wire` uses it, implementing the contract cited in cli/wire/portainer.ts
 * (portainer/portainer@2.23.0; no Portainer image runs here):
 * - GET /api/system/status: public, 200.
 * - POST /api/auth, JSON {Username, Password}: 400 when either is empty, 422 {message: "Invalid credentials"} for a
 *   wrong password or unknown user, else 200 {jwt}.
 * - GET/POST /api/endpoints: 401 without `Authorization: Bearer <jwt>` (or `Bearer` left out, as extractBearerToken
 *   accepts); POST reads a multipart form (Name, EndpointCreationType 1..5, URL), 400 for a missing name or type,
 *   409 for a name taken, 500 "Unable to initiate communications with environment" when the URL is not an engine
 *   it can reach (`reachable`), else 200 with the environment {Id, Name, URL, Type: 1}.
 */
export interface PortainerEnvironmentRecord {
  Id: number;
  Name: string;
  URL: string;
  Type: number;
}

export interface PortainerDouble {
  url: string;
  requests: string[];
  environments: PortainerEnvironmentRecord[];
  /** The multipart fields of every POST /api/endpoints, as received. */
  forms: Record<string, string>[];
  close(): Promise<void>;
}

export async function portainerDouble(password: string, reachable: string[], environments: PortainerEnvironmentRecord[] = []): Promise<PortainerDouble> {
  const jwt = `jwt-${Math.random().toString(36).slice(2)}`;
  const requests: string[] = [];
  const forms: Record<string, string>[] = [];
  const answer = async (req: http.IncomingMessage, raw: Buffer): Promise<{ status: number; body?: unknown }> => {
    const path = new URL(req.url ?? "/", "http://portainer").pathname;
    if (req.method === "GET" && path === "/api/system/status") return { status: 200, body: { Version: "2.33.3", InstanceID: "i" } };
    if (req.method === "POST" && path === "/api/auth") {
      let creds: { Username?: string; Password?: string };
      try {
        creds = JSON.parse(raw.toString("utf8"));
      } catch {
        return { status: 400, body: { message: "Invalid request payload" } };
      }
      if (!creds.Username || !creds.Password) return { status: 400, body: { message: "Invalid request payload" } };
      if (creds.Username !== "admin" || creds.Password !== password) return { status: 422, body: { message: "Invalid credentials", details: "Unauthorized" } };
      return { status: 200, body: { jwt } };
    }
    if (path !== "/api/endpoints") return { status: 404 };
    if ((req.headers.authorization ?? "").replace(/^Bearer /, "") !== jwt) return { status: 401, body: { message: "Unauthorized" } };
    if (req.method === "GET") return { status: 200, body: environments };
    if (req.method !== "POST") return { status: 405 };
    if (!String(req.headers["content-type"]).startsWith("multipart/form-data")) return { status: 400, body: { message: "Invalid request payload" } };
    const form = await new Response(raw, { headers: { "content-type": String(req.headers["content-type"]) } }).formData();
    const fields = Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]));
    forms.push(fields);
    const type = Number(fields.EndpointCreationType);
    if (!fields.Name) return { status: 400, body: { message: "Invalid request payload", details: "invalid environment name" } };
    if (!(type >= 1 && type <= 5)) return { status: 400, body: { message: "Invalid request payload", details: "invalid environment type value" } };
    if (environments.some((e) => e.Name === fields.Name)) return { status: 409, body: { message: "Name is not unique" } };
    if (!reachable.includes(fields.URL ?? "")) return { status: 500, body: { message: "Unable to initiate communications with environment" } };
    const created = { Id: environments.length + 1, Name: fields.Name, URL: fields.URL, Type: 1 };
    environments.push(created);
    return { status: 200, body: created };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      answer(req, Buffer.concat(chunks)).then(
        (a) => res.writeHead(a.status, { "Content-Type": "application/json" }).end(a.body === undefined ? "" : JSON.stringify(a.body)),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, environments, forms, close: () => new Promise((r) => server.close(() => r())) };
}
