// The one module that knows pdf.js: open PDF bytes, render a page into a
// canvas.
//
// pdf.js runs under the server's CSP: `isEvalSupported: false` (no
// `new Function` for PostScript functions), its worker is bundled by Vite
// and served from our origin, and its CMaps, standard fonts and image
// decoders are served from `/pdfjs/` (see `vite.config.ts`), so a district
// with no internet renders every PDF the same as one with internet.
// pdf.js itself is loaded only when the first document is opened.

import pdfWorkerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import type { PDFDocumentProxy, RenderTask } from 'pdfjs-dist';
import { fitWidthScale, renderPixelRatio } from './navigation';

/** How big to draw a page. */
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

export interface OpenedPdf {
  readonly pageCount: number;
  renderPage(pageNumber: number, fit: PageFit): PageRendering;
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
    (error instanceof Error && error.name === 'RenderingCancelledException')
  );
}

/** Opens a PDF held in memory. The bytes are handed to the pdf.js worker
 * and must not be used afterwards. */
export async function openPdf(bytes: Uint8Array): Promise<OpenedPdf> {
  const pdfjs = await import('pdfjs-dist');
  pdfjs.GlobalWorkerOptions.workerSrc = pdfWorkerUrl;
  const loading = pdfjs.getDocument({
    data: bytes,
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

  return {
    pageCount: pdf.numPages,
    renderPage(pageNumber, fit) {
      let cancelled = false;
      let task: RenderTask | null = null;
      const promise = (async () => {
        const page = await pdf.getPage(pageNumber);
        if (cancelled) throw new RenderCancelled();
        const unscaled = page.getViewport({ scale: 1 });
        const cssScale = fitWidthScale(unscaled.width, fit.availableWidth, fit.zoom);
        const cssWidth = unscaled.width * cssScale;
        const cssHeight = unscaled.height * cssScale;
        const pixelRatio = renderPixelRatio(cssWidth, cssHeight, fit.devicePixelRatio);
        const viewport = page.getViewport({ scale: cssScale * pixelRatio });
        const canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.floor(viewport.width));
        canvas.height = Math.max(1, Math.floor(viewport.height));
        canvas.style.width = `${Math.floor(cssWidth)}px`;
        canvas.style.height = `${Math.floor(cssHeight)}px`;
        task = page.render({ canvas, viewport });
        await task.promise;
        if (cancelled) throw new RenderCancelled();
        return { canvas, pageNumber };
      })();
      return {
        promise,
        cancel() {
          cancelled = true;
          task?.cancel();
        },
      };
    },
    async destroy() {
      await loading.destroy();
    },
  };
}
