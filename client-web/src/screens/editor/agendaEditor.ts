// The agenda (chương trình họp) in the meeting editor: add items and
// sub-items, edit, delete, reorder by dragging the ⠿ handle (pointer
// events, so fingers work as well as mice) or with the Up / Down buttons,
// and each item's documents.
//
// The decisions (where a drop lands, what Up does) are pure functions in
// `console/agendaOrder.ts`; this file only measures the page and draws.

import type { AgendaItem } from '../../api/types';
import {
  agendaItemChanges,
  agendaItemFields,
  newAgendaItem,
  type AgendaItemFields,
} from '../../console/agendaForm';
import {
  applyDrop,
  blockOf,
  gapAt,
  moveByOne,
  orderEntries,
  orderRows,
  resolveDrop,
  sameOrder,
  subItemPull,
  wantsSubItem,
  type Drop,
  type OrderRow,
} from '../../console/agendaOrder';
import { formatDuration } from '../../format/format';
import { layoutAgenda } from '../../meetings/agenda';
import { confirmAction } from '../../ui/dialog';
import { append, h } from '../../ui/dom';
import { formMessage, textField, type FormMessage } from '../../ui/forms';
import { acceptFileDrops, documentRow, UploadBoard, uploadZone } from './documents';
import type { EditorHandle } from './editorHandle';

export interface AgendaEditorSection {
  element: HTMLElement;
  render(): void;
}

/** The item form (new item, new sub-item, or editing one). */
function itemForm(options: {
  idPrefix: string;
  heading: string;
  initial: AgendaItemFields;
  submitLabel: string;
  editor: EditorHandle;
  /** `done` re-enables the form, emptied when `reset` is set. */
  onSubmit(fields: AgendaItemFields, message: FormMessage, done: (reset?: boolean) => void): void;
  onCancel?: () => void;
}): HTMLFormElement {
  const { t } = options.editor.context;
  const title = textField({
    id: `${options.idPrefix}-title`,
    label: t('agendaEditor.itemTitle'),
    value: options.initial.title,
    attrs: { maxlength: 500 },
  });
  const presenter = textField({
    id: `${options.idPrefix}-presenter`,
    label: t('agendaEditor.presenter'),
    value: options.initial.presenter,
    attrs: { maxlength: 200 },
  });
  const duration = textField({
    id: `${options.idPrefix}-duration`,
    label: t('agendaEditor.duration'),
    value: options.initial.duration,
    attrs: { inputmode: 'numeric', pattern: '[0-9]*', size: 5 },
  });
  const message = formMessage();
  const submit = h(
    'button',
    { className: 'button button-primary', attrs: { type: 'submit' } },
    options.submitLabel,
  );
  const form = h(
    'form',
    { className: 'item-form', attrs: { novalidate: true, 'aria-label': options.heading } },
    h('h3', {}, options.heading),
    title.field,
    h('div', { className: 'field-row' }, presenter.field, duration.field),
    message.element,
    h(
      'div',
      { className: 'form-actions' },
      submit,
      options.onCancel
        ? h(
            'button',
            {
              className: 'button',
              attrs: { type: 'button' },
              on: { click: options.onCancel },
              signal: options.editor.signal,
            },
            t('console.cancel'),
          )
        : null,
    ),
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      submit.disabled = true;
      options.onSubmit(
        { title: title.input.value, presenter: presenter.input.value, duration: duration.input.value },
        {
          ...message,
          error(text) {
            message.error(text);
            submit.disabled = false;
          },
        },
        (reset = false) => {
          submit.disabled = false;
          if (reset) form.reset();
        },
      );
    },
    { signal: options.editor.signal },
  );
  return form;
}

export function agendaEditorSection(editor: EditorHandle): AgendaEditorSection {
  const { context, signal } = editor;
  const { t, language } = context;
  const board = new UploadBoard(editor);
  const message = formMessage();
  const list = h('ol', { className: 'agenda-editor-list' });
  const addSlot = h('div');
  /** The item being edited, and the item a sub-item is being added to. */
  let editingItemId: string | null = null;
  let subItemParentId: string | null = null;
  /** Which control to focus after the next redraw (the moved item's button). */
  let focusAfterRender: string | null = null;
  /** Forms the secretary has open, kept across redraws so that a redraw
   * (an upload finishing, another change) never wipes what is being typed. */
  const openForms = new Map<string, HTMLFormElement>();
  const keptForm = (key: string, make: () => HTMLFormElement) => {
    const kept = openForms.get(key);
    if (kept) return kept;
    const made = make();
    openForms.set(key, made);
    return made;
  };
  /** Closes the edit and sub-item forms (one is open at a time). */
  const closeItemForms = () => {
    for (const key of [...openForms.keys()]) if (key !== 'new') openForms.delete(key);
  };

  const element = h(
    'section',
    { className: 'editor-section', attrs: { 'aria-labelledby': 'agenda-editor-title' } },
    h('h2', { attrs: { id: 'agenda-editor-title' } }, t('agendaEditor.title')),
    h('p', { className: 'muted' }, t('agendaEditor.dragHint')),
    message.element,
    list,
    addSlot,
  );

  const problemText = (key: Parameters<typeof t>[0]) => t(key);

  const saveOrder = (next: OrderRow[], focusSelector: string | null) => {
    message.success(t('console.saving'));
    context.api.reorderAgenda(editor.meeting().id, orderEntries(next)).then(
      (meeting) => {
        focusAfterRender = focusSelector;
        editor.replaceMeeting(meeting);
        message.success(t('agendaEditor.orderSaved'));
      },
      (error: unknown) => {
        editor.fail(error, message);
        render();
      },
    );
  };

  /** Drags `itemId`'s block with the pointer that went down on `handle`. */
  const startDrag = (event: PointerEvent, handle: HTMLElement, itemId: string) => {
    if (!editor.editable() || (event.pointerType === 'mouse' && event.button !== 0)) return;
    event.preventDefault();
    const rows = orderRows(editor.meeting().agenda);
    const block = blockOf(rows, itemId);
    if (!block) return;
    const blockIds = new Set(rows.slice(block[0], block[1]).map((row) => row.id));
    const items = [...list.querySelectorAll<HTMLElement>(':scope > li[data-agenda-item-id]')];
    const moving = items.filter((item) => blockIds.has(item.dataset['agendaItemId'] ?? ''));
    const others = items.filter((item) => !blockIds.has(item.dataset['agendaItemId'] ?? ''));
    const startX = event.clientX;
    const startY = event.clientY;
    const startScroll = window.scrollY;
    const depth = rows[block[0]]?.parentId === null ? 0 : 1;
    const indicator = h('div', { className: 'drop-indicator', attrs: { 'aria-hidden': 'true' } });
    list.append(indicator);
    list.classList.add('is-reordering');
    for (const item of moving) item.classList.add('is-dragging');
    handle.setPointerCapture(event.pointerId);
    let drop: Drop | null = null;

    const place = (x: number, y: number) => {
      const shift = y - startY + (window.scrollY - startScroll);
      for (const item of moving) item.style.transform = `translateY(${shift}px)`;
      const middles = others.map((item) => {
        const box = item.getBoundingClientRect();
        return box.top + box.height / 2;
      });
      drop = resolveDrop(rows, itemId, gapAt(middles, y), wantsSubItem(x - startX + depth * subItemPull));
      if (!drop) {
        indicator.hidden = true;
        return;
      }
      const listTop = list.getBoundingClientRect().top;
      const below = others[drop.gap];
      const last = others[others.length - 1];
      const top = below
        ? below.getBoundingClientRect().top - listTop - 5
        : last
          ? last.getBoundingClientRect().bottom - listTop + 3
          : 0;
      indicator.hidden = false;
      indicator.style.top = `${top}px`;
      indicator.classList.toggle('drop-indicator-sub', drop.parentId !== null);
    };

    const finish = (apply: boolean) => {
      handle.removeEventListener('pointermove', onMove);
      handle.removeEventListener('pointerup', onUp);
      handle.removeEventListener('pointercancel', onCancel);
      window.removeEventListener('keydown', onKey);
      if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
      indicator.remove();
      list.classList.remove('is-reordering');
      for (const item of moving) {
        item.classList.remove('is-dragging');
        item.style.transform = '';
      }
      if (!apply || !drop) return;
      const next = applyDrop(rows, itemId, drop);
      if (!sameOrder(rows, next)) saveOrder(next, null);
    };
    const onMove = (move: PointerEvent) => {
      if (move.pointerId !== event.pointerId) return;
      // Near the top or bottom edge the page scrolls, for long agendas.
      if (move.clientY < 80) window.scrollBy(0, -16);
      else if (move.clientY > window.innerHeight - 80) window.scrollBy(0, 16);
      place(move.clientX, move.clientY);
    };
    const onUp = (up: PointerEvent) => {
      if (up.pointerId !== event.pointerId) return;
      place(up.clientX, up.clientY);
      finish(true);
    };
    const onCancel = () => finish(false);
    const onKey = (key: KeyboardEvent) => {
      if (key.key === 'Escape') finish(false);
    };
    handle.addEventListener('pointermove', onMove);
    handle.addEventListener('pointerup', onUp);
    handle.addEventListener('pointercancel', onCancel);
    window.addEventListener('keydown', onKey);
    place(startX, startY);
  };

  const moveButton = (item: AgendaItem, direction: -1 | 1) => {
    const rows = orderRows(editor.meeting().agenda);
    const next = editor.editable() ? moveByOne(rows, item.id, direction) : null;
    const which = direction === -1 ? 'up' : 'down';
    return h(
      'button',
      {
        className: 'button button-small button-move',
        attrs: {
          type: 'button',
          'data-move': which,
          disabled: next === null,
          'aria-label': t(direction === -1 ? 'agendaEditor.moveUpLabel' : 'agendaEditor.moveDownLabel', {
            title: item.title,
          }),
        },
        on: {
          click: () => {
            if (!next) return;
            const selector = `[data-agenda-item-id="${CSS.escape(item.id)}"] [data-move="${which}"]`;
            saveOrder(next, selector);
          },
        },
        signal,
      },
      direction === -1 ? `↑ ${t('agendaEditor.moveUp')}` : `↓ ${t('agendaEditor.moveDown')}`,
    );
  };

  const deleteItem = async (item: AgendaItem) => {
    const confirmed = await confirmAction({
      question: t('agendaEditor.confirmDelete', { title: item.title }),
      confirmLabel: t('console.delete'),
      cancelLabel: t('console.no'),
      danger: true,
    });
    if (!confirmed || signal.aborted) return;
    context.api.deleteAgendaItem(editor.meeting().id, item.id).then(
      () => editor.refresh().then(() => message.success(t('console.saved'))),
      (error: unknown) => editor.fail(error, message),
    );
  };

  const editForm = (item: AgendaItem) =>
    itemForm({
      idPrefix: `edit-${item.id}`,
      heading: item.title,
      initial: agendaItemFields(item),
      submitLabel: t('console.save'),
      editor,
      onCancel: () => {
        editingItemId = null;
        openForms.delete(`edit:${item.id}`);
        render();
      },
      onSubmit(fields, formLine) {
        const checked = agendaItemChanges(item, fields);
        if (!checked.ok) {
          formLine.error(problemText(checked.problem.message));
          return;
        }
        if (Object.keys(checked.request).length === 0) {
          editingItemId = null;
          openForms.delete(`edit:${item.id}`);
          render();
          return;
        }
        context.api.updateAgendaItem(editor.meeting().id, item.id, checked.request).then(
          () => {
            editingItemId = null;
            openForms.delete(`edit:${item.id}`);
            void editor.refresh().then(() => message.success(t('console.saved')));
          },
          (error: unknown) => editor.fail(error, formLine),
        );
      },
    });

  const subItemForm = (parent: AgendaItem) =>
    itemForm({
      idPrefix: `sub-${parent.id}`,
      heading: t('agendaEditor.newSubItem', { title: parent.title }),
      initial: { title: '', presenter: '', duration: '' },
      submitLabel: t('agendaEditor.addSubItem'),
      editor,
      onCancel: () => {
        subItemParentId = null;
        openForms.delete(`sub:${parent.id}`);
        render();
      },
      onSubmit(fields, formLine) {
        const checked = newAgendaItem(fields, parent.id);
        if (!checked.ok) {
          formLine.error(problemText(checked.problem.message));
          return;
        }
        context.api.createAgendaItem(editor.meeting().id, checked.request).then(
          () => {
            subItemParentId = null;
            openForms.delete(`sub:${parent.id}`);
            void editor.refresh().then(() => message.success(t('console.saved')));
          },
          (error: unknown) => editor.fail(error, formLine),
        );
      },
    });

  const itemRow = (item: AgendaItem, depth: number, number: string) => {
    const editable = editor.editable();
    const li = h('li', {
      className: `agenda-editor-item agenda-depth-${Math.min(depth, 1)}`,
      attrs: { 'data-agenda-item-id': item.id },
    });
    if (editingItemId === item.id) {
      li.append(keptForm(`edit:${item.id}`, () => editForm(item)));
      return li;
    }
    const facts = [
      item.presenter ? t('meeting.presenter', { name: item.presenter }) : null,
      item.duration_minutes !== null ? formatDuration(item.duration_minutes, language) : null,
    ].filter((fact): fact is string => fact !== null);
    const handle = h(
      'button',
      {
        className: 'drag-handle',
        attrs: {
          type: 'button',
          'aria-label': t('agendaEditor.dragHandle', { title: item.title }),
          title: t('agendaEditor.dragHandle', { title: item.title }),
          disabled: !editable,
          // The buttons beside it do the same from the keyboard.
          tabindex: -1,
        },
      },
      '⠿',
    );
    handle.addEventListener('pointerdown', (event) => startDrag(event, handle, item.id), { signal });
    const buttons = editable
      ? h(
          'div',
          { className: 'agenda-editor-buttons' },
          moveButton(item, -1),
          moveButton(item, 1),
          h(
            'button',
            {
              className: 'button button-small',
              attrs: { type: 'button', 'data-action': 'edit' },
              on: {
                click: () => {
                  closeItemForms();
                  editingItemId = item.id;
                  subItemParentId = null;
                  render();
                  list.querySelector<HTMLInputElement>(`#edit-${CSS.escape(item.id)}-title`)?.focus();
                },
              },
              signal,
            },
            t('console.edit'),
          ),
          depth === 0
            ? h(
                'button',
                {
                  className: 'button button-small',
                  attrs: { type: 'button', 'data-action': 'add-sub-item' },
                  on: {
                    click: () => {
                      closeItemForms();
                      subItemParentId = item.id;
                      editingItemId = null;
                      render();
                      list.querySelector<HTMLInputElement>(`#sub-${CSS.escape(item.id)}-title`)?.focus();
                    },
                  },
                  signal,
                },
                t('agendaEditor.addSubItem'),
              )
            : null,
          h(
            'button',
            {
              className: 'button button-small button-danger-quiet',
              attrs: { type: 'button', 'data-action': 'delete' },
              on: { click: () => void deleteItem(item) },
              signal,
            },
            t('console.delete'),
          ),
        )
      : null;
    append(
      li,
      h(
        'div',
        { className: 'agenda-editor-row' },
        handle,
        h('span', { className: 'agenda-number' }, number),
        h(
          'div',
          { className: 'agenda-editor-text' },
          h('span', { className: 'agenda-title' }, item.title),
          item.updated ? h('span', { className: 'badge badge-updated' }, t('meeting.updated')) : null,
          facts.length > 0 ? h('span', { className: 'muted agenda-facts-line' }, facts.join(' · ')) : null,
        ),
        buttons,
      ),
      item.documents.length > 0
        ? h(
            'ul',
            { className: 'editor-document-list' },
            ...item.documents.map((document) => documentRow(document, item, editor, board)),
          )
        : null,
      editable ? uploadZone(item, editor, board) : null,
    );
    if (editable) acceptFileDrops(li, item, editor, board);
    return li;
  };

  function render() {
    const rows = layoutAgenda(editor.meeting().agenda);
    const elements: HTMLElement[] = [];
    rows.forEach(({ item, depth, number }, index) => {
      elements.push(itemRow(item, depth, number));
      // The new sub-item form goes after the parent's last sub-item.
      const parentOfForm = subItemParentId;
      if (parentOfForm === null) return;
      const next = rows[index + 1];
      const inGroup = item.id === parentOfForm || (depth > 0 && item.parent_id === parentOfForm);
      const groupEnds = !next || next.depth === 0;
      if (inGroup && groupEnds) {
        const parent = editor.meeting().agenda.find((candidate) => candidate.id === parentOfForm);
        if (parent)
          elements.push(
            h(
              'li',
              { className: 'agenda-editor-form agenda-depth-1' },
              keptForm(`sub:${parent.id}`, () => subItemForm(parent)),
            ),
          );
      }
    });
    if (rows.length === 0) elements.push(h('li', { className: 'empty' }, t('agendaEditor.empty')));
    list.replaceChildren(...elements);

    addSlot.replaceChildren(
      ...(editor.editable()
        ? [
            keptForm('new', () =>
              itemForm({
                idPrefix: 'new-item',
                heading: t('agendaEditor.newItem'),
                initial: { title: '', presenter: '', duration: '' },
                submitLabel: t('agendaEditor.addItem'),
                editor,
                onSubmit(fields, formLine, done) {
                  const checked = newAgendaItem(fields, null);
                  if (!checked.ok) {
                    formLine.error(problemText(checked.problem.message));
                    return;
                  }
                  context.api.createAgendaItem(editor.meeting().id, checked.request).then(
                    () => {
                      done(true);
                      focusAfterRender = '#new-item-title';
                      void editor.refresh().then(() => message.success(t('console.saved')));
                    },
                    (error: unknown) => editor.fail(error, formLine),
                  );
                },
              }),
            ),
          ]
        : []),
    );
    if (focusAfterRender) {
      element.querySelector<HTMLElement>(focusAfterRender)?.focus();
      focusAfterRender = null;
    }
  }

  return { element, render };
}
