// "Nhập danh sách cán bộ" (administrators): choose a CSV or XLSX file, see
// what each row would become and what is wrong with which row (the
// server's preview; nothing changes), fix the file and choose it again,
// then "Nhập": every account in one transaction, or none. The one-time
// passwords of the new accounts are shown once, here, with a CSV file of
// them to download and the page to print.

import { ApiError } from '../api/client';
import type { ImportPreview, ImportResult } from '../api/types';
import { importReadiness, oneTimePasswordsCsv, orgRoleKey } from '../console/accounts';
import { hrefFor } from '../router/routes';
import { loadingMessage } from '../ui/components';
import { h } from '../ui/dom';
import { formMessage } from '../ui/forms';
import { errorMessage, isAbort, type Screen, type ScreenContext } from './context';

function previewTable(preview: ImportPreview, context: ScreenContext): HTMLElement {
  const { t } = context;
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'audit-table import-table' },
      h('caption', { className: 'visually-hidden' }, t('import.title')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'col' } }, t('import.line')),
          h('th', { attrs: { scope: 'col' } }, t('accounts.name')),
          h('th', { attrs: { scope: 'col' } }, t('accounts.username')),
          h('th', { attrs: { scope: 'col' } }, t('accounts.role')),
          h('th', { attrs: { scope: 'col' } }, t('import.errors')),
        ),
      ),
      h(
        'tbody',
        {},
        ...preview.rows.map((row) =>
          h(
            'tr',
            {
              className: row.errors.length > 0 ? 'import-row-bad' : '',
              attrs: { 'data-line': row.line, 'data-bad': row.errors.length > 0 ? 'true' : 'false' },
            },
            h('td', {}, String(row.line)),
            h('td', {}, row.display_name),
            h('td', {}, row.username),
            h('td', {}, row.role === null ? '—' : t(orgRoleKey(row.role))),
            h(
              'td',
              { className: 'import-row-errors' },
              row.errors.length === 0
                ? t('import.rowOk')
                : row.errors.map((error) => error.message).join(' '),
            ),
          ),
        ),
      ),
    ),
  );
}

function resultPanel(result: ImportResult, context: ScreenContext, again: () => void): HTMLElement {
  const { t } = context;
  const download = h(
    'button',
    {
      className: 'button button-primary',
      attrs: { type: 'button' },
      on: {
        click: () => {
          const csv = oneTimePasswordsCsv(result.accounts, {
            name: t('accounts.name'),
            username: t('accounts.username'),
            password: t('import.password'),
          });
          const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
          const link = h('a', { attrs: { href: url, download: t('import.fileName') } });
          document.body.append(link);
          link.click();
          link.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
        },
      },
    },
    t('import.download'),
  );
  return h(
    'div',
    { className: 'import-result', attrs: { 'data-testid': 'import-result', 'aria-live': 'polite' } },
    h('h2', {}, t('import.doneTitle', { count: result.accounts.length })),
    h('p', {}, t('import.doneIntro')),
    h(
      'div',
      { className: 'screen-heading-actions' },
      download,
      h(
        'button',
        { className: 'button', attrs: { type: 'button' }, on: { click: () => window.print() } },
        t('import.print'),
      ),
      h(
        'button',
        { className: 'button button-quiet', attrs: { type: 'button' }, on: { click: again } },
        t('import.another'),
      ),
    ),
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'audit-table import-passwords' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { attrs: { scope: 'col' } }, t('accounts.name')),
            h('th', { attrs: { scope: 'col' } }, t('accounts.username')),
            h('th', { attrs: { scope: 'col' } }, t('import.password')),
          ),
        ),
        h(
          'tbody',
          {},
          ...result.accounts.map((account) =>
            h(
              'tr',
              { attrs: { 'data-username': account.username } },
              h('td', {}, account.display_name),
              h('td', {}, account.username),
              h('td', { className: 'one-time-password' }, account.one_time_password),
            ),
          ),
        ),
      ),
    ),
  );
}

export const accountsImportScreen: Screen = (root, context, signal) => {
  const { t } = context;
  const input = h('input', {
    className: 'input',
    attrs: {
      id: 'import-file',
      type: 'file',
      accept: '.xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    },
  });
  const message = formMessage();
  const body = h('div', {});
  const chooser = h(
    'div',
    { className: 'field' },
    h('label', { className: 'field-label', attrs: { for: 'import-file' } }, t('import.file')),
    input,
  );
  root.replaceChildren(
    h(
      'section',
      { className: 'screen screen-console' },
      h(
        'a',
        { className: 'back-link', attrs: { href: hrefFor({ screen: 'accounts' }) } },
        `‹ ${t('import.back')}`,
      ),
      h('h1', {}, t('import.title')),
      h('p', { className: 'muted' }, t('import.intro')),
      chooser,
      message.element,
      body,
    ),
  );

  const failed = (error: unknown) => {
    if (isAbort(error, signal) || context.handleCommonError(error)) return;
    body.replaceChildren();
    message.error(errorMessage(error, context));
  };

  const commit = (file: File, button: HTMLButtonElement) => {
    button.disabled = true;
    button.textContent = t('import.committing');
    context.api.importUsers(file).then(
      (result) => {
        if (signal.aborted) return;
        message.clear();
        chooser.hidden = true;
        body.replaceChildren(
          resultPanel(result, context, () => {
            chooser.hidden = false;
            body.replaceChildren();
          }),
        );
      },
      (error: unknown) => {
        // The list changed under us (a username taken meanwhile): show
        // the preview again, which says which row.
        if (
          error instanceof ApiError &&
          (error.code === 'import_rows_invalid' || error.code === 'conflict')
        ) {
          if (signal.aborted) return;
          message.error(error.message);
          preview(file, false);
          return;
        }
        failed(error);
        button.disabled = false;
      },
    );
  };

  const preview = (file: File, clearMessage = true) => {
    if (clearMessage) message.clear();
    body.replaceChildren(loadingMessage(t('import.reading')));
    context.api.previewImport(file).then((answer) => {
      if (signal.aborted) return;
      const readiness = importReadiness(answer);
      const parts: HTMLElement[] = [];
      if (answer.ignored_columns.length > 0)
        parts.push(
          h('p', { className: 'muted' }, t('import.ignored', { columns: answer.ignored_columns.join(', ') })),
        );
      switch (readiness.kind) {
        case 'empty':
          parts.push(
            h(
              'p',
              { className: 'form-message form-message-error', attrs: { role: 'alert' } },
              t('import.empty'),
            ),
          );
          break;
        case 'has_errors':
          parts.push(
            h(
              'p',
              { className: 'form-message form-message-error import-summary', attrs: { role: 'alert' } },
              t('import.hasErrors', { bad: readiness.bad, rows: readiness.rows }),
            ),
          );
          break;
        case 'ready': {
          const button = h(
            'button',
            { className: 'button button-primary', attrs: { type: 'button' } },
            t('import.commit', { rows: readiness.rows }),
          );
          button.addEventListener('click', () => commit(file, button));
          parts.push(
            h(
              'p',
              { className: 'form-message form-message-success import-summary', attrs: { role: 'status' } },
              t('import.ready', { rows: readiness.rows }),
            ),
            button,
          );
          break;
        }
      }
      if (answer.rows.length > 0) parts.push(previewTable(answer, context));
      body.replaceChildren(...parts);
    }, failed);
  };

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    // Cleared so that choosing the same (fixed) file again is a change.
    input.value = '';
    if (file) preview(file);
  });
};
