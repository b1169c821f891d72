// phonghop web client: the delegate's view of a paperless meeting.
//
// Layout of client-web/src/:
//   main.ts            this entry point: styles, then the app shell
//   app.ts             session, language, hash routing, header; one screen at a time
//   api/types.ts       the server's JSON under /api/v1, mirroring shared/src/api.rs
//   api/client.ts      fetch wrapper: same-origin, Accept-Language, typed ApiError
//   i18n/              Vietnamese and English texts; language lookup and memory
//   format/            times, sizes, durations and page counts as delegates read them
//   router/            `#/…` addresses <-> routes
//   meetings/          grouping meetings by day, laying out the agenda tree
//   reader/            pdf.js wrapper, page/zoom/swipe decisions, the mật watermark
//   screens/           login, my meetings, meeting, reader, not found
//   ui/                DOM helpers, shared components, the header
//   styles.css         the one stylesheet
// Pure modules have a `*.test.ts` beside them (Vitest); the browser path is
// covered by browser-tests/ against the real server.
//
// Architecture invariant: every request stays on the page's own origin and
// nothing is evaluated from strings, so the app runs under the server's CSP
// (`script-src 'self'`, `connect-src 'self'`) with no internet at all.

import './styles.css';
import { App } from './app';

const root = document.getElementById('app');
if (root) new App(root).start();
