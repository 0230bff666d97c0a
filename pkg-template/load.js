// Bundle download for `Recommender.load`, `Propensity.load` and `TextClassifier.load`: streams the
// response with progress, checks a Subresource-Integrity string with WebCrypto before anything is
// parsed, and can keep a verified copy in the Cache API. Plain browser/Node APIs only: no eval, no
// workers, no globals. JavaScript, not Rust: the wasm only parses the verified bytes (`fromBytes`),
// so it carries no callback machinery for the promise (1.3 KB gzip).

const DEFAULT_CACHE = "shelfwise-bundles";
const ALGORITHMS = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };
const RANK = { sha256: 1, sha384: 2, sha512: 3 };

/** The strongest hashes of an SRI string ("sha256-… sha384-…"), as [{ alg, digest }]. */
function parseIntegrity(integrity) {
  if (typeof integrity !== "string" || integrity.trim() === "") {
    throw new TypeError(`options.integrity must be an SRI string like "sha256-<base64>", got ${JSON.stringify(integrity)}`);
  }
  const hashes = integrity.trim().split(/\s+/).map((token) => {
    const m = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(token);
    return m && { alg: m[1], digest: m[2] };
  }).filter(Boolean);
  if (hashes.length === 0) {
    throw new TypeError(`options.integrity has no sha256/sha384/sha512 hash: ${JSON.stringify(integrity)}`);
  }
  const best = Math.max(...hashes.map((h) => RANK[h.alg]));
  return hashes.filter((h) => RANK[h.alg] === best);
}

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Resolves to null when `bytes` match one of `hashes`, else to the digest that was found. */
async function mismatch(bytes, hashes) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new Error("options.integrity needs WebCrypto (crypto.subtle), which browsers only provide on https:// and localhost pages");
  }
  const alg = hashes[0].alg;
  const got = base64(new Uint8Array(await subtle.digest(ALGORITHMS[alg], bytes)));
  return hashes.some((h) => h.digest === got) ? null : `${alg}-${got}`;
}

/** Reads a response body chunk by chunk, reporting progress; returns one Uint8Array. */
async function readBody(res, onProgress) {
  const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
  const length = Number(res.headers.get("content-length"));
  const total = !encoded && Number.isFinite(length) && length > 0 ? length : undefined;
  if (!res.body || typeof res.body.getReader !== "function") {
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress?.({ loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  onProgress?.({ loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ loaded, total });
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  return bytes;
}

function absolute(url) {
  const base = globalThis.location?.href;
  return String(base ? new URL(url, base) : new URL(url));
}

/**
 * Fetches a bundle's bytes. Options: { integrity?, onProgress?, cache?, signal? } (see `LoadOptions`).
 * Throws (rejects) on HTTP errors, integrity mismatches and bad options; never returns unverified bytes.
 */
export async function fetchBundle(url, opts) {
  const o = opts ?? {};
  if (typeof o !== "object") throw new TypeError(`options must be an object, got ${typeof o}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw new TypeError("options.onProgress must be a function");
  if (o.cache !== undefined && typeof o.cache !== "boolean" && typeof o.cache !== "string") {
    throw new TypeError(`options.cache must be true, false or a cache name, got ${JSON.stringify(o.cache)}`);
  }
  const hashes = o.integrity === undefined ? null : parseIntegrity(o.integrity);
  const href = absolute(url);
  const cacheName = o.cache === true ? DEFAULT_CACHE : o.cache || null;
  const cache = cacheName && globalThis.caches ? await globalThis.caches.open(cacheName) : null;

  if (cache) {
    const hit = await cache.match(href);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if (!hashes || (await mismatch(bytes, hashes)) === null) {
        o.onProgress?.({ loaded: bytes.length, total: bytes.length, cached: true });
        return bytes;
      }
      await cache.delete(href); // a stale or tampered copy: fetch again
    }
  }

  const res = await fetch(href, { signal: o.signal, cache: cache ? "no-cache" : "default" });
  if (!res.ok) throw new Error(`could not load bundle ${href}: HTTP ${res.status} ${res.statusText}`.trim());
  const bytes = await readBody(res, o.onProgress);
  if (hashes) {
    const got = await mismatch(bytes, hashes);
    if (got !== null) {
      throw new Error(`integrity mismatch for ${href}: expected ${hashes.map((h) => `${h.alg}-${h.digest}`).join(" or ")}, got ${got}`);
    }
  }
  if (cache) {
    // A full quota must not fail the load: the bytes are verified and usable either way.
    await cache.put(href, new Response(bytes, { headers: { "content-type": "application/octet-stream" } }))
      .catch((e) => console.warn(`shelfwise: could not cache ${href}: ${e}`));
  }
  return bytes;
}

/** What a wrong argument is, for a `TypeError`: `number (5)`, `null`, `an array`, … */
function kind(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v} (${v})`;
  return typeof v;
}

/**
 * Gives each model class its static `load(url, options)`: the bundle fetched and verified here,
 * then parsed by the class's `fromBytes`. A `url` that is not a string rejects with a TypeError.
 */
export function addLoad(...classes) {
  for (const cls of classes) {
    cls.load = async function load(url, options) {
      if (typeof url !== "string") throw new TypeError(`url must be a string, got ${kind(url)}`);
      return cls.fromBytes(await fetchBundle(url, options));
    };
  }
}
