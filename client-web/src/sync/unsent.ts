// Which of a user's documents on this device hold changes the server does
// not have yet (pure): what a logout or a wipe must send first.
//
// automerge-repo keeps, per document, the chunks of the document
// (`[id, "snapshot" | "incremental", …]`) and, per peer that stores
// documents, the sync state (`[id, "sync-state", storageId]`), whose
// shared heads are what both sides had at the last exchange. The server is
// our one such peer. A document is on the server when its heads are the
// server's heads: those it reported on this page, or the shared heads kept
// from an earlier one (so a document synced yesterday counts as sent even
// with no connection now).

/** The ids of the documents whose chunks the storage holds. */
export function storedDocumentIds(keys: readonly (readonly string[])[]): string[] {
  const ids = new Set<string>();
  for (const [documentId, kind] of keys) {
    if (documentId !== undefined && (kind === 'snapshot' || kind === 'incremental')) ids.add(documentId);
  }
  return [...ids];
}

/** The sync-state chunks by document id. */
export function syncStateKeys(keys: readonly (readonly string[])[]): Map<string, readonly string[][]> {
  const byDocument = new Map<string, string[][]>();
  for (const key of keys) {
    const [documentId, kind] = key;
    if (documentId === undefined || kind !== 'sync-state') continue;
    const list = byDocument.get(documentId) ?? [];
    list.push([...key]);
    byDocument.set(documentId, list);
  }
  return byDocument;
}

/** Whether `heads` (the document on this device) equal one of the sets of
 * heads the server is known to have. Heads are compared as sets in one
 * encoding. A device that has the server's newer changes would also
 * differ; those arrive on the same connection, so waiting settles both. */
export function isOnServer(
  heads: readonly string[],
  serverHeads: readonly (readonly string[] | undefined)[],
): boolean {
  const mine = new Set(heads);
  return serverHeads.some(
    (theirs) => theirs !== undefined && theirs.length === mine.size && theirs.every((head) => mine.has(head)),
  );
}
