// phonghop web client: the delegate's tablet and the secretary's console
// for a paperless meeting.
//
// Layout of client-web/src/:
//   main.ts            this entry point: styles, then the app shell
//   app.ts             session (also from the device when offline), language,
//                      hash routing, header, service worker; one screen at a time
//   api/types.ts       the server's JSON under /api/v1, mirroring shared/src/api.rs
//   api/client.ts      fetch wrapper: same-origin, Accept-Language, typed ApiError
//   api/upload.ts      document uploads with progress (XMLHttpRequest)
//   i18n/              Vietnamese and English texts; language lookup and memory
//   format/            times, sizes, durations and page counts as delegates read them
//   router/            `#/…` addresses <-> routes
//   meetings/          grouping meetings by day, laying out the agenda tree
//   reader/            pdf.js wrapper, page/zoom/swipe decisions, the mật watermark
//   live/              the `/live` protocol: typed messages, connection, state reducer, live panels
//   sync/              the page's Automerge repository (IndexedDB + `/sync`), loaded on demand
//   wipe/              a shared tablet forgets its user: logout, ended session, remote wipe
//   annotations/       ink strokes, pinned and per-item notes, live ink: the pure model
//   collaborativeText/ typing into a text box over shared text: caret and rebased edits
//   console/           the secretary's decisions: permissions, the state machine's
//                      buttons, agenda reordering, form checks, upload and audit texts
//   offline/           saved screens, agenda packs (documents kept for offline
//                      reading), cache names, the service worker's request routes
//   serviceWorker/     sw.ts, built into dist/sw.js by build/serviceWorker.ts
//   screens/           login, my meetings, meeting, reader, chair console, big screen, not found; the console's
//                      new meeting, meeting editor (screens/editor/) and audit log
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
