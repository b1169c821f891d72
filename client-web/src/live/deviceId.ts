// A stable id for this browser profile (a tablet, a big screen), kept in
// localStorage: the server counts presence and readiness per device.

export const deviceIdStorageKey = 'phonghop.deviceId';

/** The server accepts 1-64 characters of `[A-Za-z0-9_-]`. */
export function isValidDeviceId(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

export function newDeviceId(random: (bytes: Uint8Array<ArrayBuffer>) => void): string {
  const bytes = new Uint8Array(9);
  random(bytes);
  return `web-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** The kept id, or a new one (kept when storage allows; a private window
 * gets a new one per page load, which only costs a second presence row). */
export function loadDeviceId(
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
  random: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => crypto.getRandomValues(bytes),
): string {
  try {
    const kept = storage?.getItem(deviceIdStorageKey);
    if (isValidDeviceId(kept)) return kept;
  } catch {
    // Storage unavailable: fall through to a fresh id.
  }
  const fresh = newDeviceId(random);
  try {
    storage?.setItem(deviceIdStorageKey, fresh);
  } catch {
    // Not remembered; still usable for this page.
  }
  return fresh;
}
