// The administrator's view of an account's devices (pure): what each one
// is called on screen, its state, and whether "Xóa dữ liệu từ xa" applies.

import type { DeviceInfo } from '../api/types';
import type { MessageKey, MessageParams } from '../i18n/i18n';
import { formatAuditTime } from './audit';

type Translate = (key: MessageKey, params?: MessageParams) => string;

/** Where a device stands with its remote wipe. */
export type DeviceState = 'in_use' | 'wipe_pending' | 'wiped';

export function deviceState(device: DeviceInfo): DeviceState {
  if (device.wipe_pending) return 'wipe_pending';
  // Used again after its wipe (someone logged in on it): in use.
  if (device.wiped_at_ms !== null && device.wiped_at_ms >= device.last_seen_at_ms) return 'wiped';
  return 'in_use';
}

/** A wipe can be asked for unless one is already waiting. */
export function canAskWipe(device: DeviceInfo): boolean {
  return !device.wipe_pending;
}

/** "Chrome trên Android", from the User-Agent; the device id when the
 * browser said nothing we know. An administrator recognises a tablet by
 * its kind, not by a User-Agent string. */
export function deviceDescription(device: DeviceInfo, t: Translate): string {
  const agent = device.user_agent ?? '';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /(Chrome|Chromium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : null;
  const system = /Android/.test(agent)
    ? 'Android'
    : /iPad|iPhone/.test(agent)
      ? 'iOS'
      : /Windows/.test(agent)
        ? 'Windows'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : null;
  if (browser && system) return t('devices.browserOn', { browser, system });
  return browser ?? system ?? device.device_id;
}

/** The state as the table says it, with its time. */
export function deviceStateText(device: DeviceInfo, t: Translate): string {
  switch (deviceState(device)) {
    case 'wipe_pending':
      return t('devices.wipePending', { time: formatAuditTime(device.wipe_requested_at_ms ?? 0) });
    case 'wiped':
      return t('devices.wiped', { time: formatAuditTime(device.wiped_at_ms ?? 0) });
    case 'in_use':
      return t('devices.inUse');
  }
}
