// The chair console's seat grid as a test sees it.

import assert from 'node:assert/strict';

/** Every seat inside the window, at least 48 px high, its name not cut. */
export async function assertSeatsFit(page, expected) {
  const report = await page.evaluate(() => {
    const seats = [...document.querySelectorAll('.seat')];
    return {
      count: seats.length,
      scrollY,
      outside: seats.filter((seat) => {
        const box = seat.getBoundingClientRect();
        return box.top < 0 || box.left < 0 || box.bottom > innerHeight || box.right > innerWidth;
      }).length,
      small: seats.filter((seat) => seat.getBoundingClientRect().height < 48).length,
      cut: seats.filter((seat) => {
        const name = seat.querySelector('.seat-name');
        return name.scrollWidth > name.clientWidth + 1 || name.scrollHeight > name.clientHeight + 1;
      }).length,
      smallestFont: Math.min(
        ...seats.map((seat) => parseFloat(getComputedStyle(seat.querySelector('.seat-name')).fontSize)),
      ),
    };
  });
  assert.equal(report.count, expected, `the grid shows ${report.count} seats`);
  assert.equal(report.scrollY, 0);
  assert.equal(report.outside, 0, `${report.outside} seats are off the screen`);
  assert.equal(report.small, 0, `${report.small} seats are smaller than a finger`);
  assert.equal(report.cut, 0, `${report.cut} names are cut off`);
  assert.ok(report.smallestFont >= 16, `names are ${report.smallestFont} px`);
}
