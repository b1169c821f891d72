// "Quản lý tài khoản" (administrators): every account, searched by name or
// username; adding one, disabling and enabling, changing the role, and
// "Đặt lại mật khẩu". A new account and a reset get a one-time password
// the server makes and answers once: shown here in a dialog, once, and
// the user must choose their own at the first login. Importing a list of
// officials is its own screen (`accountsImport.ts`).

import type { OrgRole, UserAccount } from '../api/types';
import { filterAccounts, orgRoleKey, orgRoles } from '../console/accounts';
import { hrefFor } from '../router/routes';
import { errorPanel, loadingMessage } from '../ui/components';
import { confirmAction } from '../ui/dialog';
import { h } from '../ui/dom';
import { formMessage, textField } from '../ui/forms';
import { errorMessage, isAbort, loadFailureMessage, type Screen, type ScreenContext } from './context';

/** Shows a one-time password in a modal dialog until the administrator
 * says it is written down. */
export function showOneTimePassword(
  context: ScreenContext,
  account: { display_name: string; username: string },
  password: string,
): Promise<void> {
  const { t } = context;
  return new Promise((resolve) => {
    const close = h(
      'button',
      { className: 'button button-primary', attrs: { type: 'button' } },
      t('accounts.oneTimeClose'),
    );
    const dialog = h(
      'dialog',
      { className: 'confirm-dialog one-time-dialog', attrs: { 'aria-labelledby': 'one-time-title' } },
      h(
        'h2',
        { attrs: { id: 'one-time-title' } },
        t('accounts.oneTimeTitle', { name: account.display_name }),
      ),
      h('p', {}, t('accounts.oneTimeIntro', { username: account.username })),
      h('p', { className: 'one-time-password', attrs: { 'data-testid': 'one-time-password' } }, password),
      h('div', { className: 'confirm-actions' }, close),
    );
    const finish = () => {
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve();
    };
    close.addEventListener('click', finish);
    dialog.addEventListener('close', finish);
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
  });
}

function roleSelect(id: string, chosen: OrgRole, context: ScreenContext): HTMLSelectElement {
  const select = h('select', { className: 'input select', attrs: { id } });
  for (const role of orgRoles) {
    const option = h('option', { attrs: { value: role } }, context.t(orgRoleKey(role)));
    option.selected = role === chosen;
    select.append(option);
  }
  return select;
}

export const accountsScreen: Screen = (root, context, signal) => {
  const { t } = context;
  const notice = formMessage();
  const body = h('div', {}, loadingMessage(t('common.loading')));
  const search = h('input', {
    className: 'input',
    attrs: { id: 'accounts-search', type: 'search', autocomplete: 'off' },
  });
  const count = h('p', { className: 'muted', attrs: { 'aria-live': 'polite' } });
  let accounts: UserAccount[] = [];

  // Adding an account: name, username, role; the password is the
  // server's one-time one.
  const name = textField({ id: 'account-name', label: t('accounts.name'), attrs: { maxlength: 200 } });
  const username = textField({
    id: 'account-username',
    label: t('accounts.username'),
    hint: t('accounts.usernameHint'),
    attrs: { maxlength: 64, autocapitalize: 'none', spellcheck: 'false' },
  });
  const newRole = roleSelect('account-role', 'user', context);
  const addMessage = formMessage();
  const addButton = h(
    'button',
    { className: 'button button-primary', attrs: { type: 'submit' } },
    t('accounts.add'),
  );
  const addForm = h(
    'form',
    { className: 'accounts-add', attrs: { novalidate: true } },
    h('h2', {}, t('accounts.addTitle')),
    name.field,
    username.field,
    h(
      'div',
      { className: 'field' },
      h('label', { className: 'field-label', attrs: { for: 'account-role' } }, t('accounts.role')),
      newRole,
    ),
    addMessage.element,
    addButton,
  );

  root.replaceChildren(
    h(
      'section',
      { className: 'screen screen-console' },
      h(
        'a',
        { className: 'back-link', attrs: { href: hrefFor({ screen: 'meetings' }) } },
        `‹ ${t('console.backToMeetings')}`,
      ),
      h(
        'div',
        { className: 'screen-heading' },
        h('h1', {}, t('accounts.title')),
        h(
          'div',
          { className: 'screen-heading-actions' },
          h(
            'a',
            { className: 'button', attrs: { href: hrefFor({ screen: 'accounts_import' }) } },
            t('accounts.import'),
          ),
        ),
      ),
      h('p', { className: 'muted' }, t('accounts.intro')),
      notice.element,
      h(
        'div',
        { className: 'field' },
        h('label', { className: 'field-label', attrs: { for: 'accounts-search' } }, t('accounts.search')),
        search,
      ),
      count,
      body,
      addForm,
    ),
  );

  const failed = (error: unknown, show: (text: string) => void) => {
    if (isAbort(error, signal) || context.handleCommonError(error)) return;
    show(errorMessage(error, context));
  };

  const replaceAccount = (changed: UserAccount) => {
    accounts = accounts.map((account) => (account.id === changed.id ? changed : account));
    draw();
  };

  const row = (account: UserAccount): HTMLElement => {
    const isSelf = account.id === context.user?.id;
    const role = roleSelect(`account-role-${account.id}`, account.role, context);
    role.disabled = isSelf;
    role.setAttribute('aria-label', `${t('accounts.role')}: ${account.display_name}`);
    role.addEventListener('change', () => {
      const chosen = role.value as OrgRole;
      const roleName = t(orgRoleKey(chosen));
      void confirmAction({
        question: t('accounts.roleQuestion', { name: account.display_name, role: roleName }),
        confirmLabel: t('accounts.role'),
        cancelLabel: t('console.cancel'),
      }).then((confirmed) => {
        if (signal.aborted) return;
        if (!confirmed) {
          role.value = account.role;
          return;
        }
        context.api.setUserRole(account.id, chosen).then(
          (changed) => {
            if (signal.aborted) return;
            notice.success(t('accounts.roleDone', { name: account.display_name, role: roleName }));
            replaceAccount(changed);
          },
          (error: unknown) => {
            role.value = account.role;
            failed(error, notice.error);
          },
        );
      });
    });
    const toggle = h(
      'button',
      {
        className: `button ${account.disabled ? '' : 'button-danger'}`,
        attrs: { type: 'button', disabled: isSelf && !account.disabled },
        on: {
          click: () => {
            const disabling = !account.disabled;
            const ask = disabling
              ? confirmAction({
                  question: t('accounts.disableQuestion', { name: account.display_name }),
                  confirmLabel: t('accounts.disable'),
                  cancelLabel: t('console.cancel'),
                  danger: true,
                })
              : Promise.resolve(true);
            void ask.then((confirmed) => {
              if (!confirmed || signal.aborted) return;
              context.api.setUserDisabled(account.id, disabling).then(
                (changed) => {
                  if (signal.aborted) return;
                  notice.success(
                    t(disabling ? 'accounts.disabledDone' : 'accounts.enabledDone', {
                      name: account.display_name,
                    }),
                  );
                  replaceAccount(changed);
                },
                (error: unknown) => failed(error, notice.error),
              );
            });
          },
        },
      },
      account.disabled ? t('accounts.enable') : t('accounts.disable'),
    );
    const reset = h(
      'button',
      {
        className: 'button',
        attrs: { type: 'button' },
        on: {
          click: () => {
            void confirmAction({
              question: t('accounts.resetQuestion', { name: account.display_name }),
              confirmLabel: t('accounts.reset'),
              cancelLabel: t('console.cancel'),
              danger: true,
            }).then((confirmed) => {
              if (!confirmed || signal.aborted) return;
              context.api.resetPassword(account.id).then(
                (password) => {
                  if (signal.aborted) return;
                  notice.clear();
                  void showOneTimePassword(context, account, password);
                },
                (error: unknown) => failed(error, notice.error),
              );
            });
          },
        },
      },
      t('accounts.reset'),
    );
    return h(
      'tr',
      {
        className: account.disabled ? 'account-disabled' : '',
        attrs: { 'data-username': account.username, 'data-user-id': account.id },
      },
      h(
        'td',
        {},
        account.display_name,
        isSelf ? h('span', { className: 'muted' }, ` ${t('accounts.you')}`) : null,
      ),
      h('td', { className: 'account-username' }, account.username),
      h('td', {}, role),
      h(
        'td',
        { className: 'account-state' },
        account.disabled ? t('accounts.disabled') : t('accounts.active'),
      ),
      h(
        'td',
        { className: 'account-actions' },
        toggle,
        reset,
        h(
          'a',
          {
            className: 'button',
            attrs: { href: hrefFor({ screen: 'devices', userId: account.id }) },
          },
          t('accounts.devices'),
        ),
      ),
    );
  };

  function draw(): void {
    const shown = filterAccounts(accounts, search.value);
    count.textContent = t('accounts.count', { shown: shown.length, total: accounts.length });
    if (shown.length === 0) {
      body.replaceChildren(h('p', { className: 'empty' }, t('accounts.noMatch')));
      return;
    }
    body.replaceChildren(
      h(
        'div',
        { className: 'table-scroll' },
        h(
          'table',
          { className: 'audit-table accounts-table' },
          h('caption', { className: 'visually-hidden' }, t('accounts.title')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { attrs: { scope: 'col' } }, t('accounts.name')),
              h('th', { attrs: { scope: 'col' } }, t('accounts.username')),
              h('th', { attrs: { scope: 'col' } }, t('accounts.role')),
              h('th', { attrs: { scope: 'col' } }, t('accounts.state')),
              h('th', { attrs: { scope: 'col' } }, t('accounts.actions')),
            ),
          ),
          h('tbody', {}, ...shown.map(row)),
        ),
      ),
    );
  }

  search.addEventListener('input', draw);

  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const displayName = name.input.value.trim();
    const login = username.input.value.trim();
    if (displayName === '' || login === '') {
      addMessage.error(t('accounts.missingFields'));
      return;
    }
    addButton.disabled = true;
    addButton.textContent = t('accounts.adding');
    context.api
      .createUser({ display_name: displayName, username: login, role: newRole.value as OrgRole })
      .then(
        (created) => {
          if (signal.aborted) return;
          addButton.disabled = false;
          addButton.textContent = t('accounts.add');
          addMessage.clear();
          name.input.value = '';
          username.input.value = '';
          const { one_time_password: password, ...account } = created;
          accounts = [...accounts, account];
          draw();
          if (password !== null) void showOneTimePassword(context, account, password);
        },
        (error: unknown) => {
          addButton.disabled = false;
          addButton.textContent = t('accounts.add');
          failed(error, addMessage.error);
        },
      );
  });

  const load = () => {
    body.replaceChildren(loadingMessage(t('common.loading')));
    context.api.listUsers().then(
      (list) => {
        if (signal.aborted) return;
        accounts = list;
        draw();
      },
      (error: unknown) => {
        if (isAbort(error, signal) || context.handleCommonError(error)) return;
        body.replaceChildren(
          errorPanel(loadFailureMessage(error, context), { label: t('common.retry'), run: load }),
        );
      },
    );
  };
  load();
};
