/** A failure `homelab wire` reports as one line, naming the app and what to do; `status` when the app answered with an error. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  /** How long one request may take. */
  requestMs: number;
  /** How long to wait for the app to answer at all (it may still be starting after `up`). */
  readyMs: number;
  /** Pause between readiness attempts. */
  pollMs: number;
}

export const DEFAULT_API_OPTIONS: ApiClientOptions = { requestMs: 15_000, readyMs: 180_000, pollMs: 3_000 };

/**
 * JSON over HTTP with the app's credentials in a header: X-Api-Key for the Servarr apps and Jellyseerr, X-Plex-Token
 * for Plex, `Authorization: Bearer <jwt>` for Portainer. A body is sent as JSON, or as multipart when it is a FormData.
 */
export class ApiClient {
  constructor(
    readonly app: string,
    readonly baseUrl: string,
    private readonly credentials: Record<string, string>,
    private readonly options: ApiClientOptions = DEFAULT_API_OPTIONS,
  ) {}

  /** Waits until `path` answers 2xx; a WireError naming the app and the last reason when it never does. */
  async ready(path: string): Promise<void> {
    const deadline = Date.now() + this.options.readyMs;
    let reason = "";
    for (;;) {
      try {
        const res = await this.send("GET", path);
        if (res.ok) return;
        if (res.status === 401 || res.status === 403) throw new WireError(`${this.app} at ${this.baseUrl} refused its key (HTTP ${res.status})`);
        reason = `HTTP ${res.status}`;
      } catch (e) {
        if (e instanceof WireError) throw e;
        reason = describe(e);
      }
      if (Date.now() + this.options.pollMs > deadline) break;
      await new Promise((r) => setTimeout(r, this.options.pollMs));
    }
    throw new WireError(`${this.app} at ${this.baseUrl} is not answering (${reason})`);
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>("POST", path, body);
  }

  put<T>(path: string): Promise<T> {
    return this.json<T>("PUT", path);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.send(method, path, body);
    } catch (e) {
      throw new WireError(`${this.app} at ${this.baseUrl}: ${method} ${path} failed (${describe(e)})`);
    }
    const text = await res.text();
    if (!res.ok) throw new WireError(`${this.app} refused ${method} ${path}: HTTP ${res.status} ${refusal(text)}`.trimEnd(), res.status);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private send(method: string, path: string, body?: unknown): Promise<Response> {
    // fetch writes a FormData's multipart Content-Type (with its boundary) itself.
    const form = body instanceof FormData;
    return fetch(new URL(path, this.baseUrl), {
      method,
      headers: { ...this.credentials, Accept: "application/json", ...(body === undefined || form ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.requestMs),
    });
  }
}

/** Why a request did not get through, in a few words (fetch hides the socket error in `cause`). */
function describe(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError") return "timed out";
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/**
 * The app's own words: Servarr answers a refused provider with a list of validation failures
 * ({propertyName, errorMessage}, Prowlarr/Prowlarr@v2.0.5.5160:src/Prowlarr.Http/ErrorManagement/ProwlarrErrorPipeline.cs: HTTP 400), Jellyseerr with {message}.
 */
function refusal(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (Array.isArray(body)) return body.map((f: { propertyName?: string; errorMessage?: string }) => `${f.propertyName}: ${f.errorMessage}`).join("; ");
    const message = (body as { message?: string; error?: string }).message ?? (body as { error?: string }).error;
    if (message) return message;
  } catch {
    // not JSON: the text itself, shortened below
  }
  return text.replace(/\s+/g, " ").slice(0, 200);
}
