// The reader's pages on screen: every page of the document in one
// scrolling column (a page a row, or two in a spread), drawn by pdf.js
// only near the viewport. The decisions are in `layout.ts` and
// `gestures.ts`; this file is the DOM, the render queue and the fingers.
//
// - Each page has a slot of its final size from the start (the first
//   page's size until its own is known), so the scroll bar is the
//   document's and scrolling never jumps.
// - The visible pages are drawn first, then the next pages in the
//   reading direction (`renderPlan`), one at a time; a page turn usually
//   finds its page drawn already. A canvas far from the viewport is given
//   back, so 83 pages cost what five do.
// - Zoom (buttons, pinch, double tap, Ctrl + wheel) keeps the document
//   point under the fingers in place: while the fingers move the drawn
//   pages are scaled by CSS, at the end the layout changes and the pages
//   are drawn again at their new size.
// - A horizontal swipe turns the page while the page fits the width.

import {
  anchorAt,
  clampZoom,
  computeLayout,
  currentPage,
  neighbourRowPage,
  renderPlan,
  scrollForAnchor,
  scrollTopForPage,
  visiblePages,
  type Anchor,
  type FitMode,
  type Layout,
  type PlacedPage,
  type Size,
} from './layout';
import { distance, doubleTapZoom, isDoubleTap, isTap, midpoint, pinchZoom, type Tap } from './gestures';
import { applyTurn, swipeTurn, type PageTurn } from './navigation';
import { isRenderCancelled, releaseCanvas, type OpenedPdf, type PageRendering } from './pdf';

export interface PageViewOptions {
  pdf: OpenedPdf;
  /** The scrolling element; the view fills it. */
  stage: HTMLElement;
  mode: FitMode;
  initialPage: number;
  signal: AbortSignal;
  /** "Trang 3/83", for each canvas's accessible name. */
  pageLabel(page: number): string;
  /** Wraps a freshly drawn page canvas (ink and notes over it); the
   * element fills the page's slot. */
  framePage(canvas: HTMLCanvasElement, page: number): HTMLElement;
  /** A page's frame was removed (the page is far from the viewport). */
  releaseFrame(page: number): void;
  /** Called once a page's frame is on screen (new, or drawn again). */
  pageShown?(page: number, frame: HTMLElement): void;
  /** Draws over a fresh canvas before it is shown (the mật watermark). */
  decorateCanvas?: ((canvas: HTMLCanvasElement) => void) | undefined;
  /** The pages changed size on screen (zoom, fit, rotation). */
  resized(): void;
  /** The current page changed. */
  currentChanged(page: number): void;
  /** A page could not be drawn. */
  renderFailed(page: number, error: unknown): void;
  /** Whether fingers and the mouse move the view (not while drawing). */
  gesturesEnabled(): boolean;
  /** A swipe asked for a page turn. */
  swiped(turn: PageTurn): void;
}

interface DrawnPage {
  scale: number;
  canvas: HTMLCanvasElement;
  frame: HTMLElement;
}

export interface PageView {
  readonly pageCount: number;
  readonly current: number;
  readonly mode: FitMode;
  readonly zoom: number;
  /** Shows `page` from the top of its row. */
  goTo(page: number): void;
  /** The page a turn leads to (a spread turns two pages). */
  pageAfter(turn: PageTurn): number;
  setMode(mode: FitMode): void;
  /** Zooms keeping the point at `focus` (viewport pixels; the centre by
   * default) in place. */
  setZoom(zoom: number, focus?: { x: number; y: number }): void;
  /** The frames drawn now, by page. */
  frames(): Map<number, HTMLElement>;
  /** Where page `page` is in the content, in CSS pixels. */
  placement(page: number): PlacedPage | undefined;
  /** Scrolls by `top` pixels (to bring something on the page into view). */
  scrollBy(top: number): void;
  /** Holds back drawing pages (`true`) while something needs the main
   * thread more, such as ink being drawn; `false` resumes. */
  hold(held: boolean): void;
}

export function createPageView(options: PageViewOptions): PageView {
  const { pdf, stage, signal } = options;
  const pageCount = pdf.pageCount;
  const content = document.createElement('div');
  content.className = 'reader-pages';
  const slots: HTMLElement[] = [];
  for (let page = 1; page <= pageCount; page += 1) {
    const slot = document.createElement('div');
    slot.className = 'page-slot';
    slot.dataset['page'] = String(page);
    slots.push(slot);
  }
  content.append(...slots);
  stage.replaceChildren(content);

  let mode = options.mode;
  let zoom = 1;
  let sizes: Size[] = [];
  let layout: Layout | null = null;
  let current = Math.min(Math.max(1, options.initialPage), pageCount);
  let direction: 1 | -1 = 1;
  let lastScrollTop = 0;
  const drawn = new Map<number, DrawnPage>();
  let rendering: { page: number; scale: number; task: PageRendering } | null = null;

  const stageSize = (): Size => ({ width: stage.clientWidth, height: stage.clientHeight });

  function place(): void {
    if (!layout) return;
    content.style.width = `${layout.contentWidth}px`;
    content.style.height = `${layout.contentHeight}px`;
    // Fingers pan sideways only when the pages are wider than the stage;
    // otherwise a sideways swipe is the reader's (a page turn), never the
    // browser's (which would go back in its history on some systems).
    stage.classList.toggle('reader-stage-wide', layout.contentWidth > layout.stage.width + 1);
    for (const placed of layout.pages) {
      const slot = slots[placed.page - 1];
      if (!slot) continue;
      slot.style.transform = `translate(${placed.x}px, ${placed.y}px)`;
      slot.style.width = `${placed.width}px`;
      slot.style.height = `${placed.height}px`;
      slot.style.setProperty('--total-scale-factor', String(placed.scale));
    }
  }

  /** Lays the pages out again; `anchor` at `focus` stays in place, else
   * the current page is shown as a page turn would. */
  function relayout(anchor?: { anchor: Anchor; focus: { x: number; y: number } }): void {
    if (sizes.length === 0) return;
    const size = stageSize();
    if (size.width === 0 || size.height === 0) return;
    const kept =
      anchor ??
      (layout && (mode === 'width' || zoom !== 1)
        ? (() => {
            const top = anchorAt(layout, { left: stage.scrollLeft, top: stage.scrollTop }, size.width / 2, 0);
            return top ? { anchor: top, focus: { x: size.width / 2, y: 0 } } : undefined;
          })()
        : undefined);
    layout = computeLayout(sizes, mode, zoom, size);
    place();
    if (kept) {
      const scroll = scrollForAnchor(layout, kept.anchor, kept.focus.x, kept.focus.y);
      stage.scrollLeft = scroll.left;
      stage.scrollTop = scroll.top;
    } else {
      stage.scrollLeft = Math.max(0, (layout.contentWidth - size.width) / 2);
      stage.scrollTop = scrollTopForPage(layout, current);
    }
    lastScrollTop = stage.scrollTop;
    options.resized();
    update();
  }

  function setCurrent(page: number): void {
    if (page !== current) {
      current = page;
      options.currentChanged(page);
    }
    if (drawn.has(current)) stage.dataset['renderedPage'] = String(current);
    else delete stage.dataset['renderedPage'];
  }

  /** Works out the current page and what to draw, after any move. */
  function update(): void {
    if (!layout) return;
    const top = stage.scrollTop;
    if (top !== lastScrollTop) direction = top > lastScrollTop ? 1 : -1;
    lastScrollTop = top;
    setCurrent(currentPage(layout, top, stage.clientHeight));
    schedule();
  }

  function release(page: number): void {
    const entry = drawn.get(page);
    if (!entry) return;
    drawn.delete(page);
    entry.frame.remove();
    releaseCanvas(entry.canvas);
    options.releaseFrame(page);
    pdf.releasePage(page);
  }

  let held = false;
  /** A page turn is being painted: no new drawing starts before it. */
  let waitingForPaint = false;
  /** pdf.js keeps every page's fonts and contents it has parsed, in the
   * worker too; after a while with nothing to draw it is asked to let
   * them go, so that paging through a long document does not keep it
   * all (measured in BENCHMARKS.md, "Reading on a tablet"). */
  let cleanupTimer: number | undefined;
  const quietBeforeCleanup = 5_000;
  const cleanupWhenQuiet = () => {
    window.clearTimeout(cleanupTimer);
    cleanupTimer = window.setTimeout(() => {
      if (!rendering && !signal.aborted) void pdf.cleanup();
    }, quietBeforeCleanup);
  };

  function schedule(): void {
    if (!layout || signal.aborted || held || waitingForPaint) return;
    const visible = visiblePages(layout, stage.scrollTop, stage.clientHeight);
    if (!visible) return;
    // Zoomed in, a page's canvas is several times bigger: draw one page
    // ahead and keep one each side, not two.
    const reach = zoom > 1.5 ? 1 : 2;
    const plan = renderPlan(visible, current, pageCount, { direction, ahead: reach, keep: reach });
    const [keepFirst, keepLast] = plan.keep;
    for (const page of [...drawn.keys()]) if (page < keepFirst || page > keepLast) release(page);
    const needed = plan.order.find((page) => {
      const placed = layout?.pages[page - 1];
      const entry = drawn.get(page);
      return placed && (!entry || Math.abs(entry.scale - placed.scale) > placed.scale * 0.01);
    });
    if (rendering) {
      const wanted = layout.pages[rendering.page - 1];
      const inWindow = rendering.page >= keepFirst && rendering.page <= keepLast;
      const rightScale =
        wanted !== undefined && Math.abs(wanted.scale - rendering.scale) <= wanted.scale * 0.01;
      const renderingVisible = rendering.page >= visible[0] && rendering.page <= visible[1];
      // A visible page waiting behind a page drawn ahead goes first.
      const visibleWaiting = needed !== undefined && needed >= visible[0] && needed <= visible[1];
      if (inWindow && rightScale && (renderingVisible || !visibleWaiting)) return;
      rendering.task.cancel();
      rendering = null;
    }
    if (needed === undefined) {
      cleanupWhenQuiet();
      return;
    }
    window.clearTimeout(cleanupTimer);
    const placed = layout.pages[needed - 1] as PlacedPage;
    const task = pdf.render(needed, placed.scale, window.devicePixelRatio || 1);
    const started = { page: needed, scale: placed.scale, task };
    rendering = started;
    task.promise.then(
      ({ canvas }) => {
        if (rendering !== started) {
          releaseCanvas(canvas);
          return;
        }
        rendering = null;
        if (signal.aborted) {
          releaseCanvas(canvas);
          return;
        }
        show(needed, placed.scale, canvas);
        schedule();
      },
      (error: unknown) => {
        if (rendering === started) rendering = null;
        if (signal.aborted || isRenderCancelled(error)) return;
        options.renderFailed(needed, error);
      },
    );
  }

  function show(page: number, scale: number, canvas: HTMLCanvasElement): void {
    options.decorateCanvas?.(canvas);
    canvas.className = 'page-canvas';
    canvas.style.width = '100%';
    canvas.style.height = '100%';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', options.pageLabel(page));
    const previous = drawn.get(page);
    let frame: HTMLElement;
    if (previous) {
      previous.canvas.replaceWith(canvas);
      releaseCanvas(previous.canvas);
      frame = previous.frame;
    } else {
      frame = options.framePage(canvas, page);
      slots[page - 1]?.append(frame);
    }
    frame.dataset['page'] = String(page);
    drawn.set(page, { scale, canvas, frame });
    if (page === current) stage.dataset['renderedPage'] = String(page);
    firstShown();
    options.pageShown?.(page, frame);
  }

  // ---- Scrolling and resizing ----
  let scrollFrame = 0;
  stage.addEventListener(
    'scroll',
    () => {
      if (scrollFrame) return;
      scrollFrame = requestAnimationFrame(() => {
        scrollFrame = 0;
        update();
      });
    },
    { signal, passive: true },
  );
  let resizeTimer: number | undefined;
  let lastSize = { width: 0, height: 0 };
  const resizeObserver = new ResizeObserver(() => {
    const size = stageSize();
    if (size.width === lastSize.width && size.height === lastSize.height) return;
    const first = lastSize.width === 0;
    lastSize = size;
    window.clearTimeout(resizeTimer);
    // A tablet turning resizes in steps: lay out once it settles.
    if (first) relayout();
    else resizeTimer = window.setTimeout(() => relayout(), 120);
  });
  resizeObserver.observe(stage);
  signal.addEventListener('abort', () => {
    resizeObserver.disconnect();
    window.clearTimeout(resizeTimer);
    window.clearTimeout(cleanupTimer);
    cancelAnimationFrame(scrollFrame);
    rendering?.task.cancel();
    rendering = null;
    for (const page of [...drawn.keys()]) release(page);
  });

  // ---- Zoom ----
  function setZoom(next: number, focus?: { x: number; y: number }): void {
    const clamped = clampZoom(next);
    if (!layout || Math.abs(clamped - zoom) < 1e-3) return;
    const point = focus ?? { x: stage.clientWidth / 2, y: stage.clientHeight / 2 };
    const anchor = anchorAt(layout, { left: stage.scrollLeft, top: stage.scrollTop }, point.x, point.y);
    zoom = clamped;
    relayout(anchor ? { anchor, focus: point } : undefined);
  }

  const stagePoint = (clientX: number, clientY: number) => {
    const box = stage.getBoundingClientRect();
    return { x: clientX - box.left, y: clientY - box.top };
  };

  // Pinch: the drawn pages follow the fingers by a CSS transform; the
  // layout changes once they lift.
  let pinch: {
    startDistance: number;
    startZoom: number;
    startMid: { x: number; y: number };
    mid: { x: number; y: number };
    zoom: number;
    anchor: Anchor | null;
  } | null = null;
  let swipe: { x: number; y: number; time: number; id: number } | null = null;
  let lastTap: Tap | null = null;
  /** When fingers last zoomed: the browser may follow a double tap with
   * a `dblclick` of its own, which must not zoom back. */
  let touchZoomedAt = -Infinity;

  const touchPoints = (touches: TouchList) =>
    Array.from(touches, (touch) => stagePoint(touch.clientX, touch.clientY));

  stage.addEventListener(
    'touchstart',
    (event) => {
      if (!options.gesturesEnabled() || !layout) {
        swipe = null;
        pinch = null;
        return;
      }
      if (event.touches.length === 2) {
        const [a, b] = touchPoints(event.touches);
        if (!a || !b) return;
        event.preventDefault();
        swipe = null;
        const mid = midpoint(a, b);
        pinch = {
          startDistance: distance(a, b),
          startZoom: zoom,
          startMid: mid,
          mid,
          zoom,
          anchor: anchorAt(layout, { left: stage.scrollLeft, top: stage.scrollTop }, mid.x, mid.y),
        };
        content.style.transformOrigin = `${stage.scrollLeft + mid.x}px ${stage.scrollTop + mid.y}px`;
      } else if (event.touches.length === 1 && !pinch) {
        const touch = event.touches[0] as Touch;
        swipe = { x: touch.clientX, y: touch.clientY, time: event.timeStamp, id: touch.identifier };
      }
    },
    { signal, passive: false },
  );
  stage.addEventListener(
    'touchmove',
    (event) => {
      if (!pinch || event.touches.length < 2) return;
      event.preventDefault();
      const [a, b] = touchPoints(event.touches);
      if (!a || !b) return;
      pinch.mid = midpoint(a, b);
      pinch.zoom = pinchZoom(pinch.startZoom, pinch.startDistance, distance(a, b));
      const ratio = pinch.zoom / pinch.startZoom;
      const dx = pinch.mid.x - pinch.startMid.x;
      const dy = pinch.mid.y - pinch.startMid.y;
      content.style.transform = `translate(${dx}px, ${dy}px) scale(${ratio})`;
    },
    { signal, passive: false },
  );
  const endTouch = (event: TouchEvent) => {
    if (pinch) {
      if (event.touches.length >= 2) return;
      const ended = pinch;
      pinch = null;
      swipe = null;
      content.style.transform = '';
      content.style.transformOrigin = '';
      touchZoomedAt = event.timeStamp;
      if (ended.anchor && Math.abs(ended.zoom - zoom) > 1e-3) {
        zoom = ended.zoom;
        relayout({ anchor: ended.anchor, focus: ended.mid });
      }
      return;
    }
    const start = swipe;
    swipe = null;
    if (!start || event.type === 'touchcancel' || !options.gesturesEnabled()) return;
    const touch = Array.from(event.changedTouches).find((each) => each.identifier === start.id);
    if (!touch) return;
    const end = { x: touch.clientX, y: touch.clientY };
    if (isTap(start, end, event.timeStamp - start.time)) {
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest('button, a, input, textarea')) {
        lastTap = null;
        return;
      }
      const tap: Tap = { ...end, time: event.timeStamp };
      if (isDoubleTap(lastTap, tap)) {
        lastTap = null;
        event.preventDefault();
        touchZoomedAt = event.timeStamp;
        setZoom(doubleTapZoom(zoom), stagePoint(end.x, end.y));
      } else {
        lastTap = tap;
      }
      return;
    }
    lastTap = null;
    if (stage.scrollWidth > stage.clientWidth + 1) return;
    const turn = swipeTurn(end.x - start.x, end.y - start.y);
    if (turn) options.swiped(turn);
  };
  stage.addEventListener('touchend', endTouch, { signal, passive: false });
  stage.addEventListener('touchcancel', endTouch, { signal });

  // A mouse drag across the page turns it too, and a double click zooms.
  let mouseSwipe: { x: number; y: number } | null = null;
  stage.addEventListener(
    'pointerdown',
    (event) => {
      mouseSwipe =
        event.pointerType === 'mouse' && event.isPrimary && options.gesturesEnabled()
          ? { x: event.clientX, y: event.clientY }
          : null;
    },
    { signal },
  );
  stage.addEventListener(
    'pointerup',
    (event) => {
      const start = mouseSwipe;
      mouseSwipe = null;
      if (!start || event.pointerType !== 'mouse') return;
      if (stage.scrollWidth > stage.clientWidth + 1) return;
      const turn = swipeTurn(event.clientX - start.x, event.clientY - start.y);
      if (turn) options.swiped(turn);
    },
    { signal },
  );
  stage.addEventListener(
    'dblclick',
    (event) => {
      if (!options.gesturesEnabled() || event.timeStamp - touchZoomedAt < 1_000) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest('button, a, input, textarea')) return;
      setZoom(doubleTapZoom(zoom), stagePoint(event.clientX, event.clientY));
    },
    { signal },
  );
  // Ctrl + wheel (and a touchpad's pinch, which browsers send as one).
  stage.addEventListener(
    'wheel',
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      setZoom(zoom * Math.exp(-event.deltaY / 300), stagePoint(event.clientX, event.clientY));
    },
    { signal, passive: false },
  );

  // ---- Page sizes ----
  // The first page's size stands for every page until each is known, then
  // the layout is corrected (most documents have one page size).
  // The rest are read once the first page is drawn, not before it.
  let firstShown: () => void = () => undefined;
  const firstPageDrawn = new Promise<void>((resolve) => (firstShown = resolve));
  void pdf.pageSize(1).then(
    async (first) => {
      if (signal.aborted) return;
      sizes = Array.from({ length: pageCount }, () => first);
      relayout();
      await firstPageDrawn;
      for (let page = 2; page <= pageCount; page += 1) {
        const size = await pdf.pageSize(page).catch(() => first);
        if (signal.aborted) return;
        if (size.width !== first.width || size.height !== first.height) {
          sizes = [...sizes];
          sizes[page - 1] = size;
          relayout(
            layout
              ? (() => {
                  const anchor = anchorAt(layout, { left: stage.scrollLeft, top: stage.scrollTop }, 0, 0);
                  return anchor ? { anchor, focus: { x: 0, y: 0 } } : undefined;
                })()
              : undefined,
          );
        }
      }
    },
    (error: unknown) => {
      if (!signal.aborted) options.renderFailed(1, error);
    },
  );

  return {
    pageCount,
    get current() {
      return current;
    },
    get mode() {
      return mode;
    },
    get zoom() {
      return zoom;
    },
    goTo(page) {
      const target = Math.min(Math.max(1, Math.round(page)), pageCount);
      if (!layout) {
        current = target;
        return;
      }
      direction = target >= current ? 1 : -1;
      stage.scrollTop = scrollTopForPage(layout, target);
      lastScrollTop = stage.scrollTop;
      setCurrent(currentPage(layout, stage.scrollTop, stage.clientHeight));
      if (!drawn.has(current)) {
        schedule();
        return;
      }
      // The page was drawn ahead: let the turn paint first, then draw the
      // next ones (pdf.js draws in slices run before each frame).
      waitingForPaint = true;
      requestAnimationFrame(() =>
        window.setTimeout(() => {
          waitingForPaint = false;
          schedule();
        }),
      );
    },
    pageAfter(turn) {
      if (!layout || (turn !== 'next' && turn !== 'previous')) return applyTurn(turn, current, pageCount);
      return neighbourRowPage(layout, current, turn === 'next' ? 1 : -1);
    },
    setMode(next) {
      if (next === mode && zoom === 1) return;
      mode = next;
      zoom = 1;
      relayout();
    },
    setZoom,
    frames() {
      return new Map([...drawn].map(([page, entry]) => [page, entry.frame]));
    },
    placement(page) {
      return layout?.pages[page - 1];
    },
    scrollBy(top) {
      stage.scrollTop += top;
    },
    hold(hold) {
      held = hold;
      if (hold) {
        // A page being drawn would take the main thread in slices of tens
        // of milliseconds on a slow tablet: stop it, draw it again later.
        rendering?.task.cancel();
        rendering = null;
      } else {
        schedule();
      }
    },
  };
}
