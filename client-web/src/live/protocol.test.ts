import { describe, expect, it } from 'vitest';
import {
  isError,
  isFollowChanged,
  isLiveEvent,
  isOk,
  isVoteOpened,
  isWelcome,
  parseServerMessage,
} from './protocol';

// Examples copied from docs/protocol.md, which the server's tests parse too.
const examples = [
  '{"type": "hello_refused", "code": "client_too_old", "message_vi": "Ứng dụng đã cũ: hãy tải lại trang để cập nhật.", "message_en": "The app is out of date: reload the page to update it.", "message": "Ứng dụng đã cũ: hãy tải lại trang để cập nhật."}',
  '{"type": "ok", "id": 11}',
  '{"type": "error", "id": 11, "code": "already_voted", "message_vi": "Bạn đã biểu quyết rồi.", "message_en": "You have already voted.", "message": "Bạn đã biểu quyết rồi."}',
  '{"type": "presence_changed", "presence": {"user_id": "u_12", "devices_online": 2, "online_since_ms": 1795401200000}}',
  '{"type": "follow_changed", "follow": {"position": {"agenda_item_id": "a_1", "document_id": "d_7", "page": 5, "viewport": null}, "presenter_user_id": "u_1", "seq": 13, "at_ms": 1795401500000}}',
  '{"type": "vote_progress", "vote_id": "v_5c1e", "ballots_cast": 19, "eligible": 27}',
  '{"type": "announcement", "announcement": {"text": "Giải lao 15 phút.", "by_user_id": "u_3", "at_ms": 1795401800000}}',
  '{"type": "meeting_changed", "meeting_state": "published"}',
  '{"type": "secretary_request_changed", "request": {"id": "r_9d2b", "user_id": "u_12", "kind": "paper_copy", "document_id": "d_7", "text": "Xin 2 bản in.", "state": "handled", "created_at_ms": 1795401250000, "handled_at_ms": 1795401300000, "handled_by": "u_3"}}',
];

describe('parseServerMessage', () => {
  it('reads every documented example', () => {
    for (const example of examples) expect(parseServerMessage(example), example).not.toBeNull();
  });

  it('tells replies from events', () => {
    const ok = parseServerMessage('{"type":"ok","id":3}');
    expect(ok && isOk(ok)).toBe(true);
    expect(ok && isLiveEvent(ok)).toBe(false);
    const event = parseServerMessage(examples[4] ?? '');
    expect(event && isFollowChanged(event)).toBe(true);
    expect(event && isLiveEvent(event)).toBe(true);
  });

  it('refuses what is not a known, well-formed message', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage('"ok"')).toBeNull();
    expect(parseServerMessage('{"type":"format_disk"}')).toBeNull();
    expect(parseServerMessage('{"type":"ok"}')).toBeNull();
    expect(isError({ type: 'error', id: 'x', code: 'forbidden' })).toBe(false);
    expect(isVoteOpened({ type: 'vote_opened', vote: null })).toBe(false);
    expect(parseServerMessage('{"type":"secretary_request_changed","request":{"id":"r_1"}}')).toBeNull();
    expect(isWelcome({ type: 'welcome', protocol_version: 1, user_id: 'u', role: 'delegate' })).toBe(false);
  });
});
