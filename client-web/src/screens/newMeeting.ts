// "Tạo cuộc họp": a new meeting's details. The meeting is created as a
// draft with the creator as its secretary, and the console opens on it to
// add participants, the agenda and documents.

import { canCreateMeetings } from '../console/permissions';
import { checkNewMeeting, type MeetingFields } from '../console/meetingForm';
import { hrefFor } from '../router/routes';
import { errorPanel } from '../ui/components';
import { h } from '../ui/dom';
import { errorMessage, isAbort, type Screen } from './context';
import { meetingDetailsForm } from './editor/meetingDetails';

/** Tomorrow at 08:00, the most common choice, on the tablet's calendar. */
function defaultFields(now: Date): MeetingFields {
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const two = (value: number) => String(value).padStart(2, '0');
  return {
    title: '',
    date: `${tomorrow.getFullYear()}-${two(tomorrow.getMonth() + 1)}-${two(tomorrow.getDate())}`,
    time: '08:00',
    place: '',
    videoLink: '',
  };
}

export const newMeetingScreen: Screen = (root, context, signal) => {
  const { t } = context;
  const back = h(
    'a',
    { className: 'back-link', attrs: { href: hrefFor({ screen: 'meetings' }) } },
    `‹ ${t('console.backToMeetings')}`,
  );
  if (!canCreateMeetings(context.user)) {
    root.replaceChildren(h('section', { className: 'screen' }, back, errorPanel(t('console.notAllowed'))));
    return;
  }
  const details = meetingDetailsForm({
    idPrefix: 'new-meeting',
    initial: defaultFields(new Date()),
    submitLabel: t('meetingForm.create'),
    t,
    signal,
    onSubmit(form) {
      const checked = checkNewMeeting(form.values());
      if (!checked.ok) {
        form.showProblem(checked.problem.field, t(checked.problem.message));
        return;
      }
      form.setBusy(true, t('meetingForm.creating'));
      form.message.clear();
      context.api.createMeeting(checked.request).then(
        (meeting) => {
          if (signal.aborted) return;
          context.meetingCache.set(meeting.id, meeting);
          context.navigate({ screen: 'edit_meeting', meetingId: meeting.id });
        },
        (error: unknown) => {
          if (isAbort(error, signal) || context.handleCommonError(error)) return;
          form.setBusy(false);
          form.message.error(errorMessage(error, context));
        },
      );
    },
  });
  root.replaceChildren(
    h(
      'section',
      { className: 'screen screen-console' },
      back,
      h('h1', {}, t('console.createMeeting')),
      h('p', { className: 'muted' }, t('meetingForm.intro')),
      h('div', { className: 'panel' }, details.form),
    ),
  );
  details.form.querySelector('input')?.focus();
};
