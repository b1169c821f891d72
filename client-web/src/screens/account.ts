// "Tài khoản của tôi": what every user does with their own account.
// - Change their password. After an administrator set it (a reset, a
//   one-time password) this is the only screen the app shows until the
//   user has chosen their own; the server refuses everything else with
//   `password_change_required` too. Changing it ends the user's other
//   sessions.
// - See their live sessions (device, since when, last active) and end one,
//   say the session left open on a shared tablet.

import { ApiError } from '../api/client';
import { describeUserAgent } from '../console/devices';
import type { SessionInfo } from '../api/types';
import { formatLocalTimestamp } from '../format/format';
import { errorPanel, loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { errorMessage, isAbort, type Screen, type ScreenContext } from './context';

function passwordInput(id: string, autocomplete: string): HTMLInputElement {
  return h('input', {
    className: 'input',
    attrs: { id, name: id, type: 'password', autocomplete, required: true },
  }) as HTMLInputElement;
}

function passwordForm(context: ScreenContext, signal: AbortSignal, onChanged: () => void): HTMLElement {
  const { t } = context;
  const current = passwordInput('account-current', 'current-password');
  const next = passwordInput('account-new', 'new-password');
  const again = passwordInput('account-again', 'new-password');
  const message = h('p', { className: 'form-error', attrs: { role: 'alert', 'aria-live': 'assertive' } });
  message.hidden = true;
  const done = h('p', { className: 'notice', attrs: { role: 'status' } });
  done.hidden = true;
  const submit = h(
    'button',
    { className: 'button button-primary', attrs: { type: 'submit' } },
    t('account.change'),
  );
  const show = (text: string) => {
    message.textContent = text;
    message.hidden = text === '';
  };
  const form = h(
    'form',
    {
      className: 'account-password',
      attrs: { novalidate: true, 'aria-labelledby': 'account-password-title' },
    },
    h('h2', { attrs: { id: 'account-password-title' } }, t('account.passwordTitle')),
    h('label', { className: 'field-label', attrs: { for: 'account-current' } }, t('account.currentPassword')),
    current,
    h('label', { className: 'field-label', attrs: { for: 'account-new' } }, t('account.newPassword')),
    next,
    h('label', { className: 'field-label', attrs: { for: 'account-again' } }, t('account.repeatPassword')),
    again,
    message,
    done,
    submit,
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      done.hidden = true;
      if ([...next.value].length < 8) {
        show(t('account.tooShort'));
        next.focus();
        return;
      }
      if (next.value !== again.value) {
        show(t('account.mismatch'));
        again.focus();
        return;
      }
      show('');
      submit.disabled = true;
      submit.textContent = t('account.changing');
      context.api.changePassword(current.value, next.value).then(
        () => {
          if (signal.aborted) return;
          submit.disabled = false;
          submit.textContent = t('account.change');
          for (const input of [current, next, again]) input.value = '';
          done.textContent = t('account.changed');
          done.hidden = false;
          onChanged();
        },
        (error: unknown) => {
          if (isAbort(error, signal)) return;
          submit.disabled = false;
          submit.textContent = t('account.change');
          if (error instanceof ApiError && error.code === 'invalid_credentials') {
            show(t('account.wrongCurrent'));
            current.select();
            current.focus();
            return;
          }
          if (context.handleCommonError(error)) return;
          show(errorMessage(error, context));
        },
      );
    },
    { signal },
  );
  return form;
}

function sessionsSection(context: ScreenContext, signal: AbortSignal): HTMLElement {
  const { t } = context;
  const list = h('div', {}, loadingMessage(t('common.loading')));
  const status = h('p', { className: 'notice', attrs: { role: 'status' } });
  status.hidden = true;
  const row = (session: SessionInfo): HTMLElement => {
    const end = session.current
      ? h('span', { className: 'badge' }, t('account.thisSession'))
      : h(
          'button',
          {
            className: 'button button-small',
            attrs: { type: 'button' },
            on: {
              click: () => {
                (end as HTMLButtonElement).disabled = true;
                context.api.endSession(session.id).then(
                  () => {
                    if (signal.aborted) return;
                    status.textContent = t('account.ended');
                    status.hidden = false;
                    load();
                  },
                  (error: unknown) => {
                    if (isAbort(error, signal) || context.handleCommonError(error)) return;
                    (end as HTMLButtonElement).disabled = false;
                    status.textContent = errorMessage(error, context);
                    status.hidden = false;
                  },
                );
              },
            },
          },
          t('account.end'),
        );
    return h(
      'li',
      { className: 'card account-session', attrs: { 'data-current': String(session.current) } },
      h(
        'span',
        { className: 'card-title' },
        describeUserAgent(session.user_agent, t, t('account.unknownDevice')),
      ),
      h(
        'span',
        { className: 'card-line muted' },
        t('account.since', { time: formatLocalTimestamp(new Date(session.created_at_ms)) }),
      ),
      session.last_seen_at_ms === null
        ? null
        : h(
            'span',
            { className: 'card-line muted' },
            t('account.lastSeen', { time: formatLocalTimestamp(new Date(session.last_seen_at_ms)) }),
          ),
      h('span', { className: 'card-badges' }, end),
    );
  };
  const load = () => {
    context.api.listSessions().then(
      (sessions) => {
        if (signal.aborted) return;
        list.replaceChildren(h('ul', { className: 'card-list' }, ...sessions.map(row)));
      },
      (error: unknown) => {
        if (isAbort(error, signal) || context.handleCommonError(error)) return;
        list.replaceChildren(
          errorPanel(errorMessage(error, context), { label: t('common.retry'), run: load }),
        );
      },
    );
  };
  load();
  return h(
    'section',
    { className: 'account-sessions', attrs: { 'aria-labelledby': 'account-sessions-title' } },
    h('h2', { attrs: { id: 'account-sessions-title' } }, t('account.sessionsTitle')),
    h('p', { className: 'muted' }, t('account.sessionsIntro')),
    status,
    list,
  );
}

export const accountScreen: Screen = (root, context, signal) => {
  const { t, user } = context;
  if (!user) return;
  const mustChange = user.must_change_password;
  const onChanged = () => {
    // The requirement is lifted: carry on where the user was going.
    if (mustChange) context.loggedIn({ ...user, must_change_password: false });
  };
  root.replaceChildren(
    h(
      'section',
      { className: 'screen screen-account' },
      h('h1', {}, t('account.title')),
      mustChange
        ? h('p', { className: 'notice notice-warning', attrs: { role: 'alert' } }, t('account.mustChange'))
        : null,
      passwordForm(context, signal, onChanged),
      mustChange ? null : sessionsSection(context, signal),
    ),
  );
};
