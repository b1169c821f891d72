import { describe, expect, it } from 'vitest';
import type { BackupStatus } from '../api/types';
import { translate } from '../i18n/i18n';
import { backupLine, formatInterval } from './backupStatus';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) =>
  translate('vi', key, params);

const status = (changes: Partial<BackupStatus>): BackupStatus => ({
  last_backup_at: '2026-12-07T01:00:00Z',
  interval_seconds: 86_400,
  keep: 14,
  stale: false,
  last_failure: null,
  last_failure_at: null,
  ...changes,
});

describe('the administrators’ backup line', () => {
  it('says when the last backup was made and the schedule, without a warning', () => {
    const line = backupLine(status({}), t);
    expect(line.warning).toBe(false);
    expect(line.sentences[0]).toMatch(/^Sao lưu gần nhất: \d\d:\d\d 07\/12\/2026\.$/);
    expect(line.sentences[1]).toBe('Tự động sao lưu mỗi 1 d, giữ 14 bản.');
    expect(line.sentences).toHaveLength(2);
  });

  it('warns when the server says the backup is old, or there is none', () => {
    const old = backupLine(status({ stale: true }), t);
    expect(old.warning).toBe(true);
    expect(old.sentences.at(-1)).toContain('Cảnh báo');
    const none = backupLine(
      status({ last_backup_at: null, interval_seconds: null, keep: null, stale: true }),
      t,
    );
    expect(none.sentences[0]).toBe('Chưa có bản sao lưu nào.');
    expect(none.sentences[1]).toContain('Chưa bật sao lưu tự động');
  });

  it('shows why the last scheduled backup failed', () => {
    const line = backupLine(
      status({ last_failure: 'cannot create /mnt/backups', last_failure_at: '2026-12-07T02:00:00Z' }),
      t,
    );
    expect(line.warning).toBe(true);
    expect(line.sentences[2]).toContain('cannot create /mnt/backups');
  });

  it('writes intervals as the operator did', () => {
    expect(formatInterval(86_400)).toBe('1 d');
    expect(formatInterval(7_200)).toBe('2 h');
    expect(formatInterval(1_800)).toBe('30 min');
    expect(formatInterval(90)).toBe('90 s');
  });
});
