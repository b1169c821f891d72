// Screen 1, đăng nhập: username and password, and the server's own
// message when they are refused.

import { isUnreachable } from '../offline/savedData';
import { h } from '../ui/dom';
import { errorMessage, isAbort, type Screen } from './context';

export const loginScreen: Screen = (root, context, signal) => {
  const { t } = context;
  const username = h('input', {
    className: 'input',
    attrs: {
      id: 'login-username',
      name: 'username',
      type: 'text',
      autocomplete: 'username',
      autocapitalize: 'none',
      autocorrect: 'off',
      spellcheck: 'false',
      required: true,
    },
  });
  const password = h('input', {
    className: 'input',
    attrs: {
      id: 'login-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    },
  });
  const message = h('p', { className: 'form-error', attrs: { role: 'alert', 'aria-live': 'assertive' } });
  const submit = h(
    'button',
    { className: 'button button-primary button-wide', attrs: { type: 'submit' } },
    t('login.submit'),
  );

  const showError = (text: string) => {
    message.textContent = text;
    message.hidden = text === '';
  };
  // Logging in is the one thing that always needs the server.
  showError(context.loginNotice ?? (navigator.onLine ? '' : t('offline.loginNeedsNetwork')));

  const form = h(
    'form',
    { className: 'login-form', attrs: { novalidate: true, 'aria-labelledby': 'login-title' } },
    h('h1', { attrs: { id: 'login-title' } }, t('login.title')),
    h('p', { className: 'muted' }, t('login.intro')),
    h('label', { className: 'field-label', attrs: { for: 'login-username' } }, t('login.username')),
    username,
    h('label', { className: 'field-label', attrs: { for: 'login-password' } }, t('login.password')),
    password,
    message,
    submit,
  );

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      const name = username.value.trim();
      if (name === '' || password.value === '') {
        showError(t('login.missingFields'));
        (name === '' ? username : password).focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t('login.submitting');
      showError('');
      context.api.login(name, password.value).then(
        (user) => {
          if (!signal.aborted) context.loggedIn(user);
        },
        (error: unknown) => {
          if (isAbort(error, signal)) return;
          submit.disabled = false;
          submit.textContent = t('login.submit');
          showError(isUnreachable(error) ? t('offline.loginNeedsNetwork') : errorMessage(error, context));
          password.select();
          password.focus();
        },
      );
    },
    { signal },
  );

  root.replaceChildren(h('section', { className: 'screen screen-login' }, form));
  username.focus();
};
