// Screen 4, the reader: one document of the meeting, one page at a time.
//
// Pages turn with the two big buttons, a swipe, or the arrow keys; "Đến
// trang" jumps; − and + zoom. The page number is kept in the address
// (`?page=3`) so that reloading, or switching language, reopens the same
// page. A confidential (mật) document is watermarked with the reader's
// name and the time on every rendering, and its bytes live only in memory
// for as long as the screen is open.
//
// A non-confidential document is read from the device when its agenda
// pack kept it, so it opens with no network; otherwise it comes from the
// server, and without a network the screen says what is needed.
//
// Above the page, the annotation tool bar (`readerAnnotations.ts`): ink
// and notes kept in the delegate's notebook, shared on request.
//
// During a meeting the live panel sits above the page: while following,
// the presenter's page changes turn this reader; a page turned by the
// reader leaves follow mode until "Theo dõi". The chair and secretary get
// "Trình bày trang này", which moves everyone to the page shown.

import { ApiError } from '../api/client';
import type { DocumentInfo, Meeting } from '../api/types';
import { formatPageCount } from '../format/format';
import { hrefFor } from '../router/routes';
import {
  applyTurn,
  clampPage,
  keyTurn,
  nextZoom,
  parsePageInput,
  swipeTurn,
  zoomSteps,
  type PageTurn,
} from '../reader/navigation';
import { isRenderCancelled, openPdf, type OpenedPdf, type PageRendering } from '../reader/pdf';
import { drawWatermark, watermarkText } from '../reader/watermark';
import { confidentialBadge, errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { isUnreachable } from '../offline/savedData';
import { attachDelegateLive, requestFailure } from '../live/delegatePanel';
import { liveControls } from '../live/permissions';
import type { LiveSession } from '../live/session';
import { errorMessage, isAbort, loadMeeting, type Screen, type ScreenContext } from './context';
import { setUpAnnotations } from './readerAnnotations';

/** The widest a page is drawn at zoom 1, in CSS pixels: wider lines of
 * text get harder to read on a desktop monitor. */
const maximumPageWidth = 1000;

function findDocument(meeting: Meeting, documentId: string): DocumentInfo | null {
  for (const item of meeting.agenda) {
    const found = item.documents.find((document) => document.id === documentId);
    if (found) return found;
  }
  return null;
}

async function meetingOf(meetingId: string, context: ScreenContext): Promise<Meeting> {
  const cached = context.meetingCache.get(meetingId);
  if (cached) return cached;
  try {
    return (await loadMeeting(context, meetingId)).value;
  } catch (error) {
    if (isUnreachable(error)) throw new ApiError(0, 'network_error', context.t('offline.notSaved'));
    throw error;
  }
}

/** The PDF bytes: from the device for a kept document, else from the
 * server. Out of reach of the server, the error says what the reader
 * needs: a network for a confidential document (never kept), or for one
 * not downloaded yet. */
async function documentBytes(
  agendaDocument: DocumentInfo,
  context: ScreenContext,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (!agendaDocument.confidential) {
    const kept = await context.offline.packs.read(agendaDocument.url);
    if (kept) return kept;
  }
  try {
    return await context.api.fetchDocument(agendaDocument.url, signal);
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    const key = agendaDocument.confidential
      ? 'offline.confidentialNeedsNetwork'
      : 'offline.documentNotDownloaded';
    throw new ApiError(0, 'network_error', context.t(key));
  }
}

export const readerScreen =
  (meetingId: string, documentId: string, initialPage: number): Screen =>
  (root, context, signal) => {
    const { t } = context;
    const back = h(
      'a',
      { className: 'back-link', attrs: { href: hrefFor({ screen: 'meeting', meetingId }) } },
      `‹ ${t('reader.backToAgenda')}`,
    );
    const body = h('div', { className: 'reader-body' }, loadingMessage(t('reader.loading')));
    root.replaceChildren(h('section', { className: 'screen screen-reader' }, back, body));

    const fail = (error: unknown) => {
      if (isAbort(error, signal) || context.handleCommonError(error)) return;
      body.replaceChildren(
        errorPanel(errorMessage(error, context), { label: t('common.retry'), run: start }),
      );
    };

    const start = () => {
      body.replaceChildren(loadingMessage(t('reader.loading')));
      meetingOf(meetingId, context)
        .then((meeting) => {
          if (signal.aborted) return;
          const agendaDocument = findDocument(meeting, documentId);
          if (!agendaDocument) {
            body.replaceChildren(
              errorPanel(t('reader.documentNotInMeeting'), {
                label: t('reader.backToAgenda'),
                run: () => context.navigate({ screen: 'meeting', meetingId }),
              }),
            );
            return;
          }
          return documentBytes(agendaDocument, context, signal)
            .then((bytes) => openPdf(bytes))
            .then((pdf) => {
              if (signal.aborted) {
                void pdf.destroy();
                return;
              }
              signal.addEventListener('abort', () => void pdf.destroy(), { once: true });
              showReader(agendaDocument, pdf, meeting);
            });
        })
        .catch((error: unknown) => {
          // Anything but an API failure comes from pdf.js (a damaged or
          // password-protected file): say the document could not be opened.
          if (!(error instanceof ApiError) && !isAbort(error, signal)) {
            console.error('phonghop: could not open the document', error);
            body.replaceChildren(
              errorPanel(t('reader.openFailed'), { label: t('common.retry'), run: start }),
            );
            return;
          }
          fail(error);
        });
    };

    const showReader = (agendaDocument: DocumentInfo, pdf: OpenedPdf, meeting: Meeting) => {
      const pageCount = pdf.pageCount;
      let page = clampPage(initialPage, pageCount);
      let zoom = 1;
      let rendering: PageRendering | null = null;

      // The live meeting: follow the presenter here; a page turned by the
      // reader leaves follow mode, "Theo dõi" returns to it.
      let live: { panel: HTMLElement; session: LiveSession } | null = null;
      if (meeting.my_role) {
        live = attachDelegateLive({
          meetingId,
          role: meeting.my_role,
          context,
          signal,
          onFollow: (follow) => {
            const { document_id: followedDocument, page: followedPage } = follow.position;
            if (!followedDocument) return;
            if (followedDocument === documentId) {
              goTo(followedPage ?? 1, false);
              return;
            }
            live?.session.following.markFollowNavigation();
            context.navigate({
              screen: 'document',
              meetingId,
              documentId: followedDocument,
              page: followedPage ?? 1,
            });
          },
        });
      }
      if (live) {
        const following = live.session.following;
        const followed = live.session.connection.state?.snapshot.follow?.position.document_id;
        if (!following.takeFollowNavigation() && following.following && followed && followed !== documentId) {
          following.set(false);
        }
      }
      const presentMessage = h('p', { className: 'muted present-message', attrs: { role: 'status' } });
      const presentButton =
        live && liveControls(meeting.my_role).present
          ? h(
              'button',
              {
                className: 'button button-present',
                attrs: { type: 'button' },
                on: {
                  click: () => {
                    const item = meeting.agenda.find((candidate) =>
                      candidate.documents.some((document) => document.id === documentId),
                    );
                    presentMessage.textContent = '';
                    live?.session.connection
                      .request({
                        type: 'set_follow',
                        position: { agenda_item_id: item?.id ?? null, document_id: documentId, page },
                      })
                      .then(
                        () => (presentMessage.textContent = t('live.presentingThisPage')),
                        (error: unknown) => (presentMessage.textContent = requestFailure(error, t)),
                      );
                  },
                },
                signal,
              },
              t('live.presentThisPage'),
            )
          : null;

      const stage = h('div', {
        className: 'reader-stage',
        attrs: { 'data-page-count': pageCount, tabindex: '0', 'aria-label': agendaDocument.title },
      });
      const indicator = h('span', { className: 'page-indicator', attrs: { 'aria-live': 'polite' } });
      const previous = h(
        'button',
        {
          className: 'button button-turn',
          attrs: { type: 'button' },
          on: { click: () => turn('previous') },
          signal,
        },
        `‹ ${t('reader.previous')}`,
      );
      const next = h(
        'button',
        {
          className: 'button button-turn button-primary',
          attrs: { type: 'button' },
          on: { click: () => turn('next') },
          signal,
        },
        `${t('reader.next')} ›`,
      );
      const zoomOut = h(
        'button',
        {
          className: 'button button-square',
          attrs: { type: 'button', 'aria-label': t('reader.zoomOut'), title: t('reader.zoomOut') },
          on: { click: () => changeZoom(-1) },
          signal,
        },
        '−',
      );
      const zoomIn = h(
        'button',
        {
          className: 'button button-square',
          attrs: { type: 'button', 'aria-label': t('reader.zoomIn'), title: t('reader.zoomIn') },
          on: { click: () => changeZoom(1) },
          signal,
        },
        '+',
      );
      const pageInput = h('input', {
        className: 'input input-page',
        attrs: {
          id: 'reader-page-input',
          type: 'text',
          inputmode: 'numeric',
          pattern: '[0-9]*',
          autocomplete: 'off',
          size: 4,
          'aria-label': t('reader.goToPage'),
        },
      });
      const jumpMessage = h('p', { className: 'form-error', attrs: { role: 'alert' } });
      jumpMessage.hidden = true;
      const jumpForm = h(
        'form',
        { className: 'jump-form', attrs: { novalidate: true } },
        h('label', { attrs: { for: 'reader-page-input' } }, t('reader.goToPage')),
        pageInput,
        h('button', { className: 'button', attrs: { type: 'submit' } }, t('reader.go')),
      );
      jumpForm.addEventListener(
        'submit',
        (event) => {
          event.preventDefault();
          const target = parsePageInput(pageInput.value, pageCount);
          if (target === null) {
            jumpMessage.textContent = t('reader.pageOutOfRange', { count: pageCount });
            jumpMessage.hidden = false;
            pageInput.select();
            return;
          }
          jumpMessage.hidden = true;
          pageInput.value = '';
          pageInput.blur();
          goTo(target);
        },
        { signal },
      );

      // Ink, notes and the shared layer (none on a confidential document).
      const annotations = setUpAnnotations({ meeting, agendaDocument, context, signal });

      const title = h(
        'div',
        { className: 'reader-title' },
        h('h1', {}, agendaDocument.title),
        agendaDocument.confidential ? confidentialBadge(t) : null,
        h('span', { className: 'muted' }, formatPageCount(pageCount, context.language)),
      );
      body.replaceChildren(
        live ? live.panel : '',
        title,
        agendaDocument.confidential
          ? h('p', { className: 'confidential-notice' }, t('reader.confidentialNotice'))
          : '',
        annotations ? annotations.panel : '',
        stage,
        h(
          'div',
          { className: 'reader-toolbar' },
          h('div', { className: 'toolbar-group toolbar-turns' }, previous, indicator, next),
          h(
            'div',
            { className: 'toolbar-group' },
            jumpForm,
            h('div', { className: 'toolbar-group' }, zoomOut, zoomIn),
            presentButton,
          ),
        ),
        presentButton ? presentMessage : '',
        jumpMessage,
        annotations?.itemNotePanel ?? '',
      );

      const render = (resetScroll: boolean) => {
        rendering?.cancel();
        const fit = {
          availableWidth: Math.min(stage.clientWidth, maximumPageWidth),
          zoom,
          devicePixelRatio: window.devicePixelRatio,
        };
        const current = pdf.renderPage(page, fit);
        rendering = current;
        stage.setAttribute('aria-busy', 'true');
        current.promise.then(
          ({ canvas, pageNumber }) => {
            if (signal.aborted || rendering !== current) return;
            if (agendaDocument.confidential) {
              const context2d = canvas.getContext('2d');
              const name = context.user?.display_name ?? '';
              if (context2d)
                drawWatermark(
                  context2d,
                  canvas.width,
                  canvas.height,
                  watermarkText(name, new Date(), context.language),
                );
            }
            canvas.className = 'page-canvas';
            canvas.setAttribute('role', 'img');
            canvas.setAttribute('aria-label', t('reader.pageOf', { page: pageNumber, count: pageCount }));
            stage.replaceChildren(annotations ? annotations.framePage(canvas, pageNumber) : canvas);
            stage.dataset['renderedPage'] = String(pageNumber);
            stage.removeAttribute('aria-busy');
            if (resetScroll) stage.scrollTo({ top: 0, left: 0 });
          },
          (error: unknown) => {
            if (signal.aborted || rendering !== current || isRenderCancelled(error)) return;
            stage.removeAttribute('aria-busy');
            stage.replaceChildren(
              errorPanel(t('reader.openFailed'), { label: t('common.retry'), run: () => render(false) }),
            );
          },
        );
      };

      const update = (resetScroll: boolean) => {
        indicator.textContent = t('reader.pageOf', { page, count: pageCount });
        previous.disabled = page <= 1;
        next.disabled = page >= pageCount;
        zoomOut.disabled = zoom <= (zoomSteps[0] ?? zoom);
        zoomIn.disabled = zoom >= (zoomSteps[zoomSteps.length - 1] ?? zoom);
        stage.dataset['page'] = String(page);
        context.replaceAddress({ screen: 'document', meetingId, documentId, page });
        render(resetScroll);
      };

      /** Shows page `target`; a page the reader chose (`byReader`) leaves
       * follow mode, one the presenter moved to does not. */
      const goTo = (target: number, byReader = true) => {
        if (byReader) live?.session.following.set(false);
        const clamped = clampPage(target, pageCount);
        if (clamped === page) return;
        page = clamped;
        update(true);
      };
      const turn = (pageTurn: PageTurn) => goTo(applyTurn(pageTurn, page, pageCount));
      const changeZoom = (direction: 1 | -1) => {
        zoom = nextZoom(zoom, direction);
        update(false);
      };

      // Arrow keys turn pages, unless the user is typing a page number.
      window.addEventListener(
        'keydown',
        (event) => {
          if (
            event.target instanceof HTMLInputElement ||
            event.target instanceof HTMLTextAreaElement ||
            event.altKey ||
            event.ctrlKey ||
            event.metaKey
          )
            return;
          const pageTurn = keyTurn(event.key);
          if (!pageTurn) return;
          event.preventDefault();
          turn(pageTurn);
        },
        { signal },
      );

      // A horizontal swipe turns the page, but only while the page fits the
      // width: a zoomed page needs the same gesture to pan.
      let swipeStart: { x: number; y: number; id: number } | null = null;
      stage.addEventListener(
        'pointerdown',
        (event) => {
          swipeStart = event.isPrimary ? { x: event.clientX, y: event.clientY, id: event.pointerId } : null;
        },
        { signal },
      );
      stage.addEventListener(
        'pointerup',
        (event) => {
          const start = swipeStart;
          swipeStart = null;
          if (!start || start.id !== event.pointerId) return;
          if (stage.scrollWidth > stage.clientWidth + 1) return;
          const pageTurn = swipeTurn(event.clientX - start.x, event.clientY - start.y);
          if (pageTurn) turn(pageTurn);
        },
        { signal },
      );
      stage.addEventListener(
        'pointercancel',
        () => {
          swipeStart = null;
        },
        { signal },
      );

      // Tablets rotate; redraw for the new width once the rotation settles.
      let resizeTimer: number | undefined;
      let lastWidth = stage.clientWidth;
      window.addEventListener(
        'resize',
        () => {
          window.clearTimeout(resizeTimer);
          resizeTimer = window.setTimeout(() => {
            if (signal.aborted || stage.clientWidth === lastWidth) return;
            lastWidth = stage.clientWidth;
            render(false);
          }, 200);
        },
        { signal },
      );
      signal.addEventListener('abort', () => {
        window.clearTimeout(resizeTimer);
        rendering?.cancel();
      });

      update(true);
      stage.focus({ preventScroll: true });
    };

    start();
  };
