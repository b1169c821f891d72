import { describe, expect, it } from 'vitest';
import type { AuditLogEntry } from '../api/types';
import { translate } from '../i18n/i18n';
import {
  auditActionText,
  auditActorText,
  auditDetailsText,
  formatAuditTime,
  sortAuditEntries,
  type AuditNames,
} from './audit';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) =>
  translate('vi', key, params);
const names: AuditNames = {
  users: new Map([['u_1', 'Thư ký Văn phòng UBND']]),
  things: new Map([
    ['a_1', 'Báo cáo tình hình'],
    ['d_1', 'Báo cáo Lạng Sơn'],
  ]),
};
const entry = (
  seq: number,
  action: string,
  details: Record<string, unknown>,
  actor: string | null = 'u_1',
): AuditLogEntry => ({
  seq,
  at_ms: Date.UTC(2026, 10, 23, 1, 5, 9),
  actor_user_id: actor,
  action,
  details,
  hash: 'h',
});

describe('audit log text', () => {
  it('names known actions in Vietnamese and shows unknown ones as written', () => {
    expect(auditActionText('meeting.publish', t)).toBe('Công bố cuộc họp');
    expect(auditActionText('vote.open', t)).toBe('vote.open');
  });

  it('replaces ids with names and hides hashes', () => {
    expect(
      auditDetailsText(
        { document_id: 'd_1', file_name: 'bc.pdf', pages: 5, confidential: false, sha256: 'abc' },
        names,
        t,
      ),
    ).toEqual(['tài liệu: Báo cáo Lạng Sơn', 'tệp: bc.pdf', 'số trang: 5', 'mật: không']);
    expect(auditDetailsText({ item_id: 'a_1', title: null }, names, t)).toEqual([
      'nội dung: Báo cáo tình hình',
    ]);
  });

  it('translates roles and the state a meeting left', () => {
    expect(auditDetailsText({ user: 'daibieu01', role: 'delegate' }, names, t)).toEqual([
      'tài khoản: daibieu01',
      'vai trò: Đại biểu',
    ]);
    expect(auditDetailsText({ from: 'InSession' }, names, t)).toEqual(['từ trạng thái: Đang họp']);
  });

  it('keeps what it cannot read instead of hiding it', () => {
    expect(auditDetailsText({ extra: { a: 1 } }, names, t)).toEqual(['extra: {"a":1}']);
    expect(auditDetailsText('text', names, t)).toEqual(['"text"']);
    expect(auditDetailsText(null, names, t)).toEqual([]);
  });

  it('names the actor, or the system for server actions', () => {
    expect(auditActorText(entry(1, 'x', {}), names, t)).toBe('Thư ký Văn phòng UBND');
    expect(auditActorText(entry(1, 'x', {}, null), names, t)).toBe('Hệ thống');
    expect(auditActorText(entry(1, 'x', {}, 'u_9'), names, t)).toBe('u_9');
  });

  it('shows times on the Vietnam clock, oldest entry first', () => {
    expect(formatAuditTime(Date.UTC(2026, 10, 23, 1, 5, 9))).toBe('08:05:09 23/11/2026');
    expect(sortAuditEntries([entry(3, 'b', {}), entry(1, 'a', {})]).map((e) => e.seq)).toEqual([1, 3]);
  });
});
