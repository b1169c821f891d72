// Reading the audit log: a Vietnamese (or English) name for each action,
// the details as short "field: value" phrases, ids replaced by the names
// people know (accounts, agenda items, documents).

import type { AuditLogEntry, Meeting, MeetingRole } from '../api/types';
import { wallClockAt } from '../format/format';
import type { MessageKey, MessageParams } from '../i18n/i18n';
import { isMessageKey } from '../i18n/i18n';

type Translate = (key: MessageKey, params?: MessageParams) => string;

/** Names for the ids that appear in entries. */
export interface AuditNames {
  users: ReadonlyMap<string, string>;
  /** Agenda items and documents of the meeting, by id. */
  things: ReadonlyMap<string, string>;
}

/** The item and document titles of a meeting, by id. */
export function meetingThingNames(meeting: Meeting): Map<string, string> {
  const names = new Map<string, string>();
  for (const item of meeting.agenda) {
    names.set(item.id, item.title);
    for (const document of item.documents) names.set(document.id, document.title);
  }
  return names;
}

/** "Công bố cuộc họp" for `meeting.publish`; an action this client does
 * not know yet is shown as the server wrote it. */
export function auditActionText(action: string, t: Translate): string {
  const key = `audit.action.${action}`;
  return isMessageKey(key) ? t(key) : action;
}

/** Fields never shown: hashes and ids that say nothing to a person. */
const hiddenFields = new Set(['sha256', 'hash']);

const roleNames: Record<MeetingRole, MessageKey> = {
  chair: 'role.chair',
  secretary: 'role.secretary',
  delegate: 'role.delegate',
  observer: 'role.observer',
  remote_point: 'role.remote_point',
};

function valueText(field: string, value: unknown, names: AuditNames, t: Translate): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return t(value ? 'audit.yes' : 'audit.no');
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (field === 'role' && value in roleNames) return t(roleNames[value as MeetingRole]);
    if (field === 'user_id') return names.users.get(value) ?? value;
    if (field === 'item_id' || field === 'document_id') return names.things.get(value) ?? value;
    if (field === 'from') {
      const state = value.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
      const key = `state.${state}`;
      return isMessageKey(key) ? t(key) : value;
    }
    return value;
  }
  return JSON.stringify(value);
}

/** The details of an entry as "field: value" phrases, in the order the
 * server wrote them, leaving out empty values, hashes, and a value already
 * shown (an item id resolved to the same title as the entry's `title`). */
export function auditDetailsText(details: unknown, names: AuditNames, t: Translate): string[] {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    return details === null || details === undefined ? [] : [JSON.stringify(details)];
  }
  const phrases: string[] = [];
  const shown = new Set<string>();
  for (const [field, value] of Object.entries(details)) {
    if (hiddenFields.has(field)) continue;
    const text = valueText(field, value, names, t);
    if (text === null || (typeof value !== 'boolean' && shown.has(text))) continue;
    shown.add(text);
    const labelKey = `audit.field.${field}`;
    const label = isMessageKey(labelKey) ? t(labelKey) : field;
    phrases.push(`${label}: ${text}`);
  }
  return phrases;
}

/** Who did it: a display name, "Hệ thống" for the server itself, or the
 * raw id of an account this user may not list. */
export function auditActorText(entry: AuditLogEntry, names: AuditNames, t: Translate): string {
  if (entry.actor_user_id === null) return t('audit.system');
  return names.users.get(entry.actor_user_id) ?? entry.actor_user_id;
}

/** Entries oldest first (by their sequence number in the chain). */
export function sortAuditEntries(entries: readonly AuditLogEntry[]): AuditLogEntry[] {
  return [...entries].sort((a, b) => a.seq - b.seq);
}

const two = (value: number) => String(value).padStart(2, '0');

/** "14:05:09 23/11/2026", on Vietnam's clock (UTC+7) like every time the
 * agency's records use, whatever zone the viewing computer is set to. */
export function formatAuditTime(atMs: number, offsetMinutes = 420): string {
  const wall = wallClockAt(atMs, offsetMinutes);
  const seconds = new Date(atMs + offsetMinutes * 60_000).getUTCSeconds();
  return `${two(wall.hour)}:${two(wall.minute)}:${two(seconds)} ${two(wall.day)}/${two(wall.month)}/${wall.year}`;
}
