// The names of the browser caches the app and its service worker share.
//
// **Invariant:** no cache here ever holds a confidential (mật) document:
// the documents cache receives only what `documentsToCache` chose, and the
// service worker never stores a document response by itself.

/** Prefix of the app shell cache; the service worker appends its build id,
 * so each deployment gets a fresh cache and deletes the old one. */
export const shellCachePrefix = 'phonghop-shell-';

/** Non-confidential agenda PDFs, keyed by their version-specific URL. */
export const documentCacheName = 'phonghop-documents-v1';

/** The last good JSON of screens (meetings list, meetings, the session's
 * user), for showing them offline. */
export const savedDataCacheName = 'phonghop-saved-v1';
