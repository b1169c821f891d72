// The secretary's console for one meeting ("Chuẩn bị cuộc họp"): its
// details, the meeting rules (quorum, what a vote needs to pass),
// participants, agenda and documents, the state changes (publish, start,
// close, cancel, each confirmed first) and the audit log.
//
// Editing always needs the server: unlike the delegate's screens, this
// one shows no saved data, so nobody edits a stale copy.

import type { Meeting } from '../api/types';
import { isEditable, lifecycleButtons } from '../console/lifecycle';
import { meetingChanges, fieldsOf } from '../console/meetingForm';
import { canPrepareMeeting, canReadAudit } from '../console/permissions';
import { hasConfidentialDocuments } from '../offline/documentPack';
import { hrefFor } from '../router/routes';
import { errorPanel, loadingMessage, meetingStateBadge } from '../ui/components';
import { confirmAction } from '../ui/dialog';
import { h, replaceChildren } from '../ui/dom';
import { formMessage, type FormMessage } from '../ui/forms';
import { openLiveSession } from '../live/delegatePanel';
import { agendaNotice, followAgenda } from './agendaFollow';
import { errorMessage, isAbort, loadFailureMessage, type Screen } from './context';
import { agendaEditorSection } from './editor/agendaEditor';
import type { EditorHandle } from './editor/editorHandle';
import { meetingDetailsForm } from './editor/meetingDetails';
import { participantsSection } from './editor/participants';
import { rulesSection } from './editor/rulesSection';
import { recordExportButton, recordSignButton } from './recordExport';

export const meetingEditorScreen =
  (meetingId: string): Screen =>
  (root, context, signal) => {
    const { t } = context;
    const back = h(
      'a',
      { className: 'back-link', attrs: { href: hrefFor({ screen: 'meetings' }) } },
      `‹ ${t('console.backToMeetings')}`,
    );
    const body = h('div', {}, loadingMessage(t('common.loading')));
    root.replaceChildren(h('section', { className: 'screen screen-console' }, back, body));

    let meeting: Meeting;
    /** Answers older than the newest request are ignored. */
    let refreshCount = 0;

    const headerSlot = h('div');
    const lifecycleMessage = formMessage();
    const detailsSlot = h('div');

    const handle: EditorHandle = {
      context,
      signal,
      meeting: () => meeting,
      editable: () => isEditable(meeting.state),
      replaceMeeting(next) {
        const stateChanged = next.state !== meeting.state;
        meeting = next;
        context.meetingCache.set(next.id, next);
        renderHeader();
        if (stateChanged) {
          renderDetails();
          rules.render();
          participants.render();
        }
        agenda.render();
      },
      async refresh() {
        const mine = ++refreshCount;
        try {
          const next = await context.api.getMeeting(meetingId);
          if (mine === refreshCount && !signal.aborted) handle.replaceMeeting(next);
        } catch (error) {
          handle.fail(error, lifecycleMessage);
        }
      },
      fail(error: unknown, message: FormMessage) {
        if (isAbort(error, signal) || context.handleCommonError(error)) return;
        message.error(errorMessage(error, context));
      },
    };
    const participants = participantsSection(handle);
    const agenda = agendaEditorSection(handle);
    const rules = rulesSection(handle);

    const changeState = async (button: ReturnType<typeof lifecycleButtons>[number]) => {
      const confirmed = await confirmAction({
        question: t(button.question),
        confirmLabel: t(button.label),
        cancelLabel: t('lifecycle.keep'),
        danger: button.tone === 'danger',
      });
      if (!confirmed || signal.aborted) return;
      context.api.changeMeetingState(meetingId, button.action).then(
        (next) => {
          handle.replaceMeeting(next);
          lifecycleMessage.success(t('console.saved'));
        },
        (error: unknown) => handle.fail(error, lifecycleMessage),
      );
    };

    function renderHeader() {
      const buttons = lifecycleButtons(meeting.state).map((button) =>
        h(
          'button',
          {
            className: `button ${button.tone === 'danger' ? 'button-danger-quiet' : 'button-primary'}`,
            attrs: { type: 'button', 'data-lifecycle': button.action },
            on: { click: () => void changeState(button) },
            signal,
          },
          t(button.label),
        ),
      );
      replaceChildren(
        headerSlot,
        h(
          'div',
          { className: 'meeting-header' },
          h('h1', {}, meeting.title),
          meetingStateBadge(meeting.state, t),
        ),
        h(
          'div',
          { className: 'console-actions' },
          h(
            'div',
            { className: 'toolbar-group' },
            canReadAudit(context.user, meeting)
              ? h(
                  'a',
                  { className: 'button', attrs: { href: hrefFor({ screen: 'meeting_audit', meetingId }) } },
                  t('console.audit'),
                )
              : null,
            canReadAudit(context.user, meeting) && hasConfidentialDocuments(meeting)
              ? h(
                  'a',
                  { className: 'button', attrs: { href: hrefFor({ screen: 'document_reads', meetingId }) } },
                  t('console.reads'),
                )
              : null,
            recordExportButton(meeting, context, signal),
            recordSignButton(meeting, context, signal),
          ),
          h('div', { className: 'toolbar-group lifecycle-buttons' }, ...buttons),
        ),
        lifecycleMessage.element,
        isEditable(meeting.state) ? null : h('p', { className: 'read-only-notice' }, t('console.readOnly')),
      );
    }

    function renderDetails() {
      const details = meetingDetailsForm({
        idPrefix: 'meeting',
        initial: fieldsOf(meeting),
        submitLabel: t('meetingForm.saveDetails'),
        t,
        signal,
        onSubmit(form) {
          const checked = meetingChanges(meeting, form.values());
          if (!checked.ok) {
            form.showProblem(checked.problem.field, t(checked.problem.message));
            return;
          }
          if (Object.keys(checked.request).length === 0) {
            form.message.success(t('meetingForm.nothingChanged'));
            return;
          }
          form.setBusy(true, t('console.saving'));
          context.api.updateMeeting(meetingId, checked.request).then(
            (next) => {
              form.setBusy(false);
              handle.replaceMeeting(next);
              form.message.success(t('console.saved'));
            },
            (error: unknown) => {
              form.setBusy(false);
              handle.fail(error, form.message);
            },
          );
        },
      });
      details.setDisabled(!isEditable(meeting.state));
      detailsSlot.replaceChildren(
        h(
          'section',
          { className: 'editor-section', attrs: { 'aria-labelledby': 'details-title' } },
          h('h2', { attrs: { id: 'details-title' } }, t('meetingForm.details')),
          details.form,
        ),
      );
    }

    const load = () => {
      body.replaceChildren(loadingMessage(t('common.loading')));
      context.api
        .getMeeting(meetingId)
        .then(async (loaded) => {
          if (signal.aborted) return;
          if (!canPrepareMeeting(context.user, loaded)) {
            body.replaceChildren(errorPanel(t('console.notAllowed')));
            return;
          }
          meeting = loaded;
          await participants.load();
          if (signal.aborted) return;
          renderHeader();
          renderDetails();
          rules.render();
          agenda.render();
          const notice = agendaNotice(context, meetingId, () => agenda.render());
          body.replaceChildren(
            notice.element,
            headerSlot,
            detailsSlot,
            rules.element,
            participants.element,
            agenda.element,
          );
          // Another secretary's edits (or the same secretary's in another
          // tab) show here with no reload, with the same notice the
          // delegates get.
          if (loaded.my_role) {
            followAgenda({
              connection: openLiveSession(meetingId, context).connection,
              context,
              meetingId,
              shown: () => meeting,
              onChange: (fresh, changes) => {
                handle.replaceMeeting(fresh);
                notice.show(changes);
              },
              signal,
            });
          }
        })
        .catch((error: unknown) => {
          if (isAbort(error, signal) || context.handleCommonError(error)) return;
          body.replaceChildren(
            errorPanel(loadFailureMessage(error, context), { label: t('common.retry'), run: load }),
          );
        });
    };
    load();
  };
