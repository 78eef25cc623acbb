/**
 * Serves the built client (`dist/client`) over node:http: files with their
 * content types, `index.html` for unknown extension-less paths (client-side
 * routes), 400 for path traversal, and a plain "not built" page when there is
 * no build.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
};

const NOT_BUILT_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Parley relay</title>
<h1>Parley relay is running</h1>
<p>The web client is not built. Run <code>npm run build</code>, then reload this page.</p>
`;

/** Content type for a file name, by extension. */
export function contentTypeFor(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

type Resolved = { readonly kind: 'bad' } | { readonly kind: 'path'; readonly decoded: string };

/** Decodes the URL path and refuses traversal (`..`, backslashes, NUL), before any normalisation could hide it. */
function decodePath(rawUrl: string): Resolved {
  const raw = rawUrl.split(/[?#]/, 1)[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { kind: 'bad' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad' };
  if (decoded.split('/').some((segment) => segment === '..')) return { kind: 'bad' };
  return { kind: 'path', decoded };
}

async function fileAt(path: string): Promise<{ size: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { size: s.size } : null;
  } catch {
    return null;
  }
}

function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' });
  res.end(body);
}

/** Builds the request handler for `staticDir` (undefined: always the "not built" page). */
export function createStaticHandler(staticDir: string | undefined): (req: IncomingMessage, res: ServerResponse) => void {
  const root = staticDir === undefined ? undefined : resolve(staticDir);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'method not allowed\n');
      return;
    }
    const path = decodePath(req.url ?? '/');
    if (path.kind === 'bad') {
      sendText(res, 400, 'bad path\n');
      return;
    }
    const index = root === undefined ? null : resolve(root, 'index.html');
    const indexFile = index === null ? null : await fileAt(index);
    if (root === undefined || index === null || indexFile === null) {
      sendText(res, 503, NOT_BUILT_PAGE, 'text/html; charset=utf-8');
      return;
    }
    const target = resolve(root, '.' + path.decoded);
    if (target !== root && !target.startsWith(root + sep)) {
      sendText(res, 400, 'bad path\n');
      return;
    }
    const segments = path.decoded.split('/');
    const hidden = segments.some((s) => s.startsWith('.'));
    let file = hidden ? null : await fileAt(target);
    let filePath = target;
    if (file === null) {
      const last = segments[segments.length - 1] ?? '';
      // A missing path that looks like a file is a 404; anything else is a client route.
      if (extname(last) !== '') {
        sendText(res, 404, 'not found\n');
        return;
      }
      file = indexFile;
      filePath = index;
    }
    const isIndex = filePath === index;
    const immutable = !isIndex && path.decoded.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': contentTypeFor(filePath),
      'Content-Length': file.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // pipeline destroys both ends if either fails or the client goes away mid-file.
    pipeline(createReadStream(filePath), res, () => {});
  }

  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}
