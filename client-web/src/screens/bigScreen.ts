// The remote point's big screen ("Điểm cầu", `#/meetings/{id}/screen`):
// full screen, large type, nobody touching it for hours. It shows the
// current agenda item, the presenter's page (drawn by the same pdf.js code
// as the reader, read-only, following `follow_changed`), who has the floor
// with the countdown, the result of the latest vote once closed, and the
// meeting's video-conference link as a button that opens a new window.
// The live connection reconnects by itself forever; documents come from
// the agenda pack on the device when it has them, so following costs a
// few hundred bytes per page change.

import type { DocumentInfo, Meeting } from '../api/types';
import { openLiveSession } from '../live/delegatePanel';
import type { FollowState } from '../live/protocol';
import { latestVote, openVote, type LiveState } from '../live/state';
import { connectionLine, floorLine, tickEverySecond, updateConnectionLine, voteResult } from '../live/views';
import { isRenderCancelled, openPdf, type OpenedPdf, type PageRendering } from '../reader/pdf';
import { errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
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

function bigScreen(root: HTMLElement, meeting: Meeting, context: ScreenContext, signal: AbortSignal): void {
  const { t } = context;
  const { connection } = openLiveSession(meeting.id, context);
  // Keep the pack on the device, like a tablet does, and tell the
  // secretary's readiness board how far it got.
  context.offline.packs.subscribe(
    meeting.id,
    (progress) => connection.reportReadiness(progress.done, progress.total),
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

  const show = async (follow: FollowState) => {
    const { document_id: documentId, page } = follow.position;
    if (!documentId) return;
    const document = findDocument(meeting, documentId);
    if (!document) return;
    shownSeq = follow.seq;
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
      stage.replaceChildren(canvas);
      stage.dataset['documentId'] = documentId;
      stage.dataset['renderedPage'] = String(pageNumber);
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
