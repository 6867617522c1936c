// The page of the run viewer: an HTML document, a stylesheet and a script,
// shipped in src/ui/page/ and served from memory. No CDN, no build step, no
// inline script or style (the Content-Security-Policy forbids them), so the
// page works offline and injected markup cannot run.
import { readFileSync } from "node:fs";

export interface Asset {
  contentType: string;
  body: Buffer;
}

const FILES: Record<string, { file: string; contentType: string }> = {
  "/": { file: "index.html", contentType: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", contentType: "text/javascript; charset=utf-8" },
  "/app.css": { file: "app.css", contentType: "text/css; charset=utf-8" },
};

/**
 * The page's files by URL path, read once.
 * @example pageAssets().get("/")?.contentType // "text/html; charset=utf-8"
 */
export function pageAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, { file, contentType }] of Object.entries(FILES)) {
    assets.set(path, { contentType, body: readFileSync(new URL(`./page/${file}`, import.meta.url)) });
  }
  return assets;
}
