// Renders the app icons in public/icons/ from their SVG sources with the
// same headless Chromium the browser tests use, so no image tool is
// needed. Run after changing an SVG, and commit the PNGs:
//   node scripts/make-icons.mjs

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const iconsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');

/** [source SVG, output PNG, size in pixels] */
const renders = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['icon.svg', 'apple-touch-icon-180.png', 180],
  ['icon-maskable.svg', 'icon-maskable-512.png', 512],
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const [source, output, size] of renders) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const svg = readFileSync(path.join(iconsDir, source), 'utf8');
    await page.setContent(
      `<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`,
    );
    await page.screenshot({ path: path.join(iconsDir, output), omitBackground: true });
    await page.close();
    console.log(`${output} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
