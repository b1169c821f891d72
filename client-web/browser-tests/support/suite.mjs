// The frame every browser test file shares: check the prerequisites, start
// the real server and Chromium before the file's tests, close both after.
//
//   describeWithServer('the minutes draft', { timeout: 180_000 }, (harness) => {
//     test('…', async () => {
//       const secretary = await harness.openPage({ width: 1920, height: 1080 });
//       await fetch(`${harness.server.baseUrl}/healthz`);
//     });
//   });
//
// `options.timeout` is the suite's timeout; `options.server` goes to
// `startServer` (e.g. `{ extraArgs: ['--demo-delegates', '58'] }`). The
// body runs when the tests are registered, before anything has started, so
// `harness.server` and `harness.browser` may only be read inside tests and
// hooks (reading them earlier throws). A file that needs more setup adds its
// own `before`, which runs after the server and the browser have started.
// When a prerequisite is missing the body is not run at all and
// `reportMissingPrerequisite` registers the one test that says so, failing
// or skipped exactly as described in browser.mjs.

import { after, before, describe, test } from 'node:test';
import { launchBrowser, missingPrerequisite, openPage, reportMissingPrerequisite } from './browser.mjs';
import { startServer } from './server.mjs';

export function describeWithServer(name, { timeout, server: serverOptions } = {}, body) {
  const prerequisite = missingPrerequisite();
  if (prerequisite) {
    reportMissingPrerequisite(test, prerequisite, name);
    return;
  }
  describe(name, { timeout }, () => {
    let server;
    let browser;

    before(async () => {
      server = await startServer(serverOptions);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    const started = (what, value) => {
      if (value === undefined) {
        throw new Error(`harness.${what} is only there inside tests and hooks, once the suite has started`);
      }
      return value;
    };
    body({
      /** The running server: `{ baseUrl, output(), stop() }` from `startServer`. */
      get server() {
        return started('server', server);
      },
      /** The Chromium every page of this file opens in. */
      get browser() {
        return started('browser', browser);
      },
      /** A fresh browser context and page on this server, as `openPage` in
       * browser.mjs: `(viewport?, contextOptions?) => { context, page, watcher }`. */
      openPage(viewport, contextOptions) {
        return openPage(
          started('browser', browser),
          started('server', server).baseUrl,
          viewport,
          contextOptions,
        );
      },
    });
  });
}
