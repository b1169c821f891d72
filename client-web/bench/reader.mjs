// The reader on a cheap tablet (issue 25), measured in a real Chromium
// with its CPU slowed down 4× (Chromium's own throttling, as DevTools'
// "4× slowdown" does) against the real server: `make bench` runs it.
//
// - first page: from the tap on the 83-page fixture, held in the offline
//   pack, to its first page drawn (the reader's performance marks
//   phonghop:reader:start → first-page), five openings;
// - page turn: from the key press to the new page drawn and the frame
//   after it, 50 turns with half a second of reading between them (the
//   reader draws ahead meanwhile);
// - memory: the tab's renderer process (proportional set size, from
//   /proc) after paging through all 83 pages, and its JavaScript heap;
// - ink: from the pen's move event (its timestamp, and the moment the
//   page starts handling it) to the stroke's path being updated,
//   over 200 moves (one frame is 16.7 ms at 60 Hz).
//
// Prints one row for BENCHMARKS.md's table. Needs /usr/bin/chromium, the
// built client (client-web/dist) and a server binary (PHONGHOP_BIN).

import { readFileSync, readdirSync } from 'node:fs';
import {
  launchBrowser,
  missingPrerequisite,
  openDemoMeeting,
  openPage,
  demoMeetingTitle,
} from '../browser-tests/support/browser.mjs';
import { uploadLongFixture, waitForVisiblePages } from '../browser-tests/support/reader.mjs';
import { startServer } from '../browser-tests/support/server.mjs';

const THROTTLE = 4;
const OPENINGS = 5;
const TURNS = 50;
const PAGES = 83;
const READING_MS = 500;
const INK_MOVES = 200;

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)];
}

const median = (values) => percentile(values, 0.5);

/** The Chromium renderer processes started under this Node process, with
 * their proportional set size in MB (smaps_rollup's Pss). */
function rendererMemory() {
  const parentOf = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return 0;
    }
  };
  const ours = (pid) => {
    for (let current = pid, hops = 0; current > 1 && hops < 10; hops += 1) {
      current = parentOf(current);
      if (current === process.pid) return true;
    }
    return false;
  };
  const renderers = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('--type=renderer') || !ours(Number(entry))) continue;
    try {
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8');
      const pss = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      renderers.push(pss / 1024);
    } catch {
      // The process ended meanwhile.
    }
  }
  return renderers;
}

async function main() {
  const prerequisite = missingPrerequisite();
  if (prerequisite) {
    console.error(`!!! READER BENCHMARK NOT RUN: ${prerequisite.message}`);
    process.exit(1);
  }
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const { documentId } = await uploadLongFixture(browser, server.baseUrl);
    const { context, page } = await openPage(browser, server.baseUrl, { width: 1280, height: 800 });
    page.setDefaultTimeout(60_000);
    await openDemoMeeting(page, server.baseUrl, 'daibieu01');
    await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
    // The whole agenda, the 83-page report included, is in the pack.
    await page.locator('.pack-status[data-pack-state="complete"]').waitFor({ timeout: 120_000 });
    const meetingUrl = page.url();

    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
    await cdp.send('Performance.enable');

    // First page, from the offline pack.
    const firstPage = [];
    for (let opening = 0; opening < OPENINGS; opening += 1) {
      await page.goto(meetingUrl);
      await page.getByRole('heading', { level: 1, name: demoMeetingTitle }).waitFor();
      await page.locator('.pack-status[data-pack-state="complete"]').waitFor({ timeout: 120_000 });
      await page.locator(`.document-link[data-document-id="${documentId}"]`).click();
      await page.locator('.reader-stage[data-rendered-page="1"]').waitFor();
      const elapsed = await page.evaluate(() => {
        const start = performance.getEntriesByName('phonghop:reader:start', 'mark').at(-1);
        const drawn = performance.getEntriesByName('phonghop:reader:first-page', 'mark').at(-1);
        return start && drawn ? drawn.startTime - start.startTime : null;
      });
      if (elapsed === null) throw new Error('the reader did not mark its start and first page');
      firstPage.push(elapsed);
    }
    await waitForVisiblePages(page);

    // Page turns: key press → the new page drawn → the next frame.
    await page.evaluate(() => {
      const stage = document.querySelector('.reader-stage');
      window.__turns = [];
      window.__pressedAt = null;
      document.addEventListener(
        'keydown',
        (event) => {
          if (event.key === 'ArrowRight') window.__pressedAt = event.timeStamp;
        },
        { capture: true },
      );
      new MutationObserver(() => {
        const pressed = window.__pressedAt;
        if (pressed === null) return;
        if (stage.dataset.renderedPage && stage.dataset.renderedPage === stage.dataset.page) {
          window.__pressedAt = null;
          requestAnimationFrame(() => window.__turns.push(performance.now() - pressed));
        }
      }).observe(stage, { attributes: true, attributeFilter: ['data-rendered-page', 'data-page'] });
    });
    for (let turn = 1; turn < PAGES; turn += 1) {
      await page.keyboard.press('ArrowRight');
      await page
        .locator(`.reader-stage[data-page="${turn + 1}"][data-rendered-page="${turn + 1}"]`)
        .waitFor();
      await page.waitForTimeout(turn <= TURNS ? READING_MS : 50);
    }
    const turns = (await page.evaluate(() => window.__turns)).slice(0, TURNS);
    if (turns.length < TURNS) throw new Error(`only ${turns.length} page turns were timed`);

    // Memory after all 83 pages.
    await page.waitForTimeout(1_000);
    const renderers = rendererMemory();
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const heap = (metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;

    // Ink: the pen's move event → the stroke's path updated.
    await page.keyboard.press('Home');
    await page.locator('.reader-stage[data-page="1"][data-rendered-page="1"]').waitFor();
    await page.getByRole('button', { name: 'Ghi chú và vẽ' }).click();
    await page.locator('.annotate-toolbar').waitFor();
    await page.locator('.tool-button[data-tool="pen"]').click();
    await page.evaluate(() => {
      window.__ink = [];
      window.__handling = [];
      window.__movedAt = null;
      window.__handledAt = null;
      document.addEventListener(
        'pointermove',
        (event) => {
          window.__movedAt = event.timeStamp;
          window.__handledAt = performance.now();
        },
        { capture: true },
      );
      new MutationObserver((records) => {
        const moved = window.__movedAt;
        if (moved === null) return;
        if (records.some((record) => record.target.classList?.contains('ink-drawing'))) {
          window.__ink.push(performance.now() - moved);
          window.__handling.push(performance.now() - window.__handledAt);
          window.__movedAt = null;
        }
      }).observe(document.body, { attributes: true, attributeFilter: ['d'], subtree: true });
    });
    const frame = await page.locator('.page-frame[data-page="1"]').boundingBox();
    const stage = await page.locator('.reader-stage').boundingBox();
    const top = Math.max(frame.y, stage.y) + 40;
    const height = Math.min(frame.y + frame.height, stage.y + stage.height) - top - 40;
    await page.mouse.move(frame.x + 60, top);
    await page.mouse.down();
    for (let move = 1; move <= INK_MOVES; move += 1) {
      const x = frame.x + 60 + ((frame.width - 120) * move) / INK_MOVES;
      const y = top + (height / 2) * (1 + Math.sin(move / 8));
      await page.mouse.move(x, y);
    }
    await page.mouse.up();
    const ink = await page.evaluate(() => window.__ink);
    const handling = await page.evaluate(() => window.__handling);
    if (ink.length < INK_MOVES / 2)
      throw new Error(`only ${ink.length} of ${INK_MOVES} pen moves updated the stroke`);

    const version = browser.version();
    const figures = [
      `first page ${median(firstPage).toFixed(0)} ms median, ${Math.max(...firstPage).toFixed(0)} ms worst of ${OPENINGS} openings from the offline pack (target 1,000)`,
      `page turn p95 ${percentile(turns, 0.95).toFixed(0)} ms, median ${median(turns).toFixed(0)} ms over ${TURNS} turns (target 150)`,
      `tab after all ${PAGES} pages: renderer ${Math.max(...renderers).toFixed(0)} MB PSS, JS heap ${heap.toFixed(0)} MB (target 300)`,
      `ink: stroke updated p95 ${percentile(ink, 0.95).toFixed(1)} ms after the pen's event (median ${median(ink).toFixed(1)}), of which the app's own handling p95 ${percentile(handling, 0.95).toFixed(1)} ms, over ${ink.length} moves (one frame 16.7)`,
    ];
    console.log(
      `| reader, 83-page report, 1280×800, Chromium ${version} at ${THROTTLE}× CPU slowdown | ${figures.join('; ')} |`,
    );
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
