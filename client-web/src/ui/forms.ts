// Labelled form fields and the one message line under a form, shared by
// the secretary's console screens.

import { h } from './dom';

export interface FieldOptions {
  id: string;
  label: string;
  value?: string;
  type?: 'text' | 'date' | 'time' | 'url' | 'number';
  hint?: string;
  /** Extra input attributes (`inputmode`, `maxlength`, …). */
  attrs?: Record<string, string | number | true | false | null | undefined>;
}

/** A label, an input and an optional hint, linked for screen readers. */
export function textField(options: FieldOptions): { field: HTMLElement; input: HTMLInputElement } {
  const hintId = options.hint ? `${options.id}-hint` : null;
  const input = h('input', {
    className: 'input',
    attrs: {
      id: options.id,
      name: options.id,
      type: options.type ?? 'text',
      autocomplete: 'off',
      'aria-describedby': hintId,
      ...options.attrs,
    },
  });
  input.value = options.value ?? '';
  const field = h(
    'div',
    { className: 'field' },
    h('label', { className: 'field-label', attrs: { for: options.id } }, options.label),
    input,
    options.hint ? h('p', { className: 'field-hint muted', attrs: { id: hintId } }, options.hint) : null,
  );
  return { field, input };
}

/** A line that shows either an error (announced at once) or a quiet
 * confirmation such as "Đã lưu." */
export interface FormMessage {
  element: HTMLElement;
  error(text: string): void;
  success(text: string): void;
  clear(): void;
}

export function formMessage(): FormMessage {
  const element = h('p', { className: 'form-message', attrs: { 'aria-live': 'polite' } });
  element.hidden = true;
  const show = (text: string, kind: 'error' | 'success') => {
    element.textContent = text;
    element.className = `form-message form-message-${kind}`;
    element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    element.hidden = text === '';
  };
  return {
    element,
    error: (text) => show(text, 'error'),
    success: (text) => show(text, 'success'),
    clear: () => show('', 'success'),
  };
}
