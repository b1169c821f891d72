// Where the page's Automerge repository connects, and as whom (pure).
//
// The server authenticates `/sync` by the session cookie and a device id
// in the query (`SyncConnectQuery`), and binds the socket to the peer id
// `u/{user}/d/{device}`; the client must announce exactly that id.

/** `ws://host/sync?device_id=…` (`wss:` under HTTPS) on the page's own
 * origin. */
export function syncSocketUrl(pageUrl: string, deviceId: string): string {
  const url = new URL('/sync', pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  url.searchParams.set('device_id', deviceId);
  return url.toString();
}

/** The peer id the server expects for this user on this device. */
export function syncPeerId(userId: string, deviceId: string): string {
  return `u/${userId}/d/${deviceId}`;
}

/** How often a lost connection is retried: 5 s give or take 2 s, chosen
 * once per page, so that after a server restart a room of tablets does
 * not come back in the same instant (the stock adapter retries at a fixed
 * interval). */
export function reconnectIntervalMilliseconds(random: () => number = Math.random): number {
  return Math.round(3_000 + random() * 4_000);
}

/** The IndexedDB database holding one user's documents, so that two
 * people sharing a tablet never see each other's notebooks. */
export function syncDatabaseName(userId: string): string {
  return `phonghop-sync-${userId}`;
}

/** Whether an outgoing message is someone else's ephemeral message being
 * passed on. automerge-repo gossips every ephemeral message it receives
 * to its other peers, as a mesh would need; here the server is the only
 * peer and already relays to everyone, and it closes a socket that sends
 * a message under another peer's id. Such echoes are not sent. */
export function isRelayedEphemeral(
  message: { type: string; senderId?: string },
  ownPeerId: string | undefined,
): boolean {
  return message.type === 'ephemeral' && message.senderId !== undefined && message.senderId !== ownPeerId;
}
