// phonghop web client: the delegate's tablet and the secretary's console
// for a paperless meeting.
//
// Layout of client-web/src/:
//   main.ts            this entry point: styles, then the app shell
//   app.ts             session (also from the device when offline), language,
//                      hash routing, header, service worker; one screen at a time
//   api/generated.ts   the wire types, generated from shared/ (do not edit)
//   api/types.ts       the REST types re-exported under the names screens import
//   api/client.ts      fetch wrapper: same-origin, Accept-Language, typed ApiError
//   api/upload.ts      document uploads with progress (XMLHttpRequest)
//   i18n/              Vietnamese and English texts; language lookup and memory
//   format/            times, sizes, durations and page counts as delegates read them
//   router/            `#/…` addresses <-> routes
//   meetings/          grouping meetings by day, the agenda tree, the calendar's
//                      weeks, what changed in an agenda and the marks on it
//   reader/            pdf.js wrapper, page layout, gestures, search, ink as SVG
//                      over a page (inkLayer.ts), the mật watermark
//   live/              the `/live` protocol: typed messages, connection, state reducer, live panels
//   sync/              the page's Automerge repository (IndexedDB + `/sync`), loaded on demand
//   wipe/              a shared tablet forgets its user: logout, ended session, remote wipe
//   annotations/       ink strokes, pinned and per-item notes, live ink, carrying them
//                      to a document's new version: the pure model
//   collaborativeText/ typing into a text box over shared text: caret and rebased edits
//   console/           the secretary's decisions: permissions, the state machine's
//                      buttons, agenda reordering, form checks, upload and audit texts,
//                      record export, confidential reads, an account's devices
//   offline/           saved screens, agenda packs (documents kept for offline
//                      reading), cache names, the service worker's request routes
//   serviceWorker/     sw.ts, built into dist/sw.js by build/serviceWorker.ts
//   screens/           login, my meetings, calendar, meeting, reader (with its navigator,
//                      search and annotations), chair console, big screen, my account,
//                      not found; the console's new meeting, meeting editor
//                      (screens/editor/), audit log, confidential reads and devices
//   ui/                DOM helpers, shared components, forms, the confirm dialog, header
//   styles.css         the one stylesheet
// Pure modules have a `*.test.ts` beside them (Vitest); the browser path is
// covered by browser-tests/ against the real server.
//
// Architecture invariant: every request stays on the page's own origin and
// nothing is evaluated from strings, so the app runs under the server's CSP
// (`script-src 'self'`, `connect-src 'self'`, `worker-src 'self'`) with no
// internet at all.
//
// Architecture invariant: a confidential (mật) document is never written to
// the device: only `offline/documentPack.ts` chooses what is kept, and the
// service worker stores no API answer by itself.

import './styles.css';
import { App } from './app';

const root = document.getElementById('app');
if (root) new App(root).start();
