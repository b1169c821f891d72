import { describe, expect, it } from 'vitest';
import { translate } from '../i18n/i18n';
import type { DeviceReadiness } from './protocol';
import { deviceLine, participantStatus, statusCounts } from './readinessBoard';

const device = (userId: string, deviceId: string, extra: Partial<DeviceReadiness>): DeviceReadiness => ({
  user_id: userId,
  device_id: deviceId,
  status: 'missing',
  cached_documents: 0,
  total_documents: 3,
  stale: [],
  downloading: false,
  online: true,
  at_ms: 1,
  ...extra,
});

describe('the readiness board', () => {
  it('a participant is as ready as their readiest device', () => {
    expect(participantStatus([])).toBe('missing');
    expect(
      participantStatus([
        device('a', 't1', { status: 'stale' }),
        device('a', 't2', { status: 'ready', cached_documents: 3 }),
      ]),
    ).toBe('ready');
    expect(participantStatus([device('a', 't1', { status: 'stale' }), device('a', 't2', {})])).toBe('stale');
  });

  it('says which version a stale device holds', () => {
    const line = deviceLine(
      device('a', 'tablet-7', {
        status: 'stale',
        cached_documents: 2,
        stale: [{ document_id: 'd_1', held_version: 1, current_version: 2 }],
      }),
      (id) => (id === 'd_1' ? 'Báo cáo KT-XH' : id),
    );
    expect(translate('vi', line.key, line.params)).toBe('tablet-7: bản cũ: Báo cáo KT-XH (1 → 2)');
    expect(translate('en', line.key, line.params)).toBe('tablet-7: old version: Báo cáo KT-XH (1 → 2)');
  });

  it('says n of m while downloading and what is missing', () => {
    const downloading = deviceLine(device('a', 't', { status: 'downloading', cached_documents: 1 }), String);
    expect(translate('vi', downloading.key, downloading.params)).toBe('t: đang tải 1/3');
    const missing = deviceLine(device('a', 't', { cached_documents: 1 }), String);
    expect(translate('vi', missing.key, missing.params)).toBe('t: thiếu 2/3 tài liệu');
  });

  it('counts participants per status, those without a device as missing', () => {
    expect(
      statusCounts(
        ['a', 'b', 'c'],
        [device('a', 't', { status: 'ready' }), device('b', 't', { status: 'stale' })],
      ),
    ).toEqual({ ready: 1, downloading: 0, stale: 1, missing: 1 });
  });
});
