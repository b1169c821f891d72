import { describe, expect, it } from 'vitest';
import type { DocumentReads } from '../api/types';
import { translate } from '../i18n/i18n';
import { participantReadsText, participantsInOrder, readsSummary } from './documentReads';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) =>
  translate('vi', key, params);

const report: DocumentReads = {
  document_id: 'd_1',
  title: 'Tờ trình (mật)',
  expected_readers: 4,
  readers: 2,
  participants: [
    { user_id: 'u_1', display_name: 'Trần Văn Bình', role: 'delegate', reads: [] },
    {
      user_id: 'u_2',
      display_name: 'Nguyễn Văn Ưng',
      role: 'delegate',
      reads: [{ at_ms: 1_000, version: 1, device_id: 'web-07' }],
    },
    { user_id: 'u_3', display_name: 'Đặng Thị Hương', role: 'chair', reads: [] },
    {
      user_id: 'u_4',
      display_name: 'Lê An',
      role: 'delegate',
      reads: [
        { at_ms: 500, version: 1, device_id: null },
        { at_ms: 2_000, version: 2, device_id: 'web-12' },
      ],
    },
  ],
};

describe('the confidential documents read list', () => {
  it('says how many of those who may read have had a copy', () => {
    expect(readsSummary(report, t)).toBe('Đã xem: 2/4');
  });

  it('lists who has not read yet first, then the latest readers', () => {
    expect(participantsInOrder(report).map((participant) => participant.user_id)).toEqual([
      'u_3',
      'u_1',
      'u_4',
      'u_2',
    ]);
  });

  it('describes each copy with its time, device and version', () => {
    const time = (atMs: number) => `t${atMs}`;
    expect(participantReadsText(report.participants[0]!, t, time)).toEqual(['Chưa xem']);
    expect(participantReadsText(report.participants[3]!, t, time)).toEqual([
      't500 · thiết bị không rõ · bản 1',
      't2000 · thiết bị web-12 · bản 2',
    ]);
  });
});
