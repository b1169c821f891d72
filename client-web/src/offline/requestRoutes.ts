// How the service worker treats each request, as a pure function so that
// it can be tested without a browser.
//
// - `app-shell`: a page load (navigation) of the app: answered with the
//   cached `index.html`, so the app opens with no network at all.
// - `static`: the built client's files (hashed assets, pdf.js data, icons,
//   the manifest): cache first, since their content never changes under a
//   name within one deployment.
// - `document`: a versioned agenda PDF: from the documents cache when the
//   app stored it there, otherwise from the network, never stored by the
//   service worker (only the app knows whether a document is confidential).
//   A confidential version has its own URL (`…/versions/{n}/confidential`),
//   which is `network`: never answered from a cache.
// - `network`: everything else (the API, websockets, health, metrics)
//   goes to the server untouched.

export type RequestRoute = 'app-shell' | 'static' | 'document' | 'network';

export interface RequestFacts {
  method: string;
  url: string;
  /** `Request.mode`: `navigate` for page loads. */
  mode: string;
}

/** A non-confidential document version's URL, as `DocumentInfo.url` gives
 * it; its content never changes. */
export const versionedDocumentPath = /^\/api\/v1\/documents\/[^/]+\/versions\/\d+\/file$/;

/** Server paths that are not the app, even when opened as a page. */
const serverPaths = [
  /^\/api\//,
  /^\/sync$/,
  /^\/live$/,
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/metrics$/,
  /^\/ca\.pem$/,
];

const staticPaths = [/^\/assets\//, /^\/pdfjs\//, /^\/icons\//, /^\/manifest\.webmanifest$/];

export function routeRequest(request: RequestFacts, origin: string): RequestRoute {
  if (request.method !== 'GET') return 'network';
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return 'network';
  }
  if (url.origin !== origin) return 'network';
  const path = url.pathname;
  if (versionedDocumentPath.test(path)) return 'document';
  if (serverPaths.some((pattern) => pattern.test(path))) return 'network';
  if (request.mode === 'navigate') return 'app-shell';
  if (staticPaths.some((pattern) => pattern.test(path))) return 'static';
  return 'network';
}
