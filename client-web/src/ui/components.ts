// Small pieces of UI used by more than one screen.

import type { MeetingRole, MeetingState } from '../api/types';
import type { MessageKey } from '../i18n/i18n';
import { h } from './dom';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A busy line shown while something loads. */
export function loadingMessage(text: string): HTMLElement {
  return h('p', { className: 'loading', attrs: { role: 'status', 'aria-live': 'polite' } }, text);
}

/** A plain error message with the one action that may fix it. */
export function errorPanel(message: string, action?: { label: string; run: () => void }): HTMLElement {
  return h(
    'div',
    { className: 'error-panel', attrs: { role: 'alert' } },
    h('p', {}, message),
    action
      ? h(
          'button',
          { className: 'button button-primary', attrs: { type: 'button' }, on: { click: action.run } },
          action.label,
        )
      : null,
  );
}

/** The "Mật" badge of a confidential document. */
export function confidentialBadge(t: Translate): HTMLElement {
  return h('span', { className: 'badge badge-confidential' }, t('document.confidential'));
}

export function meetingStateBadge(state: MeetingState, t: Translate): HTMLElement {
  return h('span', { className: `badge badge-state badge-state-${state}` }, t(`state.${state}`));
}

export function meetingRoleLabel(role: MeetingRole, t: Translate): string {
  return t(`role.${role}`);
}
