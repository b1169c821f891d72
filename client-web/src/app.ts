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
import { accountScreen } from './screens/account';
import { accountsScreen } from './screens/accounts';
import { accountsImportScreen } from './screens/accountsImport';
import { auditScreen } from './screens/audit';
import { bigScreenScreen } from './screens/bigScreen';
import { chairScreen } from './screens/chair';
import { calendarScreen } from './screens/calendar';
import { devicesScreen } from './screens/devices';
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
import { confirmAction } from './ui/dialog';
import { h } from './ui/dom';
import { renderHeader } from './ui/header';
import { browserDeviceStorage, reloadAtLogin } from './wipe/browserDevice';
import {
  beginWipe,
  finishWipe,
  keptNotesKey,
  otherUsersSyncDatabases,
  parsePendingWipe,
  pendingWipeKey,
  type PendingWipe,
  type UnsentChoice,
  type WipeReason,
} from './wipe/wipe';

function screenFor(route: Route): Screen {
  switch (route.screen) {
    case 'login':
      return loginScreen;
    case 'meetings':
      return meetingListScreen;
    case 'calendar':
      return calendarScreen(route.week);
    case 'account':
      return accountScreen;
    case 'meeting':
      return meetingScreen(route.meetingId);
    case 'document':
      return readerScreen(route.meetingId, route.documentId, route.page, route.version);
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
    case 'devices':
      return devicesScreen(route.userId);
    case 'accounts':
      return accountsScreen;
    case 'accounts_import':
      return accountsImportScreen;
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
  /** IndexedDB, caches and storage, for forgetting a user (`wipe/`). */
  private readonly device = browserDeviceStorage();
  /** Set once the device is forgetting its user: later "session lost"
   * answers change nothing, and the page reloads at the end. */
  private ending = false;
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
      onSessionLost: (code) => this.sessionLost(code),
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
    // A wipe decided before the last reload is finished before anything
    // opens a database or shows a screen.
    const pending = parsePendingWipe(this.device.getLocal(pendingWipeKey));
    if (pending) this.finishPendingWipe(pending);
    else this.checkSession();
  }

  private finishPendingWipe(pending: PendingWipe): void {
    this.main.replaceChildren(loadingMessage(this.t('wipe.clearing')));
    finishWipe(pending, {
      storage: this.device,
      confirmRemoteWipe: () =>
        this.api.confirmDeviceWiped().then(
          () => 'done' as const,
          // 409 (no wipe pending) or 401 (the session is gone) settle it;
          // anything else (offline, a server error) is tried at the next start.
          (error: unknown) =>
            error instanceof ApiError && (error.status === 409 || error.code === 'unauthenticated')
              ? ('done' as const)
              : ('retry_later' as const),
        ),
    })
      .then((done) => {
        this.loginNotice = done.notice;
      })
      .catch((error: unknown) => console.warn('phonghop: could not finish the wipe', error))
      .finally(() => this.checkSession());
  }

  /** The server said this user's time on the device is over. At start
   * (no user yet) `checkSession` decides instead. */
  private sessionLost(code: 'unauthenticated' | 'device_wipe_requested'): void {
    if (!this.user || this.ending) return;
    this.endSession(code === 'device_wipe_requested' ? 'remote_wipe' : 'session_ended');
  }

  /**
   * The one way a user leaves this device: logout, an ended session and a
   * remote wipe all send the unsent notes, then reload into a wipe
   * (`wipe/wipe.ts`). Only a logout can stay: the user kept unsent notes,
   * or the server could not end the session (offline).
   */
  private endSession(reason: WipeReason, userId = this.user?.id ?? null): void {
    if (this.ending) return;
    this.ending = true;
    closeLiveSession();
    this.screenLifetime.abort();
    this.main.replaceChildren(loadingMessage(this.t('wipe.sending')));
    let logoutFailure: unknown = null;
    beginWipe(reason, userId, {
      sendUnsent: async (id, deadline) => (await import('./sync/repo')).sendUnsentChanges(id, deadline),
      askAboutUnsent: (count) => this.askAboutUnsent(count),
      endServerSession: () =>
        this.api.logout().then(
          () => true,
          (error: unknown) => {
            // Already over on the server (or about to be wiped): go on.
            if (
              error instanceof ApiError &&
              (error.code === 'unauthenticated' || error.code === 'device_wipe_requested')
            ) {
              return true;
            }
            logoutFailure = error;
            return false;
          },
        ),
      storage: this.device,
      reload: reloadAtLogin,
    })
      .then((outcome) => {
        if (outcome === 'reloading') return;
        this.ending = false;
        this.showCurrentRoute();
        if (logoutFailure !== null) {
          // The session is still open on the server: stay, and say why.
          const message = logoutFailure instanceof ApiError ? logoutFailure.message : this.t('error.network');
          this.main.prepend(errorPanel(message));
        }
      })
      .catch((error: unknown) => {
        console.error('phonghop: could not end the session', error);
        reloadAtLogin();
      });
  }

  private askAboutUnsent(count: number): Promise<UnsentChoice> {
    return confirmAction({
      question: this.t('wipe.unsentQuestion', { count }),
      confirmLabel: this.t('wipe.discardAndLogout'),
      cancelLabel: this.t('wipe.stay'),
      danger: true,
    }).then((discard) => (discard ? 'discard' : 'cancel'));
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
      // An ended session or a remote wipe reaches `sessionLost` through
      // the API client; anything else leaves the offline session as it is.
      () => undefined,
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
    this.forgetOtherUsers(user);
    // Ask the browser not to evict the kept documents under storage
    // pressure; it may say no, which only costs the guarantee.
    void navigator.storage?.persist?.().catch(() => false);
  }

  /** Notes kept on the device for another user (their session ended with
   * notes unsent) are deleted once someone else's session is confirmed;
   * the same user's are sent now. */
  private forgetOtherUsers(user: User): void {
    const device = this.device;
    device
      .databaseNames()
      .then((names) =>
        Promise.all(otherUsersSyncDatabases(names, user.id).map((name) => device.deleteDatabase(name))),
      )
      .catch((error: unknown) => console.warn("phonghop: could not delete another user's notes", error));
    const keptFor = device.getLocal(keptNotesKey);
    if (keptFor === null) return;
    if (keptFor !== user.id) {
      device.removeLocal(keptNotesKey);
      return;
    }
    import('./sync/repo')
      .then((sync) => sync.sendUnsentChanges(user.id, 60_000))
      .then((unsent) => {
        if (unsent === 0) device.removeLocal(keptNotesKey);
      })
      .catch((error: unknown) => console.warn('phonghop: could not send the kept notes', error));
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
        const confirmationPending = this.device.getLocal(pendingWipeKey) !== null;
        if (error instanceof ApiError && error.code === 'device_wipe_requested' && !confirmationPending) {
          // Asked while the app was closed: the last user's notes are
          // still sendable (/sync stays open to a wiping session).
          const remembered = await this.offline.saved.lastUser().catch(() => null);
          this.endSession('remote_wipe', remembered?.id ?? null);
          return;
        }
        if (
          error instanceof ApiError &&
          (error.code === 'unauthenticated' || error.code === 'device_wipe_requested')
        ) {
          // A session that ended while the app was closed: what the last
          // user left is forgotten like at any other end.
          const remembered = await this.offline.saved.lastUser().catch(() => null);
          if (remembered) {
            this.endSession('session_ended', remembered.id);
            return;
          }
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
        logout: () => this.endSession('logout'),
      }),
    );
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
    // An administrator set the password: nothing else until the user
    // chose their own (the server refuses the rest anyway).
    if (this.user?.must_change_password && route.screen !== 'account') {
      this.returnTo = route;
      this.go({ screen: 'account' }, true);
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
        // A wipe still waiting to be confirmed can no longer be: this login
        // replaced the session that would have confirmed it. What it was
        // to remove went at start (`finishWipe`), and another user's notes
        // go in `forgetOtherUsers`; it must not remove the new user's data.
        this.device.removeLocal(pendingWipeKey);
        this.user = user;
        this.sessionFromDevice = false;
        this.sessionConfirmed(user);
        this.renderHeader();
        const destination = this.returnTo ?? { screen: 'meetings' };
        this.returnTo = null;
        this.go(destination, true);
      },
      handleCommonError: (error) => {
        if (
          error instanceof ApiError &&
          (error.code === 'unauthenticated' || error.code === 'device_wipe_requested')
        ) {
          // The API client has told `sessionLost` already; a live socket
          // closed by the server comes here alone.
          this.sessionLost(error.code);
          return true;
        }
        if (error instanceof ApiError && error.code === 'password_change_required' && this.user) {
          this.user = { ...this.user, must_change_password: true };
          this.go({ screen: 'account' }, true);
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
