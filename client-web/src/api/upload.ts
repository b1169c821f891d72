// Uploading a document with progress. `fetch` cannot report how much of a
// request body has been sent, so uploads use XMLHttpRequest and its
// `upload.onprogress` events; failures come out as the same `ApiError`
// as every other call, with the server's message as it was written.

import type { UploadProgress } from '../console/uploads';
import { translate, type Language } from '../i18n/i18n';
import { ApiError, parseErrorBody } from './client';
import type { DocumentInfo } from './types';

export interface UploadOptions {
  /** `/api/v1/meetings/{id}/agenda/{item}/documents` or
   * `/api/v1/documents/{id}/versions`. */
  url: string;
  file: File;
  /** Extra multipart fields (`title`, `confidential`), sent before the file. */
  fields?: Record<string, string>;
  language: Language;
  onProgress(progress: UploadProgress): void;
  signal?: AbortSignal;
}

/** The request path that adds a document to an agenda item. */
export function newDocumentUrl(meetingId: string, itemId: string): string {
  return `/api/v1/meetings/${encodeURIComponent(meetingId)}/agenda/${encodeURIComponent(itemId)}/documents`;
}

/** The request path that replaces a document with a new version. */
export function newVersionUrl(documentId: string): string {
  return `/api/v1/documents/${encodeURIComponent(documentId)}/versions`;
}

/** The error for a failed upload answer. A 413 from a proxy in front of
 * the server has no JSON body; it still gets a message that says what to do. */
export function uploadError(status: number, bodyText: string, language: Language): ApiError {
  const error = parseErrorBody(status, bodyText, language);
  if (status === 413 && error.code === 'unexpected_response') {
    return new ApiError(413, 'payload_too_large', translate(language, 'documentsEditor.tooLarge'));
  }
  return error;
}

export function uploadDocument(options: UploadOptions): Promise<DocumentInfo> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const form = new FormData();
    for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
    form.append('file', options.file, options.file.name);

    request.open('POST', options.url);
    request.setRequestHeader('Accept', 'application/json');
    request.setRequestHeader('Accept-Language', options.language);
    request.responseType = 'text';
    request.upload.addEventListener('progress', (event) => {
      options.onProgress({
        phase: 'sending',
        loaded: event.loaded,
        total: event.lengthComputable ? event.total : options.file.size,
      });
    });
    // Every byte is sent: the server now checks the PDF or converts the
    // Office file, which may take many seconds.
    request.upload.addEventListener('load', () => options.onProgress({ phase: 'processing' }));
    request.addEventListener('load', () => {
      if (request.status === 201 || request.status === 200) {
        try {
          resolve(JSON.parse(request.responseText) as DocumentInfo);
        } catch {
          reject(
            new ApiError(
              request.status,
              'unexpected_response',
              translate(options.language, 'error.unexpected', { status: request.status }),
            ),
          );
        }
        return;
      }
      reject(uploadError(request.status, request.responseText, options.language));
    });
    request.addEventListener('error', () =>
      reject(new ApiError(0, 'network_error', translate(options.language, 'error.network'))),
    );
    request.addEventListener('abort', () =>
      reject(new DOMException('The upload was cancelled', 'AbortError')),
    );
    options.signal?.addEventListener('abort', () => request.abort(), { once: true });
    options.onProgress({ phase: 'sending', loaded: 0, total: options.file.size });
    request.send(form);
  });
}
