// The agenda item form: title, presenter and duration as typed, checked
// and turned into the create or update request.

import type { AgendaItem, CreateAgendaItemRequest, UpdateAgendaItemRequest } from '../api/types';
import type { MessageKey } from '../i18n/i18n';

export interface AgendaItemFields {
  title: string;
  presenter: string;
  /** Minutes as typed; empty for none. */
  duration: string;
}

export type AgendaItemField = keyof AgendaItemFields;

export interface AgendaFieldProblem {
  field: AgendaItemField;
  message: MessageKey;
}

/** The server's limit for one item, a whole day. */
export const maximumDurationMinutes = 1440;

/** Minutes from the duration field: `null` for empty, `undefined` when it
 * is not a whole number from 1 to 1440. */
export function parseDurationField(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^\d{1,4}$/.test(trimmed)) return undefined;
  const minutes = Number(trimmed);
  return minutes >= 1 && minutes <= maximumDurationMinutes ? minutes : undefined;
}

interface CheckedFields {
  title: string;
  presenter: string | null;
  duration: number | null;
}

function checkFields(
  fields: AgendaItemFields,
): { ok: true; value: CheckedFields } | { ok: false; problem: AgendaFieldProblem } {
  const title = fields.title.trim();
  if (title === '') return { ok: false, problem: { field: 'title', message: 'agendaEditor.missingTitle' } };
  const duration = parseDurationField(fields.duration);
  if (duration === undefined) {
    return { ok: false, problem: { field: 'duration', message: 'agendaEditor.invalidDuration' } };
  }
  const presenter = fields.presenter.trim();
  return { ok: true, value: { title, presenter: presenter === '' ? null : presenter, duration } };
}

/** The request adding an item (a sub-item when `parentId` is given). */
export function newAgendaItem(
  fields: AgendaItemFields,
  parentId: string | null,
): { ok: true; request: CreateAgendaItemRequest } | { ok: false; problem: AgendaFieldProblem } {
  const checked = checkFields(fields);
  if (!checked.ok) return checked;
  const { title, presenter, duration } = checked.value;
  const request: CreateAgendaItemRequest = { title };
  if (presenter !== null) request.presenter = presenter;
  if (duration !== null) request.duration_minutes = duration;
  if (parentId !== null) request.parent_id = parentId;
  return { ok: true, request };
}

/** The `PATCH` body with what changed; `null` clears presenter or duration. */
export function agendaItemChanges(
  item: AgendaItem,
  fields: AgendaItemFields,
): { ok: true; request: UpdateAgendaItemRequest } | { ok: false; problem: AgendaFieldProblem } {
  const checked = checkFields(fields);
  if (!checked.ok) return checked;
  const { title, presenter, duration } = checked.value;
  const request: UpdateAgendaItemRequest = {};
  if (title !== item.title) request.title = title;
  if (presenter !== item.presenter) request.presenter = presenter;
  if (duration !== item.duration_minutes) request.duration_minutes = duration;
  return { ok: true, request };
}

/** The form's fields for an existing item. */
export function agendaItemFields(item: AgendaItem): AgendaItemFields {
  return {
    title: item.title,
    presenter: item.presenter ?? '',
    duration: item.duration_minutes === null ? '' : String(item.duration_minutes),
  };
}
