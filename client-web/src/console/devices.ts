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
/** The browser and system a User-Agent names ("Chrome", "Android"), each
 * null when it names none. Used for devices and for one's own sessions. */
export function browserAndSystem(userAgent: string | null): {
  browser: string | null;
  system: string | null;
} {
  const agent = userAgent ?? '';
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
    : /iPad|iPhone|iOS/.test(agent)
      ? 'iOS'
      : /Windows/.test(agent)
        ? 'Windows'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : null;
  return { browser, system };
}

/** A short name for a browser from its User-Agent ("Chrome trên Android"),
 * or `unknown` when it names neither browser nor system. */
export function describeUserAgent(userAgent: string | null, t: Translate, unknown: string): string {
  const { browser, system } = browserAndSystem(userAgent);
  if (browser && system) return t('devices.browserOn', { browser, system });
  return browser ?? system ?? unknown;
}

/** How the devices table names a device: its browser and system, or its id. */
export function deviceDescription(device: DeviceInfo, t: Translate): string {
  return describeUserAgent(device.user_agent, t, device.device_id);
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
