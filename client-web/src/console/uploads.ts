// What an upload is doing, in words: sending bytes (with a percentage),
// then waiting while the server checks a PDF or converts an Office file
// with LibreOffice, which can take many seconds.

import type { MessageKey, MessageParams } from '../i18n/i18n';

/** Office formats the server converts to PDF. */
export const officeExtensions = ['docx', 'doc', 'odt', 'xlsx', 'pptx'] as const;

/** What the file picker offers; the server checks the content anyway. */
export const acceptedFileTypes = ['.pdf', ...officeExtensions.map((extension) => `.${extension}`)].join(',');

/** Whether a file name looks like an Office document (judged by its
 * extension, which is all the browser knows before uploading). */
export function isOfficeFileName(fileName: string): boolean {
  const extension = /\.([^./\\]+)$/.exec(fileName.trim())?.[1]?.toLowerCase();
  return officeExtensions.some((known) => known === extension);
}

export type UploadProgress =
  /** Bytes are on their way; `total` is 0 until the browser knows it. */
  | { phase: 'sending'; loaded: number; total: number }
  /** Every byte arrived; the server is checking or converting. */
  | { phase: 'processing' }
  | { phase: 'done' }
  | { phase: 'failed'; message: string };

/** Whole percent sent, from 0 to 100. */
export function percentSent(loaded: number, total: number): number {
  if (!(total > 0) || !(loaded > 0)) return 0;
  return Math.min(100, Math.floor((loaded / total) * 100));
}

/** The status line of one upload. A failure shows the server's message
 * as it came. */
export function uploadStatus(
  progress: UploadProgress,
  fileName: string,
): { key: MessageKey; params?: MessageParams } | { text: string } {
  switch (progress.phase) {
    case 'sending':
      return {
        key: 'documentsEditor.uploading',
        params: { percent: percentSent(progress.loaded, progress.total) },
      };
    case 'processing':
      return { key: isOfficeFileName(fileName) ? 'documentsEditor.converting' : 'documentsEditor.checking' };
    case 'done':
      return { key: 'documentsEditor.done' };
    case 'failed':
      return { text: progress.message };
  }
}
