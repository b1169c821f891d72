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
import { hrefFor, parseRoute, type Route } from './router/routes';
import type { Screen, ScreenContext } from './screens/context';
import { loginScreen } from './screens/login';
import { meetingScreen } from './screens/meeting';
import { meetingListScreen } from './screens/meetingList';
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
  private readonly headerSlot = h('div');
  private readonly main = h('main', { className: 'app-main', attrs: { id: 'main' } });

  constructor(private readonly root: HTMLElement) {
    this.language = loadLanguage(safeLocalStorage());
    this.api = createApiClient({ language: () => this.language });
  }

  start(): void {
    this.root.replaceChildren(this.headerSlot, this.main);
    this.applyLanguage();
    window.addEventListener('hashchange', () => this.showCurrentRoute());
    window.addEventListener('online', () => this.renderHeader());
    window.addEventListener('offline', () => this.renderHeader());
    this.checkSession();
  }

  private t = (key: MessageKey, params?: MessageParams): string => translate(this.language, key, params);

  private checkSession(): void {
    this.main.replaceChildren(loadingMessage(this.t('common.loading')));
    this.api.me().then(
      (user) => {
        this.user = user;
        this.renderHeader();
        this.showCurrentRoute();
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.code === 'unauthenticated') {
          this.user = null;
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
    this.api.logout().then(
      () => {
        this.returnTo = null;
        this.loggedOut(null);
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.code === 'unauthenticated') {
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
