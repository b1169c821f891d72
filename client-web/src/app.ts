// The app shell: who is logged in, which language is chosen, which screen
// the address shows; it draws the header and hands the rest of the page to
// one screen at a time.

import { ApiError, createApiClient, type ApiClient } from './api/client';
import type { Meeting, User } from './api/types';
import {
  loadLanguage,
  otherLanguage,
  saveLanguage,
  translate,
  type Language,
  type MessageKey,
  type MessageParams,
} from './i18n/i18n';
import { loadDeviceId } from './live/deviceId';
import { closeLiveSession } from './live/session';
import { registerServiceWorker } from './offline/registerServiceWorker';
import { isUnreachable } from './offline/savedData';
import { createOfflineServices, type OfflineServices } from './offline/services';
import { hrefFor, parseRoute, type Route } from './router/routes';
import { auditScreen } from './screens/audit';
import { bigScreenScreen } from './screens/bigScreen';
import { chairScreen } from './screens/chair';
import { documentReadsScreen } from './screens/documentReads';
import type { Screen, ScreenContext } from './screens/context';
import { loginScreen } from './screens/login';
import { meetingScreen } from './screens/meeting';
import { meetingEditorScreen } from './screens/meetingEditor';
import { meetingListScreen } from './screens/meetingList';
import { newMeetingScreen } from './screens/newMeeting';
import { notFoundScreen } from './screens/notFound';
import { readerScreen } from './screens/reader';
import { errorPanel, loadingMessage } from './ui/components';
import { h } from './ui/dom';
import { renderHeader } from './ui/header';

function screenFor(route: Route): Screen {
  switch (route.screen) {
    case 'login':
      return loginScreen;
    case 'meetings':
      return meetingListScreen;
    case 'meeting':
      return meetingScreen(route.meetingId);
    case 'document':
      return readerScreen(route.meetingId, route.documentId, route.page);
    case 'new_meeting':
      return newMeetingScreen;
    case 'edit_meeting':
      return meetingEditorScreen(route.meetingId);
    case 'meeting_audit':
      return auditScreen(route.meetingId);
    case 'document_reads':
      return documentReadsScreen(route.meetingId);
    case 'chair':
      return chairScreen(route.meetingId);
    case 'big_screen':
      return bigScreenScreen(route.meetingId);
    case 'not_found':
      return notFoundScreen;
  }
}

export class App {
  /** The chosen UI language; also sent as `Accept-Language`. */
  private language: Language;
  /** `undefined` until `/auth/me` has answered, then the user or `null`. */
  private user: User | null | undefined = undefined;
  /** Where to go after logging in, when the login screen interrupted a
   * visit to another address (a bookmark, an expired session). */
  private returnTo: Route | null = null;
  private loginNotice: MessageKey | null = null;
  /** Aborted when the current screen is left. */
  private screenLifetime = new AbortController();
  private readonly meetingCache = new Map<string, Meeting>();
  private readonly api: ApiClient;
  private readonly offline: OfflineServices = createOfflineServices();
  /** The user came from the device's memory because the server could not
   * be reached at start; the session is checked again once it can. */
  private sessionFromDevice = false;
  private readonly headerSlot = h('div');
  /** Where "a new version is ready" appears. */
  private readonly updateSlot = h('div');
  private readonly main = h('main', { className: 'app-main', attrs: { id: 'main' } });

  constructor(private readonly root: HTMLElement) {
    this.language = loadLanguage(safeLocalStorage());
    this.api = createApiClient({
      language: () => this.language,
      deviceId: () => loadDeviceId(safeLocalStorage()),
    });
  }

  start(): void {
    this.root.replaceChildren(this.headerSlot, this.updateSlot, this.main);
    this.applyLanguage();
    window.addEventListener('hashchange', () => this.showCurrentRoute());
    window.addEventListener('online', () => this.cameOnline());
    window.addEventListener('offline', () => this.renderHeader());
    // Only the built app has a service worker (`vite dev` serves sources).
    if (import.meta.env.PROD) {
      registerServiceWorker({ onUpdateReady: (apply) => this.offerUpdate(apply) });
    }
    this.checkSession();
  }

  private cameOnline(): void {
    this.renderHeader();
    this.offline.packs.retryIncomplete();
    if (this.sessionFromDevice) this.recheckSession();
  }

  /** After starting offline: asks the server whether the session is still
   * valid, without disturbing the screen unless it is not. */
  private recheckSession(): void {
    this.api.me().then(
      (user) => {
        this.sessionFromDevice = false;
        this.sessionConfirmed(user);
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.code === 'unauthenticated') {
          this.sessionFromDevice = false;
          this.returnTo = parseRoute(location.hash);
          this.loggedOut('login.sessionExpired');
        }
      },
    );
  }

  /** The server confirmed who is logged in: remember them for offline
   * starts, and forget another user's kept data. */
  private sessionConfirmed(user: User): void {
    this.offline.saved
      .rememberUser(user)
      .then(async ({ switchedUser }) => {
        if (switchedUser) await this.offline.packs.clear();
        await this.offline.packs.expireOld();
      })
      .catch((error: unknown) => console.warn('phonghop: could not update offline data', error));
    // Ask the browser not to evict the kept documents under storage
    // pressure; it may say no, which only costs the guarantee.
    void navigator.storage?.persist?.().catch(() => false);
  }

  private offerUpdate(apply: () => void): void {
    this.updateSlot.replaceChildren(
      h(
        'div',
        { className: 'update-banner', attrs: { role: 'status' } },
        h('span', {}, this.t('offline.updateReady')),
        h(
          'button',
          { className: 'button button-primary', attrs: { type: 'button' }, on: { click: apply } },
          this.t('offline.updateNow'),
        ),
      ),
    );
  }

  private t = (key: MessageKey, params?: MessageParams): string => translate(this.language, key, params);

  private checkSession(): void {
    this.main.replaceChildren(loadingMessage(this.t('common.loading')));
    this.api.me().then(
      (user) => {
        this.user = user;
        this.sessionConfirmed(user);
        this.renderHeader();
        this.showCurrentRoute();
      },
      async (error: unknown) => {
        if (error instanceof ApiError && error.code === 'unauthenticated') {
          this.user = null;
          this.renderHeader();
          this.showCurrentRoute();
          return;
        }
        if (isUnreachable(error)) {
          // Offline start: the last user of this tablet carries on with
          // what the tablet kept; with nobody remembered, logging in needs
          // the network, and the login screen says so.
          const remembered = await this.offline.saved.lastUser().catch(() => null);
          this.user = remembered;
          this.sessionFromDevice = remembered !== null;
          if (!remembered) this.loginNotice = 'offline.loginNeedsNetwork';
          this.renderHeader();
          this.showCurrentRoute();
          return;
        }
        // Without knowing whether there is a session there is no screen
        // to show; say so and offer the retry.
        const message = error instanceof ApiError ? error.message : this.t('error.network');
        this.main.replaceChildren(
          errorPanel(message, { label: this.t('common.retry'), run: () => this.checkSession() }),
        );
      },
    );
  }

  private applyLanguage(): void {
    document.documentElement.lang = this.language;
    document.title = this.t('app.title');
    this.renderHeader();
  }

  private renderHeader(): void {
    this.headerSlot.replaceChildren(
      renderHeader({
        user: this.user ?? null,
        language: this.language,
        online: navigator.onLine,
        t: this.t,
        switchLanguage: () => {
          this.language = otherLanguage(this.language);
          saveLanguage(safeLocalStorage(), this.language);
          this.applyLanguage();
          if (this.user !== undefined) this.showCurrentRoute();
        },
        logout: () => this.logout(),
      }),
    );
  }

  private logout(): void {
    const forget = () =>
      this.offline
        .forgetEverything()
        .catch((error: unknown) => console.warn('phonghop: could not clear offline data', error));
    this.api.logout().then(
      async () => {
        await forget();
        this.returnTo = null;
        this.loggedOut(null);
      },
      async (error: unknown) => {
        if (error instanceof ApiError && error.code === 'unauthenticated') {
          await forget();
          this.returnTo = null;
          this.loggedOut(null);
          return;
        }
        // The session is still open on the server: stay, and say why.
        const message = error instanceof ApiError ? error.message : this.t('error.network');
        this.main.prepend(errorPanel(message));
      },
    );
  }

  private loggedOut(notice: MessageKey | null): void {
    closeLiveSession();
    this.user = null;
    this.meetingCache.clear();
    this.loginNotice = notice;
    this.renderHeader();
    this.go({ screen: 'login' }, true);
  }

  /** Shows `route`, replacing the current history entry when `replace`. */
  private go(route: Route, replace = false): void {
    const href = hrefFor(route);
    if (location.hash === href) {
      this.showCurrentRoute();
    } else if (replace) {
      history.replaceState(null, '', href);
      this.showCurrentRoute();
    } else {
      location.hash = href;
    }
  }

  private showCurrentRoute(): void {
    if (this.user === undefined) return;
    const route = parseRoute(location.hash);
    if (!this.user && route.screen !== 'login') {
      this.returnTo = route;
      this.go({ screen: 'login' }, true);
      return;
    }
    if (this.user && route.screen === 'login') {
      this.go({ screen: 'meetings' }, true);
      return;
    }
    this.screenLifetime.abort();
    this.screenLifetime = new AbortController();
    const context = this.screenContext();
    this.loginNotice = null;
    this.main.replaceChildren();
    screenFor(route)(this.main, context, this.screenLifetime.signal);
    window.scrollTo({ top: 0 });
  }

  private screenContext(): ScreenContext {
    return {
      api: this.api,
      language: this.language,
      user: this.user ?? null,
      t: this.t,
      navigate: (route) => this.go(route),
      replaceAddress: (route) => {
        const href = hrefFor(route);
        if (location.hash !== href) history.replaceState(null, '', href);
      },
      loggedIn: (user) => {
        this.user = user;
        this.sessionFromDevice = false;
        this.sessionConfirmed(user);
        this.renderHeader();
        const destination = this.returnTo ?? { screen: 'meetings' };
        this.returnTo = null;
        this.go(destination, true);
      },
      handleCommonError: (error) => {
        if (error instanceof ApiError && error.code === 'unauthenticated') {
          this.returnTo = parseRoute(location.hash);
          this.loggedOut('login.sessionExpired');
          return true;
        }
        return false;
      },
      meetingCache: this.meetingCache,
      loginNotice: this.loginNotice ? this.t(this.loginNotice) : null,
      offline: this.offline,
    };
  }
}

/** `localStorage`, or `undefined` where touching it throws (some private
 * browsing modes). */
function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
