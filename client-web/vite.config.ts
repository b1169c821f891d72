// Build and unit-test configuration for the phonghop web client.
//
// The built app must run under the server's Content-Security-Policy
// (`script-src 'self'`, `worker-src 'self' blob:`, `connect-src 'self'`)
// with no internet at all, so everything it loads, including the pdf.js
// worker and pdf.js's font, CMap and decoder data, ships inside `dist/`.
// The service worker (`dist/sw.js`) is built last, from the finished
// `dist/`, so that it can precache the app shell for offline use.

import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { serviceWorker } from './build/serviceWorker.ts';

const pdfjsRoot = path.dirname(
  fileURLToPath(new URL('./node_modules/pdfjs-dist/package.json', import.meta.url)),
);

/** The pdf.js data folders the reader points `cMapUrl`, `standardFontDataUrl`,
 * `wasmUrl` and `iccUrl` at; served under `/pdfjs/<folder>/`. */
const pdfjsDataFolders = ['cmaps', 'standard_fonts', 'wasm', 'iccs'] as const;

/** Copies pdf.js's data files into `dist/pdfjs/` at build time and serves
 * them from `node_modules` in `vite dev`, keeping their names: pdf.js builds
 * their URLs by appending a file name to a folder URL, so they cannot be
 * hashed like ordinary assets. */
function pdfjsData(): Plugin {
  return {
    name: 'phonghop-pdfjs-data',
    generateBundle() {
      for (const folder of pdfjsDataFolders) {
        const sourceFolder = path.join(pdfjsRoot, folder);
        for (const fileName of readdirSync(sourceFolder)) {
          this.emitFile({
            type: 'asset',
            fileName: `pdfjs/${folder}/${fileName}`,
            source: readFileSync(path.join(sourceFolder, fileName)),
          });
        }
      }
    },
    configureServer(server) {
      server.middlewares.use('/pdfjs/', (request, response, next) => {
        const relative = decodeURIComponent((request.url ?? '').split('?')[0] ?? '');
        const [folder, fileName, ...rest] = relative.replace(/^\/+/, '').split('/');
        const known = pdfjsDataFolders.some((name) => name === folder);
        const filePath = path.join(pdfjsRoot, folder ?? '', fileName ?? '');
        if (
          !known ||
          !fileName ||
          rest.length > 0 ||
          fileName.startsWith('.') ||
          !existsSync(filePath) ||
          !statSync(filePath).isFile()
        ) {
          next();
          return;
        }
        if (fileName.endsWith('.wasm')) response.setHeader('Content-Type', 'application/wasm');
        createReadStream(filePath).pipe(response);
      });
    },
  };
}

const devApiTarget = process.env['PHONGHOP_API'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [
    pdfjsData(),
    // pdf.js CMaps (1.7 MB, 170 files) are needed only by documents with
    // CJK-style encodings; the service worker keeps each when first used
    // instead of every tablet downloading all of them up front.
    serviceWorker({
      entry: 'src/serviceWorker/sw.ts',
      runtimeOnly: (file) => file.startsWith('pdfjs/cmaps/'),
    }),
  ],
  resolve: {
    alias: [
      // automerge-repo's CBOR codec probes `new Function('')` when loaded
      // and compiles record readers with it; the CSP forbids eval, so the
      // probe would be a reported violation on every page. cbor-x's
      // no-eval build is the same codec without either.
      { find: /^cbor-x$/, replacement: 'cbor-x/index-no-eval' },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The reader bundle is mostly pdf.js; splitting it off is not worth a
    // warning on every build.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // The pdf.js worker ships as `.mjs`; it is emitted as `.js` so that
        // any static file server sends it with a JavaScript MIME type, which
        // browsers require before they start a module worker.
        assetFileNames: (asset) =>
          asset.names.some((name) => name.endsWith('.mjs'))
            ? 'assets/[name]-[hash].js'
            : 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    // `vite dev` forwards the API to a locally running `phonghop serve`
    // (set PHONGHOP_API to its address).
    proxy: {
      '/api': devApiTarget,
      '/healthz': devApiTarget,
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
