import { describe, expect, it, vi } from 'vitest';
import type { DocumentInfo, Meeting, MeetingSummary } from '../api/types';
import {
  documentsToCache,
  downloadPack,
  expirePacks,
  forbidsStoring,
  hasConfidentialDocuments,
  meetingsToPrepareOffline,
  packStatus,
  recordPack,
  type DocumentStore,
  type PackProgress,
} from './documentPack';
import { standardRules } from '../meetings/rules';

function documentInfo(id: string, confidential = false, version = 1): DocumentInfo {
  return {
    id,
    title: id,
    file_name: `${id}.pdf`,
    page_count: 3,
    size_bytes: 3,
    sha256: 'sha-of-' + id,
    confidential,
    version,
    url: confidential
      ? `/api/v1/documents/${id}/versions/${version}/confidential`
      : `/api/v1/documents/${id}/versions/${version}/file`,
    versions: [],
  };
}

function meetingWith(documents: DocumentInfo[][], state: Meeting['state'] = 'published'): Meeting {
  return {
    id: 'm_1',
    title: 'Họp',
    starts_at: '2026-11-23T14:00:00+07:00',
    place: 'P',
    state,
    my_role: 'delegate',
    video_link: null,
    rules: standardRules,
    sync_documents: [],
    hidden_annotations: [],
    agenda: documents.map((docs, index) => ({
      id: `a_${index}`,
      parent_id: null,
      position: index,
      title: `Mục ${index}`,
      presenter: null,
      duration_minutes: null,
      updated: false,
      documents: docs,
    })),
  };
}

/** A document store in memory that records what it was given. */
function memoryStore(initial: string[] = []): DocumentStore & { files: Map<string, ArrayBuffer> } {
  const files = new Map<string, ArrayBuffer>(initial.map((url) => [url, new ArrayBuffer(1)]));
  return {
    files,
    has: async (url) => files.has(url),
    put: async (url, bytes) => void files.set(url, bytes),
    read: async (url) => (files.has(url) ? new Uint8Array(files.get(url) ?? new ArrayBuffer(0)) : null),
    remove: async (url) => void files.delete(url),
    clear: async () => files.clear(),
  };
}

/** A server that answers each document URL from a table. */
function server(answers: Record<string, () => Response>) {
  const asked: string[] = [];
  const cacheModes: (RequestCache | undefined)[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    asked.push(url);
    cacheModes.push(init?.cache);
    const answer = answers[url];
    if (!answer) throw new TypeError('Failed to fetch');
    return answer();
  }) as typeof fetch;
  return { fetchImpl, asked, cacheModes };
}

const pdf =
  (cacheControl = 'private, max-age=31536000, immutable') =>
  () =>
    new Response(new Uint8Array([0x25, 0x50, 0x44, 0x46]), {
      status: 200,
      headers: { 'Cache-Control': cacheControl },
    });
/** The "hash" our fake digest gives: the first byte's value after "sha-of-". */
const fakeSha256 = (id: string) => async () => 'sha-of-' + id;

describe('documentsToCache', () => {
  it('keeps every non-confidential document once, in agenda order', () => {
    const shared = documentInfo('d_shared');
    const meeting = meetingWith([
      [documentInfo('d_1'), documentInfo('d_secret', true)],
      [shared, shared],
    ]);
    expect(documentsToCache(meeting).map((d) => d.id)).toEqual(['d_1', 'd_shared']);
    expect(hasConfidentialDocuments(meeting)).toBe(true);
  });

  it('keeps nothing of a draft or a cancelled meeting', () => {
    expect(documentsToCache(meetingWith([[documentInfo('d_1')]], 'draft'))).toEqual([]);
    expect(documentsToCache(meetingWith([[documentInfo('d_1')]], 'cancelled'))).toEqual([]);
    expect(documentsToCache(meetingWith([[documentInfo('d_1')]], 'closed'))).toHaveLength(1);
  });
});

describe('meetingsToPrepareOffline', () => {
  const summary = (id: string, starts_at: string, state: MeetingSummary['state']): MeetingSummary => ({
    id,
    title: id,
    starts_at,
    place: 'P',
    state,
    my_role: 'delegate',
  });
  it('prepares published and running meetings of today and later', () => {
    const now = new Date('2026-11-23T03:00:00Z'); // 10:00 in Vietnam
    const meetings = [
      summary('today', '2026-11-23T14:00:00+07:00', 'published'),
      summary('running', '2026-11-23T08:00:00+07:00', 'in_session'),
      summary('tomorrow', '2026-11-24T08:00:00+07:00', 'published'),
      summary('yesterday', '2026-11-22T08:00:00+07:00', 'published'),
      summary('cancelled', '2026-11-24T08:00:00+07:00', 'cancelled'),
      summary('draft', '2026-11-24T08:00:00+07:00', 'draft'),
    ];
    expect(meetingsToPrepareOffline(meetings, now).map((m) => m.id)).toEqual([
      'today',
      'running',
      'tomorrow',
    ]);
  });
});

describe('packStatus', () => {
  const progress = (p: Partial<PackProgress>): PackProgress => ({
    total: 12,
    done: 0,
    failed: 0,
    running: true,
    ...p,
  });

  it('counts documents while downloading', () => {
    expect(packStatus(progress({ done: 7 }))).toEqual({
      key: 'offline.packProgress',
      params: { done: 7, total: 12 },
    });
  });

  it('says done when every document is on the device', () => {
    expect(packStatus(progress({ done: 12, running: false }))).toEqual({
      key: 'offline.packCompleteDetail',
      params: { total: 12 },
    });
  });

  it('says what is missing once downloads stop short', () => {
    expect(packStatus(progress({ done: 10, failed: 2, running: false }))).toEqual({
      key: 'offline.packIncomplete',
      params: { done: 10, total: 12, failed: 2 },
    });
  });

  it('says nothing when there is nothing to keep', () => {
    expect(packStatus(progress({ total: 0 }))).toBeNull();
  });
});

describe('downloadPack', () => {
  it('downloads what is missing, checks it, and reports each step', async () => {
    const store = memoryStore([documentInfo('d_kept').url]);
    const { fetchImpl, asked, cacheModes } = server({ [documentInfo('d_new').url]: pdf() });
    const seen: PackProgress[] = [];
    const result = await downloadPack([documentInfo('d_kept'), documentInfo('d_new')], {
      store,
      fetch: fetchImpl,
      sha256: fakeSha256('d_new'),
      onProgress: (p) => seen.push(p),
      concurrency: 1,
    });
    expect(result).toEqual({ total: 2, done: 2, failed: 0, running: false });
    expect(asked).toEqual([documentInfo('d_new').url]);
    // The browser's HTTP cache is kept out: only the pack holds documents.
    expect(cacheModes).toEqual(['no-store']);
    expect(store.files.has(documentInfo('d_new').url)).toBe(true);
    expect(seen.map((p) => `${p.done}/${p.total}${p.running ? '' : ' done'}`)).toEqual([
      '1/2',
      '2/2',
      '2/2 done',
    ]);
  });

  it('reports a pack already on the device as complete from its first report', async () => {
    const store = memoryStore([documentInfo('d_1').url, documentInfo('d_2').url]);
    const { fetchImpl, asked } = server({});
    const seen: PackProgress[] = [];
    await downloadPack([documentInfo('d_1'), documentInfo('d_2')], {
      store,
      fetch: fetchImpl,
      onProgress: (p) => seen.push(p),
    });
    expect(asked).toEqual([]);
    expect(seen.map((p) => `${p.done}/${p.total}`)).toEqual(['2/2', '2/2']);
  });

  it('counts a failed or damaged download and goes on with the others', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = memoryStore();
    const { fetchImpl } = server({
      [documentInfo('d_ok').url]: pdf(),
      [documentInfo('d_gone').url]: () => new Response('{}', { status: 404 }),
    });
    const result = await downloadPack(
      [documentInfo('d_down'), documentInfo('d_gone'), documentInfo('d_ok')],
      {
        store,
        fetch: fetchImpl,
        sha256: fakeSha256('d_ok'),
      },
    );
    expect(result).toEqual({ total: 3, done: 1, failed: 2, running: false });
    expect([...store.files.keys()]).toEqual([documentInfo('d_ok').url]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('never keeps a file whose bytes do not match its hash', async () => {
    const store = memoryStore();
    const { fetchImpl } = server({ [documentInfo('d_1').url]: pdf() });
    const result = await downloadPack([documentInfo('d_1')], {
      store,
      fetch: fetchImpl,
      sha256: async () => 'other',
    });
    expect(result.failed).toBe(1);
    expect(store.files.size).toBe(0);
  });

  it('never keeps an answer the server marked no-store (a document became confidential)', async () => {
    const store = memoryStore();
    const { fetchImpl } = server({ [documentInfo('d_1').url]: pdf('private, no-store') });
    const result = await downloadPack([documentInfo('d_1')], { store, fetch: fetchImpl });
    expect(result).toEqual({ total: 0, done: 0, failed: 0, running: false });
    expect(store.files.size).toBe(0);
  });

  it('reads the no-store directive among others', () => {
    expect(forbidsStoring('private, no-store')).toBe(true);
    expect(forbidsStoring('No-Store')).toBe(true);
    expect(forbidsStoring('private, no-cache')).toBe(false);
    expect(forbidsStoring(null)).toBe(false);
  });
});

describe('recordPack and expirePacks', () => {
  const meeting = { id: 'm_1', starts_at: '2026-11-23T14:00:00+07:00' };

  it('gives back the files of replaced versions that no meeting uses any more', () => {
    let { index } = recordPack({ meetings: {} }, meeting, ['/v1', '/shared'], 0);
    ({ index } = recordPack(index, { id: 'm_2', starts_at: meeting.starts_at }, ['/shared'], 0));
    const { unused, index: next } = recordPack(index, meeting, ['/v2'], 10);
    expect(unused).toEqual(['/v1']);
    expect(next.meetings['m_1']).toEqual({ urls: ['/v2'], startsAt: meeting.starts_at, lastUsedMs: 10 });
  });

  it('drops packs of meetings long past and not used since', () => {
    const day = 24 * 3600 * 1000;
    const start = Date.parse(meeting.starts_at);
    const { index } = recordPack({ meetings: {} }, meeting, ['/old'], start);
    expect(expirePacks(index, start + 10 * day).unused).toEqual([]);
    const expired = expirePacks(index, start + 40 * day);
    expect(expired.unused).toEqual(['/old']);
    expect(expired.index.meetings).toEqual({});
  });
});
