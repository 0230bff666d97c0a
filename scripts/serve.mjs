// A small static file server for the demo (and the browser tests). Loopback only.
// Usage: node scripts/serve.mjs --root www [--port 8080] [--csp]
// --csp sends the Content-Security-Policy the README documents for shops.
// --isolate sends COOP/COEP (cross-origin isolation: SharedArrayBuffer for TF.js threads in the
// benchmark page, finer timers). The shelfwise package itself never needs it.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const root = resolve(opt("root", "www"));
const port = Number(opt("port", "8080"));
const csp = args.includes("--csp");
const isolate = args.includes("--isolate");
export const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm",
  ".bundle": "application/octet-stream", ".svg": "image/svg+xml", ".ts": "text/plain; charset=utf-8",
};

const server = createServer(async (req, res) => {
  try {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, "index.html");
    const body = await readFile(file);
    const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": body.length, "cache-control": "no-store" };
    if (csp) headers["content-security-policy"] = POLICY;
    if (isolate) Object.assign(headers, { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
    res.writeHead(200, headers).end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});
server.listen(port, "127.0.0.1", () => {
  const { port: p } = server.address();
  console.log(`shelfwise demo storefront: http://127.0.0.1:${p}/`);
});
