// The agenda pack: which documents of a meeting a tablet keeps for reading
// offline, downloading them with progress, and the words for that progress.
//
// **Invariant:** a confidential (mật) document is never written to the
// device. `documentsToCache` leaves them out, and `downloadPack` also
// refuses any answer the server marked `no-store` (a document marked mật
// after the meeting JSON was fetched).

import type { DocumentInfo, Meeting, MeetingState, MeetingSummary } from '../api/types';
import type { MessageKey, MessageParams } from '../i18n/i18n';
import { meetingGroupOf } from '../meetings/grouping';

/** Meetings whose documents are worth keeping: a draft is still changing
 * and not the delegates' yet; a cancelled meeting's documents are gone. */
const packStates: readonly MeetingState[] = ['published', 'in_session', 'closed'];

/** The documents to keep on the device for `meeting`: every
 * non-confidential one, once per URL, in agenda order. */
export function documentsToCache(meeting: Meeting): DocumentInfo[] {
  if (!packStates.includes(meeting.state)) return [];
  const seen = new Set<string>();
  const chosen: DocumentInfo[] = [];
  for (const item of meeting.agenda) {
    for (const document of item.documents) {
      if (document.confidential || seen.has(document.url)) continue;
      seen.add(document.url);
      chosen.push(document);
    }
  }
  return chosen;
}

/** The meetings whose packs the meetings list downloads without being
 * asked: published or running, today or later (a past meeting's pack is
 * fetched only when someone opens it). */
export function meetingsToPrepareOffline(meetings: readonly MeetingSummary[], now: Date): MeetingSummary[] {
  return meetings.filter(
    (meeting) =>
      (meeting.state === 'published' || meeting.state === 'in_session') &&
      meetingGroupOf(meeting, now) !== 'past',
  );
}

/** A version of a document this device holds, its SHA-256 checked: what
 * the readiness board is told. */
export interface HeldVersion {
  document_id: string;
  version: number;
  sha256: string;
}

/** What the pack of a meeting should do now. */
export interface PackPlan {
  /** The current versions not on the device yet. */
  download: DocumentInfo[];
  /** Every URL the pack keeps: the current versions, and an older
   * version on the device while its replacement is not (so the delegate
   * still reads something offline, and the board says "stale"). Anything
   * else the pack held (a document removed, marked confidential, or a
   * version superseded by one already on the device) is deleted. */
  keep: string[];
}

/** Every URL a document of the pack may be kept under: each version's,
 * the current one last. */
function versionUrls(document: DocumentInfo): { url: string; version: number; sha256: string }[] {
  const urls = document.versions
    .filter((version) => version.version !== document.version)
    .map(({ url, version, sha256 }) => ({ url, version, sha256 }));
  urls.push({ url: document.url, version: document.version, sha256: document.sha256 });
  return urls;
}

/** The URLs of `meeting`'s pack documents that may be on the device, with
 * the SHA-256 each must have (for checking what is held). */
export function candidateUrls(meeting: Meeting): { url: string; sha256: string }[] {
  return documentsToCache(meeting).flatMap((document) =>
    versionUrls(document).map(({ url, sha256 }) => ({ url, sha256 })),
  );
}

/** Plans the pack of `meeting` given the URLs the device holds. Pure. */
export function planPack(meeting: Meeting, held: ReadonlySet<string>): PackPlan {
  const wanted = documentsToCache(meeting);
  const download = wanted.filter((document) => !held.has(document.url));
  const keep = wanted.map((document) => document.url);
  for (const document of download) {
    const older = versionUrls(document)
      .filter((entry) => entry.version < document.version && held.has(entry.url))
      .sort((left, right) => right.version - left.version)[0];
    if (older) keep.push(older.url);
  }
  return { download, keep };
}

/** The versions of `meeting`'s pack documents the device holds. Pure. */
export function heldVersions(meeting: Meeting, held: ReadonlySet<string>): HeldVersion[] {
  return documentsToCache(meeting).flatMap((document) =>
    versionUrls(document)
      .filter((entry) => held.has(entry.url))
      .map((entry) => ({
        document_id: document.id,
        version: entry.version,
        sha256: entry.sha256.toLowerCase(),
      })),
  );
}

/** Whether the meeting has confidential documents (which stay online-only). */
export function hasConfidentialDocuments(meeting: Meeting): boolean {
  return meeting.agenda.some((item) => item.documents.some((document) => document.confidential));
}

export interface PackProgress {
  /** Documents to keep. */
  total: number;
  /** Documents on the device. */
  done: number;
  /** Documents that could not be downloaded this time. */
  failed: number;
  /** Whether downloads are still under way. */
  running: boolean;
}

/** The status line for a pack, or `null` when there is nothing to keep:
 * "Đã tải 7/12 tài liệu" while downloading, "Đã tải xong" at the end, or
 * what is missing and that it will be retried. */
export function packStatus(progress: PackProgress): { key: MessageKey; params: MessageParams } | null {
  const { total, done, failed, running } = progress;
  if (total === 0) return null;
  if (done >= total) return { key: 'offline.packCompleteDetail', params: { total } };
  if (running) return { key: 'offline.packProgress', params: { done, total } };
  return { key: 'offline.packIncomplete', params: { done, total, failed: Math.max(failed, total - done) } };
}

/** Where the pack's files are kept. */
export interface DocumentStore {
  has(url: string): Promise<boolean>;
  put(url: string, bytes: ArrayBuffer): Promise<void>;
  read(url: string): Promise<Uint8Array | null>;
  remove(url: string): Promise<void>;
  clear(): Promise<void>;
}

export interface DownloadOptions {
  store: DocumentStore;
  fetch: typeof fetch;
  /** SHA-256 of bytes as lowercase hex; checks each file arrived whole
   * before it is kept. Absent where Web Crypto is not available. */
  sha256?: (bytes: ArrayBuffer) => Promise<string>;
  onProgress?: (progress: PackProgress) => void;
  /** A document was downloaded, checked and stored. */
  onKept?: (document: DocumentInfo) => void;
  signal?: AbortSignal;
  /** Files downloaded at the same time; two keeps a shared WiFi usable
   * when 26 tablets start together. */
  concurrency?: number;
}

/** Whether a `Cache-Control` header forbids keeping the answer. */
export function forbidsStoring(cacheControl: string | null): boolean {
  return cacheControl !== null && /(^|,)\s*no-store\s*(,|$)/i.test(cacheControl);
}

/** Downloads the documents the store does not have yet. Never throws for
 * one failed file: it counts it in `failed` and goes on with the others. */
export async function downloadPack(
  documents: readonly DocumentInfo[],
  options: DownloadOptions,
): Promise<PackProgress> {
  const progress: PackProgress = { total: documents.length, done: 0, failed: 0, running: true };
  const report = () => options.onProgress?.({ ...progress });
  // What is already on the device counts before the first report, so a
  // second look at a complete pack never shows "0/N" for a moment.
  const queue: DocumentInfo[] = [];
  for (const document of documents) {
    let kept = false;
    try {
      kept = await options.store.has(document.url);
    } catch {
      kept = false;
    }
    if (kept) progress.done += 1;
    else queue.push(document);
  }
  report();

  const fetchOne = async (document: DocumentInfo): Promise<'kept' | 'failed' | 'refused'> => {
    // `no-store`: the browser's own HTTP cache never gets a copy the app
    // could not delete when the document is replaced or marked mật.
    const init: RequestInit = {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/pdf' },
    };
    if (options.signal) init.signal = options.signal;
    const response = await options.fetch(document.url, init);
    if (response.status !== 200) return 'failed';
    if (forbidsStoring(response.headers.get('Cache-Control'))) {
      await response.body?.cancel();
      return 'refused';
    }
    const bytes = await response.arrayBuffer();
    if (options.sha256 && (await options.sha256(bytes)) !== document.sha256.toLowerCase()) return 'failed';
    // A download stopped meanwhile (the meeting changed) keeps nothing.
    if (options.signal?.aborted) return 'failed';
    await options.store.put(document.url, bytes);
    return 'kept';
  };

  const worker = async () => {
    for (let document = queue.shift(); document; document = queue.shift()) {
      if (options.signal?.aborted) return;
      let outcome: 'kept' | 'failed' | 'refused';
      try {
        outcome = await fetchOne(document);
      } catch (error) {
        if (options.signal?.aborted) return;
        console.warn('phonghop: a document could not be downloaded for offline use', document.url, error);
        outcome = 'failed';
      }
      if (outcome === 'kept') {
        progress.done += 1;
        options.onKept?.(document);
      } else if (outcome === 'failed') progress.failed += 1;
      // A document the server will not let be stored is not part of the
      // pack any more (it became confidential).
      else progress.total -= 1;
      report();
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 2, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  progress.running = false;
  report();
  return { ...progress };
}

/** What the device keeps per meeting, for removing old packs. */
export interface PackIndex {
  meetings: Record<string, PackRecord>;
}

export interface PackRecord {
  /** The document URLs kept for the meeting. */
  urls: string[];
  startsAt: string;
  /** Last time the meeting's pack was checked (opened or listed). */
  lastUsedMs: number;
}

export const emptyPackIndex = (): PackIndex => ({ meetings: {} });

function urlsInUse(index: PackIndex): Set<string> {
  return new Set(Object.values(index.meetings).flatMap((record) => record.urls));
}

/** Records the URLs a meeting's pack holds now. Returns the URLs that no
 * meeting needs any more (replaced versions, documents that were removed
 * or marked confidential): the caller deletes them from the store. */
export function recordPack(
  index: PackIndex,
  meeting: Pick<Meeting, 'id' | 'starts_at'>,
  urls: readonly string[],
  nowMs: number,
): { index: PackIndex; unused: string[] } {
  const before = index.meetings[meeting.id]?.urls ?? [];
  const next: PackIndex = {
    meetings: {
      ...index.meetings,
      [meeting.id]: { urls: [...urls], startsAt: meeting.starts_at, lastUsedMs: nowMs },
    },
  };
  const inUse = urlsInUse(next);
  return { index: next, unused: before.filter((url) => !inUse.has(url)) };
}

/** How long a meeting's pack stays after the meeting and its last use. */
export const packKeepMilliseconds = 30 * 24 * 3600 * 1000;

/** Drops the packs of meetings that started, and were last used, longer
 * than `keepMs` ago. Returns the URLs no remaining pack needs. */
export function expirePacks(
  index: PackIndex,
  nowMs: number,
  keepMs = packKeepMilliseconds,
): { index: PackIndex; unused: string[] } {
  const kept: Record<string, PackRecord> = {};
  const dropped: PackRecord[] = [];
  for (const [meetingId, record] of Object.entries(index.meetings)) {
    const started = Date.parse(record.startsAt);
    const old = Number.isFinite(started) && nowMs - started > keepMs && nowMs - record.lastUsedMs > keepMs;
    if (old) dropped.push(record);
    else kept[meetingId] = record;
  }
  const next: PackIndex = { meetings: kept };
  const inUse = urlsInUse(next);
  const unused = [...new Set(dropped.flatMap((record) => record.urls))].filter((url) => !inUse.has(url));
  return { index: next, unused };
}
