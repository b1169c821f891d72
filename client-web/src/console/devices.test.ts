import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../api/types';
import { translate, type MessageKey, type MessageParams } from '../i18n/i18n';
import { canAskWipe, deviceDescription, deviceState, deviceStateText } from './devices';

const t = (key: MessageKey, params?: MessageParams) => translate('vi', key, params);

function tablet(overrides: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    device_id: 'web-00aa',
    user_agent:
      'Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
    address: '10.0.0.21',
    first_seen_at_ms: 1_700_000_000_000,
    last_seen_at_ms: 1_700_000_500_000,
    wipe_requested_at_ms: null,
    wiped_at_ms: null,
    wipe_pending: false,
    ...overrides,
  };
}

describe('an account device as the administrator sees it', () => {
  it('is named by its browser and system, or its id when the browser said nothing', () => {
    expect(deviceDescription(tablet(), t)).toBe('Chrome trên Android');
    expect(deviceDescription(tablet({ user_agent: null }), t)).toBe('web-00aa');
  });

  it('waits for its wipe until the device confirms, and cannot be asked twice meanwhile', () => {
    const pending = tablet({ wipe_pending: true, wipe_requested_at_ms: 1_700_000_600_000 });
    expect(deviceState(pending)).toBe('wipe_pending');
    expect(canAskWipe(pending)).toBe(false);
    expect(deviceStateText(pending, t)).toMatch(/^Chờ xóa/);
  });

  it('is wiped once confirmed, and in use again when someone logs in on it afterwards', () => {
    const wiped = tablet({ wipe_requested_at_ms: 1_700_000_600_000, wiped_at_ms: 1_700_000_700_000 });
    expect(deviceState({ ...wiped, last_seen_at_ms: 1_700_000_700_000 })).toBe('wiped');
    expect(deviceState({ ...wiped, last_seen_at_ms: 1_700_000_900_000 })).toBe('in_use');
    expect(canAskWipe(wiped)).toBe(true);
  });
});
