// Searching the reader's document: the search form and its results (in the
// reader's navigator), the find bar over the page (previous / next hit),
// and the hits highlighted on the pages.
//
// A page's text comes from pdf.js (`textContent`), read once per page and
// kept while the document is open; the matching is `reader/search.ts`.
// Hits are highlighted in pdf.js's text layer, which the reader lays over
// a page only while a search has hits on it: the spans sit exactly over
// the drawn glyphs, and a hit's spans get a coloured background.

import type { MessageKey, MessageParams } from '../i18n/i18n';
import type { PageView } from '../reader/pageView';
import type { OpenedPdf, TextLayerRendering } from '../reader/pdf';
import {
  findInText,
  hitPieces,
  normalizeQuery,
  pageText,
  snippet,
  type PageHit,
  type TextItemLike,
} from '../reader/search';
import { h } from '../ui/dom';

/** Results listed (the find bar still walks through every hit). */
const listedResults = 300;

export interface ReaderSearch {
  /** The form and the results, for the navigator's search tab. */
  element: HTMLElement;
  /** Previous / next hit and the count, over the page while searching. */
  findBar: HTMLElement;
  focus(): void;
  /** A page's frame is on screen: highlight its hits. */
  pageShown(page: number, frame: HTMLElement): void;
}

interface PageTextEntry {
  items: TextItemLike[];
  text: string;
}

export function createReaderSearch(options: {
  pdf: OpenedPdf;
  view: () => PageView | null;
  stage: HTMLElement;
  signal: AbortSignal;
  t: (key: MessageKey, params?: MessageParams) => string;
  /** Shows a page the reader chose (leaves follow mode). */
  goTo(page: number): void;
  /** A result was chosen from the list (the navigator closes). */
  chosen(): void;
}): ReaderSearch {
  const { pdf, signal, t } = options;
  const texts = new Map<number, Promise<PageTextEntry>>();
  const textOf = (page: number) => {
    let found = texts.get(page);
    if (!found) {
      found = pdf.textContent(page).then((items) => ({ items, text: pageText(items).text }));
      texts.set(page, found);
      found.catch(() => texts.delete(page));
    }
    return found;
  };

  let query = '';
  let hits: PageHit[] = [];
  let hitsByPage = new Map<number, PageHit[]>();
  let active = -1;
  let run = 0;
  const layers = new Map<number, { frame: HTMLElement; element: HTMLElement; task: TextLayerRendering }>();

  // ---- The form and the list ----
  const input = h('input', {
    className: 'input search-input',
    attrs: {
      type: 'search',
      id: 'reader-search-input',
      autocomplete: 'off',
      enterkeyhint: 'search',
      maxlength: 200,
      'aria-label': t('reading.searchLabel'),
      placeholder: t('reading.searchLabel'),
    },
  });
  const form = h(
    'form',
    { className: 'search-form', attrs: { role: 'search', novalidate: true } },
    input,
    h('button', { className: 'button button-primary', attrs: { type: 'submit' } }, t('reading.searchButton')),
  );
  const status = h('p', {
    className: 'muted search-status',
    attrs: { role: 'status', 'aria-live': 'polite' },
  });
  status.textContent = t('reading.searchHint');
  const results = h('ol', { className: 'search-results' });
  const element = h('div', { className: 'search-panel' }, form, status, results);
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      input.blur();
      void search(input.value);
    },
    { signal },
  );

  // ---- The find bar ----
  const position = h('span', { className: 'find-position', attrs: { 'aria-live': 'polite' } });
  const previousHit = h(
    'button',
    {
      className: 'button button-square find-previous',
      attrs: { type: 'button', 'aria-label': t('reading.previousHit'), title: t('reading.previousHit') },
      on: { click: () => step(-1) },
      signal,
    },
    '‹',
  );
  const nextHit = h(
    'button',
    {
      className: 'button button-square find-next',
      attrs: { type: 'button', 'aria-label': t('reading.nextHit'), title: t('reading.nextHit') },
      on: { click: () => step(1) },
      signal,
    },
    '›',
  );
  const clear = h(
    'button',
    {
      className: 'button button-square find-clear',
      attrs: { type: 'button', 'aria-label': t('reading.clearSearch'), title: t('reading.clearSearch') },
      on: { click: () => void search('') },
      signal,
    },
    '✕',
  );
  const findBar = h(
    'div',
    { className: 'find-bar', attrs: { role: 'group', 'aria-label': t('reading.search') } },
    previousHit,
    position,
    nextHit,
    clear,
  );
  findBar.hidden = true;

  function refreshFindBar(): void {
    findBar.hidden = query === '' || hits.length === 0;
    position.textContent =
      active >= 0 ? t('reading.hitOf', { index: active + 1, count: hits.length }) : String(hits.length);
    for (const button of results.querySelectorAll<HTMLElement>('.search-result'))
      button.setAttribute('aria-current', String(Number(button.dataset['hitIndex']) === active));
  }

  function resultRow(hit: PageHit, text: string): HTMLElement {
    const [before, match, after] = snippet(text, hit);
    return h(
      'li',
      {},
      h(
        'button',
        {
          className: 'search-result',
          attrs: { type: 'button', 'data-page': hit.page, 'data-hit-index': hit.index },
          on: {
            click: () => {
              choose(hit.index);
              options.chosen();
            },
          },
          signal,
        },
        h('span', { className: 'search-result-page' }, t('reading.pageNumber', { page: hit.page })),
        h('span', { className: 'search-result-text' }, before, h('mark', {}, match), after),
      ),
    );
  }

  async function search(value: string): Promise<void> {
    const wanted = normalizeQuery(value);
    run += 1;
    const thisRun = run;
    query = wanted;
    hits = [];
    hitsByPage = new Map();
    active = -1;
    results.replaceChildren();
    clearLayers();
    refreshFindBar();
    if (wanted === '') {
      input.value = '';
      status.textContent = t('reading.searchHint');
      return;
    }
    element.dataset['searching'] = 'true';
    for (let page = 1; page <= pdf.pageCount; page += 1) {
      if (page === 1 || page % 5 === 0)
        status.textContent = t('reading.searching', { page, count: pdf.pageCount });
      let entry: PageTextEntry;
      try {
        entry = await textOf(page);
      } catch {
        continue;
      }
      if (thisRun !== run || signal.aborted) return;
      const found = findInText(entry.text, wanted).map((range) => ({ ...range, page, index: hits.length }));
      found.forEach((hit, offset) => (hit.index = hits.length + offset));
      if (found.length === 0) continue;
      hits.push(...found);
      hitsByPage.set(page, found);
      for (const hit of found) if (hit.index < listedResults) results.append(resultRow(hit, entry.text));
      // Pages already on screen get their highlights as soon as found.
      const frame = options.view()?.frames().get(page);
      if (frame) highlight(page, frame);
      if (active === -1) {
        active = 0;
        refreshFindBar();
      }
    }
    delete element.dataset['searching'];
    const pages = hitsByPage.size;
    status.textContent =
      hits.length === 0
        ? t('reading.searchNone', { query: wanted })
        : `${t('reading.searchResults', { count: hits.length, pages })}${
            hits.length > listedResults ? ` ${t('reading.searchFirstOnly', { count: listedResults })}` : ''
          }`;
    element.dataset['hits'] = String(hits.length);
    refreshFindBar();
  }

  function choose(index: number): void {
    const hit = hits[index];
    if (!hit) return;
    active = index;
    refreshFindBar();
    const view = options.view();
    if (view?.current !== hit.page) options.goTo(hit.page);
    markActive();
    revealActive();
  }

  function step(direction: 1 | -1): void {
    if (hits.length === 0) return;
    choose((active + direction + hits.length) % hits.length);
  }

  // ---- Highlights on the pages ----
  function clearLayers(): void {
    for (const { element: layer, task } of layers.values()) {
      task.cancel();
      layer.remove();
    }
    layers.clear();
  }

  function highlight(page: number, frame: HTMLElement): void {
    const existing = layers.get(page);
    if (existing?.frame === frame) return;
    if (existing) {
      existing.task.cancel();
      existing.element.remove();
      layers.delete(page);
    }
    const pageHits = hitsByPage.get(page);
    if (!pageHits || pageHits.length === 0) return;
    const view = options.view();
    const scale = view?.placement(page)?.scale ?? 1;
    const layer = h('div', { className: 'textLayer', attrs: { 'aria-hidden': 'true' } });
    const canvas = frame.querySelector('canvas');
    if (canvas) canvas.after(layer);
    else frame.prepend(layer);
    const task = pdf.renderTextLayer(page, layer, scale);
    const thisQuery = query;
    layers.set(page, { frame, element: layer, task });
    void Promise.all([task.promise, textOf(page)]).then(
      ([spans, entry]) => {
        if (thisQuery !== query || layers.get(page)?.element !== layer) return;
        markHits(spans, entry.items, pageHits);
        layer.dataset['hits'] = String(pageHits.length);
        markActive();
        if (hits[active]?.page === page) revealActive();
      },
      () => undefined,
    );
  }

  function markHits(spans: (HTMLElement | null)[], items: TextItemLike[], pageHits: PageHit[]): void {
    const byItem = new Map<number, { start: number; end: number; index: number }[]>();
    for (const hit of pageHits) {
      for (const piece of hitPieces(hit, items)) {
        const list = byItem.get(piece.item) ?? [];
        list.push({ start: piece.start, end: piece.end, index: hit.index });
        byItem.set(piece.item, list);
      }
    }
    for (const [item, pieces] of byItem) {
      const span = spans[item];
      const text = items[item]?.str ?? '';
      if (!span) continue;
      pieces.sort((a, b) => a.start - b.start);
      const parts: (Node | string)[] = [];
      let at = 0;
      for (const piece of pieces) {
        if (piece.start > at) parts.push(text.slice(at, piece.start));
        parts.push(
          h(
            'span',
            { className: 'search-hit', attrs: { 'data-hit-index': piece.index } },
            text.slice(piece.start, piece.end),
          ),
        );
        at = piece.end;
      }
      if (at < text.length) parts.push(text.slice(at));
      span.replaceChildren(...parts);
    }
  }

  function markActive(): void {
    for (const { element: layer } of layers.values()) {
      for (const hit of layer.querySelectorAll<HTMLElement>('.search-hit'))
        hit.classList.toggle('search-hit-active', Number(hit.dataset['hitIndex']) === active);
    }
  }

  /** Scrolls the active hit into view when the page has it drawn. */
  function revealActive(): void {
    const hit = hits[active];
    if (!hit) return;
    const target = layers.get(hit.page)?.element.querySelector('.search-hit-active');
    if (!target) return;
    const box = target.getBoundingClientRect();
    const stageBox = options.stage.getBoundingClientRect();
    const margin = 48;
    if (box.top >= stageBox.top + margin && box.bottom <= stageBox.bottom - margin) return;
    options.view()?.scrollBy(box.top - stageBox.top - stageBox.height / 3);
  }

  return {
    element,
    findBar,
    focus() {
      input.focus();
      input.select();
    },
    pageShown(page, frame) {
      if (query !== '') highlight(page, frame);
    },
  };
}
