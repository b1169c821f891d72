// Keeps meetings' agenda packs on the device: one download per meeting at
// a time, progress that any screen can listen to, retries when the
// network returns, and removal of what no meeting needs any more.
//
// It outlives screens (the app holds one), so leaving a meeting while its
// pack downloads does not stop the download.
//
// `ensure` makes a meeting's pack follow the meeting (what to download and
// keep is `planPack`, pure, in `documentPack.ts`): what the meeting no
// longer allows (a document removed or marked confidential) is deleted at
// once, not behind a download under way; a download the meeting outdated
// is stopped; each held file is hashed once per page (a mismatch is
// deleted and fetched again), and `held` is what the readiness board is
// told. It is called by the meetings list (today's and upcoming meetings,
// `meetingsToPrepareOffline`), the meeting screen, the big screen and
// `screens/agendaFollow.ts` on every agenda change; the app retries
// incomplete packs when the network returns (`retryIncomplete`).

import type { Meeting } from '../api/types';
import { documentCacheName } from './cacheNames';
import {
  candidateUrls,
  documentsToCache,
  downloadPack,
  emptyPackIndex,
  expirePacks,
  heldVersions,
  planPack,
  recordPack,
  type DocumentStore,
  type HeldVersion,
  type PackIndex,
  type PackProgress,
} from './documentPack';

/** The documents cache in Cache Storage. Each PDF is stored under its
 * version URL, so the service worker can answer the same request. */
export function cacheDocumentStore(storage: CacheStorage): DocumentStore {
  const open = () => storage.open(documentCacheName);
  return {
    async has(url) {
      return (await (await open()).match(url)) !== undefined;
    },
    async put(url, bytes) {
      const response = new Response(bytes, {
        headers: { 'Content-Type': 'application/pdf', 'Content-Length': String(bytes.byteLength) },
      });
      await (await open()).put(url, response);
    },
    async read(url) {
      const response = await (await open()).match(url);
      return response ? new Uint8Array(await response.arrayBuffer()) : null;
    },
    async remove(url) {
      await (await open()).delete(url);
    },
    async clear() {
      await storage.delete(documentCacheName);
    },
  };
}

/** SHA-256 as lowercase hex with Web Crypto. */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

type Listener = (progress: PackProgress) => void;

export interface DocumentPacksOptions {
  /** `null` where the browser cannot keep files (not a secure context). */
  store: DocumentStore | null;
  fetch: typeof fetch;
  sha256?: (bytes: ArrayBuffer) => Promise<string>;
  loadIndex(): Promise<PackIndex | null>;
  saveIndex(index: PackIndex): Promise<void>;
  now?: () => number;
}

export class DocumentPacks {
  private readonly progressByMeeting = new Map<string, PackProgress>();
  private readonly running = new Map<
    string,
    { urls: string; task: Promise<PackProgress | null>; stop: AbortController }
  >();
  /** What each meeting's pack holds, checked (see `held`). */
  private readonly heldByMeeting = new Map<string, HeldVersion[]>();
  /** URLs whose bytes were checked against their SHA-256 on this page. */
  private readonly verified = new Set<string>();
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The last version of each meeting seen, for retrying. */
  private readonly meetings = new Map<string, Meeting>();
  /** Index updates run one after another. */
  private indexQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DocumentPacksOptions) {}

  /** Whether this browser can keep documents at all. */
  get enabled(): boolean {
    return this.options.store !== null;
  }

  progress(meetingId: string): PackProgress | undefined {
    return this.progressByMeeting.get(meetingId);
  }

  /** Calls `listener` with the meeting's progress now (if any) and on
   * every change, until `signal` aborts. */
  subscribe(meetingId: string, listener: Listener, signal: AbortSignal): void {
    const set = this.listeners.get(meetingId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(meetingId, set);
    signal.addEventListener('abort', () => set.delete(listener), { once: true });
    const current = this.progressByMeeting.get(meetingId);
    if (current) listener(current);
  }

  /** The versions of the meeting's pack documents this device holds,
   * each checked against its SHA-256 (what the readiness board is told). */
  held(meetingId: string): HeldVersion[] {
    return this.heldByMeeting.get(meetingId) ?? [];
  }

  /** Makes the meeting's pack on the device follow the meeting: what the
   * meeting no longer lets the device keep (a document removed or marked
   * confidential) is deleted at once, not behind a download under way;
   * missing current versions are downloaded; a version replaced by one
   * now on the device is deleted. Calls for a meeting whose download is
   * under way with the same documents share it; a call with other
   * documents stops the old download. */
  ensure(meeting: Meeting): Promise<PackProgress | null> {
    const store = this.options.store;
    if (!store) return Promise.resolve(null);
    this.meetings.set(meeting.id, meeting);
    const documents = documentsToCache(meeting);
    const urls = documents.map((document) => document.url).join('\n');
    const tidied = this.tidy(meeting.id);
    const current = this.running.get(meeting.id);
    if (current && current.urls === urls) return current.task;
    current?.stop.abort();
    const stop = new AbortController();
    const previous = current?.task ?? Promise.resolve(null);
    const task = Promise.all([previous.catch(() => null), tidied])
      .then(async () => {
        const progress = await downloadPack(documents, {
          store,
          fetch: this.options.fetch,
          ...(this.options.sha256 ? { sha256: this.options.sha256 } : {}),
          signal: stop.signal,
          onKept: (document) => {
            this.verified.add(document.url);
            const held = this.held(meeting.id).filter((entry) => entry.document_id !== document.id);
            held.push({
              document_id: document.id,
              version: document.version,
              sha256: document.sha256.toLowerCase(),
            });
            this.heldByMeeting.set(meeting.id, held);
          },
          onProgress: (progress) => this.publish(meeting.id, progress),
        });
        await this.tidy(meeting.id);
        if (!stop.signal.aborted) this.publish(meeting.id, progress);
        return progress;
      })
      .finally(() => {
        if (this.running.get(meeting.id)?.task === task) this.running.delete(meeting.id);
      });
    this.running.set(meeting.id, { urls, task, stop });
    return task;
  }

  /** Deletes what the latest version of the meeting does not keep
   * (`planPack`) and works out what the device holds. */
  private async tidy(meetingId: string): Promise<void> {
    const store = this.options.store;
    const meeting = this.meetings.get(meetingId);
    if (!store || !meeting) return;
    const held = await this.heldUrls(meeting, store);
    const { keep } = planPack(meeting, held);
    await this.updateIndex((index) => recordPack(index, meeting, keep, this.now()));
    const kept = new Set(keep);
    this.heldByMeeting.set(
      meetingId,
      heldVersions(meeting, new Set([...held].filter((url) => kept.has(url)))),
    );
  }

  /** The URLs of the meeting's documents on the device whose bytes match
   * their SHA-256. Each file is read and hashed once per page; one that
   * does not match is deleted (and downloaded again). */
  private async heldUrls(meeting: Meeting, store: DocumentStore): Promise<Set<string>> {
    const held = new Set<string>();
    for (const { url, sha256 } of candidateUrls(meeting)) {
      if (!(await this.isKept(url))) continue;
      if (this.options.sha256 && !this.verified.has(url)) {
        const bytes = await this.read(url);
        const whole =
          bytes !== null && (await this.options.sha256(bytes.slice().buffer)) === sha256.toLowerCase();
        if (!whole) {
          await store.remove(url).catch(() => undefined);
          continue;
        }
        this.verified.add(url);
      }
      held.add(url);
    }
    return held;
  }

  /** Retries every pack that is not complete (the network came back). */
  retryIncomplete(): void {
    for (const [meetingId, meeting] of this.meetings) {
      const progress = this.progressByMeeting.get(meetingId);
      if (progress && !progress.running && progress.done < progress.total) void this.ensure(meeting);
    }
  }

  /** Whether the PDF at `url` is on the device. */
  async isKept(url: string): Promise<boolean> {
    try {
      return (await this.options.store?.has(url)) ?? false;
    } catch {
      return false;
    }
  }

  /** The kept bytes of the PDF at `url`, or `null`. */
  async read(url: string): Promise<Uint8Array | null> {
    try {
      return (await this.options.store?.read(url)) ?? null;
    } catch {
      return null;
    }
  }

  /** Removes packs of meetings long past. */
  expireOld(): Promise<void> {
    return this.updateIndex((index) => expirePacks(index, this.now()));
  }

  /** Forgets every kept document (logout, another user). */
  async clear(): Promise<void> {
    for (const { stop } of this.running.values()) stop.abort();
    this.progressByMeeting.clear();
    this.heldByMeeting.clear();
    this.verified.clear();
    this.meetings.clear();
    await this.options.store?.clear();
    await this.options.saveIndex(emptyPackIndex());
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private publish(meetingId: string, progress: PackProgress): void {
    this.progressByMeeting.set(meetingId, progress);
    for (const listener of this.listeners.get(meetingId) ?? []) listener(progress);
  }

  private updateIndex(change: (index: PackIndex) => { index: PackIndex; unused: string[] }): Promise<void> {
    const step = this.indexQueue.then(async () => {
      const store = this.options.store;
      if (!store) return;
      const { index, unused } = change((await this.options.loadIndex()) ?? emptyPackIndex());
      await this.options.saveIndex(index);
      await Promise.all(unused.map((url) => store.remove(url)));
    });
    this.indexQueue = step.catch((error: unknown) =>
      console.warn('phonghop: could not update the offline documents index', error),
    );
    return this.indexQueue.then(() => undefined);
  }
}
