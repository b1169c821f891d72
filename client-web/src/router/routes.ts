// The screens of the app as hash routes, and the two-way mapping between a
// route and its `#/…` address.
//
// Hash routing keeps the server simple (it serves one index.html and never
// needs to know the client's paths) and works from a saved tablet bookmark.

export type Route =
  | { screen: 'login' }
  | { screen: 'meetings' }
  /** The user's own account: their password, their sessions. */
  | { screen: 'account' }
  /** The meeting calendar, one week; `week` is its Monday (`YYYY-MM-DD`),
   * `null` for this week. */
  | { screen: 'calendar'; week: string | null }
  | { screen: 'meeting'; meetingId: string }
  /** The secretary's console: a new meeting, one meeting's preparation,
   * its audit log. */
  | { screen: 'new_meeting' }
  | { screen: 'edit_meeting'; meetingId: string }
  | { screen: 'meeting_audit'; meetingId: string }
  /** Who has read the meeting's confidential documents. */
  | { screen: 'document_reads'; meetingId: string }
  /** `version`: an earlier version, shown read-only; none = the current. */
  | { screen: 'document'; meetingId: string; documentId: string; page: number; version?: number }
  /** The live meeting: the chair's console, a remote point's big screen. */
  | { screen: 'chair'; meetingId: string }
  | { screen: 'big_screen'; meetingId: string }
  /** Administrators: an account's devices and their remote wipe
   * (`userId` null until an account is chosen). */
  | { screen: 'devices'; userId: string | null }
  /** Administrators: every account (add, disable, role, password reset),
   * and importing a list of officials from a file. */
  | { screen: 'accounts' }
  | { screen: 'accounts_import' }
  | { screen: 'not_found'; hash: string };

function decodeSegment(segment: string): string | null {
  try {
    const decoded = decodeURIComponent(segment);
    return decoded === '' ? null : decoded;
  } catch {
    return null;
  }
}

/** Reads `location.hash`. An empty hash is the meetings list (the app
 * sends a visitor without a session on to the login screen). */
export function parseRoute(hash: string): Route {
  const withoutMark = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = withoutMark.split('?', 2);
  const segments = pathPart.split('/').filter((segment) => segment !== '');
  const notFound: Route = { screen: 'not_found', hash };

  if (segments.length === 0) return { screen: 'meetings' };
  if (segments.length === 1 && segments[0] === 'login') return { screen: 'login' };
  if (segments.length === 1 && segments[0] === 'account') return { screen: 'account' };
  if (segments.length === 1 && segments[0] === 'calendar') {
    const week = new URLSearchParams(queryPart).get('week');
    return { screen: 'calendar', week: week !== null && /^\d{4}-\d{2}-\d{2}$/.test(week) ? week : null };
  }
  if (segments.length === 1 && segments[0] === 'accounts') return { screen: 'accounts' };
  if (segments.length === 2 && segments[0] === 'accounts' && segments[1] === 'import')
    return { screen: 'accounts_import' };
  if (segments[0] === 'devices' && segments.length <= 2) {
    if (segments.length === 1) return { screen: 'devices', userId: null };
    const userId = decodeSegment(segments[1] ?? '');
    return userId === null ? notFound : { screen: 'devices', userId };
  }
  if (segments[0] !== 'meetings') return notFound;
  if (segments.length === 1) return { screen: 'meetings' };
  // Server meeting ids start with `m_`, so "new" never names a meeting.
  if (segments.length === 2 && segments[1] === 'new') return { screen: 'new_meeting' };

  const meetingId = decodeSegment(segments[1] ?? '');
  if (meetingId === null) return notFound;
  if (segments.length === 2) return { screen: 'meeting', meetingId };
  if (segments.length === 3 && segments[2] === 'edit') return { screen: 'edit_meeting', meetingId };
  if (segments.length === 3 && segments[2] === 'audit') return { screen: 'meeting_audit', meetingId };
  if (segments.length === 3 && segments[2] === 'reads') return { screen: 'document_reads', meetingId };
  if (segments.length === 3 && segments[2] === 'chair') return { screen: 'chair', meetingId };
  if (segments.length === 3 && segments[2] === 'screen') return { screen: 'big_screen', meetingId };

  if (segments.length === 4 && segments[2] === 'documents') {
    const documentId = decodeSegment(segments[3] ?? '');
    if (documentId === null) return notFound;
    const query = new URLSearchParams(queryPart);
    const pageText = query.get('page');
    const page = pageText !== null && /^\d+$/.test(pageText) ? Math.max(1, Number(pageText)) : 1;
    const versionText = query.get('version');
    if (versionText !== null && /^[1-9]\d{0,8}$/.test(versionText))
      return { screen: 'document', meetingId, documentId, page, version: Number(versionText) };
    return { screen: 'document', meetingId, documentId, page };
  }
  return notFound;
}

/** The `#/…` address of a route; `parseRoute(hrefFor(route))` gives the
 * route back. */
export function hrefFor(route: Route): string {
  switch (route.screen) {
    case 'login':
      return '#/login';
    case 'meetings':
      return '#/meetings';
    case 'account':
      return '#/account';
    case 'calendar':
      return route.week === null ? '#/calendar' : `#/calendar?week=${route.week}`;
    case 'meeting':
      return `#/meetings/${encodeURIComponent(route.meetingId)}`;
    case 'new_meeting':
      return '#/meetings/new';
    case 'edit_meeting':
      return `#/meetings/${encodeURIComponent(route.meetingId)}/edit`;
    case 'meeting_audit':
      return `#/meetings/${encodeURIComponent(route.meetingId)}/audit`;
    case 'document_reads':
      return `#/meetings/${encodeURIComponent(route.meetingId)}/reads`;
    case 'chair':
      return `#/meetings/${encodeURIComponent(route.meetingId)}/chair`;
    case 'big_screen':
      return `#/meetings/${encodeURIComponent(route.meetingId)}/screen`;
    case 'devices':
      return route.userId === null ? '#/devices' : `#/devices/${encodeURIComponent(route.userId)}`;
    case 'accounts':
      return '#/accounts';
    case 'accounts_import':
      return '#/accounts/import';
    case 'document': {
      const base = `#/meetings/${encodeURIComponent(route.meetingId)}/documents/${encodeURIComponent(route.documentId)}`;
      const query = new URLSearchParams();
      if (route.page > 1) query.set('page', String(route.page));
      if (route.version !== undefined) query.set('version', String(route.version));
      const text = query.toString();
      return text === '' ? base : `${base}?${text}`;
    }
    case 'not_found':
      return route.hash.startsWith('#') ? route.hash : `#${route.hash}`;
  }
}
