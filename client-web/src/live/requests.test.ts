import { describe, expect, it } from 'vitest';
import { LiveRequestError, PendingRequests, type Timers } from './requests';

/** Timers the test fires by hand. */
function manualTimers() {
  const scheduled = new Map<number, () => void>();
  let next = 1;
  const timers: Timers = {
    setTimeout(callback) {
      const handle = next++;
      scheduled.set(handle, callback);
      return handle;
    },
    clearTimeout(handle) {
      scheduled.delete(handle as number);
    },
  };
  return { timers, scheduled, fireAll: () => [...scheduled.values()].forEach((run) => run()) };
}

const messages = { timeout: () => 'Máy chủ chưa trả lời.', disconnected: () => 'Mất kết nối.' };

describe('PendingRequests', () => {
  it('gives each request its own id and settles it by that id', async () => {
    const { timers } = manualTimers();
    const pending = new PendingRequests(10_000, messages, timers);
    const first = pending.start();
    const second = pending.start();
    expect(second.id).toBe(first.id + 1);
    expect(pending.error(second.id, 'already_voted', 'Bạn đã biểu quyết rồi.')).toBe(true);
    expect(pending.ok(first.id)).toBe(true);
    await expect(first.reply).resolves.toBeUndefined();
    await expect(second.reply).rejects.toMatchObject({
      code: 'already_voted',
      message: 'Bạn đã biểu quyết rồi.',
    });
    expect(pending.size).toBe(0);
  });

  it('ignores a reply to an unknown or already settled id', () => {
    const { timers } = manualTimers();
    const pending = new PendingRequests(10_000, messages, timers);
    const { id, reply } = pending.start();
    expect(pending.ok(id)).toBe(true);
    expect(pending.ok(id)).toBe(false);
    expect(pending.error(999, 'internal', 'x')).toBe(false);
    return reply;
  });

  it('fails a request with no reply in time, and cancels the timer of one answered', async () => {
    const { timers, scheduled, fireAll } = manualTimers();
    const pending = new PendingRequests(10_000, messages, timers);
    const answered = pending.start();
    const forgotten = pending.start();
    pending.ok(answered.id);
    expect(scheduled.size).toBe(1);
    fireAll();
    await expect(forgotten.reply).rejects.toBeInstanceOf(LiveRequestError);
    await expect(forgotten.reply).rejects.toMatchObject({
      code: 'timeout',
      message: 'Máy chủ chưa trả lời.',
    });
    await answered.reply;
  });

  it('fails everything in flight when the socket drops', async () => {
    const { timers, scheduled } = manualTimers();
    const pending = new PendingRequests(10_000, messages, timers);
    const replies = [pending.start().reply, pending.start().reply];
    pending.failAll();
    for (const reply of replies) await expect(reply).rejects.toMatchObject({ code: 'disconnected' });
    expect(pending.size).toBe(0);
    expect(scheduled.size).toBe(0);
  });
});
