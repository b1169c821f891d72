// Every open screen of a meeting follows its agenda with no reload.
//
// `followAgenda` listens to the live session: on `meeting_changed` (and
// after a reconnection, when a change may have been missed) it fetches the
// meeting again, works out what changed against what the screen shows
// (`agendaChanges`, pure), remembers the changed items until they are seen
// (`ChangeMarks`), has the offline pack follow (`DocumentPacks.ensure`:
// new versions downloaded, replaced and removed ones dropped, a document
// newly marked confidential deleted at once), carries this user's
// annotations onto a replaced document's new version
// (`carryAnnotations.ts`) and hands the new meeting to the screen. `agendaNotice` is the calm line that says what changed.
//
// Used by the delegate's meeting screen and reader, the chair's console,
// the secretary's meeting editor and the big screen (which reopens a
// presented document that was replaced).

import type { Meeting } from '../api/types';
import type { LiveConnection } from '../live/connection';
import {
  agendaChanges,
  changedDocumentIds,
  changedItemIds,
  noticeParts,
  type AgendaChange,
} from '../meetings/agendaChanges';
import { ChangeMarks } from '../meetings/changeMarks';
import { h } from '../ui/dom';
import { carryReplacedDocuments } from './carryAnnotations';
import { isAbort, loadMeeting, type ScreenContext } from './context';

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** The device's marks of changed items, shared by every screen. */
export const changeMarks = new ChangeMarks(safeStorage());

export interface FollowAgendaOptions {
  connection: LiveConnection;
  context: ScreenContext;
  meetingId: string;
  /** The meeting the screen shows now. */
  shown(): Meeting;
  /** The meeting changed: show `fresh`; `changes` may be empty (a state
   * move, or a change already shown). */
  onChange(fresh: Meeting, changes: AgendaChange[]): void;
  signal: AbortSignal;
}

/** Follows the meeting's agenda until `signal` aborts. */
export function followAgenda(options: FollowAgendaOptions): void {
  const { connection, context, meetingId, signal } = options;
  let loading = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (loading) {
      // Changes close together are fetched once more after this one.
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const { value: fresh, savedAt } = await loadMeeting(context, meetingId);
        if (signal.aborted) return;
        // Saved data is what the screen already had: nothing new to say.
        if (savedAt !== null) continue;
        const shown = options.shown();
        // The screen's own edit, already shown (the secretary's console
        // applies its edits itself): redrawing would only disturb the hand
        // on the screen, a row being dragged say.
        if (JSON.stringify(shown) === JSON.stringify(fresh)) continue;
        const changes = agendaChanges(shown, fresh);
        changeMarks.add(meetingId, changedItemIds(changes), changedDocumentIds(changes));
        void context.offline.packs.ensure(fresh);
        options.onChange(fresh, changes);
        const replaced = changes.flatMap((change) =>
          change.kind === 'document_replaced' ? [change.documentId] : [],
        );
        if (replaced.length > 0) void carryReplacedDocuments(context, fresh, replaced, signal);
      } while (again && !signal.aborted);
    } catch (error) {
      if (!isAbort(error, signal) && !context.handleCommonError(error)) {
        console.warn('phonghop: the changed meeting could not be fetched', error);
      }
    } finally {
      loading = false;
    }
  };
  connection.onEvent((event) => {
    if (event.type === 'meeting_changed') void refresh();
  }, signal);
  // Whatever screen is open, the board hears what the pack holds now.
  const packs = context.offline.packs;
  packs.subscribe(
    meetingId,
    (progress) => connection.reportReadiness(packs.held(meetingId), progress.running),
    signal,
  );
  // A change made while the socket was down is not announced again: look
  // after every reconnection.
  let wasDown = false;
  connection.subscribe((current) => {
    if (current.status === 'reconnecting') wasDown = true;
    else if (current.status === 'online' && wasDown) {
      wasDown = false;
      void refresh();
    }
  }, signal);
}

/** The calm line that says what changed, with "Đã xem". Hidden until
 * `show` is given some changes; "Đã xem" hides it and clears the marks. */
export function agendaNotice(
  context: ScreenContext,
  meetingId: string,
  onSeen: () => void,
): {
  element: HTMLElement;
  show(changes: readonly AgendaChange[], action?: { label: string; run: () => void }): void;
} {
  const { t } = context;
  const text = h('span', { className: 'agenda-notice-text' });
  const actionSlot = h('span', { className: 'agenda-notice-action' });
  const element = h(
    'div',
    { className: 'agenda-notice', attrs: { role: 'status', 'aria-live': 'polite' } },
    text,
    actionSlot,
    h(
      'button',
      {
        className: 'button button-small',
        attrs: { type: 'button' },
        on: {
          click: () => {
            element.hidden = true;
            changeMarks.seenAll(meetingId);
            onSeen();
          },
        },
      },
      t('changes.seen'),
    ),
  );
  element.hidden = true;
  return {
    element,
    show(changes, action) {
      if (changes.length === 0) return;
      actionSlot.replaceChildren(
        action
          ? h(
              'button',
              {
                className: 'button button-small button-primary',
                attrs: { type: 'button' },
                on: { click: action.run },
              },
              action.label,
            )
          : '',
      );
      const { phrases, more } = noticeParts(changes);
      const said = phrases.map((phrase) => t(phrase.key, phrase.params));
      if (more > 0) said.push(t('changes.more', { count: more }));
      text.textContent = t('changes.notice', { changes: said.join('; ') });
      element.hidden = false;
    },
  };
}
