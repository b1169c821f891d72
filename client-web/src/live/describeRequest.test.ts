import { describe, expect, it } from 'vitest';
import { en } from '../i18n/messages';
import { describeRequest } from './delegatePanel';
import type { SecretaryRequest } from './protocol';

const t = (key: keyof typeof en) => en[key];
const request = (changes: Partial<SecretaryRequest>): SecretaryRequest => ({
  id: 'r_1',
  user_id: 'u_1',
  kind: 'tech_help',
  document_id: null,
  text: null,
  state: 'open',
  created_at_ms: 0,
  handled_at_ms: null,
  handled_by: null,
  ...changes,
});

describe('describeRequest', () => {
  it('names the kind, the document by its title and the text', () => {
    const titles = (id: string) => (id === 'd_1' ? 'Báo cáo năm 2026' : null);
    expect(describeRequest(request({}), t, titles)).toBe('Technical help');
    expect(
      describeRequest(request({ kind: 'paper_copy', document_id: 'd_1', text: '2 bản' }), t, titles),
    ).toBe('Paper copy of a document: Báo cáo năm 2026 — 2 bản');
    expect(describeRequest(request({ kind: 'paper_copy', document_id: 'd_9' }), t, titles)).toBe(
      'Paper copy of a document: d_9',
    );
    expect(describeRequest(request({ kind: 'other', text: 'Nước uống' }), t, titles)).toBe(
      'Other request — Nước uống',
    );
  });
});
