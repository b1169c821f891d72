// The reader's navigator: a panel over the page with the document's pages
// as thumbnails (and "Đến trang"), its outline (bookmarks) when it has
// one, and the search (`readerSearch.ts`). Choosing a page closes the
// panel and shows that page.
//
// Thumbnails are drawn only as they scroll into the panel, one at a time,
// and kept while the panel lives (a thumbnail costs what a few lines of a
// full page do).

import type { MessageKey, MessageParams } from '../i18n/i18n';
import { parsePageInput } from '../reader/navigation';
import { isRenderCancelled, type OpenedPdf, type OutlineEntry } from '../reader/pdf';
import { h } from '../ui/dom';

export type NavigatorTab = 'pages' | 'outline' | 'search';

/** Thumbnails are this wide, in CSS pixels. */
const thumbnailWidth = 112;

export interface ReaderNavigator {
  element: HTMLElement;
  readonly isOpen: boolean;
  open(tab: NavigatorTab): void;
  close(): void;
  /** Marks the page being read. */
  setCurrent(page: number): void;
}

export function createReaderNavigator(options: {
  pdf: OpenedPdf;
  signal: AbortSignal;
  t: (key: MessageKey, params?: MessageParams) => string;
  searchElement: HTMLElement;
  focusSearch(): void;
  /** Shows a page the reader chose. */
  goTo(page: number): void;
  /** The panel opened or closed. */
  toggled(open: boolean): void;
}): ReaderNavigator {
  const { pdf, signal, t } = options;
  const pageCount = pdf.pageCount;
  let current = 1;
  let tab: NavigatorTab = 'pages';

  const choose = (page: number) => {
    options.goTo(page);
    close();
  };

  // ---- "Đến trang" ----
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
      choose(target);
    },
    { signal },
  );

  // ---- Thumbnails ----
  const thumbnails: HTMLButtonElement[] = [];
  for (let page = 1; page <= pageCount; page += 1) {
    thumbnails.push(
      h(
        'button',
        {
          className: 'thumbnail',
          attrs: {
            type: 'button',
            'data-page': page,
            'aria-label': t('reading.pageNumber', { page }),
          },
          on: { click: () => choose(page) },
          signal,
        },
        h('span', { className: 'thumbnail-page', attrs: { 'aria-hidden': 'true' } }),
        h('span', { className: 'thumbnail-number', attrs: { 'aria-hidden': 'true' } }, String(page)),
      ),
    );
  }
  const thumbnailGrid = h('div', { className: 'thumbnail-grid' }, ...thumbnails);
  const pagesTab = h('div', { className: 'navigator-pages' }, jumpForm, jumpMessage, thumbnailGrid);

  // The first page's proportions stand for all until the rest are drawn.
  void pdf.pageSize(1).then(
    (size) => thumbnailGrid.style.setProperty('--thumbnail-ratio', `${size.width} / ${size.height}`),
    () => undefined,
  );

  const waiting: number[] = [];
  const drawnThumbnails = new Set<number>();
  let drawing = false;
  const drawNext = () => {
    if (drawing || signal.aborted) return;
    const page = waiting.shift();
    if (page === undefined) return;
    if (drawnThumbnails.has(page)) {
      drawNext();
      return;
    }
    drawing = true;
    void pdf
      .pageSize(page)
      .then((size) => pdf.render(page, thumbnailWidth / size.width, window.devicePixelRatio || 1).promise)
      .then(
        ({ canvas }) => {
          drawnThumbnails.add(page);
          canvas.className = 'thumbnail-canvas';
          canvas.style.width = '100%';
          canvas.style.height = 'auto';
          thumbnails[page - 1]?.querySelector('.thumbnail-page')?.replaceChildren(canvas);
        },
        (error: unknown) => {
          if (!isRenderCancelled(error)) console.warn('phonghop: no thumbnail for page', page, error);
        },
      )
      .finally(() => {
        drawing = false;
        drawNext();
      });
  };
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const page = Number((entry.target as HTMLElement).dataset['page']);
        const index = waiting.indexOf(page);
        if (entry.isIntersecting && index === -1 && !drawnThumbnails.has(page)) waiting.push(page);
        if (!entry.isIntersecting && index !== -1) waiting.splice(index, 1);
      }
      drawNext();
    },
    { root: thumbnailGrid, rootMargin: '200px 0px' },
  );
  for (const thumbnail of thumbnails) observer.observe(thumbnail);
  signal.addEventListener('abort', () => observer.disconnect(), { once: true });

  // ---- Outline ----
  const outlineList = h('div', { className: 'navigator-outline' }, h('p', { className: 'muted' }, '…'));
  let outlineLoaded = false;
  const outlineEntry = (entry: OutlineEntry, depth: number): HTMLElement =>
    h(
      'li',
      {},
      h(
        'button',
        {
          className: `outline-entry outline-depth-${Math.min(depth, 3)}`,
          attrs: { type: 'button', disabled: entry.page === null, 'data-page': entry.page ?? '' },
          on: { click: () => entry.page !== null && choose(entry.page) },
          signal,
        },
        h('span', { className: 'outline-title' }, entry.title),
        entry.page !== null ? h('span', { className: 'outline-page muted' }, String(entry.page)) : null,
      ),
      entry.children.length > 0
        ? h(
            'ul',
            { className: 'outline-list' },
            ...entry.children.map((child) => outlineEntry(child, depth + 1)),
          )
        : null,
    );

  // ---- Tabs ----
  const tabButton = (name: NavigatorTab, label: MessageKey) =>
    h(
      'button',
      {
        className: 'button navigator-tab',
        attrs: { type: 'button', role: 'tab', 'data-tab': name, 'aria-selected': 'false' },
        on: { click: () => showTab(name) },
        signal,
      },
      t(label),
    );
  const tabButtons = {
    pages: tabButton('pages', 'reading.pagesTab'),
    outline: tabButton('outline', 'reading.outlineTab'),
    search: tabButton('search', 'reading.searchTab'),
  };
  tabButtons.outline.hidden = true;
  const bodies: Record<NavigatorTab, HTMLElement> = {
    pages: pagesTab,
    outline: outlineList,
    search: options.searchElement,
  };
  const closeButton = h(
    'button',
    {
      className: 'button button-square navigator-close',
      attrs: { type: 'button', 'aria-label': t('reading.close'), title: t('reading.close') },
      on: { click: () => close() },
      signal,
    },
    '✕',
  );
  const element = h(
    'aside',
    { className: 'reader-panel reader-navigator', attrs: { 'aria-label': t('reading.pages') } },
    h(
      'div',
      { className: 'navigator-head' },
      h('div', { className: 'navigator-tabs', attrs: { role: 'tablist' } }, ...Object.values(tabButtons)),
      closeButton,
    ),
    h('div', { className: 'navigator-body' }, pagesTab, outlineList, options.searchElement),
  );
  element.hidden = true;

  const loadOutline = () => {
    if (outlineLoaded) return;
    outlineLoaded = true;
    void pdf.outline().then(
      (entries) => {
        if (signal.aborted) return;
        if (entries.length === 0) {
          outlineList.replaceChildren(h('p', { className: 'muted' }, t('reading.noOutline')));
          return;
        }
        tabButtons.outline.hidden = false;
        outlineList.replaceChildren(
          h('ul', { className: 'outline-list' }, ...entries.map((entry) => outlineEntry(entry, 0))),
        );
      },
      () => outlineList.replaceChildren(h('p', { className: 'muted' }, t('reading.noOutline'))),
    );
  };

  function showTab(name: NavigatorTab): void {
    tab = name;
    for (const [each, button] of Object.entries(tabButtons) as [NavigatorTab, HTMLElement][]) {
      button.setAttribute('aria-selected', String(each === name));
      bodies[each].hidden = each !== name;
    }
    if (name === 'search') options.focusSearch();
    if (name === 'pages') thumbnails[current - 1]?.scrollIntoView({ block: 'center' });
  }

  function open(name: NavigatorTab): void {
    const wasOpen = !element.hidden;
    element.hidden = false;
    loadOutline();
    showTab(name);
    if (!wasOpen) options.toggled(true);
  }

  function close(): void {
    if (element.hidden) return;
    element.hidden = true;
    options.toggled(false);
  }

  showTab(tab);
  return {
    element,
    get isOpen() {
      return !element.hidden;
    },
    open,
    close,
    setCurrent(page) {
      thumbnails[current - 1]?.removeAttribute('aria-current');
      current = page;
      thumbnails[current - 1]?.setAttribute('aria-current', 'page');
    },
  };
}
