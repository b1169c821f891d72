import { describe, expect, it } from 'vitest';
import type { MeetingState } from '../api/types';
import { isEditable, lifecycleButtons } from './lifecycle';

const actions = (state: MeetingState) => lifecycleButtons(state).map((button) => button.action);

describe('lifecycleButtons', () => {
  it('follows draft → published → in_session → closed', () => {
    expect(actions('draft')).toEqual(['publish', 'cancel']);
    expect(actions('published')).toEqual(['start', 'cancel']);
    expect(actions('in_session')).toEqual(['close']);
  });

  it('offers nothing once the meeting is over', () => {
    expect(actions('closed')).toEqual([]);
    expect(actions('cancelled')).toEqual([]);
  });

  it('marks cancelling as the dangerous choice and names the state each leads to', () => {
    const [publish, cancel] = lifecycleButtons('draft');
    expect(publish).toMatchObject({
      target: 'published',
      tone: 'primary',
      question: 'lifecycle.confirmPublish',
    });
    expect(cancel).toMatchObject({ target: 'cancelled', tone: 'danger' });
  });

  it('lets a meeting change until it is closed or cancelled', () => {
    expect(isEditable('draft')).toBe(true);
    expect(isEditable('in_session')).toBe(true);
    expect(isEditable('closed')).toBe(false);
    expect(isEditable('cancelled')).toBe(false);
  });
});
