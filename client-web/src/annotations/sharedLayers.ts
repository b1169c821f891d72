// The shared annotations of a document, as many layers: each participant's
// shared ink and notes on a document live in a layer of their own, which
// only they may write (the server refuses anyone else's change). A screen
// shows every author's layer together, and names each record's author from
// the server's word about the layer (`SyncDocument.owner_name`), never from
// what the record says about itself: a stroke may carry any `author` its
// writer typed. A layer without an owner is one every participant wrote
// before layers had authors: still shown, read only, with no name.
//
// The chair or the secretary may hide a record (`Meeting.hidden_annotations`,
// by layer and id): everyone else no longer sees it; they see it faded, to
// show it again.
//
// Pure: the layers are given as plain documents.

import type { Meeting, SyncDocument } from '../api/types';
import { annotationsOnPage, type AnnotationDocument, type PinnedNote, type StrokeRecord } from './model';

/** The shared layers of one agenda document the meeting lists: the user's
 * own (the one they write, if any) and every layer to show (theirs too). */
export interface SharedLayerEntries {
  own: SyncDocument | undefined;
  all: SyncDocument[];
}

export function sharedLayerEntries(
  meeting: Meeting,
  agendaDocumentId: string,
  userId: string,
): SharedLayerEntries {
  const all = meeting.sync_documents.filter(
    (entry) => entry.kind === 'shared_layer' && entry.document_id === agendaDocumentId,
  );
  const own = all.find((entry) => entry.owner_user_id === userId && entry.access === 'write');
  return { own, all };
}

/** One opened layer as `sharedOnPage` needs it. */
export interface OpenedSharedLayer {
  /** The layer's URL (what a hidden record is named by, with its id). */
  url: string;
  /** Who wrote it, as the server says; `null` for an old layer. */
  ownerName: string | null;
  document: Partial<AnnotationDocument> | undefined;
}

/** The name of a record hidden by the chair or the secretary: its layer and
 * its id (two layers may hold the same id). */
export function hiddenKey(layerUrl: string, recordId: string): string {
  return `${layerUrl}#${recordId}`;
}

/** The meeting's hidden records, as `hiddenKey`s. */
export function hiddenKeys(meeting: Pick<Meeting, 'hidden_annotations'>): Set<string> {
  return new Set(
    meeting.hidden_annotations.map((hidden) => hiddenKey(hidden.layer_url, hidden.annotation_id)),
  );
}

/** Where a shown shared record comes from, and whether it is hidden (shown
 * only to those who may show it again). */
export interface SharedOrigin {
  /** Its layer's owner as the server names them ('' for an old layer). */
  author: string;
  layerUrl: string;
  hidden: boolean;
}
export type SharedStroke = StrokeRecord & SharedOrigin;
export type SharedNote = PinnedNote & SharedOrigin;

export interface SharedPageAnnotations {
  strokes: SharedStroke[];
  notes: SharedNote[];
}

/** What one page of one version shows of every layer: strokes in the order
 * they were drawn (across layers, by `createdAt`), notes oldest first, each
 * with `author` set to its layer's owner as the server names it ('' for an
 * old layer), whatever the record itself claims. Hidden records are left
 * out, or kept and marked with `showHidden` (the chair's and secretary's
 * view, who may show them again). */
export function sharedOnPage(
  layers: readonly OpenedSharedLayer[],
  documentId: string,
  page: number,
  version?: number,
  hidden: ReadonlySet<string> = new Set(),
  showHidden = false,
): SharedPageAnnotations {
  const result: SharedPageAnnotations = { strokes: [], notes: [] };
  for (const layer of layers) {
    const onPage = annotationsOnPage(layer.document, documentId, page, version);
    const origin = (record: { id: string }): SharedOrigin => ({
      author: layer.ownerName ?? '',
      layerUrl: layer.url,
      hidden: hidden.has(hiddenKey(layer.url, record.id)),
    });
    for (const stroke of onPage.strokes) {
      const shared = { ...stroke, ...origin(stroke) };
      if (showHidden || !shared.hidden) result.strokes.push(shared);
    }
    for (const note of onPage.notes) {
      const shared = { ...note, ...origin(note) };
      if (showHidden || !shared.hidden) result.notes.push(shared);
    }
  }
  // Stable sorts: within a layer, the layer's order stands.
  result.strokes.sort((a, b) => a.createdAt - b.createdAt);
  result.notes.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return result;
}
