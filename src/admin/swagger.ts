import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { STRICT_CSP } from './csp.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

interface Asset {
  body: Buffer;
  type: string;
}

/*
 * The page and its start script are ours: swagger-ui-dist's own index.html starts the UI from an
 * inline script, which the strict CSP forbids. Paths are relative, so the page works behind a
 * proxy that mounts the prefix elsewhere.
 */
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Parsec server API</title>
<link rel="stylesheet" href="./swagger-ui.css">
<link rel="icon" type="image/png" href="./favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="./swagger-ui-bundle.js"></script>
<script src="./init.js"></script>
</body>
</html>
`;

const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: './swagger.json', dom_id: '#swagger-ui', deepLinking: true, presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout' });
});
`;

/** swagger-ui-dist's files the page uses, read once from the installed package (no CDN). */
function distAssets(): Record<string, Asset> {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const read = (name: string, type: string): Asset => ({ body: readFileSync(join(dir, name)), type });
  return {
    'swagger-ui-bundle.js': read('swagger-ui-bundle.js', 'text/javascript; charset=utf-8'),
    'swagger-ui.css': read('swagger-ui.css', 'text/css; charset=utf-8'),
    'favicon-32x32.png': read('favicon-32x32.png', 'image/png'),
  };
}

/**
 * `swagger.enabled`: the OpenAPI document at `<prefix>/swagger.json` and Swagger UI at
 * `<prefix>/` (`<prefix>` redirects there, as Centrifugo's file server does), as exact routes.
 */
export function swaggerRoutes(handlerPrefix: string, document: object): Map<string, Route> {
  const prefix = handlerPrefix.replace(/\/+$/, '');
  const assets: Record<string, Asset> = {
    '': { body: Buffer.from(INDEX_HTML), type: 'text/html; charset=utf-8' },
    'init.js': { body: Buffer.from(INIT_JS), type: 'text/javascript; charset=utf-8' },
    'swagger.json': { body: Buffer.from(JSON.stringify(document)), type: 'application/json' },
    ...distAssets(),
  };
  const routes = new Map<string, Route>();
  if (prefix !== '') routes.set(prefix, (req, res) => (allowed(req, res) ? res.writeHead(302, { Location: `${prefix}/` }).end() : undefined));
  for (const [name, asset] of Object.entries(assets)) {
    const csp = name === '' ? { 'Content-Security-Policy': STRICT_CSP } : {};
    routes.set(`${prefix}/${name}`, (req, res) => {
      if (!allowed(req, res)) return;
      // Revalidated on every load: an upgrade or a config change must show at once.
      res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', ...csp });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    });
  }
  return routes;
}

/** GET and HEAD only; anything else is answered 405 here. */
function allowed(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'method not allowed: use GET' }));
  return false;
}
