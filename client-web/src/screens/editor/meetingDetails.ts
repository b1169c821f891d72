// The meeting details form (title, date, time, place, video link), used
// both to create a meeting and to edit one.

import type { MeetingField, MeetingFields } from '../../console/meetingForm';
import type { MessageKey, MessageParams } from '../../i18n/i18n';
import { h } from '../../ui/dom';
import { formMessage, textField, type FormMessage } from '../../ui/forms';

export interface MeetingDetailsForm {
  form: HTMLFormElement;
  message: FormMessage;
  values(): MeetingFields;
  /** Shows a problem under the form and puts the cursor in its field. */
  showProblem(field: MeetingField, text: string): void;
  setBusy(busy: boolean, label?: string): void;
  setDisabled(disabled: boolean): void;
}

export function meetingDetailsForm(options: {
  idPrefix: string;
  initial: MeetingFields;
  submitLabel: string;
  t: (key: MessageKey, params?: MessageParams) => string;
  onSubmit(form: MeetingDetailsForm): void;
  signal: AbortSignal;
}): MeetingDetailsForm {
  const { t, idPrefix, initial } = options;
  const title = textField({
    id: `${idPrefix}-title`,
    label: t('meetingForm.title'),
    value: initial.title,
    attrs: { maxlength: 300 },
  });
  const date = textField({
    id: `${idPrefix}-date`,
    label: t('meetingForm.date'),
    value: initial.date,
    type: 'date',
  });
  const time = textField({
    id: `${idPrefix}-time`,
    label: t('meetingForm.time'),
    value: initial.time,
    type: 'time',
  });
  const place = textField({
    id: `${idPrefix}-place`,
    label: t('meetingForm.place'),
    value: initial.place,
    attrs: { maxlength: 300 },
  });
  const videoLink = textField({
    id: `${idPrefix}-video`,
    label: t('meetingForm.videoLink'),
    value: initial.videoLink,
    type: 'url',
    hint: t('meetingForm.videoLinkHint'),
    attrs: { inputmode: 'url', spellcheck: 'false' },
  });
  const inputs: Record<MeetingField, HTMLInputElement> = {
    title: title.input,
    date: date.input,
    time: time.input,
    place: place.input,
    videoLink: videoLink.input,
  };
  const message = formMessage();
  const submit = h(
    'button',
    { className: 'button button-primary', attrs: { type: 'submit' } },
    options.submitLabel,
  );
  const form = h(
    'form',
    { className: 'details-form', attrs: { novalidate: true } },
    title.field,
    h('div', { className: 'field-row' }, date.field, time.field),
    place.field,
    videoLink.field,
    message.element,
    h('div', { className: 'form-actions' }, submit),
  );
  const api: MeetingDetailsForm = {
    form,
    message,
    values: () => ({
      title: inputs.title.value,
      date: inputs.date.value,
      time: inputs.time.value,
      place: inputs.place.value,
      videoLink: inputs.videoLink.value,
    }),
    showProblem(field, text) {
      message.error(text);
      for (const [name, input] of Object.entries(inputs)) {
        input.toggleAttribute('aria-invalid', name === field);
      }
      inputs[field].focus();
    },
    setBusy(busy, label) {
      submit.disabled = busy;
      submit.textContent = busy && label ? label : options.submitLabel;
    },
    setDisabled(disabled) {
      for (const input of Object.values(inputs)) input.disabled = disabled;
      submit.disabled = disabled;
    },
  };
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
      options.onSubmit(api);
    },
    { signal: options.signal },
  );
  return api;
}
