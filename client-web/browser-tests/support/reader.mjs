// What the reader's browser tests (and the reader benchmark) need: the
// share of the screen the pages cover, waiting until the visible pages are
// drawn, real touch gestures through the DevTools protocol, and the
// 83-page fixture uploaded to the demo meeting.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clientWebDir } from './server.mjs';

export const longFixture = path.resolve(
  clientWebDir,
  '..',
  'tests',
  'fixtures',
  'bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf',
);
export const longFixtureTitle = 'Hiện đại hóa hành chính tại UBND huyện Tân Lạc';

/** The share of the window covered by the page canvases that show: each
 * canvas's box clipped to the reader's stage (the scrolling area) and to
 * the window. Points sampled on those boxes must reach the page itself
 * (nothing drawn over them), or they are not counted. */
export async function pageAreaShare(page) {
  return page.evaluate(() => {
    const stage = document.querySelector('.reader-stage').getBoundingClientRect();
    const clip = {
      left: Math.max(0, stage.left),
      top: Math.max(0, stage.top),
      right: Math.min(innerWidth, stage.right),
      bottom: Math.min(innerHeight, stage.bottom),
    };
    let area = 0;
    let covered = 0;
    let sampled = 0;
    for (const canvas of document.querySelectorAll('.reader-stage canvas.page-canvas')) {
      const box = canvas.getBoundingClientRect();
      const left = Math.max(box.left, clip.left);
      const right = Math.min(box.right, clip.right);
      const top = Math.max(box.top, clip.top);
      const bottom = Math.min(box.bottom, clip.bottom);
      if (right <= left || bottom <= top) continue;
      area += (right - left) * (bottom - top);
      for (let i = 1; i < 10; i += 1) {
        for (let j = 1; j < 10; j += 1) {
          const x = left + ((right - left) * i) / 10;
          const y = top + ((bottom - top) * j) / 10;
          sampled += 1;
          if (document.elementFromPoint(x, y)?.closest('.page-frame')) covered += 1;
        }
      }
    }
    return {
      share: area / (innerWidth * innerHeight),
      unobstructed: sampled === 0 ? 0 : covered / sampled,
    };
  });
}

/** Waits until every page slot that shows in the stage has its canvas. */
export async function waitForVisiblePages(page) {
  await page.waitForFunction(() => {
    const stage = document.querySelector('.reader-stage');
    if (!stage || !stage.dataset.renderedPage) return false;
    const box = stage.getBoundingClientRect();
    const slots = [...document.querySelectorAll('.page-slot')].filter((slot) => {
      const rect = slot.getBoundingClientRect();
      return rect.bottom > box.top && rect.top < box.bottom && rect.right > box.left && rect.left < box.right;
    });
    return slots.length > 0 && slots.every((slot) => slot.querySelector('canvas.page-canvas'));
  });
}

/** The page the reader shows as current. */
export async function currentPage(page) {
  return Number(await page.locator('.reader-stage').getAttribute('data-page'));
}

/** A one-finger swipe on a touch screen, through the DevTools protocol
 * (the browser sees real touch events). */
export async function swipe(page, from, to, steps = 8) {
  const session = await page.context().newCDPSession(page);
  try {
    await session.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
    for (let step = 1; step <= steps; step += 1) {
      const x = from.x + ((to.x - from.x) * step) / steps;
      const y = from.y + ((to.y - from.y) * step) / steps;
      await session.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
    }
    await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await session.detach();
  }
}

/** Two fingers moving apart (`factor` > 1) or together around `centre`. */
export async function pinch(page, centre, startDistance, factor, steps = 8) {
  const session = await page.context().newCDPSession(page);
  const fingers = (spread) => [
    { x: centre.x - spread / 2, y: centre.y, id: 1 },
    { x: centre.x + spread / 2, y: centre.y, id: 2 },
  ];
  try {
    await session.send('Input.dispatchTouchEvent', {
      type: 'touchStart',
      touchPoints: fingers(startDistance),
    });
    for (let step = 1; step <= steps; step += 1) {
      const spread = startDistance * (1 + ((factor - 1) * step) / steps);
      await session.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(spread) });
    }
    await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await session.detach();
  }
}

/** Two quick taps at one point. */
export async function doubleTap(page, point) {
  const session = await page.context().newCDPSession(page);
  try {
    for (let tap = 0; tap < 2; tap += 1) {
      await session.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
      await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    }
  } finally {
    await session.detach();
  }
}

/** Uploads the 83-page fixture to the demo meeting's first agenda item as
 * the secretary; returns the meeting's and the document's ids. */
export async function uploadLongFixture(browser, baseUrl) {
  const staff = await browser.newContext();
  try {
    const login = await staff.request.post(`${baseUrl}/api/v1/auth/login`, {
      data: { username: 'thuky', password: 'demo' },
    });
    assert.equal(login.status(), 200, await login.text());
    const meetings = await (await staff.request.get(`${baseUrl}/api/v1/meetings`)).json();
    const meetingId = meetings.meetings?.[0]?.id;
    assert.ok(meetingId, 'the demo meeting is missing');
    const meeting = await (await staff.request.get(`${baseUrl}/api/v1/meetings/${meetingId}`)).json();
    const itemId = meeting.agenda[0]?.id;
    assert.ok(itemId, 'the demo meeting has no agenda item');
    const upload = await staff.request.post(
      `${baseUrl}/api/v1/meetings/${meetingId}/agenda/${itemId}/documents`,
      {
        multipart: {
          file: {
            name: path.basename(longFixture),
            mimeType: 'application/pdf',
            buffer: readFileSync(longFixture),
          },
          title: longFixtureTitle,
        },
      },
    );
    assert.equal(upload.status(), 201, await upload.text());
    const document = await upload.json();
    return { meetingId, documentId: document.id };
  } finally {
    await staff.close();
  }
}
