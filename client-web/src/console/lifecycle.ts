// The meeting's state machine as buttons: which state changes the console
// offers in each state, how each is worded and confirmed.
//
// It mirrors the server's rule (draft → published → in_session → closed;
// draft or published → cancelled) so that the console never offers a
// change the server would refuse with `conflict`.

import type { MeetingAction, MeetingState } from '../api/types';
import type { MessageKey } from '../i18n/i18n';

export interface LifecycleButton {
  action: MeetingAction;
  /** The state the meeting is in afterwards. */
  target: MeetingState;
  label: MessageKey;
  /** The question the confirmation asks. */
  question: MessageKey;
  /** `primary` is the one obvious next step; `danger` cannot be undone. */
  tone: 'primary' | 'danger';
}

const publish: LifecycleButton = {
  action: 'publish',
  target: 'published',
  label: 'lifecycle.publish',
  question: 'lifecycle.confirmPublish',
  tone: 'primary',
};
const start: LifecycleButton = {
  action: 'start',
  target: 'in_session',
  label: 'lifecycle.start',
  question: 'lifecycle.confirmStart',
  tone: 'primary',
};
const close: LifecycleButton = {
  action: 'close',
  target: 'closed',
  label: 'lifecycle.close',
  question: 'lifecycle.confirmClose',
  tone: 'primary',
};
const cancel: LifecycleButton = {
  action: 'cancel',
  target: 'cancelled',
  label: 'lifecycle.cancel',
  question: 'lifecycle.confirmCancel',
  tone: 'danger',
};

/** The state changes allowed from `state`, the forward step first. */
export function lifecycleButtons(state: MeetingState): LifecycleButton[] {
  switch (state) {
    case 'draft':
      return [publish, cancel];
    case 'published':
      return [start, cancel];
    case 'in_session':
      return [close];
    case 'closed':
    case 'cancelled':
      return [];
  }
}

/** Whether details, participants, agenda and documents may still change. */
export function isEditable(state: MeetingState): boolean {
  return state !== 'closed' && state !== 'cancelled';
}
