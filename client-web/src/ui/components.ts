// Small pieces of UI used by more than one screen.

import type { MeetingRole, MeetingState } from '../api/types';
import { formatLocalTimestamp } from '../format/format';
import type { MessageKey } from '../i18n/i18n';
import { packStatus, type PackProgress } from '../offline/documentPack';
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

/** The line that says a screen shows saved data because the server cannot
 * be reached: "Mất kết nối — đang hiển thị dữ liệu đã lưu lúc …". */
export function savedDataBanner(savedAt: number, t: Translate): HTMLElement {
  return h(
    'p',
    { className: 'saved-banner', attrs: { role: 'status' } },
    t('offline.savedData', { time: formatLocalTimestamp(new Date(savedAt)) }),
  );
}

/** Fills `line` with the agenda pack's download status ("Đã tải 7/12 tài
 * liệu", "Đã tải xong…"), or hides it when there is nothing to keep. The
 * `data-pack-state` attribute says `downloading`, `complete` or
 * `incomplete`, for styling and tests. */
export function showPackStatus(line: HTMLElement, progress: PackProgress | undefined, t: Translate): void {
  const status = progress ? packStatus(progress) : null;
  if (!progress || !status) {
    line.hidden = true;
    line.textContent = '';
    delete line.dataset['packState'];
    return;
  }
  line.hidden = false;
  line.textContent = t(status.key, status.params);
  line.dataset['packState'] =
    progress.done >= progress.total ? 'complete' : progress.running ? 'downloading' : 'incomplete';
}
