// The administrators' line about backups on the meeting list: when the
// last backup was made, the schedule, and a warning when it is old or the
// last scheduled one failed. The server decides what is old (`stale`).

import type { BackupStatus } from '../api/types';
import { formatLocalTimestamp } from '../format/format';
import type { MessageKey, MessageParams } from '../i18n/i18n';

type Translate = (key: MessageKey, params?: MessageParams) => string;

export interface BackupLine {
  /** Sentences to show, in order. */
  sentences: string[];
  /** Shown as a warning. */
  warning: boolean;
}

/** "24 h", "30 min", "7 d", "90 s": the interval as the operator wrote it. */
export function formatInterval(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function localTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatLocalTimestamp(date);
}

export function backupLine(status: BackupStatus, t: Translate): BackupLine {
  const sentences = [
    status.last_backup_at === null
      ? t('backup.never')
      : t('backup.last', { time: localTime(status.last_backup_at) }),
    status.interval_seconds === null
      ? t('backup.unscheduled')
      : t('backup.schedule', {
          interval: formatInterval(status.interval_seconds),
          keep: String(status.keep ?? ''),
        }),
  ];
  if (status.last_failure !== null) {
    sentences.push(
      t('backup.failed', {
        time: status.last_failure_at === null ? '' : localTime(status.last_failure_at),
        reason: status.last_failure,
      }),
    );
  }
  if (status.stale) sentences.push(t('backup.stale'));
  return { sentences, warning: status.stale || status.last_failure !== null };
}
