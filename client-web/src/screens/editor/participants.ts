// Participants (thành phần tham dự) in the meeting editor: who is in the
// meeting with which role, changing a role, removing someone, and adding
// accounts picked from the server's list.

import type { MeetingRole, Participant, UserAccount } from '../../api/types';
import { addableAccounts, meetingRoles } from '../../console/participants';
import { canPickAccounts } from '../../console/permissions';
import { meetingRoleLabel } from '../../ui/components';
import { confirmAction } from '../../ui/dialog';
import { h } from '../../ui/dom';
import { formMessage } from '../../ui/forms';
import type { EditorHandle } from './editorHandle';

export interface ParticipantsSection {
  element: HTMLElement;
  /** Loads participants (and the accounts to pick from) and redraws. */
  load(): Promise<void>;
  render(): void;
}

export function participantsSection(editor: EditorHandle): ParticipantsSection {
  const { context, signal } = editor;
  const { t } = context;
  let participants: Participant[] = [];
  /** `null` when this user may not list accounts (a chair who is a plain user). */
  let accounts: UserAccount[] | null = null;
  const message = formMessage();
  const list = h('ul', { className: 'participant-list' });
  const addSlot = h('div');
  const element = h(
    'section',
    { className: 'editor-section', attrs: { 'aria-labelledby': 'participants-title' } },
    h('h2', { attrs: { id: 'participants-title' } }, t('participants.title')),
    message.element,
    list,
    addSlot,
  );

  const roleSelect = (id: string, value: MeetingRole, label: string, disabled: boolean) => {
    const select = h('select', { className: 'input select', attrs: { id, 'aria-label': label, disabled } });
    for (const role of meetingRoles) {
      const option = h('option', { attrs: { value: role } }, meetingRoleLabel(role, t));
      option.selected = role === value;
      select.append(option);
    }
    return select;
  };

  const reloadParticipants = async () => {
    participants = await context.api.listParticipants(editor.meeting().id);
    render();
  };

  const participantRow = (participant: Participant) => {
    const isSelf = participant.user_id === context.user?.id;
    const locked = !editor.editable() || isSelf;
    const select = roleSelect(
      `role-${participant.user_id}`,
      participant.role,
      t('participants.roleOf', { name: participant.display_name }),
      locked,
    );
    select.addEventListener(
      'change',
      () => {
        const role = select.value as MeetingRole;
        select.disabled = true;
        context.api.setParticipant(editor.meeting().id, participant.user_id, role).then(
          () => reloadParticipants().then(() => message.success(t('console.saved'))),
          (error: unknown) => {
            select.value = participant.role;
            select.disabled = false;
            editor.fail(error, message);
          },
        );
      },
      { signal },
    );
    const remove = isSelf
      ? null
      : h(
          'button',
          {
            className: 'button button-small button-danger-quiet',
            attrs: {
              type: 'button',
              disabled: !editor.editable(),
              'aria-label': t('participants.removeLabel', { name: participant.display_name }),
            },
            on: {
              click: async () => {
                const confirmed = await confirmAction({
                  question: t('participants.confirmRemove', { name: participant.display_name }),
                  confirmLabel: t('participants.remove'),
                  cancelLabel: t('console.no'),
                  danger: true,
                });
                if (!confirmed || signal.aborted) return;
                context.api.removeParticipant(editor.meeting().id, participant.user_id).then(
                  () => reloadParticipants().then(() => message.success(t('console.saved'))),
                  (error: unknown) => editor.fail(error, message),
                );
              },
            },
            signal,
          },
          t('participants.remove'),
        );
    return h(
      'li',
      { className: 'participant', attrs: { 'data-user-id': participant.user_id } },
      h(
        'span',
        { className: 'participant-name' },
        h('strong', {}, participant.display_name),
        h(
          'span',
          { className: 'muted' },
          ` ${participant.username}${isSelf ? ` ${t('participants.you')}` : ''}`,
        ),
      ),
      select,
      remove,
    );
  };

  const addForm = () => {
    if (!editor.editable()) return null;
    if (accounts === null) return h('p', { className: 'muted' }, t('participants.accountsUnavailable'));
    const choices = addableAccounts(accounts, participants);
    const account = h('select', { className: 'input select', attrs: { id: 'add-participant-account' } });
    account.append(h('option', { attrs: { value: '' } }, t('participants.chooseAccount')));
    for (const choice of choices) {
      account.append(
        h('option', { attrs: { value: choice.id } }, `${choice.display_name} (${choice.username})`),
      );
    }
    const role = roleSelect('add-participant-role', 'delegate', t('participants.role'), false);
    role.removeAttribute('aria-label');
    const submit = h(
      'button',
      { className: 'button button-primary', attrs: { type: 'submit' } },
      t('participants.add'),
    );
    const form = h(
      'form',
      { className: 'add-participant', attrs: { novalidate: true } },
      h(
        'div',
        { className: 'field' },
        h(
          'label',
          { className: 'field-label', attrs: { for: 'add-participant-account' } },
          t('participants.account'),
        ),
        account,
      ),
      h(
        'div',
        { className: 'field' },
        h(
          'label',
          { className: 'field-label', attrs: { for: 'add-participant-role' } },
          t('participants.role'),
        ),
        role,
      ),
      submit,
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        if (account.value === '') {
          message.error(t('participants.noAccountChosen'));
          account.focus();
          return;
        }
        submit.disabled = true;
        context.api.setParticipant(editor.meeting().id, account.value, role.value as MeetingRole).then(
          () => reloadParticipants().then(() => message.success(t('console.saved'))),
          (error: unknown) => {
            submit.disabled = false;
            editor.fail(error, message);
          },
        );
      },
      { signal },
    );
    return form;
  };

  function render() {
    list.replaceChildren(...participants.map(participantRow));
    if (participants.length === 0) list.append(h('li', { className: 'empty' }, t('participants.empty')));
    const form = addForm();
    addSlot.replaceChildren(...(form ? [form] : []));
  }

  return {
    element,
    render,
    async load() {
      const meetingId = editor.meeting().id;
      const [loadedParticipants, loadedAccounts] = await Promise.all([
        context.api.listParticipants(meetingId),
        canPickAccounts(context.user) ? context.api.listUsers().catch(() => null) : Promise.resolve(null),
      ]);
      participants = loadedParticipants;
      accounts = loadedAccounts;
      render();
    },
  };
}
