// The remote point's big screen ("Điểm cầu", `#/meetings/{id}/screen`):
// full screen, large type, nobody touching it for hours. It shows the
// current agenda item, the presenter's page (drawn by the same pdf.js code
// as the reader, read-only, following `follow_changed`), who has the floor
// with the countdown, the result of the latest vote once closed, and the
// meeting's video-conference link as a button that opens a new window.
// Over the page, every author's shared layer of the document (committed
// strokes and shared notes, a note named after its layer's owner as the
// server says) and the ink the presenter is drawing on theirs, as it is
// drawn (ephemeral messages on the layer's handle), drawn by the reader's
// own code (`reader/inkLayer.ts`); the remote point may only read them,
// and sees nothing the chair or the secretary hid.
// None on a confidential (mật) document, whose layer would be kept on the
// device; and no confidential document at all: the server leaves them out
// of a remote point's meeting, and while the presenter shows one the stage
// says so.
// The live connection reconnects by itself forever; documents come from
// the agenda pack on the device when it has them, so following costs a
// few hundred bytes per page change.

import type { DocHandle } from '@automerge/automerge-repo/slim';
import type { AnnotationDocument } from '../annotations/model';
import { hiddenKeys, sharedLayerEntries, sharedOnPage } from '../annotations/sharedLayers';
import type { DocumentInfo, Meeting, SyncDocument } from '../api/types';
import { openLiveSession } from '../live/delegatePanel';
import type { FollowState } from '../live/protocol';
import { latestVote, openVote, type LiveState } from '../live/state';
import { connectionLine, floorLine, tickEverySecond, updateConnectionLine, voteResult } from '../live/views';
import {
  createPageFrame,
  fitInkLayer,
  followSharedLayer,
  liveStrokeGroup,
  notePosition,
  strokeGroup,
  type PageFrame,
  type SharedLayerWatch,
} from '../reader/inkLayer';
import { isRenderCancelled, openPdf, type OpenedPdf, type PageRendering } from '../reader/pdf';
import { errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { followAgenda } from './agendaFollow';
import { isAbort, loadFailureMessage, loadMeeting, type Screen, type ScreenContext } from './context';

function findDocument(meeting: Meeting, documentId: string): DocumentInfo | null {
  for (const item of meeting.agenda) {
    const found = item.documents.find((document) => document.id === documentId);
    if (found) return found;
  }
  return null;
}

async function documentBytes(document: DocumentInfo, context: ScreenContext, signal: AbortSignal) {
  if (!document.confidential) {
    const kept = await context.offline.packs.read(document.url);
    if (kept) return kept;
  }
  return context.api.fetchDocument(document.url, signal);
}

function bigScreen(root: HTMLElement, initial: Meeting, context: ScreenContext, signal: AbortSignal): void {
  const { t } = context;
  const { connection } = openLiveSession(initial.id, context);
  // The agenda follows live (`followAgenda` below).
  let meeting = initial;
  // Keep the pack on the device, like a tablet does, and tell the
  // secretary's readiness board how far it got.
  context.offline.packs.subscribe(
    meeting.id,
    (progress) => connection.reportReadiness(context.offline.packs.held(meeting.id), progress.running),
    signal,
  );
  void context.offline.packs.ensure(meeting);

  const statusLine = connectionLine();
  const itemTitle = h('h1', { className: 'big-item' });
  const floorSlot = h('div', { className: 'big-floor' });
  const stage = h(
    'div',
    { className: 'big-stage' },
    h('p', { className: 'big-waiting' }, t('screen.waiting')),
  );
  const voteSlot = h('div', { className: 'big-vote' });
  const videoLink =
    meeting.video_link && /^https:\/\//i.test(meeting.video_link)
      ? h(
          'a',
          {
            className: 'button button-primary big-video',
            attrs: { href: meeting.video_link, target: '_blank', rel: 'noopener noreferrer' },
          },
          t('meeting.videoLink'),
        )
      : null;
  root.replaceChildren(
    h(
      'section',
      { className: 'screen screen-big' },
      h(
        'div',
        { className: 'big-top' },
        h('p', { className: 'big-meeting muted' }, meeting.title),
        videoLink,
        // Browsers allow full screen only after a tap, so it is offered,
        // not forced; someone at the commune taps it once.
        document.fullscreenEnabled
          ? h(
              'button',
              {
                className: 'button big-fullscreen',
                attrs: { type: 'button' },
                on: { click: () => void document.documentElement.requestFullscreen().catch(() => undefined) },
                signal,
              },
              t('screen.fullScreen'),
            )
          : null,
      ),
      statusLine,
      h(
        'div',
        { className: 'big-body' },
        h('div', { className: 'big-facts' }, itemTitle, floorSlot, voteSlot),
        stage,
      ),
    ),
  );

  // The open PDF, kept while the presenter stays in the same document.
  let opened: { documentId: string; pdf: OpenedPdf } | null = null;
  let rendering: PageRendering | null = null;
  let shownSeq = -1;
  signal.addEventListener('abort', () => {
    rendering?.cancel();
    void opened?.pdf.destroy();
  });

  // ---- The shared layer over the page ----
  /** The page on the stage, and which document and version it belongs
   * to (only that version's annotations are drawn over it). */
  let frame: (PageFrame & { documentId: string; version: number }) | null = null;
  /** Every author's shared layer of the document on screen, once open. */
  let layers: {
    documentId: string;
    opened: { entry: SyncDocument; handle: DocHandle<AnnotationDocument>; watch: SharedLayerWatch }[];
  } | null = null;
  /** Stops watching the layer being opened or shown (`null` while none
   * is, or after opening it failed). */
  let layerStop: AbortController | null = null;
  /** The document whose layer is being opened or shown. */
  let layerDocumentId: string | null = null;
  let layerRetry: number | undefined;
  signal.addEventListener('abort', () => {
    layerStop?.abort();
    window.clearTimeout(layerRetry);
  });

  const drawInk = () => {
    if (!frame) return;
    const { width, height } = fitInkLayer(frame);
    const shown = layers?.documentId === frame.documentId ? layers.opened : [];
    const onPage = sharedOnPage(
      shown.map(({ entry, handle }) => ({
        url: entry.url,
        ownerName: entry.owner_name,
        document: handle.doc(),
      })),
      frame.documentId,
      frame.page,
      frame.version,
      // What the chair or the secretary hid is not shown (from the
      // meeting as last loaded: `followAgenda` reloads it when they do).
      hiddenKeys(meeting),
    );
    const { documentId, page } = frame;
    const live = shown.flatMap(({ watch }) => watch.liveStrokes(documentId, page, onPage.strokes));
    const liveGroup = liveStrokeGroup(live, width, height);
    frame.svg.replaceChildren(strokeGroup('ink-shared', onPage.strokes, width, height), liveGroup);
    frame.notes.replaceChildren(
      ...onPage.notes.map((note) =>
        h(
          'div',
          {
            // A note near the right edge opens to the left of its spot.
            className: note.x > 0.6 ? 'big-note big-note-left' : 'big-note',
            attrs: { 'data-note-id': note.id, style: notePosition(note) },
          },
          h('span', { className: 'big-note-text' }, note.text),
          note.author ? h('span', { className: 'big-note-author' }, note.author) : null,
        ),
      ),
    );
    frame.element.dataset['sharedStrokes'] = String(onPage.strokes.length);
    frame.element.dataset['sharedNotes'] = String(onPage.notes.length);
    frame.element.dataset['liveStrokes'] = String(liveGroup.childElementCount);
  };

  /** Opens every author's shared layer of `agendaDocument` (closing the
   * previous document's); tries again every 15 s while they cannot be
   * had. */
  const watchLayer = (agendaDocument: DocumentInfo) => {
    if (layerStop && layerDocumentId === agendaDocument.id) return;
    layerStop?.abort();
    window.clearTimeout(layerRetry);
    layers = null;
    layerStop = null;
    layerDocumentId = null;
    const user = context.user;
    const entries = user ? sharedLayerEntries(meeting, agendaDocument.id, user.id).all : [];
    if (entries.length === 0 || !user || agendaDocument.confidential) return;
    const stop = new AbortController();
    layerStop = stop;
    layerDocumentId = agendaDocument.id;
    void (async () => {
      try {
        const sync = await import('../sync/repo');
        const repo = await sync.syncRepo(user.id);
        const handles = await Promise.all(
          entries.map((entry) => sync.openSyncDocument<AnnotationDocument>(repo, entry.url, stop.signal)),
        );
        if (stop.signal.aborted) return;
        layers = {
          documentId: agendaDocument.id,
          opened: entries.map((entry, index) => {
            const handle = handles[index] as DocHandle<AnnotationDocument>;
            return { entry, handle, watch: followSharedLayer(handle, stop.signal, drawInk) };
          }),
        };
        drawInk();
      } catch (error) {
        if (stop.signal.aborted) return;
        console.warn('phonghop: could not open the shared layer', error);
        layerStop = null;
        layerRetry = window.setTimeout(() => {
          if (!signal.aborted && frame?.documentId === agendaDocument.id) watchLayer(agendaDocument);
        }, 15_000);
      }
    })();
  };

  const show = async (follow: FollowState) => {
    const { document_id: documentId, page } = follow.position;
    if (!documentId) return;
    const document = findDocument(meeting, documentId);
    shownSeq = follow.seq;
    if (!document) {
      // A document this screen may not open (the server leaves confidential
      // ones out of a remote point's meeting): say so rather than keep the
      // previous page up as if it were the one presented.
      rendering?.cancel();
      frame = null;
      stage.replaceChildren(h('p', { className: 'big-waiting' }, t('screen.documentNotShown')));
      delete stage.dataset['documentId'];
      delete stage.dataset['renderedPage'];
      return;
    }
    if (opened?.documentId !== documentId) {
      rendering?.cancel();
      const previous = opened;
      opened = null;
      void previous?.pdf.destroy();
      const pdf = await openPdf(await documentBytes(document, context, signal));
      if (signal.aborted || shownSeq !== follow.seq) {
        void pdf.destroy();
        return;
      }
      opened = { documentId, pdf };
    }
    const current = opened;
    if (!current) return;
    rendering?.cancel();
    const pageNumber = Math.min(Math.max(1, page ?? 1), current.pdf.pageCount);
    const task = current.pdf.renderPage(pageNumber, {
      // As large as the stage allows, whole page in view (A4 is 1 : 1.414).
      availableWidth: Math.max(320, Math.min(stage.clientWidth, (stage.clientHeight || 800) / 1.414)),
      zoom: 1,
      devicePixelRatio: window.devicePixelRatio,
    });
    rendering = task;
    try {
      const { canvas } = await task.promise;
      if (signal.aborted || rendering !== task) return;
      canvas.className = 'page-canvas';
      frame = { ...createPageFrame(canvas, pageNumber), documentId, version: document.version };
      stage.replaceChildren(frame.element);
      stage.dataset['documentId'] = documentId;
      stage.dataset['renderedPage'] = String(pageNumber);
      watchLayer(document);
      // The frame has its size once it is in the page.
      drawInk();
    } catch (error) {
      if (!isRenderCancelled(error)) throw error;
    }
  };
  const follow = (state: LiveState) => {
    const position = state.snapshot.follow;
    if (!position || position.seq === shownSeq) return;
    show(position).catch((error: unknown) => {
      if (isAbort(error, signal)) return;
      console.warn('phonghop: could not show the presented page', error);
      shownSeq = -1;
    });
  };

  const renderFloor = () => {
    const state = connection.state;
    floorSlot.replaceChildren(state ? floorLine(state, t, Date.now()) : '');
  };

  const render = () => {
    updateConnectionLine(statusLine, connection, t);
    const state = connection.state;
    if (!state) return;
    const itemId = state.snapshot.follow?.position.agenda_item_id;
    const item = meeting.agenda.find((candidate) => candidate.id === itemId);
    itemTitle.textContent = item?.title ?? meeting.title;
    renderFloor();
    const open = openVote(state);
    const latest = latestVote(state);
    if (open) {
      voteSlot.replaceChildren(
        h('p', { className: 'big-vote-question' }, `${t('live.voteTitle')}: ${open.question}`),
        h(
          'p',
          { className: 'muted' },
          t('live.voteProgress', { cast: open.ballots_cast, eligible: open.eligible }),
        ),
      );
    } else if (latest?.state === 'closed') {
      voteSlot.replaceChildren(
        h('p', { className: 'big-vote-question' }, `${t('live.voteResult')}: ${latest.question}`),
        voteResult(latest, t),
      );
    } else {
      voteSlot.replaceChildren();
    }
    follow(state);
  };
  connection.subscribe(render, signal);
  tickEverySecond(renderFloor, signal);
  followAgenda({
    connection,
    context,
    meetingId: meeting.id,
    shown: () => meeting,
    onChange: (fresh, changes) => {
      meeting = fresh;
      // The presented document was replaced (or removed): open what the
      // meeting has now at the presented page.
      const shownDocument = opened?.documentId;
      if (
        changes.some(
          (change) =>
            (change.kind === 'document_replaced' || change.kind === 'document_removed') &&
            change.documentId === shownDocument,
        )
      ) {
        const previous = opened;
        opened = null;
        void previous?.pdf.destroy();
        shownSeq = -1;
      }
      render();
      drawInk();
    },
    signal,
  });
}

export const bigScreenScreen =
  (meetingId: string): Screen =>
  (root, context, signal) => {
    const { t } = context;
    root.replaceChildren(loadingMessage(t('common.loading')));
    const load = () =>
      loadMeeting(context, meetingId).then(
        ({ value: meeting }) => {
          if (!signal.aborted) bigScreen(root, meeting, context, signal);
        },
        (error: unknown) => {
          if (isAbort(error, signal) || context.handleCommonError(error)) return;
          root.replaceChildren(
            errorPanel(loadFailureMessage(error, context), { label: t('common.retry'), run: load }),
          );
          // Unattended: try again by itself.
          const retry = setTimeout(load, 15_000);
          signal.addEventListener('abort', () => clearTimeout(retry), { once: true });
        },
      );
    load();
  };
