// The readiness board as data: one row a participant, their status and a
// line per device, from what the server judged of each device's report
// (ready, stale with which version, downloading n of m, missing).

import type { MessageKey, MessageParams } from '../i18n/i18n';
import type { DeviceReadiness, ReadinessStatus } from './protocol';

/** Best first: a participant is as ready as their readiest device. */
const rank: Record<ReadinessStatus, number> = { ready: 0, downloading: 1, stale: 2, missing: 3 };

/** A participant's status: their readiest device's, or `missing` without
 * any report. */
export function participantStatus(devices: readonly DeviceReadiness[]): ReadinessStatus {
  let best: ReadinessStatus = 'missing';
  for (const device of devices) if (rank[device.status] < rank[best]) best = device.status;
  return best;
}

/** What one device's line says ("tablet-7: cũ: Báo cáo KT-XH bản 1, hiện là bản 2"). */
export function deviceLine(
  device: DeviceReadiness,
  titleOf: (documentId: string) => string,
): { key: MessageKey; params: MessageParams } {
  const counts = { device: device.device_id, cached: device.cached_documents, total: device.total_documents };
  switch (device.status) {
    case 'ready':
      return { key: 'chair.readinessReady', params: counts };
    case 'downloading':
      return { key: 'chair.readinessDownloading', params: counts };
    case 'missing':
      return {
        key: 'chair.readinessMissing',
        params: { ...counts, missing: device.total_documents - device.cached_documents },
      };
    case 'stale': {
      const stale = device.stale
        .map((entry) => `${titleOf(entry.document_id)} (${entry.held_version} → ${entry.current_version})`)
        .join(', ');
      return { key: 'chair.readinessStale', params: { ...counts, stale } };
    }
  }
}

/** Counts per status over the participants, for the card's heading. */
export function statusCounts(
  participants: readonly string[],
  readiness: readonly DeviceReadiness[],
): Record<ReadinessStatus, number> {
  const counts: Record<ReadinessStatus, number> = { ready: 0, downloading: 0, stale: 0, missing: 0 };
  for (const userId of participants) {
    counts[participantStatus(readiness.filter((device) => device.user_id === userId))] += 1;
  }
  return counts;
}
