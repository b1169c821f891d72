// Carrying this tablet's annotations to a document's new version: when
// the reader opens the current version, and when the agenda reports a
// replaced document (`agendaFollow.ts`). The decision is the pure
// `annotations/carryOver.ts`; this file gathers what it needs (the
// versions' page fingerprints from the server, and only when a pinned
// note sits on a changed page, the text lines of both PDFs, from the pack
// or the server) and writes the result into the user's notebook and, when
// the user may write it, the document's shared layer: one Automerge change
// per document, each record updated in place (its version and page), so
// running it again, or on the user's other tablet, never copies a record.
//
// Nothing is carried without the server's fingerprints (offline, a record
// stays where it is until the next try); records that stay remain on
// their version, where the reader still shows them.

import type { DocHandle } from '@automerge/automerge-repo/slim';
import type { DocumentInfo, DocumentVersionList, Meeting } from '../api/types';
import {
  applyCarryOver,
  planCarryOver,
  type CarryOverPlan,
  type TextLine,
  type VersionPages,
} from '../annotations/carryOver';
import { isPinnedNote, versionOf, type AnnotationDocument } from '../annotations/model';
import { openPdf, type OpenedPdf } from '../reader/pdf';
import type { ScreenContext } from './context';

/** The text lines of each (document, version) read on this page, so that
 * a PDF is opened for its lines once per page load, not on every open. */
const linesRead = new Map<string, Promise<TextLine[][] | null>>();

function needsCarrying(
  document: AnnotationDocument | undefined,
  documentId: string,
  version: number,
): boolean {
  const earlier = (record: { documentId: string; version?: number }) =>
    record.documentId === documentId && versionOf(record) < version;
  return (
    (document?.strokes ?? []).some(earlier) ||
    Object.values(document?.notes ?? {}).some((note) => isPinnedNote(note) && earlier(note))
  );
}

/** Whether a plan left a pinned note behind that the text lines might
 * still move (the notes stay without them). */
function notesLeftBehind(document: AnnotationDocument | undefined, documentId: string, plan: CarryOverPlan) {
  const carried = new Set(plan.carried.map((record) => record.id));
  return Object.values(document?.notes ?? {}).some(
    (note) => isPinnedNote(note) && note.documentId === documentId && !carried.has(note.id),
  );
}

async function readLines(
  context: ScreenContext,
  url: string,
  pageCount: number,
  signal: AbortSignal,
): Promise<TextLine[][] | null> {
  try {
    const bytes = (await context.offline.packs.read(url)) ?? (await context.api.fetchDocument(url, signal));
    const pdf = await openPdf(bytes);
    try {
      return await allLines(pdf, pageCount);
    } finally {
      void pdf.destroy();
    }
  } catch (error) {
    if (!signal.aborted) console.warn('phonghop: the text of a version could not be read', error);
    return null;
  }
}

async function allLines(pdf: OpenedPdf, pageCount: number): Promise<TextLine[][]> {
  const lines: TextLine[][] = [];
  for (let page = 1; page <= Math.min(pageCount, pdf.pageCount); page += 1)
    lines.push(await pdf.pageLines(page));
  return lines;
}

/** Carries the annotations of `agendaDocument` (its current version) in
 * the given layers; `currentPdf`, when the reader has the current version
 * open, gives its lines without opening it again. Returns how many
 * records moved. Never throws: a failure leaves everything where it was. */
export async function carryAnnotations(options: {
  context: ScreenContext;
  agendaDocument: DocumentInfo;
  layers: readonly DocHandle<AnnotationDocument>[];
  currentPdf?: OpenedPdf;
  signal: AbortSignal;
}): Promise<number> {
  const { context, agendaDocument, signal } = options;
  const documentId = agendaDocument.id;
  const current = agendaDocument.version;
  const layers = options.layers.filter((handle) => needsCarrying(handle.doc(), documentId, current));
  if (layers.length === 0 || agendaDocument.confidential) return 0;
  let list: DocumentVersionList;
  try {
    list = await context.api.documentVersions(documentId, signal);
  } catch (error) {
    if (!signal.aborted) console.warn('phonghop: the versions of a document could not be fetched', error);
    return 0;
  }
  if (signal.aborted || list.current_version !== current) return 0;
  const versions = new Map<number, VersionPages>(
    list.versions.map((version) => [version.version, { fingerprints: version.page_fingerprints }]),
  );
  const withLines = async (): Promise<Map<number, VersionPages>> => {
    const lined = new Map<number, VersionPages>();
    for (const version of list.versions) {
      const key = `${documentId}/${version.version}`;
      let lines = linesRead.get(key);
      if (!lines) {
        lines =
          version.version === current && options.currentPdf
            ? allLines(options.currentPdf, version.page_count).catch(() => null)
            : readLines(context, version.url, version.page_count, signal);
        linesRead.set(key, lines);
        // A version that could not be read (offline) is tried again later.
        void lines.then((read) => read === null && linesRead.delete(key));
      }
      lined.set(version.version, { fingerprints: version.page_fingerprints, lines: await lines });
    }
    return lined;
  };
  let lined: Map<number, VersionPages> | null = null;
  let moved = 0;
  for (const handle of layers) {
    let plan = planCarryOver(handle.doc(), documentId, current, versions);
    if (notesLeftBehind(handle.doc(), documentId, plan)) {
      lined ??= await withLines();
      if (signal.aborted) return moved;
      plan = planCarryOver(handle.doc(), documentId, current, lined);
    }
    if (plan.carried.length === 0) continue;
    // A record another device carried meanwhile (no longer on the
    // plan's version) or removed is skipped by `applyCarryOver`.
    handle.change((document) => {
      moved += applyCarryOver(document, plan, current);
    });
  }
  return moved;
}

/** After the agenda reported replaced documents: carries this user's
 * notebook (and the shared layers they may write) onto each new version,
 * whatever screen is open. */
export async function carryReplacedDocuments(
  context: ScreenContext,
  meeting: Meeting,
  documentIds: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const user = context.user;
  const notebookEntry = meeting.sync_documents.find((entry) => entry.kind === 'notebook');
  if (!user || !notebookEntry || documentIds.length === 0) return;
  try {
    const sync = await import('../sync/repo');
    const repo = await sync.syncRepo(user.id);
    const notebook = await sync.openSyncDocument<AnnotationDocument>(repo, notebookEntry.url, signal);
    for (const item of meeting.agenda) {
      for (const agendaDocument of item.documents) {
        if (!documentIds.includes(agendaDocument.id) || agendaDocument.confidential) continue;
        const layers = [notebook];
        const layerEntry = meeting.sync_documents.find(
          (entry) =>
            entry.kind === 'shared_layer' &&
            entry.document_id === agendaDocument.id &&
            entry.access === 'write',
        );
        if (layerEntry)
          layers.push(await sync.openSyncDocument<AnnotationDocument>(repo, layerEntry.url, signal));
        await carryAnnotations({ context, agendaDocument, layers, signal });
      }
    }
  } catch (error) {
    if (!signal.aborted) console.warn('phonghop: annotations could not be carried to a new version', error);
  }
}
