// The reader's annotations: the tool bar (pen, highlighter, eraser, text
// note, select; colours and widths; the shared layer), which the reader
// docks under the page on request, the ink drawn over each page on screen
// (the reader frames several as the pages scroll), pinned notes, and the
// free-text note of the document's agenda item. While a stroke is drawn
// only its own path changes on each move, and the reader draws no page,
// so that the ink keeps up with the pen on a slow tablet.
//
// Private ink and notes go to the delegate's notebook for the meeting;
// "Chia sẻ với cuộc họp" copies a chosen stroke or note to the delegate's
// own shared layer of the document, which only they write; everyone sees
// every author's layer together ("lớp chung", which each may show or hide),
// each record named after its layer's owner as the server says
// (`annotations/sharedLayers.ts`). With "Vẽ lên lớp chung" on, strokes go
// straight to the delegate's shared layer and the ink in progress is sent
// as ephemeral messages, so others (the big screen too) see it as it is
// drawn; the eraser there reaches only the delegate's own shared strokes.
// The documents live in the page's Automerge repository (`sync/repo.ts`):
// kept on the device, synced whenever the server is reachable. A user with
// no layer they may write (a closed meeting) gets no way to write one.
// The chair and the secretary choose anyone's shared stroke or open a
// shared note to hide it from the meeting (`PUT …/hidden-annotations`,
// audited by the server), and see hidden ones faded, to show them again.
// Everyone else stops seeing a hidden record once the meeting reloads
// (`updateMeeting`, on the live `meeting_changed`).
//
// A confidential (mật) document gets no annotations: notes about it would
// be kept on the device, which mật documents never are.
//
// The decisions (where a point is on the page, what the eraser touches,
// what a shared copy is, the ink in progress) are in `annotations/` and
// `reader/inkPath.ts`; this file is the DOM and the documents.

import type { DocHandle } from '@automerge/automerge-repo/slim';
import type { AgendaItem, DocumentInfo, Meeting, SyncDocument } from '../api/types';
import { countOnEarlierVersions } from '../annotations/carryOver';
import {
  hiddenKey,
  hiddenKeys,
  sharedLayerEntries,
  sharedOnPage,
  type OpenedSharedLayer,
  type SharedNote,
  type SharedOrigin,
  type SharedStroke,
} from '../annotations/sharedLayers';
import { liveInkIntervalMilliseconds, liveInkMessage, type LiveInkStage } from '../annotations/liveInk';
import {
  addStroke,
  annotationsOnPage,
  inkColors,
  isPinnedNote,
  isShared,
  itemNoteText,
  newAnnotationId,
  packPoints,
  penWidths,
  putPinnedNote,
  removeNote,
  removeStrokes,
  sharedNoteCopy,
  sharedStrokeCopy,
  strokeAt,
  strokesErasedBy,
  toolWidth,
  toPagePoint,
  versionOf,
  writeItemNote,
  type AnnotationDocument,
  type InkPoint,
  type InkTool,
  type PinnedNote,
  type StrokeRecord,
  type UpdateText,
} from '../annotations/model';
import type { MessageKey } from '../i18n/i18n';
import { applySplice, carrySelection, rebaseTyping } from '../collaborativeText/typing';
import {
  createPageFrame,
  fitInkLayer,
  followSharedLayer,
  liveStrokeGroup,
  notePosition,
  strokeElement,
  strokeGroup,
  type PageFrame,
  type SharedLayerWatch,
} from '../reader/inkLayer';
import { inkPathData } from '../reader/inkPath';
import type { OpenedPdf } from '../reader/pdf';
import { h } from '../ui/dom';
import { carryAnnotations } from './carryAnnotations';
import type { ScreenContext } from './context';

type Tool = 'view' | InkTool | 'eraser' | 'note' | 'select';
type LayerName = 'notebook' | 'shared';

const tools: { tool: Tool; label: MessageKey; symbol: string }[] = [
  { tool: 'view', label: 'annotate.view', symbol: '☝' },
  { tool: 'pen', label: 'annotate.pen', symbol: '✎' },
  { tool: 'highlighter', label: 'annotate.highlighter', symbol: '▮' },
  { tool: 'eraser', label: 'annotate.eraser', symbol: '⌫' },
  { tool: 'note', label: 'annotate.note', symbol: '🗩' },
  { tool: 'select', label: 'annotate.select', symbol: '⬚' },
];
const colorLabels: MessageKey[] = [
  'annotate.color.black',
  'annotate.color.red',
  'annotate.color.blue',
  'annotate.color.green',
  'annotate.color.yellow',
];
const widthLabels: MessageKey[] = ['annotate.width.thin', 'annotate.width.medium', 'annotate.width.thick'];

/** How far the eraser reaches, and how near a tap must be to choose a
 * stroke, as a fraction of the page width. */
const eraserRadius = 0.015;

export interface ReaderAnnotations {
  /** The tool bar and the note editor. */
  panel: HTMLElement;
  /** The agenda item's free-text note. */
  itemNotePanel: HTMLElement | null;
  /** Wraps a freshly rendered page canvas with the ink and notes drawn
   * over it; the reader puts the result in the page's place. Several
   * pages may be framed at once (a scrolling column). */
  framePage(canvas: HTMLCanvasElement, page: number): HTMLElement;
  /** Forgets a page's frame (the reader dropped it far from view). */
  releasePage(page: number): void;
  /** Draws the ink again for the frames' new sizes (zoom, rotation). */
  relayout(): void;
  /** Whether a tool that draws on the page is chosen: touches then draw
   * instead of scrolling, turning or zooming the page. */
  capturesTouch(): boolean;
  /** Back to reading ("Xem"), as when the tool bar is put away. */
  stopDrawing(): void;
  /** "N ghi chú ở phiên bản trước" with a way to see them; hidden while
   * every annotation of the document is on the version shown. */
  earlierNotice: HTMLElement;
  /** The meeting was loaded again (the live `meeting_changed`): what the
   * chair or the secretary hid is left out from now on. */
  updateMeeting(fresh: Meeting): void;
}

interface Layer {
  name: LayerName;
  handle: DocHandle<AnnotationDocument>;
  writable: boolean;
}

function findSyncDocument(
  meeting: Meeting,
  test: (document: SyncDocument) => boolean,
): SyncDocument | undefined {
  return meeting.sync_documents.find(test);
}

/** Sets up annotations for one document, or `null` when it has none (a
 * confidential document, or a meeting that gave the user no notebook). */
export function setUpAnnotations(options: {
  meeting: Meeting;
  agendaDocument: DocumentInfo;
  context: ScreenContext;
  signal: AbortSignal;
  /** A stroke began (`true`) or ended: the reader holds back drawing
   * pages meanwhile, so that the ink keeps up with the pen. */
  drawingChanged?: (drawing: boolean) => void;
  /** Resolves once the first page is on screen: the notebook and the
   * shared layer (Automerge's WebAssembly, IndexedDB) are opened after
   * it, not in competition with it, on a slow tablet. */
  firstPageShown?: Promise<void>;
  /** An earlier version shown for reading only: its annotations are
   * shown, nothing is drawn or carried. `agendaDocument.version` is the
   * version shown either way. */
  readOnly?: boolean;
  /** The version shown, open: its text lines are read from it when a
   * note must follow its line. */
  pdf?: OpenedPdf;
  /** Opens an earlier version of the document (read only). */
  openVersion?: (version: number) => void;
}): ReaderAnnotations | null {
  const { meeting, agendaDocument, context, signal } = options;
  const { t } = context;
  const user = context.user;
  const notebookEntry = findSyncDocument(meeting, (document) => document.kind === 'notebook');
  if (agendaDocument.confidential || !notebookEntry || !user) return null;
  // The user's own shared layer (the one they write) and every author's.
  const layerEntries = sharedLayerEntries(meeting, agendaDocument.id, user.id);
  /** The chair and the secretary hide shared records (and see them). */
  const moderates = meeting.my_role === 'chair' || meeting.my_role === 'secretary';
  let hidden = hiddenKeys(meeting);
  const agendaItem: AgendaItem | undefined = meeting.agenda.find((item) =>
    item.documents.some((document) => document.id === agendaDocument.id),
  );
  const documentId = agendaDocument.id;
  const shownVersion = agendaDocument.version;
  const readOnly = options.readOnly ?? false;

  // ---- State ----
  let tool: Tool = 'view';
  let color: string = inkColors[1];
  let penWidth: number = penWidths[1];
  let drawShared = false;
  let showShared = true;
  let notebook: Layer | null = null;
  /** The user's own shared layer, once open (only if they may write it). */
  let shared: Layer | null = null;
  let updateText: UpdateText | null = null;
  /** Every author's shared layer, the user's own too, once open, each
   * with the ink in progress others draw on it. */
  let sharedLayers: {
    entry: SyncDocument;
    handle: DocHandle<AnnotationDocument>;
    watch: SharedLayerWatch;
  }[] = [];
  const openedShared = (): OpenedSharedLayer[] =>
    sharedLayers.map(({ entry, handle }) => ({
      url: entry.url,
      ownerName: entry.owner_name,
      document: handle.doc(),
    }));
  let selectedStrokeId: string | null = null;
  /** A shared stroke the chair or the secretary chose (to hide it). */
  let selectedShared: SharedStroke | null = null;
  /** The pages on screen, by page number. */
  const frames = new Map<number, PageFrame>();
  /** The stroke being drawn on this device. */
  let drawing: {
    pointerId: number;
    id: string;
    tool: Tool;
    layer: LayerName;
    page: number;
    points: InkPoint[];
    lastSentAt: number;
    /** The stroke's path while it is drawn, updated alone on each move
     * (not the whole page) so that the ink keeps up with the pen. */
    path: SVGPathElement | null;
    size: { width: number; height: number };
    /** The page frame's box when the stroke began (the page cannot
     * scroll under a drawing tool), so that a move costs no layout. */
    box: DOMRect;
  } | null = null;

  // ---- The panel ----
  const status = h(
    'p',
    { className: 'muted annotate-status', attrs: { role: 'status' } },
    t('annotate.loading'),
  );
  const toolButtons = tools.map(({ tool: each, label, symbol }) =>
    h(
      'button',
      {
        className: 'button tool-button',
        attrs: { type: 'button', 'data-tool': each, 'aria-pressed': String(each === tool), title: t(label) },
        on: { click: () => chooseTool(each) },
        signal,
      },
      h('span', { className: 'tool-symbol', attrs: { 'aria-hidden': 'true' } }, symbol),
      h('span', { className: 'tool-label' }, t(label)),
    ),
  );
  const colorButtons = inkColors.map((each, index) =>
    h(
      'button',
      {
        className: 'button button-square color-button',
        attrs: {
          type: 'button',
          'data-color': each,
          'aria-pressed': String(each === color),
          'aria-label': t(colorLabels[index] ?? 'annotate.colors'),
          title: t(colorLabels[index] ?? 'annotate.colors'),
          style: `--swatch: ${each}`,
        },
        on: {
          click: () => {
            color = each;
            refreshToolbar();
          },
        },
        signal,
      },
      h('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } }),
    ),
  );
  const widthButtons = penWidths.map((each, index) =>
    h(
      'button',
      {
        className: 'button button-square width-button',
        attrs: {
          type: 'button',
          'data-width': index,
          'aria-pressed': String(each === penWidth),
          'aria-label': t(widthLabels[index] ?? 'annotate.widths'),
          title: t(widthLabels[index] ?? 'annotate.widths'),
        },
        on: {
          click: () => {
            penWidth = each;
            refreshToolbar();
          },
        },
        signal,
      },
      h('span', {
        className: 'width-sample',
        attrs: { 'aria-hidden': 'true', style: `height: ${2 + index * 3}px` },
      }),
    ),
  );
  const drawSharedButton = h(
    'button',
    {
      className: 'button toggle-button draw-shared',
      attrs: { type: 'button', 'aria-pressed': 'false' },
      on: {
        click: () => {
          drawShared = !drawShared;
          if (drawShared) showShared = true;
          refreshToolbar();
          redraw();
        },
      },
      signal,
    },
    t('annotate.drawShared'),
  );
  const showSharedButton = h(
    'button',
    {
      className: 'button toggle-button show-shared',
      attrs: { type: 'button', 'aria-pressed': 'true' },
      on: {
        click: () => {
          showShared = !showShared;
          if (!showShared) drawShared = false;
          refreshToolbar();
          redraw();
        },
      },
      signal,
    },
    t('annotate.showShared'),
  );
  const hint = h('p', { className: 'muted annotate-hint' });
  const selectionBar = h('div', { className: 'toolbar-group selection-bar' });
  const noteEditor = h('div', { className: 'note-editor' });
  noteEditor.hidden = true;
  const toolbar = h(
    'div',
    { className: 'annotate-toolbar', attrs: { role: 'toolbar', 'aria-label': t('annotate.toolbar') } },
    h('div', { className: 'toolbar-group tool-group' }, ...toolButtons),
    h('div', { className: 'toolbar-group', attrs: { 'aria-label': t('annotate.colors') } }, ...colorButtons),
    h('div', { className: 'toolbar-group', attrs: { 'aria-label': t('annotate.widths') } }, ...widthButtons),
    h('div', { className: 'toolbar-group' }, drawSharedButton, showSharedButton),
  );
  const itemNote = agendaItem
    ? h('textarea', {
        className: 'input item-note-input',
        attrs: { id: 'item-note-input', rows: 3, 'data-agenda-item-id': agendaItem.id },
      })
    : null;
  const itemNoteStatus = h('span', { className: 'muted item-note-status', attrs: { 'aria-live': 'polite' } });
  const itemNoteSection =
    agendaItem && itemNote
      ? h(
          'details',
          { className: 'item-note' },
          h('summary', {}, t('annotate.itemNote', { title: agendaItem.title })),
          itemNote,
          itemNoteStatus,
        )
      : null;
  const panel = h(
    'div',
    { className: 'annotate-panel', attrs: { 'data-annotations': 'loading' } },
    toolbar,
    // One row of fixed height for the hint, the chosen stroke's actions
    // and the status, so that choosing a tool never moves the page.
    h('div', { className: 'annotate-info' }, hint, selectionBar, status),
    noteEditor,
  );
  for (const control of [...toolButtons, ...colorButtons, ...widthButtons, drawSharedButton])
    control.disabled = true;
  if (itemNote) itemNote.disabled = true;

  const targetLayer = (): Layer | null => (drawShared && shared?.writable && showShared ? shared : notebook);

  function refreshToolbar(): void {
    const ready = notebook !== null && !readOnly;
    for (const button of toolButtons) {
      button.setAttribute('aria-pressed', String(button.dataset['tool'] === tool));
      button.disabled = !ready;
    }
    const inking = tool === 'pen' || tool === 'highlighter';
    for (const button of colorButtons) {
      button.setAttribute('aria-pressed', String(button.dataset['color'] === color));
      button.disabled = !ready || !inking;
    }
    widthButtons.forEach((button, index) => {
      button.setAttribute('aria-pressed', String(penWidths[index] === penWidth));
      button.disabled = !ready || !inking;
    });
    drawSharedButton.hidden = !shared?.writable;
    drawSharedButton.disabled = !ready;
    drawSharedButton.setAttribute('aria-pressed', String(drawShared));
    showSharedButton.hidden = layerEntries.all.length === 0;
    showSharedButton.setAttribute('aria-pressed', String(showShared));
    hint.textContent =
      tool === 'select'
        ? t(moderates ? 'annotate.selectHintModerator' : 'annotate.selectHint')
        : tool === 'note'
          ? t('annotate.noteHint')
          : '';
    hint.hidden = hint.textContent === '';
    for (const frame of frames.values()) frame.element.dataset['tool'] = tool;
  }

  function chooseTool(next: Tool): void {
    tool = next;
    if (tool !== 'select') {
      selectedStrokeId = null;
      selectedShared = null;
    }
    refreshToolbar();
    redraw();
  }

  // ---- Annotations left on earlier versions ----
  // Counted once the carry-over to the version shown has been tried (so
  // the number does not change under the reader's eyes), in both layers.
  let carried = readOnly;
  const earlierText = h('span', { className: 'earlier-notice-text' });
  const earlierButton = h(
    'button',
    {
      className: 'button button-small',
      attrs: { type: 'button' },
      on: { click: () => earlierVersion !== null && options.openVersion?.(earlierVersion) },
      signal,
    },
    '',
  );
  const earlierNotice = h(
    'div',
    { className: 'agenda-notice earlier-notice', attrs: { role: 'status', 'aria-live': 'polite' } },
    earlierText,
    earlierButton,
  );
  earlierNotice.hidden = true;
  /** The latest earlier version that holds some of the document's
   * annotations. */
  let earlierVersion: number | null = null;
  /** Records on an earlier version that a carry-over has already decided
   * (they stay), so that a change elsewhere does not ask again. */
  const settled = new Set<string>();
  let carryTimer: number | undefined;
  signal.addEventListener('abort', () => window.clearTimeout(carryTimer));
  /** Carries this tablet's own annotations (and the shared layer's, when
   * it may write it) to the version shown; the current one, not read
   * only. */
  async function carryNow(): Promise<void> {
    const writable = [notebook, shared].filter((layer): layer is Layer => layer?.writable === true);
    // Every record of every layer now, others' layers too (which this
    // tablet may not carry): each has had its chance.
    const before = new Set<string>();
    for (const document of [notebook?.handle.doc(), ...sharedLayers.map((layer) => layer.handle.doc())]) {
      for (const stroke of document?.strokes ?? []) before.add(stroke.id);
      for (const note of Object.values(document?.notes ?? {}).filter(isPinnedNote)) before.add(note.id);
    }
    const moved = await carryAnnotations({
      context,
      agendaDocument,
      layers: writable.map((layer) => layer.handle),
      ...(options.pdf ? { currentPdf: options.pdf } : {}),
      signal,
    });
    for (const id of before) settled.add(id);
    panel.dataset['carried'] = String(Number(panel.dataset['carried'] ?? 0) + moved);
  }
  function refreshEarlierNotice(): void {
    const layers = [notebook?.handle.doc(), ...sharedLayers.map((layer) => layer.handle.doc())];
    const count = layers.reduce(
      (sum, layer) => sum + countOnEarlierVersions(layer, documentId, shownVersion),
      0,
    );
    earlierVersion = null;
    let unsettled = false;
    for (const layer of layers) {
      const pins = Object.values(layer?.notes ?? {}).filter(isPinnedNote);
      for (const record of [...(layer?.strokes ?? []), ...pins]) {
        if (record.documentId !== documentId) continue;
        const version = versionOf(record);
        if (version >= shownVersion) continue;
        if (version > (earlierVersion ?? 0)) earlierVersion = version;
        if (!settled.has(record.id)) unsettled = true;
      }
    }
    // Records on an earlier version that arrived after the carry-over
    // (from the user's other tablet, or drawn there before it learned of
    // the new version) are carried too, a moment later.
    if (unsettled && carried && !readOnly && carryTimer === undefined) {
      carryTimer = window.setTimeout(() => {
        void carryNow().then(() => {
          carryTimer = undefined;
          if (!signal.aborted) redraw();
        });
      }, 1_000);
    }
    earlierNotice.hidden = readOnly || !carried || count === 0;
    earlierNotice.dataset['count'] = String(count);
    earlierText.textContent = t('annotate.earlierVersion', { count });
    earlierButton.textContent = t('annotate.seeEarlierVersion', { version: earlierVersion ?? 1 });
    earlierButton.hidden = !options.openVersion || earlierVersion === null;
  }

  // ---- Drawing the layers ----
  function redraw(): void {
    for (const frame of frames.values()) redrawFrame(frame);
    refreshSelection();
    refreshEarlierNotice();
  }

  function redrawFrame(frame: PageFrame): void {
    const { svg, notes, page } = frame;
    const { width, height } = fitInkLayer(frame);
    const noteMarkers: HTMLElement[] = [];

    const sharedPage = sharedOnPage(
      showShared ? openedShared() : [],
      documentId,
      page,
      shownVersion,
      hidden,
      moderates,
    );
    const privatePage = annotationsOnPage(notebook?.handle.doc(), documentId, page, shownVersion);
    const sharedGroup = strokeGroup('ink-shared', sharedPage.strokes, width, height, (stroke) => {
      const shared = stroke as SharedStroke;
      const chosen = selectedShared?.id === shared.id && selectedShared.layerUrl === shared.layerUrl;
      return `ink-stroke${shared.hidden ? ' ink-hidden' : ''}${chosen ? ' ink-selected' : ''}`;
    });
    const privateGroup = strokeGroup('ink-private', privatePage.strokes, width, height, (stroke) =>
      stroke.id === selectedStrokeId ? 'ink-stroke ink-selected' : 'ink-stroke',
    );
    const liveGroup = liveStrokeGroup(
      showShared
        ? sharedLayers.flatMap((layer) => layer.watch.liveStrokes(documentId, page, sharedPage.strokes))
        : [],
      width,
      height,
    );
    if (drawing && drawing.page === page && (drawing.tool === 'pen' || drawing.tool === 'highlighter')) {
      const current = { tool: drawing.tool, width: toolWidth(drawing.tool, penWidth), color };
      drawing.path = strokeElement(current, drawing.points, width, height, 'ink-stroke ink-drawing');
      drawing.size = { width, height };
      (drawing.layer === 'shared' ? sharedGroup : privateGroup).append(drawing.path);
    }
    for (const note of sharedPage.notes) noteMarkers.push(noteMarker(note, 'shared'));
    for (const note of privatePage.notes) noteMarkers.push(noteMarker(note, 'notebook'));
    svg.replaceChildren(sharedGroup, privateGroup, liveGroup);
    notes.replaceChildren(...noteMarkers);
    frame.element.dataset['sharedStrokes'] = String(sharedPage.strokes.filter((each) => !each.hidden).length);
    frame.element.dataset['hiddenStrokes'] = String(sharedPage.strokes.filter((each) => each.hidden).length);
    frame.element.dataset['privateStrokes'] = String(privatePage.strokes.length);
    frame.element.dataset['sharedNotes'] = String(sharedPage.notes.filter((each) => !each.hidden).length);
    frame.element.dataset['privateNotes'] = String(privatePage.notes.length);
    frame.element.dataset['liveStrokes'] = String(liveGroup.childElementCount);
  }

  function noteMarker(note: PinnedNote, layer: LayerName): HTMLElement {
    const marker = h(
      'button',
      {
        className: `pinned-note pinned-note-${layer}${(note as Partial<SharedNote>).hidden ? ' pinned-note-hidden' : ''}`,
        attrs: {
          type: 'button',
          'data-note-id': note.id,
          style: notePosition(note),
          'aria-label': t('annotate.openNote', { text: note.text }),
          title: note.text,
        },
        on: { click: () => openNoteEditor(note, layer) },
        signal,
      },
      '🗩',
    );
    return marker;
  }

  // ---- Pointer input on the page ----
  function pagePoint(event: PointerEvent, frame: PageFrame, box?: DOMRect): InkPoint {
    const pressure = event.pointerType === 'pen' ? event.pressure : 0.5;
    return toPagePoint(event.clientX, event.clientY, pressure, box ?? frame.element.getBoundingClientRect());
  }

  function aspect(frame: PageFrame): number {
    return (frame.element.clientHeight || 1) / (frame.element.clientWidth || 1);
  }

  function frameOf(event: Event): PageFrame | undefined {
    const page = Number((event.currentTarget as HTMLElement | null)?.dataset['page']);
    const frame = frames.get(page);
    return frame && frame.element === event.currentTarget ? frame : undefined;
  }

  function onPointerDown(event: PointerEvent): void {
    const frame = frameOf(event);
    if (tool === 'view' || !notebook || !frame) return;
    // A tap on a pinned note opens it, whatever the tool.
    if (event.target instanceof Element && event.target.closest('.pinned-note')) return;
    // The reader's swipe must not see a stroke.
    event.stopPropagation();
    event.preventDefault();
    if (drawing) return;
    const point = pagePoint(event, frame);
    if (tool === 'note') {
      openNoteEditor(
        {
          kind: 'pin',
          id: newAnnotationId(),
          documentId,
          page: frame.page,
          x: point.x,
          y: point.y,
          text: '',
          createdAt: Date.now(),
          version: agendaDocument.version,
        },
        'notebook',
        true,
      );
      return;
    }
    if (tool === 'select') {
      const candidates = annotationsOnPage(
        notebook.handle.doc(),
        documentId,
        frame.page,
        shownVersion,
      ).strokes;
      selectedStrokeId = strokeAt(candidates, point, eraserRadius, aspect(frame))?.id ?? null;
      selectedShared = null;
      if (!selectedStrokeId && moderates && showShared) {
        const shared = sharedOnPage(
          openedShared(),
          documentId,
          frame.page,
          shownVersion,
          hidden,
          true,
        ).strokes;
        selectedShared = strokeAt(shared, point, eraserRadius, aspect(frame)) as SharedStroke | null;
      }
      redraw();
      return;
    }
    const layer = targetLayer();
    if (!layer) return;
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
    drawing = {
      pointerId: event.pointerId,
      id: newAnnotationId(),
      tool,
      layer: layer.name,
      page: frame.page,
      points: [point],
      lastSentAt: 0,
      path: null,
      size: { width: 1, height: 1 },
      box: frame.element.getBoundingClientRect(),
    };
    options.drawingChanged?.(true);
    redrawFrame(frame);
  }

  /** The stroke in progress ends (kept, abandoned or its page gone). */
  function endDrawing(): void {
    if (!drawing) return;
    drawing = null;
    options.drawingChanged?.(false);
  }

  function onPointerMove(event: PointerEvent): void {
    if (!drawing || event.pointerId !== drawing.pointerId) return;
    const frame = frames.get(drawing.page);
    if (!frame) return;
    event.stopPropagation();
    const box = drawing.box;
    const samples = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const sample of samples.length > 0 ? samples : [event])
      drawing.points.push(pagePoint(sample, frame, box));
    if (drawing.layer === 'shared') sendLiveInk('drawing');
    if (drawing.path && (drawing.tool === 'pen' || drawing.tool === 'highlighter')) {
      const shape = { tool: drawing.tool, width: toolWidth(drawing.tool, penWidth), points: drawing.points };
      drawing.path.setAttribute('d', inkPathData(shape, drawing.size.width, drawing.size.height));
    }
  }

  function onPointerUp(event: PointerEvent): void {
    if (!drawing || event.pointerId !== drawing.pointerId) return;
    event.stopPropagation();
    const finished = drawing;
    endDrawing();
    const layer = finished.layer === 'shared' ? shared : notebook;
    const frame = frames.get(finished.page);
    if (!layer || !frame) return;
    if (finished.tool === 'eraser') {
      const onPage = annotationsOnPage(layer.handle.doc(), documentId, frame.page, shownVersion).strokes;
      const erased = new Set(strokesErasedBy(onPage, finished.points, eraserRadius, aspect(frame)));
      if (erased.size > 0) layer.handle.change((document) => void removeStrokes(document, erased));
    } else if (finished.tool === 'pen' || finished.tool === 'highlighter') {
      const stroke: StrokeRecord = {
        id: finished.id,
        documentId,
        page: frame.page,
        tool: finished.tool,
        color,
        width: toolWidth(finished.tool, penWidth),
        points: packPoints(finished.points),
        createdAt: Date.now(),
        version: agendaDocument.version,
      };
      layer.handle.change((document) => addStroke(document, stroke));
      if (layer.name === 'shared') sendLiveInk('committed', finished);
    }
    redraw();
  }

  function sendLiveInk(stage: LiveInkStage, stroke = drawing): void {
    if (!stroke || !shared || (stroke.tool !== 'pen' && stroke.tool !== 'highlighter')) return;
    const now = Date.now();
    if (stage === 'drawing' && now - stroke.lastSentAt < liveInkIntervalMilliseconds) return;
    stroke.lastSentAt = now;
    shared.handle.broadcast(
      liveInkMessage(
        {
          strokeId: stroke.id,
          documentId,
          page: stroke.page,
          tool: stroke.tool,
          color,
          width: toolWidth(stroke.tool, penWidth),
        },
        stroke.points,
        stage,
      ),
    );
  }

  // ---- Choosing, sharing, notes ----
  function refreshSelection(): void {
    selectionBar.replaceChildren();
    if (tool === 'select' && selectedShared) {
      selectionBar.append(...moderationControls(selectedShared));
      return;
    }
    if (tool !== 'select' || !selectedStrokeId || !notebook) return;
    const stroke = notebook.handle.doc()?.strokes.find((each) => each.id === selectedStrokeId);
    if (!stroke) return;
    selectionBar.append(...shareControls(stroke.id, () => shareStroke(stroke)));
    selectionBar.append(
      h(
        'button',
        {
          className: 'button',
          attrs: { type: 'button' },
          on: {
            click: () => {
              const id = stroke.id;
              selectedStrokeId = null;
              notebook?.handle.change((document) => void removeStrokes(document, new Set([id])));
              redraw();
            },
          },
        },
        t('annotate.delete'),
      ),
    );
  }

  /** Who shared a record, and "Ẩn khỏi cuộc họp" or "Hiện lại" (the chair's
   * and the secretary's). */
  function moderationControls(record: SharedOrigin & { id: string }, after?: () => void): HTMLElement[] {
    return [
      h(
        'span',
        { className: 'badge shared-author' },
        record.hidden
          ? `${t('annotate.hiddenBadge')} · ${record.author || '—'}`
          : t('annotate.sharedBy', { name: record.author || '—' }),
      ),
      h(
        'button',
        {
          className: 'button hide-button',
          attrs: { type: 'button', 'data-hidden': String(record.hidden) },
          on: { click: () => void setHidden(record, !record.hidden).then(() => after?.()) },
        },
        t(record.hidden ? 'annotate.unhide' : 'annotate.hide'),
      ),
    ];
  }

  /** Asks the server to hide a shared record (or show it again); shown so
   * at once here, and everywhere once the meeting reloads. */
  async function setHidden(record: SharedOrigin & { id: string }, hide: boolean): Promise<void> {
    try {
      await context.api.setAnnotationHidden(meeting.id, {
        layer_url: record.layerUrl,
        annotation_id: record.id,
        hidden: hide,
      });
    } catch (error) {
      console.warn('phonghop: could not hide or show a shared annotation', error);
      status.textContent = t('annotate.hideFailed');
      status.hidden = false;
      return;
    }
    const key = hiddenKey(record.layerUrl, record.id);
    hidden = new Set(hidden);
    if (hide) hidden.add(key);
    else hidden.delete(key);
    if (selectedShared?.id === record.id && selectedShared.layerUrl === record.layerUrl)
      selectedShared = { ...selectedShared, hidden: hide };
    redraw();
  }

  /** "Chia sẻ với cuộc họp", or "đã chia sẻ", or nothing for a layer the
   * user may only read. */
  function shareControls(privateId: string, share: () => void): HTMLElement[] {
    if (!shared?.writable) return [];
    if (isShared(shared.handle.doc(), privateId))
      return [h('span', { className: 'badge shared-badge' }, t('annotate.alreadyShared'))];
    return [
      h(
        'button',
        { className: 'button button-primary share-button', attrs: { type: 'button' }, on: { click: share } },
        t('annotate.share'),
      ),
    ];
  }

  function shareStroke(stroke: StrokeRecord): void {
    if (!shared?.writable) return;
    const copy = sharedStrokeCopy(stroke, user?.display_name ?? '', newAnnotationId());
    shared.handle.change((document) => addStroke(document, copy));
    showShared = true;
    refreshToolbar();
    redraw();
  }

  function openNoteEditor(note: PinnedNote, layer: LayerName, isNew = false): void {
    const editable = layer === 'notebook';
    const text = h('textarea', {
      className: 'input note-text',
      attrs: { rows: 3, 'aria-label': t('annotate.noteLabel'), readonly: !editable },
    });
    text.value = note.text;
    const close = () => {
      noteEditor.hidden = true;
      noteEditor.replaceChildren();
    };
    const save = () => {
      const value = text.value.trim();
      if (value === '') {
        if (!isNew) notebook?.handle.change((document) => removeNote(document, note.id));
      } else {
        notebook?.handle.change((document) => putPinnedNote(document, { ...note, text: value }));
      }
      close();
      redraw();
    };
    const buttons: HTMLElement[] = [];
    if (!editable && moderates && 'layerUrl' in note)
      buttons.push(...moderationControls(note as SharedNote, close));
    if (editable) {
      buttons.push(
        h(
          'button',
          { className: 'button button-primary', attrs: { type: 'button' }, on: { click: save } },
          t('annotate.save'),
        ),
      );
      if (!isNew) {
        buttons.push(
          ...shareControls(note.id, () => {
            if (!shared?.writable) return;
            const copy = sharedNoteCopy(
              { ...note, text: text.value.trim() || note.text },
              user?.display_name ?? '',
              newAnnotationId(),
            );
            shared.handle.change((document) => putPinnedNote(document, copy));
            close();
            redraw();
          }),
          h(
            'button',
            {
              className: 'button',
              attrs: { type: 'button' },
              on: {
                click: () => {
                  notebook?.handle.change((document) => removeNote(document, note.id));
                  close();
                  redraw();
                },
              },
            },
            t('annotate.delete'),
          ),
        );
      }
    }
    buttons.push(
      h(
        'button',
        { className: 'button', attrs: { type: 'button' }, on: { click: close } },
        t('annotate.close'),
      ),
    );
    noteEditor.replaceChildren(
      h(
        'label',
        { className: 'note-editor-label' },
        editable ? t('annotate.noteLabel') : t('annotate.sharedNoteLabel', { name: note.author ?? '' }),
      ),
      text,
      h('div', { className: 'toolbar-group' }, ...buttons),
    );
    noteEditor.dataset['noteId'] = note.id;
    noteEditor.hidden = false;
    if (editable) text.focus();
  }

  // ---- The agenda item's note ----
  // Written a moment after the last key: what was typed since the box last
  // showed the note (`itemNoteBase`), moved past edits made meanwhile on
  // the delegate's other device (`rebaseTyping`), so neither is lost.
  let itemNoteTimer: number | undefined;
  let itemNoteBase = '';
  function refreshItemNote(): void {
    if (!itemNote || !agendaItem || !notebook || document.activeElement === itemNote) return;
    itemNoteBase = itemNoteText(notebook.handle.doc(), agendaItem.id);
    itemNote.value = itemNoteBase;
  }
  function writeItemNoteNow(): void {
    window.clearTimeout(itemNoteTimer);
    if (!itemNote || !agendaItem || !notebook || !updateText) return;
    const latest = itemNoteText(notebook.handle.doc(), agendaItem.id);
    const typed = rebaseTyping(itemNoteBase, itemNote.value, latest);
    if (!typed) return;
    const text = applySplice(latest, typed);
    const edit = updateText;
    notebook.handle.change((document) => writeItemNote(document, agendaItem.id, text, edit));
    itemNoteBase = text;
    if (itemNote.value !== text) {
      const [start, end] = carrySelection(
        itemNote.value,
        text,
        itemNote.selectionStart,
        itemNote.selectionEnd,
      );
      itemNote.value = text;
      itemNote.setSelectionRange(start, end);
    }
    itemNoteStatus.textContent = t('annotate.itemNoteSaved');
  }
  itemNote?.addEventListener(
    'input',
    () => {
      window.clearTimeout(itemNoteTimer);
      itemNoteStatus.textContent = '';
      itemNoteTimer = window.setTimeout(writeItemNoteNow, 400);
    },
    { signal },
  );
  itemNote?.addEventListener(
    'blur',
    () => {
      writeItemNoteNow();
      refreshItemNote();
    },
    { signal },
  );
  signal.addEventListener('abort', () => writeItemNoteNow());

  // ---- Opening the documents ----
  void (async () => {
    try {
      await options.firstPageShown;
      if (signal.aborted) return;
      const sync = await import('../sync/repo');
      const repo = await sync.syncRepo(user.id);
      if (signal.aborted) return;
      updateText = sync.updateText as unknown as UpdateText;
      const notebookHandle = await sync.openSyncDocument<AnnotationDocument>(repo, notebookEntry.url, signal);
      if (signal.aborted) return;
      notebook = { name: 'notebook', handle: notebookHandle, writable: notebookEntry.access === 'write' };
      const onNotebookChange = () => {
        redraw();
        refreshItemNote();
      };
      notebookHandle.on('change', onNotebookChange);
      signal.addEventListener('abort', () => notebookHandle.off('change', onNotebookChange));
      panel.dataset['annotations'] = 'ready';
      status.textContent = readOnly ? t('annotate.oldVersionReadOnly') : '';
      status.hidden = !readOnly;
      if (itemNote) itemNote.disabled = false;
      refreshItemNote();
      refreshToolbar();
      redraw();
      if (layerEntries.all.length > 0) {
        // Every author's layer; one that cannot be had (yet) is left out
        // rather than keeping the others from view.
        const opened = await Promise.allSettled(
          layerEntries.all.map(async (entry) => ({
            entry,
            handle: await sync.openSyncDocument<AnnotationDocument>(repo, entry.url, signal),
          })),
        );
        if (signal.aborted) return;
        for (const result of opened) {
          if (result.status === 'rejected') {
            console.warn('phonghop: could not open a shared layer', result.reason);
            continue;
          }
          const { entry, handle } = result.value;
          sharedLayers.push({ entry, handle, watch: followSharedLayer(handle, signal, redraw) });
          if (entry === layerEntries.own) shared = { name: 'shared', handle, writable: true };
        }
        if (!shared) {
          status.textContent = t('annotate.readOnlyShared');
          status.hidden = false;
        }
        panel.dataset['sharedLayer'] = shared ? 'write' : 'read';
        refreshToolbar();
        redraw();
      }
      if (!readOnly) {
        await carryNow();
        if (signal.aborted) return;
        carried = true;
        redraw();
      }
    } catch (error) {
      if (signal.aborted) return;
      console.warn('phonghop: could not open the annotation documents', error);
      if (!notebook) {
        panel.dataset['annotations'] = 'unavailable';
        status.textContent = t('annotate.unavailable');
        status.hidden = false;
      }
    }
  })();

  refreshToolbar();

  return {
    panel,
    itemNotePanel: itemNoteSection,
    framePage(canvas, page) {
      if (drawing?.page === page) endDrawing();
      const frame = createPageFrame(canvas, page, tool);
      frames.set(page, frame);
      const { element } = frame;
      element.dataset['page'] = String(page);
      element.addEventListener('pointerdown', onPointerDown, { signal });
      element.addEventListener('pointermove', onPointerMove, { signal });
      element.addEventListener('pointerup', onPointerUp, { signal });
      element.addEventListener(
        'pointercancel',
        (event) => {
          if (drawing?.pointerId !== event.pointerId) return;
          if (drawing.layer === 'shared') sendLiveInk('abandoned');
          endDrawing();
          redrawFrame(frame);
        },
        { signal },
      );
      // The frame has its size once it is in the page.
      requestAnimationFrame(() => {
        if (frames.get(page) === frame) redrawFrame(frame);
      });
      return element;
    },
    releasePage(page) {
      if (drawing?.page === page) {
        if (drawing.layer === 'shared') sendLiveInk('abandoned');
        endDrawing();
      }
      frames.delete(page);
    },
    relayout() {
      for (const frame of frames.values()) redrawFrame(frame);
    },
    capturesTouch: () => tool !== 'view',
    updateMeeting(fresh) {
      hidden = hiddenKeys(fresh);
      redraw();
    },
    stopDrawing() {
      if (tool !== 'view') chooseTool('view');
    },
    earlierNotice,
  };
}
