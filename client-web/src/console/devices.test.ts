import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../api/types';
import { translate, type MessageKey, type MessageParams } from '../i18n/i18n';
import { canAskWipe, describeUserAgent, deviceDescription, deviceState, deviceStateText } from './devices';

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

describe('a User-Agent in a few words', () => {
  it('names the browser and the system of common tablets and computers', () => {
    const said = (agent: string) => describeUserAgent(agent, t, '?');
    expect(
      said(
        'Mozilla/5.0 (Linux; Android 13; SM-X205) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      ),
    ).toBe('Chrome trên Android');
    expect(
      said(
        'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1',
      ),
    ).toBe('Safari trên iOS');
    expect(said('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0')).toBe(
      'Firefox trên Windows',
    );
    expect(
      said(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0',
      ),
    ).toBe('Edge trên Windows');
  });

  it('says the device is unknown when nothing useful was sent', () => {
    expect(describeUserAgent(null, t, 'Thiết bị không rõ')).toBe('Thiết bị không rõ');
    expect(describeUserAgent('curl/8.0', t, 'Thiết bị không rõ')).toBe('Thiết bị không rõ');
  });
});
