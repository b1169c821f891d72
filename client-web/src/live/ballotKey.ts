// The secret a device keeps for a secret ballot that may be changed.
//
// The server stores only a hash of (vote, voter, key, choice), so the key
// is what proves "this device cast that ballot" when the voter changes it,
// and without it no stored row says anything of the choice. It lives in
// the tab's session storage (gone when the tab closes) and never in a
// place shared with other users of the device.

/** Where keys are kept: `sessionStorage`, or a stand-in in tests. */
export interface KeyStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const prefix = 'phonghop.ballotKey.';

/** 32 hex characters (128 random bits). */
export function newBallotKey(
  random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): string {
  const bytes = random(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The key this device uses for `voteId`, made on first use. A storage
 * that refuses (private mode, full) still gives a key for this page's
 * life, kept in `fallback`. */
export function ballotKeyFor(
  voteId: string,
  store: KeyStore | null = typeof sessionStorage === 'undefined' ? null : sessionStorage,
  fallback: Map<string, string> = memoryKeys,
): string {
  const name = prefix + voteId;
  let existing: string | null = fallback.get(name) ?? null;
  try {
    existing = store?.getItem(name) ?? existing;
  } catch {
    // Storage unavailable: the in-memory key stands.
  }
  if (existing) return existing;
  const key = newBallotKey();
  fallback.set(name, key);
  try {
    store?.setItem(name, key);
  } catch {
    // As above.
  }
  return key;
}

const memoryKeys = new Map<string, string>();
