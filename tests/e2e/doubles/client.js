// The HTTP client of the end-to-end test: runs every request of /e2e/requests-<name>.json in parallel, each
// bounded, never following redirects by itself (a redirect chain is followed explicitly, `follow` hops at
// most, so a loop shows as a chain that never settles). Prints one JSON array of results.
// A result carries the response headers (lower-case names, as node gives them).
// A request: { id, url, via: "host:port" (where to connect; the URL's host stays Host and SNI), plain (talk
//   plain HTTP to `via` whatever the URL's scheme: the edge's leg to the tunnel peer), headers, follow, ca (file) }.
"use strict";
const http = require("node:http");
const https = require("node:https");
const fs = require("node:fs");

const requests = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function once(url, { via, plain, headers = {}, ca }) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const [host, port] = via.split(":");
    const secure = !plain && u.protocol === "https:";
    const req = (secure ? https : http).request(
      {
        host,
        port: Number(port),
        method: "GET",
        path: u.pathname + u.search,
        headers: { host: u.host, ...headers },
        timeout: 5000,
        ...(secure ? { servername: u.hostname, ca: ca ? fs.readFileSync(ca) : undefined, rejectUnauthorized: true } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d.length + body.length > 4096 ? "" : d));
        res.on("end", () =>
          resolve({
            url,
            status: res.statusCode,
            location: res.headers.location ?? null,
            setCookie: res.headers["set-cookie"] ?? [],
            headers: res.headers,
            body,
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ url, status: 0, location: null, setCookie: [], body: "", error: e.message }));
    req.end();
  });
}

async function run(r) {
  const hops = [];
  let url = r.url;
  for (let i = 0; i <= (r.follow ?? 0); i++) {
    const hop = await once(url, r);
    hops.push(hop);
    if (!hop.location || hop.status < 300 || hop.status >= 400) break;
    url = new URL(hop.location, url).href;
  }
  return { id: r.id, ...hops[0], hops };
}

Promise.all(requests.map(run)).then((results) => process.stdout.write(JSON.stringify(results)));
