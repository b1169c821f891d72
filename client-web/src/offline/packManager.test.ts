import { describe, expect, it } from 'vitest';
import type { DocumentInfo, Meeting } from '../api/types';
import type { DocumentStore, PackIndex, PackProgress } from './documentPack';
import { heldVersions, planPack } from './documentPack';
import { DocumentPacks } from './packManager';
import { standardRules } from '../meetings/rules';

const doc = (id: string, version = 1, confidential = false): DocumentInfo => ({
  id,
  title: id,
  file_name: `${id}.pdf`,
  page_count: 1,
  size_bytes: 4,
  sha256: 'x',
  confidential,
  version,
  url: confidential
    ? `/api/v1/documents/${id}/versions/${version}/confidential`
    : `/api/v1/documents/${id}/versions/${version}/file`,
  versions: [],
});

const meeting = (documents: DocumentInfo[]): Meeting => ({
  id: 'm_1',
  title: 'Họp',
  starts_at: '2026-11-23T14:00:00+07:00',
  place: 'P',
  state: 'published',
  my_role: 'delegate',
  video_link: null,
  rules: standardRules,
  sync_documents: [],
  hidden_annotations: [],
  agenda: [
    {
      id: 'a_1',
      parent_id: null,
      position: 0,
      title: 'Mục 1',
      presenter: null,
      duration_minutes: null,
      updated: false,
      documents,
    },
  ],
});

function setUp() {
  const files = new Map<string, ArrayBuffer>();
  const store: DocumentStore = {
    has: async (url) => files.has(url),
    put: async (url, bytes) => void files.set(url, bytes),
    read: async (url) => (files.has(url) ? new Uint8Array(files.get(url) ?? new ArrayBuffer(0)) : null),
    remove: async (url) => void files.delete(url),
    clear: async () => files.clear(),
  };
  let index: PackIndex | null = null;
  let requests = 0;
  const fetchImpl = (async () => {
    requests += 1;
    return new Response(new Uint8Array([1, 2, 3, 4]), { status: 200 });
  }) as typeof fetch;
  const packs = new DocumentPacks({
    store,
    fetch: fetchImpl,
    loadIndex: async () => index,
    saveIndex: async (next) => {
      index = next;
    },
  });
  return { packs, files, requests: () => requests };
}

describe('DocumentPacks', () => {
  it('downloads a meeting pack once even when asked twice at the same time', async () => {
    const { packs, files, requests } = setUp();
    const pack = meeting([doc('d_1'), doc('d_2'), doc('d_secret', 1, true)]);
    const [first, second] = await Promise.all([packs.ensure(pack), packs.ensure(pack)]);
    expect(first).toEqual({ total: 2, done: 2, failed: 0, running: false });
    expect(second).toEqual(first);
    expect(requests()).toBe(2);
    expect([...files.keys()].some((url) => url.includes('d_secret'))).toBe(false);
  });

  it('tells listeners the progress, the latest first for late listeners', async () => {
    const { packs } = setUp();
    const seen: PackProgress[] = [];
    const lifetime = new AbortController();
    packs.subscribe('m_1', (progress) => seen.push(progress), lifetime.signal);
    await packs.ensure(meeting([doc('d_1')]));
    expect(seen.at(-1)).toEqual({ total: 1, done: 1, failed: 0, running: false });
    const late: PackProgress[] = [];
    packs.subscribe('m_1', (progress) => late.push(progress), lifetime.signal);
    expect(late).toEqual([{ total: 1, done: 1, failed: 0, running: false }]);
    lifetime.abort();
  });

  it('removes a replaced version once the meeting points at the new one', async () => {
    const { packs, files } = setUp();
    await packs.ensure(meeting([doc('d_1', 1)]));
    await packs.ensure(meeting([doc('d_1', 2)]));
    expect([...files.keys()]).toEqual([doc('d_1', 2).url]);
  });

  it('removes a document marked confidential after it was kept', async () => {
    const { packs, files } = setUp();
    await packs.ensure(meeting([doc('d_1')]));
    await packs.ensure(meeting([doc('d_1', 1, true)]));
    expect(files.size).toBe(0);
  });

  it('forgets every kept document at logout', async () => {
    const { packs, files } = setUp();
    await packs.ensure(meeting([doc('d_1')]));
    await packs.clear();
    expect(files.size).toBe(0);
    expect(packs.progress('m_1')).toBeUndefined();
  });

  it('does nothing where the browser cannot keep files', async () => {
    const packs = new DocumentPacks({
      store: null,
      fetch: (() => Promise.reject(new Error('unused'))) as typeof fetch,
      loadIndex: async () => null,
      saveIndex: async () => undefined,
    });
    expect(packs.enabled).toBe(false);
    expect(await packs.ensure(meeting([doc('d_1')]))).toBeNull();
    expect(await packs.read(doc('d_1').url)).toBeNull();
  });
});

/** A document at `version` whose earlier versions are listed, as the
 * server sends them. */
const versioned = (id: string, version: number, confidential = false): DocumentInfo => ({
  ...doc(id, version, confidential),
  sha256: `${id}-${version}`,
  versions: Array.from({ length: version }, (_, index) => ({
    version: index + 1,
    uploaded_at_ms: index,
    page_count: 1,
    size_bytes: 4,
    sha256: `${id}-${index + 1}`,
    url:
      confidential && index + 1 === version
        ? `/api/v1/documents/${id}/versions/${index + 1}/confidential`
        : `/api/v1/documents/${id}/versions/${index + 1}/file`,
  })),
});

describe('planPack', () => {
  it('downloads what is missing and keeps an older version until its replacement is held', () => {
    const pack = meeting([versioned('d_1', 2), versioned('d_2', 1)]);
    const held = new Set([versioned('d_1', 1).url]);
    const plan = planPack(pack, held);
    expect(plan.download.map((document) => document.url)).toEqual([
      versioned('d_1', 2).url,
      versioned('d_2', 1).url,
    ]);
    expect(plan.keep).toEqual([versioned('d_1', 2).url, versioned('d_2', 1).url, versioned('d_1', 1).url]);
    expect(heldVersions(pack, held)).toEqual([{ document_id: 'd_1', version: 1, sha256: 'd_1-1' }]);
  });

  it('drops a superseded version once the new one is held, and a document marked confidential at once', () => {
    const pack = meeting([versioned('d_1', 2), versioned('d_2', 1, true)]);
    const held = new Set([versioned('d_1', 1).url, versioned('d_1', 2).url, versioned('d_2', 1, false).url]);
    const plan = planPack(pack, held);
    expect(plan.download).toEqual([]);
    expect(plan.keep).toEqual([versioned('d_1', 2).url]);
    expect(heldVersions(pack, new Set(plan.keep))).toEqual([
      { document_id: 'd_1', version: 2, sha256: 'd_1-2' },
    ]);
  });

  it('keeps nothing for a meeting that is a draft again or cancelled', () => {
    const pack = { ...meeting([versioned('d_1', 1)]), state: 'cancelled' as const };
    expect(planPack(pack, new Set([versioned('d_1', 1).url]))).toEqual({ download: [], keep: [] });
  });
});

describe('DocumentPacks following a meeting', () => {
  it('keeps the old version while the new one downloads, then holds only the new one', async () => {
    const { packs, files } = setUp();
    await packs.ensure(meeting([versioned('d_1', 1)]));
    expect(packs.held('m_1')).toEqual([{ document_id: 'd_1', version: 1, sha256: 'd_1-1' }]);
    await packs.ensure(meeting([versioned('d_1', 2)]));
    expect([...files.keys()]).toEqual([versioned('d_1', 2).url]);
    expect(packs.held('m_1')).toEqual([{ document_id: 'd_1', version: 2, sha256: 'd_1-2' }]);
  });

  it('deletes a document marked confidential without waiting for a download under way', async () => {
    const files = new Map<string, ArrayBuffer>();
    files.set(versioned('d_1', 1).url, new ArrayBuffer(4));
    let index: PackIndex | null = {
      meetings: {
        m_1: { urls: [versioned('d_1', 1).url], startsAt: '2026-11-23T14:00:00+07:00', lastUsedMs: 0 },
      },
    };
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const packs = new DocumentPacks({
      store: {
        has: async (url) => files.has(url),
        put: async (url, bytes) => void files.set(url, bytes),
        read: async (url) => (files.has(url) ? new Uint8Array(4) : null),
        remove: async (url) => void files.delete(url),
        clear: async () => files.clear(),
      },
      fetch: (async () => {
        await slow;
        return new Response(new Uint8Array([1, 2, 3, 4]), { status: 200 });
      }) as typeof fetch,
      loadIndex: async () => index,
      saveIndex: async (next) => {
        index = next;
      },
    });
    const first = packs.ensure(meeting([versioned('d_1', 1), versioned('d_big', 1)]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = packs.ensure(meeting([versioned('d_1', 1, true), versioned('d_big', 1)]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(files.has(versioned('d_1', 1).url)).toBe(false);
    release();
    await Promise.all([first, second]);
    expect([...files.keys()]).toEqual([versioned('d_big', 1).url]);
  });

  it('deletes a kept file whose bytes no longer match and downloads it again', async () => {
    const files = new Map<string, ArrayBuffer>();
    files.set(versioned('d_1', 1).url, new Uint8Array([9, 9]).buffer);
    let fetched = 0;
    const packs = new DocumentPacks({
      store: {
        has: async (url) => files.has(url),
        put: async (url, bytes) => void files.set(url, bytes),
        read: async (url) => (files.has(url) ? new Uint8Array(files.get(url) ?? new ArrayBuffer(0)) : null),
        remove: async (url) => void files.delete(url),
        clear: async () => files.clear(),
      },
      fetch: (async () => {
        fetched += 1;
        return new Response(new Uint8Array([1, 2, 3, 4]), { status: 200 });
      }) as typeof fetch,
      sha256: async (bytes) => (new Uint8Array(bytes).length === 4 ? 'd_1-1' : 'broken'),
      loadIndex: async () => null,
      saveIndex: async () => undefined,
    });
    await packs.ensure(meeting([versioned('d_1', 1)]));
    expect(fetched).toBe(1);
    expect(new Uint8Array(files.get(versioned('d_1', 1).url) ?? new ArrayBuffer(0))).toHaveLength(4);
    expect(packs.held('m_1')).toEqual([{ document_id: 'd_1', version: 1, sha256: 'd_1-1' }]);
  });
});
