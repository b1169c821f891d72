// The confirmation every irreversible or far-reaching action asks for
// (publish, cancel, delete, remove a participant), as a modal `<dialog>`
// with two large buttons: the safe one is focused first, so a stray tap
// or Enter does nothing harmful.

import { h } from './dom';

export interface ConfirmOptions {
  question: string;
  confirmLabel: string;
  cancelLabel: string;
  /** Draws the confirm button in the warning colour. */
  danger?: boolean;
}

/** Asks, and resolves `true` only when the user confirmed. */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h(
      'button',
      { className: 'button', attrs: { type: 'button', value: 'cancel' } },
      options.cancelLabel,
    );
    const confirm = h(
      'button',
      {
        className: `button ${options.danger ? 'button-danger' : 'button-primary'}`,
        attrs: { type: 'button', value: 'confirm' },
      },
      options.confirmLabel,
    );
    const dialog = h(
      'dialog',
      { className: 'confirm-dialog', attrs: { 'aria-labelledby': 'confirm-question' } },
      h('p', { className: 'confirm-question', attrs: { id: 'confirm-question' } }, options.question),
      h('div', { className: 'confirm-actions' }, cancel, confirm),
    );
    let answered = false;
    const finish = (answer: boolean) => {
      if (answered) return;
      answered = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    // Escape closes the dialog: that is a "no".
    dialog.addEventListener('close', () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
