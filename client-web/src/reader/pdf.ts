// The one module that knows pdf.js: open PDF bytes, measure and render a
// page into a canvas, read a page's text and lay it out as pdf.js's text
// layer, read the outline (bookmarks).
//
// pdf.js runs under the server's CSP: `isEvalSupported: false` (no
// `new Function` for PostScript functions), its worker is bundled by Vite
// and served from our origin, and its CMaps, standard fonts and image
// decoders are served from `/pdfjs/` (see `vite.config.ts`), so a district
// with no internet renders every PDF the same as one with internet.
// pdf.js itself is loaded only when a document is first needed; one
// worker serves every document the tab opens (`warmUp`, which the meeting
// screen calls while the delegate looks at the agenda, starts it early, so
// that the first document opens without waiting for it). Also a page's
// text lines (`pageLines`, grouped as the server's `page_text` groups
// them), and `cleanup` when the reader has a quiet moment.

import pdfWorkerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import type { PDFDocumentProxy, PDFPageProxy, PDFWorker, RenderTask } from 'pdfjs-dist';
import type { Size } from './layout';
import { fitWidthScale, renderPixelRatio } from './navigation';
import type { TextItemLike } from './search';
import { groupLines, type TextLine } from '../annotations/carryOver';

/** How big to draw a page (the big screen's way: fit a width). */
export interface PageFit {
  /** CSS pixels the page may be wide at zoom 1. */
  availableWidth: number;
  /** 1 = fit width. */
  zoom: number;
  devicePixelRatio: number;
}

export interface RenderedPage {
  canvas: HTMLCanvasElement;
  pageNumber: number;
}

export interface PageRendering {
  promise: Promise<RenderedPage>;
  /** Stops the rendering; `promise` then rejects with `isRenderCancelled`. */
  cancel(): void;
}

/** One entry of a document's outline, with the page it leads to (`null`
 * when its destination cannot be resolved). */
export interface OutlineEntry {
  title: string;
  page: number | null;
  children: OutlineEntry[];
}

export interface TextLayerRendering {
  /** Resolves with one element per text item, in the order of
   * `textContent`'s items (`null` for an item drawn as nothing). */
  promise: Promise<(HTMLElement | null)[]>;
  cancel(): void;
}

export interface OpenedPdf {
  readonly pageCount: number;
  /** A page's size in PDF points, as displayed (rotation applied). */
  pageSize(pageNumber: number): Promise<Size>;
  /** Draws a page `cssScale` CSS pixels per point, sharp for a screen of
   * `devicePixelRatio`; the canvas's CSS size is the page's. */
  render(pageNumber: number, cssScale: number, devicePixelRatio: number): PageRendering;
  /** Draws a page fitted to a width (the big screen). */
  renderPage(pageNumber: number, fit: PageFit): PageRendering;
  /** The page's text items, as the text layer and the search see them. */
  textContent(pageNumber: number): Promise<TextItemLike[]>;
  /** The page's text lines, top to bottom, grouped as the server's
   * `page_text` groups them (what a note's anchor is looked for in). */
  pageLines(pageNumber: number): Promise<TextLine[]>;
  /** Lays out the page's text as transparent spans over the page inside
   * `container` (pdf.js's text layer), for `cssScale`. */
  renderTextLayer(pageNumber: number, container: HTMLElement, cssScale: number): TextLayerRendering;
  /** The document's outline, or `[]` when it has none. */
  outline(): Promise<OutlineEntry[]>;
  /** Lets the worker drop what it keeps for a page no longer shown. */
  releasePage(pageNumber: number): void;
  /** Frees what pdf.js keeps for the whole document on both threads
   * (parsed fonts, images, page contents), while nothing is drawn;
   * whatever is needed again is read again from the bytes. */
  cleanup(): Promise<void>;
  /** Frees the worker's copy of the document. */
  destroy(): Promise<void>;
}

const dataFolder = (folder: string) =>
  new URL(`${import.meta.env.BASE_URL}pdfjs/${folder}/`, document.baseURI).href;

class RenderCancelled extends Error {
  override readonly name = 'RenderCancelled';
}

/** Whether a rendering failed only because it was cancelled (a newer page
 * or zoom replaced it). */
export function isRenderCancelled(error: unknown): boolean {
  return (
    error instanceof RenderCancelled ||
    (error instanceof Error &&
      (error.name === 'RenderingCancelledException' || error.name === 'AbortException'))
  );
}

type PdfJs = typeof import('pdfjs-dist');
let pdfjsModule: Promise<PdfJs> | null = null;
let sharedWorker: PDFWorker | null = null;

async function loadPdfJs(): Promise<{ pdfjs: PdfJs; worker: PDFWorker }> {
  pdfjsModule ??= import('pdfjs-dist').then((pdfjs) => {
    pdfjs.GlobalWorkerOptions.workerSrc = pdfWorkerUrl;
    return pdfjs;
  });
  const pdfjs = await pdfjsModule;
  if (!sharedWorker || sharedWorker.destroyed) sharedWorker = new pdfjs.PDFWorker();
  return { pdfjs, worker: sharedWorker };
}

/** Loads pdf.js and starts its worker, so that the next `openPdf` finds
 * both ready. Safe to call any number of times. */
export function warmUp(): Promise<void> {
  return loadPdfJs().then(
    ({ worker }) => worker.promise,
    () => undefined,
  );
}

/** Opens a PDF held in memory. The bytes are handed to the pdf.js worker
 * and must not be used afterwards. */
export async function openPdf(bytes: Uint8Array): Promise<OpenedPdf> {
  const { pdfjs, worker } = await loadPdfJs();
  const loading = pdfjs.getDocument({
    data: bytes,
    worker,
    isEvalSupported: false,
    enableXfa: false,
    cMapUrl: dataFolder('cmaps'),
    cMapPacked: true,
    standardFontDataUrl: dataFolder('standard_fonts'),
    // The server's CSP allows WebAssembly ('wasm-unsafe-eval', which is
    // not JavaScript eval), so pdf.js uses its fast decoders for JBIG2
    // scans, JPEG 2000 and ICC colour, common in scanned official papers.
    useWasm: true,
    wasmUrl: dataFolder('wasm'),
    iccUrl: dataFolder('iccs'),
  });
  const pdf: PDFDocumentProxy = await loading.promise;
  const pages = new Map<number, Promise<PDFPageProxy>>();
  const page = (pageNumber: number) => {
    let found = pages.get(pageNumber);
    if (!found) {
      found = pdf.getPage(pageNumber);
      pages.set(pageNumber, found);
      found.catch(() => pages.delete(pageNumber));
    }
    return found;
  };

  const render = (
    pageNumber: number,
    scaleFor: (unscaled: Size) => number,
    devicePixelRatio: number,
  ): PageRendering => {
    let cancelled = false;
    let task: RenderTask | null = null;
    const promise = (async () => {
      const proxy = await page(pageNumber);
      if (cancelled) throw new RenderCancelled();
      const unscaled = proxy.getViewport({ scale: 1 });
      const cssScale = scaleFor(unscaled);
      const cssWidth = Math.max(1, Math.round(unscaled.width * cssScale));
      const cssHeight = Math.max(1, Math.round(unscaled.height * cssScale));
      const pixelRatio = renderPixelRatio(cssWidth, cssHeight, devicePixelRatio);
      const viewport = proxy.getViewport({ scale: cssScale * pixelRatio });
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.floor(viewport.width));
      canvas.height = Math.max(1, Math.floor(viewport.height));
      canvas.style.width = `${cssWidth}px`;
      canvas.style.height = `${cssHeight}px`;
      task = proxy.render({ canvas, viewport });
      try {
        await task.promise;
      } catch (error) {
        releaseCanvas(canvas);
        throw error;
      }
      if (cancelled) {
        releaseCanvas(canvas);
        throw new RenderCancelled();
      }
      return { canvas, pageNumber };
    })();
    return {
      promise,
      cancel() {
        cancelled = true;
        task?.cancel();
      },
    };
  };

  const resolveDestination = async (destination: unknown): Promise<number | null> => {
    try {
      const explicit = typeof destination === 'string' ? await pdf.getDestination(destination) : destination;
      if (!Array.isArray(explicit) || explicit.length === 0) return null;
      const target: unknown = explicit[0];
      if (typeof target === 'number') return target + 1;
      if (typeof target === 'object' && target !== null && 'num' in target && 'gen' in target) {
        return (await pdf.getPageIndex(target as { num: number; gen: number })) + 1;
      }
      return null;
    } catch {
      return null;
    }
  };

  return {
    pageCount: pdf.numPages,
    async pageSize(pageNumber) {
      const viewport = (await page(pageNumber)).getViewport({ scale: 1 });
      return { width: viewport.width, height: viewport.height };
    },
    render(pageNumber, cssScale, devicePixelRatio) {
      return render(pageNumber, () => cssScale, devicePixelRatio);
    },
    renderPage(pageNumber, fit) {
      return render(
        pageNumber,
        (unscaled) => fitWidthScale(unscaled.width, fit.availableWidth, fit.zoom),
        fit.devicePixelRatio,
      );
    },
    async textContent(pageNumber) {
      const content = await (await page(pageNumber)).getTextContent();
      return content.items.filter((item): item is TextItemLike & typeof item => 'str' in item);
    },
    async pageLines(pageNumber) {
      const proxy = await page(pageNumber);
      const content = await proxy.getTextContent();
      const runs = content.items.flatMap((item) => {
        if (!('str' in item)) return [];
        const [, , c = 0, d = 0, x = NaN, y = NaN] = item.transform as number[];
        return [{ text: item.str, x, y, fontSize: Math.hypot(c, d) }];
      });
      const [x0 = 0, y0 = 0, x1 = 595, y1 = 842] = proxy.view;
      return groupLines(runs, [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)]);
    },
    renderTextLayer(pageNumber, container, cssScale) {
      let layer: InstanceType<PdfJs['TextLayer']> | null = null;
      let cancelled = false;
      const promise = (async () => {
        const { pdfjs: library } = await loadPdfJs();
        const proxy = await page(pageNumber);
        if (cancelled) throw new RenderCancelled();
        layer = new library.TextLayer({
          textContentSource: proxy.streamTextContent(),
          container,
          viewport: proxy.getViewport({ scale: cssScale }),
        });
        // The layer covers the page frame whatever its size; the spans
        // are placed in percentages and sized by `--total-scale-factor`,
        // which the reader keeps on the frame.
        container.style.width = '100%';
        container.style.height = '100%';
        await layer.render();
        return layer.textDivs.map((element) => (element.isConnected ? element : null));
      })();
      return {
        promise,
        cancel() {
          cancelled = true;
          layer?.cancel();
        },
      };
    },
    async outline() {
      const entries = (await pdf.getOutline()) ?? [];
      const convert = async (items: typeof entries): Promise<OutlineEntry[]> =>
        Promise.all(
          items.map(async (item) => ({
            title: item.title,
            page: await resolveDestination(item.dest),
            children: await convert(item.items ?? []),
          })),
        );
      return convert(entries);
    },
    releasePage(pageNumber) {
      void pages
        .get(pageNumber)
        ?.then((proxy) => proxy.cleanup())
        .catch(() => undefined);
    },
    async cleanup() {
      try {
        await pdf.cleanup();
      } catch {
        // A page was being drawn: the next quiet moment will do.
      }
    },
    async destroy() {
      pages.clear();
      await loading.destroy();
    },
  };
}

/** Gives a canvas's pixels back at once: browsers keep them until the
 * element is collected otherwise, and a tablet runs out first. */
export function releaseCanvas(canvas: HTMLCanvasElement): void {
  canvas.width = 0;
  canvas.height = 0;
}
