// A Vite plugin that builds `dist/sw.js`, the app's service worker, after
// the app itself is built.
//
// The worker is bundled from `src/serviceWorker/sw.ts` as one classic
// script (no imports at run time, so it works in every browser that has
// service workers) with two constants filled in:
// - `__PHONGHOP_PRECACHE__`: every file of `dist/` the app needs to open
//   with no network, except the ones in `runtimeOnly` (fetched and kept
//   by the worker the first time a document needs them);
// - `__PHONGHOP_BUILD_ID__`: a hash over those files' names and contents,
//   so any change to the client changes `sw.js` and browsers install the
//   new version.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin, type ResolvedConfig } from 'vite';

export interface ServiceWorkerOptions {
  /** The worker's source, relative to the project root. */
  entry: string;
  /** Paths under `dist/` (with `/`) left out of the precache list. */
  runtimeOnly: (relativePath: string) => boolean;
}

/** Every file under `folder`, as `/`-separated paths relative to it. */
function filesUnder(folder: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const full = path.join(folder, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) files.push(...filesUnder(full, relative));
    else files.push(relative);
  }
  return files;
}

export function serviceWorker(options: ServiceWorkerOptions): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'phonghop-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      const files = filesUnder(outDir).filter(
        (file) => file !== 'sw.js' && !file.endsWith('.map') && !options.runtimeOnly(file),
      );
      const hash = createHash('sha256');
      for (const file of files) {
        hash.update(file);
        hash.update(readFileSync(path.join(outDir, file)));
      }
      const buildId = hash.digest('hex').slice(0, 16);
      const precache = files.map((file) => `${config.base}${file}`);

      const output = await build({
        configFile: false,
        root: config.root,
        logLevel: 'warn',
        publicDir: false,
        define: {
          __PHONGHOP_PRECACHE__: JSON.stringify(precache),
          __PHONGHOP_BUILD_ID__: JSON.stringify(buildId),
        },
        build: {
          write: false,
          emptyOutDir: false,
          copyPublicDir: false,
          minify: true,
          lib: {
            entry: path.resolve(config.root, options.entry),
            formats: ['iife'],
            name: 'phonghopServiceWorker',
            fileName: () => 'sw.js',
          },
        },
      });
      const results = Array.isArray(output) ? output : [output];
      const chunk = results
        .flatMap((result) => ('output' in result ? result.output : []))
        .find((item) => item.type === 'chunk');
      if (!chunk || chunk.type !== 'chunk') throw new Error('the service worker build produced no script');
      writeFileSync(path.join(outDir, 'sw.js'), chunk.code);
      config.logger.info(`sw.js: ${precache.length} files precached, build ${buildId}`);
    },
  };
}
