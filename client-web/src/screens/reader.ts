// Screen 4, the reader: one document of the meeting, and the screen is the
// document's. A slim bar on top holds everything else, each a tap away:
//
// - "‹" back to the agenda, the title, the page number (which opens the
//   navigator: thumbnails, outline, "Đến trang", search), page turns;
// - during a meeting, whether the tablet follows the presenter (one tap
//   either way), "Quay lại trang …" back to where the delegate was before
//   choosing to follow, who has the floor; "Cuộc họp" unfolds the live
//   panel (check-in, asking to speak, requests to the secretary); a vote
//   that opens takes the whole screen whatever is folded;
// - "Cách hiển thị": fit width (landscape's default, pages scroll on),
//   fit page (portrait's default), two pages side by side (landscape),
//   and the zoom; the fit chosen is remembered on this device, per
//   orientation (`reader/viewPreference.ts`);
// - "Ghi chú và vẽ" docks the annotation tools under the page
//   (`readerAnnotations.ts`: ink and notes kept in the delegate's
//   notebook, shared on request); none on a mật document.
//
// The pages themselves are `reader/pageView.ts` (a scrolling column drawn
// near the viewport; pinch, double tap, swipe); the keys turn pages too.
// The page number is kept in the address (`?page=3`) so that reloading,
// or switching language, reopens the same page. A confidential (mật)
// document is watermarked with the reader's name and the time on every
// rendering, and its bytes live only in memory while the screen is open.
//
// A non-confidential document is read from the device when its agenda
// pack kept it, so it opens with no network; otherwise it comes from the
// server, and without a network the screen says what is needed.
//
// The reader shows only the annotations of the version shown. A
// document's earlier versions are listed under "Cách hiển thị" ("phiên bản
// 1, 14:05") and open read only (`?version=n` in the address) with their
// own annotations. Opening the current version carries the user's
// annotations onto it (`carryAnnotations.ts`); those left on an earlier
// version are counted ("N ghi chú ở phiên bản trước", with "Xem phiên bản
// n").

import { ApiError } from '../api/client';
import type { DocumentInfo, Meeting } from '../api/types';
import type { MessageKey } from '../i18n/i18n';
import { hrefFor } from '../router/routes';
import { formatCountdown, formatElapsed, remainingSeconds } from '../live/countdown';
import { attachDelegateLive, requestFailure, type DelegateLive } from '../live/delegatePanel';
import { agendaNotice, changeMarks, followAgenda } from './agendaFollow';
import { liveControls } from '../live/permissions';
import type { FollowState } from '../live/protocol';
import { hasFloor, isCheckedIn, participantName } from '../live/state';
import { tickEverySecond } from '../live/views';
import type { FitMode } from '../reader/layout';
import { keyTurn, nextZoom, type PageTurn } from '../reader/navigation';
import { createPageView, type PageView } from '../reader/pageView';
import { createPageFrame } from '../reader/inkLayer';
import { openPdf, warmUp, type OpenedPdf } from '../reader/pdf';
import {
  chooseMode,
  loadViewPreference,
  modesFor,
  orientationOf,
  type Orientation,
} from '../reader/viewPreference';
import { drawWatermark, watermarkText } from '../reader/watermark';
import { formatTimeOfDay, wallClockAt } from '../format/format';
import { confidentialBadge, errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { isUnreachable } from '../offline/savedData';
import { errorMessage, isAbort, loadMeeting, type Screen, type ScreenContext } from './context';
import { setUpAnnotations } from './readerAnnotations';
import { createReaderNavigator, type ReaderNavigator } from './readerNavigator';
import { createReaderSearch } from './readerSearch';

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

/** Marks a step of opening a document on the page's performance
 * timeline (`phonghop:reader:…`), for profiling and the reader benchmark;
 * each mark replaces the last one of its name. */
function mark(step: string): void {
  const name = `phonghop:reader:${step}`;
  performance.clearMarks(name);
  performance.mark(name);
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

const fitLabels: Record<FitMode, MessageKey> = {
  width: 'reading.fitWidth',
  page: 'reading.fitPage',
  spread: 'reading.spread',
};

/** What the reader shows of a document: the current version, or the
 * earlier `version` asked for (read only) when the document has it. */
function versionShown(agendaDocument: DocumentInfo, version: number | undefined): DocumentInfo {
  if (version === undefined || version >= agendaDocument.version || agendaDocument.confidential)
    return agendaDocument;
  const earlier = agendaDocument.versions.find((each) => each.version === version);
  if (!earlier) return agendaDocument;
  return {
    ...agendaDocument,
    version: earlier.version,
    url: earlier.url,
    page_count: earlier.page_count,
    size_bytes: earlier.size_bytes,
    sha256: earlier.sha256,
  };
}

/** "phiên bản 1, 14:05" (the time of the device's clock zone). */
function versionLabel(context: ScreenContext, version: number, uploadedAtMs: number): string {
  const time = formatTimeOfDay(wallClockAt(uploadedAtMs, -new Date(uploadedAtMs).getTimezoneOffset()));
  return context.t('reader.versionLabel', { version, time });
}

export const readerScreen =
  (meetingId: string, documentId: string, initialPage: number, requestedVersion?: number): Screen =>
  (root, context, signal) => {
    const { t } = context;
    const body = h('div', { className: 'reader-body' });
    root.replaceChildren(h('section', { className: 'screen screen-reader' }, body));
    /** Loading and failures: the way back and a message. */
    const showMessage = (...content: HTMLElement[]) =>
      body.replaceChildren(
        h(
          'div',
          { className: 'reader-message' },
          h(
            'a',
            { className: 'back-link', attrs: { href: hrefFor({ screen: 'meeting', meetingId }) } },
            `‹ ${t('reader.backToAgenda')}`,
          ),
          ...content,
        ),
      );
    // pdf.js and its worker load while the meeting and the bytes are read.
    void warmUp();

    const fail = (error: unknown) => {
      if (isAbort(error, signal) || context.handleCommonError(error)) return;
      showMessage(errorPanel(errorMessage(error, context), { label: t('common.retry'), run: start }));
    };

    const start = () => {
      mark('start');
      showMessage(loadingMessage(t('reader.loading')));
      meetingOf(meetingId, context)
        .then((meeting) => {
          if (signal.aborted) return;
          mark('meeting');
          const currentDocument = findDocument(meeting, documentId);
          if (!currentDocument) {
            showMessage(
              errorPanel(t('reader.documentNotInMeeting'), {
                label: t('reader.backToAgenda'),
                run: () => context.navigate({ screen: 'meeting', meetingId }),
              }),
            );
            return;
          }
          const agendaDocument = versionShown(currentDocument, requestedVersion);
          return documentBytes(agendaDocument, context, signal)
            .then((bytes) => {
              mark('bytes');
              return openPdf(bytes);
            })
            .then((pdf) => {
              mark('opened');
              if (signal.aborted) {
                void pdf.destroy();
                return;
              }
              signal.addEventListener('abort', () => void pdf.destroy(), { once: true });
              showReader(agendaDocument, pdf, meeting, currentDocument);
            });
        })
        .catch((error: unknown) => {
          // Anything but an API failure comes from pdf.js (a damaged or
          // password-protected file): say the document could not be opened.
          if (!(error instanceof ApiError) && !isAbort(error, signal)) {
            console.error('phonghop: could not open the document', error);
            showMessage(errorPanel(t('reader.openFailed'), { label: t('common.retry'), run: start }));
            return;
          }
          fail(error);
        });
    };

    const showReader = (
      agendaDocument: DocumentInfo,
      pdf: OpenedPdf,
      meeting: Meeting,
      currentDocument: DocumentInfo,
    ) => {
      const pageCount = pdf.pageCount;
      /** An earlier version, shown read only. */
      const earlierVersion = agendaDocument.version < currentDocument.version;
      const routeVersion = earlierVersion ? { version: agendaDocument.version } : {};
      const openVersion = (version: number | null) =>
        context.navigate({
          screen: 'document',
          meetingId,
          documentId,
          page: currentPageNumber(),
          ...(version === null ? {} : { version }),
        });
      const storage = safeStorage();
      let preference = loadViewPreference(storage);
      const orientation = (): Orientation => orientationOf(window.innerWidth, window.innerHeight);
      let view: PageView | null = null;
      const currentPageNumber = () => view?.current ?? initialPage;

      // ---- The live meeting ----
      // While following, the presenter's page changes turn this reader; a
      // page turned by the reader leaves follow mode until "Theo dõi".
      let live: DelegateLive | null = null;
      if (meeting.my_role) {
        live = attachDelegateLive({
          meetingId,
          role: meeting.my_role,
          context,
          signal,
          readingPlace: () => ({ documentId, page: currentPageNumber() }),
          onFollow: (follow) => followNow(follow),
        });
      }
      if (live) {
        const following = live.session.following;
        const followed = live.session.connection.state?.snapshot.follow?.position.document_id;
        if (!following.takeFollowNavigation() && following.following && followed && followed !== documentId) {
          following.set(false);
        }
      }
      const controls = liveControls(meeting.my_role);

      const button = (
        className: string,
        label: string,
        content: string | Node,
        click: () => void,
        extra: Record<string, string> = {},
      ) =>
        h(
          'button',
          {
            className: `button ${className}`,
            attrs: { type: 'button', 'aria-label': label, title: label, ...extra },
            on: { click },
            signal,
          },
          content,
        );

      // ---- The bar ----
      const back = h(
        'a',
        {
          className: 'button reader-back',
          attrs: {
            href: hrefFor({ screen: 'meeting', meetingId }),
            'aria-label': t('reader.backToAgenda'),
            title: t('reader.backToAgenda'),
          },
        },
        h('span', { attrs: { 'aria-hidden': 'true' } }, '‹'),
        h(
          'span',
          { className: 'reader-back-label', attrs: { 'aria-hidden': 'true' } },
          t('reader.backToAgenda'),
        ),
      );
      const title = h(
        'div',
        { className: 'reader-title' },
        h('h1', { attrs: { title: agendaDocument.title } }, agendaDocument.title),
        agendaDocument.confidential ? confidentialBadge(t) : null,
        earlierVersion
          ? h(
              'span',
              { className: 'badge earlier-version-badge' },
              versionLabel(
                context,
                agendaDocument.version,
                currentDocument.versions.find((each) => each.version === agendaDocument.version)
                  ?.uploaded_at_ms ?? 0,
              ),
            )
          : null,
      );
      const previous = button('button-square button-turn reader-previous', t('reader.previous'), '‹', () =>
        turn('previous'),
      );
      const next = button('button-square button-turn reader-next', t('reader.next'), '›', () => turn('next'));
      const indicator = h('button', {
        className: 'button page-indicator',
        attrs: {
          type: 'button',
          'aria-live': 'polite',
          title: t('reading.openPages'),
          'aria-haspopup': 'dialog',
        },
        on: { click: () => togglePanel('pages') },
        signal,
      });
      const searchButton = button('button-square reader-search-button', t('reading.search'), '⌕', () =>
        togglePanel('search'),
      );
      const viewButton = button('button-square reader-view-button', t('reading.view'), '⤢', () =>
        togglePanel('view'),
      );

      // Follow state, going back, who speaks.
      const followSlot = h('div', { className: 'reader-live' });
      const speakerChip = h('button', {
        className: 'button reader-speaker',
        attrs: { type: 'button' },
        on: { click: () => togglePanel('meeting') },
        signal,
      });
      speakerChip.hidden = true;
      const meetingButton = live
        ? button(
            'reader-meeting-button',
            t('reading.meetingPanel'),
            h(
              'span',
              {},
              h('span', { attrs: { 'aria-hidden': 'true' } }, '☰ '),
              h('span', { className: 'bar-label' }, t('reading.meeting')),
            ),
            () => togglePanel('meeting'),
            { 'aria-expanded': 'false' },
          )
        : null;
      const presentMessage = h('p', { className: 'reader-toast', attrs: { role: 'status' } });
      presentMessage.hidden = true;
      let presentTimer: number | undefined;
      const sayPresent = (text: string) => {
        presentMessage.textContent = text;
        presentMessage.hidden = false;
        window.clearTimeout(presentTimer);
        presentTimer = window.setTimeout(() => (presentMessage.hidden = true), 4_000);
      };
      const presentButton =
        live && controls.present && !earlierVersion
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
                    live?.session.connection
                      .request({
                        type: 'set_follow',
                        position: {
                          agenda_item_id: item?.id ?? null,
                          document_id: documentId,
                          page: currentPageNumber(),
                        },
                      })
                      .then(
                        () => sayPresent(t('live.presentingThisPage')),
                        (error: unknown) => sayPresent(requestFailure(error, t)),
                      );
                  },
                },
                signal,
              },
              t('live.presentThisPage'),
            )
          : null;

      // ---- Annotations (none on a confidential document) ----
      // Resolved when the first page is drawn (or after 3 s whatever happens).
      let firstPageShown: () => void = () => undefined;
      const firstPage = new Promise<void>((resolve) => {
        firstPageShown = resolve;
        window.setTimeout(resolve, 3_000);
      });
      const annotations = setUpAnnotations({
        meeting,
        agendaDocument,
        context,
        signal,
        drawingChanged: (drawing) => view?.hold(drawing),
        firstPageShown: firstPage,
        readOnly: earlierVersion,
        pdf,
        openVersion: (version) => openVersion(version),
      });
      const annotateButton = annotations
        ? button('button-square reader-annotate-button', t('reading.annotate'), '✎', () => toggleDock(), {
            'aria-pressed': 'false',
          })
        : null;
      const dock = h(
        'div',
        { className: 'reader-dock' },
        annotations ? annotations.panel : '',
        annotations?.itemNotePanel ?? '',
      );
      dock.hidden = true;

      const bar = h(
        'header',
        { className: 'reader-bar' },
        back,
        title,
        followSlot,
        speakerChip,
        h('div', { className: 'reader-pager' }, previous, indicator, next),
        presentButton,
        searchButton,
        viewButton,
        annotateButton,
        meetingButton,
      );

      // ---- The stage and what floats over it ----
      const stage = h('div', {
        className: 'reader-stage',
        attrs: { 'data-page-count': pageCount, tabindex: '0', 'aria-label': agendaDocument.title },
      });
      const search = createReaderSearch({
        pdf,
        view: () => view,
        stage,
        signal,
        t,
        goTo: (page) => goTo(page),
        chosen: () => navigatorPanel?.close(),
      });
      const meetingPanel = live
        ? h(
            'aside',
            { className: 'reader-panel reader-meeting', attrs: { 'aria-label': t('reading.meetingPanel') } },
            h(
              'div',
              { className: 'navigator-head' },
              h('h2', {}, t('reading.meeting')),
              button('button-square navigator-close', t('reading.close'), '✕', () => closePanels()),
            ),
            live.panel,
          )
        : null;
      if (meetingPanel) meetingPanel.hidden = true;

      // "Cách hiển thị": fit, spread, zoom.
      const fitButtons = (['width', 'page', 'spread'] as FitMode[]).map((mode) =>
        h(
          'button',
          {
            className: 'button fit-button',
            attrs: { type: 'button', 'data-fit': mode, 'aria-pressed': 'false' },
            on: { click: () => chooseFit(mode) },
            signal,
          },
          t(fitLabels[mode]),
        ),
      );
      const zoomOut = button('button-square zoom-out', t('reader.zoomOut'), '−', () =>
        view?.setZoom(nextZoom(view.zoom, -1)),
      );
      const zoomIn = button('button-square zoom-in', t('reader.zoomIn'), '+', () =>
        view?.setZoom(nextZoom(view.zoom, 1)),
      );
      const zoomReset = h('button', {
        className: 'button zoom-level',
        attrs: { type: 'button', title: t('reading.zoomReset') },
        on: { click: () => view?.setZoom(1) },
        signal,
      });
      const viewMenu = h(
        'div',
        {
          className: 'reader-panel reader-view-menu',
          attrs: { role: 'group', 'aria-label': t('reading.view') },
        },
        h('div', { className: 'button-row' }, ...fitButtons),
        h('div', { className: 'button-row zoom-row' }, zoomOut, zoomReset, zoomIn),
      );
      // Every version of the document, "phiên bản 1, 14:05": an earlier
      // one opens read only, with its annotations.
      if (currentDocument.versions.length > 1 && !currentDocument.confidential) {
        viewMenu.append(
          h(
            'div',
            {
              className: 'button-row version-row',
              attrs: { role: 'group', 'aria-label': t('reader.versions') },
            },
            ...currentDocument.versions.map((each) =>
              h(
                'button',
                {
                  className: 'button version-button',
                  attrs: {
                    type: 'button',
                    'data-version': each.version,
                    'aria-pressed': String(each.version === agendaDocument.version),
                  },
                  on: {
                    click: () => openVersion(each.version === currentDocument.version ? null : each.version),
                  },
                  signal,
                },
                versionLabel(context, each.version, each.uploaded_at_ms),
              ),
            ),
          ),
        );
      }
      viewMenu.hidden = true;

      const main = h(
        'div',
        { className: 'reader-main' },
        stage,
        live ? live.announcementSlot : '',
        search.findBar,
        presentMessage,
        meetingPanel,
        viewMenu,
      );
      // The navigator is built the first time it is opened: a delegate
      // who only reads does not pay for 83 thumbnails.
      let navigatorPanel: ReaderNavigator | null = null;
      const readerNavigator = () => {
        if (!navigatorPanel) {
          navigatorPanel = createReaderNavigator({
            pdf,
            signal,
            t,
            searchElement: search.element,
            focusSearch: () => search.focus(),
            goTo: (page) => goTo(page),
            toggled: (open) => {
              if (open) closePanels('navigator');
              else stage.focus({ preventScroll: true });
            },
          });
          navigatorPanel.setCurrent(currentPageNumber());
          main.append(navigatorPanel.element);
        }
        return navigatorPanel;
      };
      const earlierBanner = earlierVersion
        ? h(
            'div',
            { className: 'agenda-notice earlier-version-banner', attrs: { role: 'status' } },
            h('span', {}, t('annotate.oldVersionReadOnly')),
            h(
              'button',
              {
                className: 'button button-small button-primary',
                attrs: { type: 'button' },
                on: { click: () => openVersion(null) },
                signal,
              },
              t('reader.openCurrentVersion'),
            ),
          )
        : '';
      body.replaceChildren(
        bar,
        earlierBanner,
        annotations ? annotations.earlierNotice : '',
        agendaDocument.confidential
          ? h('p', { className: 'confidential-notice' }, t('reader.confidentialNotice'))
          : '',
        main,
        dock,
        live ? live.voteLayer : '',
      );
      if (live) live.announcementSlot.classList.add('reader-announcement');

      // ---- The agenda follows here too ----
      // A calm notice under the bar; when this very document has a new
      // version, a button opens it at the same page (no reload), and a
      // document removed or marked confidential says so.
      if (live) {
        const notice = agendaNotice(context, meetingId, () => undefined);
        bar.after(notice.element);
        let shownMeeting = meeting;
        followAgenda({
          connection: live.session.connection,
          context,
          meetingId,
          shown: () => shownMeeting,
          onChange: (fresh, changes) => {
            shownMeeting = fresh;
            annotations?.updateMeeting(fresh);
            const replaced = changes.some(
              (change) => change.kind === 'document_replaced' && change.documentId === documentId,
            );
            notice.show(
              changes,
              replaced
                ? {
                    label: t('changes.openNewVersion'),
                    run: () => {
                      changeMarks.seenDocument(meetingId, documentId, null);
                      context.navigate({
                        screen: 'document',
                        meetingId,
                        documentId,
                        page: currentPageNumber(),
                      });
                    },
                  }
                : undefined,
            );
          },
          signal,
        });
      }

      // ---- Panels: one at a time, each a tap away and a tap back ----
      type Panel = 'pages' | 'search' | 'view' | 'meeting';
      function closePanels(except?: 'navigator' | 'view' | 'meeting'): void {
        if (except !== 'navigator') navigatorPanel?.close();
        if (except !== 'view') viewMenu.hidden = true;
        if (except !== 'meeting' && meetingPanel) meetingPanel.hidden = true;
        viewButton.setAttribute('aria-expanded', String(!viewMenu.hidden));
        meetingButton?.setAttribute('aria-expanded', String(meetingPanel ? !meetingPanel.hidden : false));
      }
      function togglePanel(panel: Panel): void {
        switch (panel) {
          case 'pages':
          case 'search':
            if (navigatorPanel?.isOpen) navigatorPanel.close();
            else readerNavigator().open(panel);
            return;
          case 'view': {
            const opening = viewMenu.hidden;
            closePanels(opening ? 'view' : undefined);
            viewMenu.hidden = !opening;
            viewButton.setAttribute('aria-expanded', String(opening));
            refreshViewMenu();
            return;
          }
          case 'meeting': {
            if (!meetingPanel) return;
            const opening = meetingPanel.hidden;
            closePanels(opening ? 'meeting' : undefined);
            meetingPanel.hidden = !opening;
            meetingButton?.setAttribute('aria-expanded', String(opening));
          }
        }
      }
      function toggleDock(): void {
        dock.hidden = !dock.hidden;
        annotateButton?.setAttribute('aria-pressed', String(!dock.hidden));
        if (dock.hidden) annotations?.stopDrawing();
      }
      // A tap on the page puts a panel away.
      stage.addEventListener('pointerdown', () => closePanels(), { signal });

      function refreshViewMenu(): void {
        const offered = modesFor(orientation());
        fitButtons.forEach((fitButton, index) => {
          const mode = (['width', 'page', 'spread'] as FitMode[])[index] as FitMode;
          fitButton.hidden = !offered.includes(mode);
          fitButton.setAttribute('aria-pressed', String(view?.mode === mode));
        });
        const zoom = view?.zoom ?? 1;
        zoomReset.textContent = `${Math.round(zoom * 100)}%`;
        zoomReset.setAttribute('aria-label', t('reading.zoomLevel', { percent: Math.round(zoom * 100) }));
        zoomOut.disabled = zoom <= 0.5 + 1e-3;
        zoomIn.disabled = zoom >= 4 - 1e-3;
      }
      function chooseFit(mode: FitMode): void {
        preference = chooseMode(storage, preference, orientation(), mode);
        view?.setMode(mode);
        refreshViewMenu();
      }

      // ---- The bar's live part ----
      function renderLive(): void {
        if (!live) return;
        const { following } = live.session;
        const state = live.session.connection.state;
        const parts: HTMLElement[] = [];
        if (following.following) {
          parts.push(
            h(
              'button',
              {
                className: 'button reader-follow reader-follow-on',
                attrs: {
                  type: 'button',
                  'data-following': 'true',
                  'aria-pressed': 'true',
                  title: t('reading.stopFollowing'),
                },
                on: { click: () => following.set(false) },
                signal,
              },
              t('reading.following'),
            ),
          );
        } else {
          parts.push(
            h(
              'button',
              {
                className: 'button button-primary reader-follow reader-follow-off',
                attrs: { type: 'button', 'data-following': 'false', 'aria-pressed': 'false' },
                on: {
                  click: () => {
                    following.followFrom({ documentId, page: currentPageNumber() });
                    const position = live?.session.connection.state?.snapshot.follow;
                    if (position) followNow(position);
                  },
                },
                signal,
              },
              t('live.follow'),
            ),
          );
        }
        const place = following.returnPlace;
        if (place && (place.documentId !== documentId || place.page !== currentPageNumber())) {
          const elsewhere = place.documentId !== documentId ? findDocument(meeting, place.documentId) : null;
          const label = elsewhere
            ? t('reading.returnToDocument', { title: elsewhere.title, page: place.page })
            : t('reading.returnTo', { page: place.page });
          parts.push(
            h(
              'button',
              {
                className: 'button reader-return',
                attrs: { type: 'button', title: label, 'data-return-page': place.page },
                on: { click: () => returnToPlace() },
                signal,
              },
              `↩ ${label}`,
            ),
          );
        }
        followSlot.replaceChildren(...parts);
        if (meetingButton && state) {
          const needsCheckIn = controls.checkIn && !isCheckedIn(state);
          meetingButton.classList.toggle('needs-attention', needsCheckIn);
          meetingButton.title = needsCheckIn ? t('reading.checkInNeeded') : t('reading.meetingPanel');
        }
        renderSpeaker();
      }
      function renderSpeaker(): void {
        const state = live?.session.connection.state;
        const turnNow = state?.snapshot.speakers.current;
        if (!state || !turnNow) {
          speakerChip.hidden = true;
          return;
        }
        const left = remainingSeconds(turnNow, Date.now());
        const name = hasFloor(state) ? t('live.youHaveFloor') : participantName(state, turnNow.user_id);
        speakerChip.hidden = false;
        speakerChip.dataset['speaker'] = turnNow.user_id;
        speakerChip.title = t('reading.speaker', { name });
        speakerChip.replaceChildren(
          h('span', { className: 'reader-speaker-name' }, `🎤 ${name}`),
          h(
            'span',
            { className: `live-countdown${left !== null && left < 0 ? ' live-countdown-over' : ''}` },
            left === null ? formatElapsed(turnNow, Date.now()) : formatCountdown(left),
          ),
        );
      }
      function followNow(follow: FollowState): void {
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
      }
      function returnToPlace(): void {
        if (!live) return;
        const place = live.session.following.takeReturnPlace();
        if (!place) return;
        live.session.following.set(false);
        if (place.documentId === documentId) goTo(place.page);
        else
          context.navigate({ screen: 'document', meetingId, documentId: place.documentId, page: place.page });
      }
      if (live) {
        live.session.connection.subscribe(renderLive, signal);
        live.session.following.subscribe(renderLive, signal);
        tickEverySecond(renderSpeaker, signal);
        renderLive();
      }

      // ---- Pages ----
      let addressTimer: number | undefined;
      const writeAddress = () => {
        window.clearTimeout(addressTimer);
        addressTimer = undefined;
        context.replaceAddress({
          screen: 'document',
          meetingId,
          documentId,
          page: currentPageNumber(),
          ...routeVersion,
        });
      };
      const pageLabel = (page: number) => t('reader.pageOf', { page, count: pageCount });
      const refreshPager = () => {
        const page = currentPageNumber();
        indicator.replaceChildren(
          h('span', { className: 'indicator-word' }, `${t('reading.pageWord')} `),
          `${page}/${pageCount}`,
        );
        previous.disabled = page <= 1;
        next.disabled = page >= pageCount;
        stage.dataset['page'] = String(page);
        navigatorPanel?.setCurrent(page);
        refreshViewMenu();
      };
      view = createPageView({
        pdf,
        stage,
        mode: preference[orientation()],
        initialPage,
        signal,
        pageLabel,
        framePage: (canvas, page) =>
          annotations ? annotations.framePage(canvas, page) : createPageFrame(canvas, page).element,
        releaseFrame: (page) => annotations?.releasePage(page),
        pageShown: (page, frame) => {
          if (page === initialPage) mark('first-page');
          firstPageShown();
          search.pageShown(page, frame);
        },
        decorateCanvas: agendaDocument.confidential
          ? (canvas) => {
              const context2d = canvas.getContext('2d');
              if (context2d)
                drawWatermark(
                  context2d,
                  canvas.width,
                  canvas.height,
                  watermarkText(context.user?.display_name ?? '', new Date(), context.language),
                );
            }
          : undefined,
        resized: () => {
          annotations?.relayout();
          refreshViewMenu();
        },
        currentChanged: () => {
          refreshPager();
          renderLive();
          // The address follows the page, at most every 400 ms (browsers
          // refuse a flood of history changes: Safari 100 in 30 s).
          addressTimer ??= window.setTimeout(writeAddress, 400);
        },
        renderFailed: (page, error) => {
          console.error('phonghop: could not draw page', page, error);
          stage.dataset['renderFailed'] = String(page);
        },
        gesturesEnabled: () => !annotations?.capturesTouch(),
        swiped: (pageTurn) => turn(pageTurn),
      });
      refreshPager();
      signal.addEventListener('abort', () => {
        if (addressTimer !== undefined) writeAddress();
        window.clearTimeout(presentTimer);
      });

      /** Shows page `target`; a page the reader chose (`byReader`) leaves
       * follow mode, one the presenter moved to does not. */
      function goTo(target: number, byReader = true): void {
        if (byReader) live?.session.following.set(false);
        view?.goTo(target);
        refreshPager();
        addressTimer ??= window.setTimeout(writeAddress, 400);
      }
      function turn(pageTurn: PageTurn): void {
        if (!view) return;
        goTo(view.pageAfter(pageTurn));
      }

      // The orientation decides the fit, unless the reader chose one for it.
      let lastOrientation = orientation();
      window.addEventListener(
        'resize',
        () => {
          const now = orientation();
          if (now === lastOrientation) return;
          lastOrientation = now;
          view?.setMode(preference[now]);
          refreshViewMenu();
        },
        { signal },
      );

      // Keys: arrows and Page Up/Down turn pages, Ctrl+F searches, Escape
      // puts a panel away; not while the user is typing.
      window.addEventListener(
        'keydown',
        (event) => {
          if (event.key === 'Escape') {
            closePanels();
            return;
          }
          if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
            event.preventDefault();
            readerNavigator().open('search');
            return;
          }
          if (
            event.target instanceof HTMLInputElement ||
            event.target instanceof HTMLTextAreaElement ||
            event.target instanceof HTMLSelectElement ||
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

      stage.focus({ preventScroll: true });
    };

    start();
  };
