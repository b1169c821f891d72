// Who has read the confidential documents, as the secretary's console
// shows it: "Đã xem: 18/26" per document, then the participants who have
// not had a copy yet (whom to remind), then those who have, with when and
// on which device. Pure.

import type { DocumentReads, ParticipantReads } from '../api/types';
import type { MessageKey, MessageParams } from '../i18n/i18n';

type Translate = (key: MessageKey, params?: MessageParams) => string;

/** "Đã xem: 18/26". */
export function readsSummary(document: DocumentReads, t: Translate): string {
  return t('reads.summary', { read: document.readers, expected: document.expected_readers });
}

/** Participants who have not read it yet, then those who have (most
 * recent copy first); by name within each group. */
export function participantsInOrder(document: DocumentReads): ParticipantReads[] {
  const lastRead = (participant: ParticipantReads) =>
    participant.reads.reduce((latest, read) => Math.max(latest, read.at_ms), 0);
  const byName = (a: ParticipantReads, b: ParticipantReads) =>
    a.display_name.localeCompare(b.display_name, 'vi');
  const notYet = document.participants.filter((participant) => participant.reads.length === 0).sort(byName);
  const read = document.participants
    .filter((participant) => participant.reads.length > 0)
    .sort((a, b) => lastRead(b) - lastRead(a) || byName(a, b));
  return [...notYet, ...read];
}

/** One participant's line: "chưa xem", or each copy as "14:05 07/12 ·
 * thiết bị web-1a2b · bản 2". `timeText` formats a moment. */
export function participantReadsText(
  participant: ParticipantReads,
  t: Translate,
  timeText: (atMs: number) => string,
): string[] {
  if (participant.reads.length === 0) return [t('reads.notYet')];
  return participant.reads.map((read) => {
    const parts = [timeText(read.at_ms)];
    parts.push(read.device_id ? t('reads.device', { device: read.device_id }) : t('reads.unknownDevice'));
    parts.push(t('reads.version', { version: read.version }));
    return parts.join(' · ');
  });
}
