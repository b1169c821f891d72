// Documents in the meeting editor: each agenda item's documents with their
// confidential (mật) mark and "Thay bản mới", and the place to attach new
// ones by the file picker or by dropping files on the item. Uploads show
// their progress, then "Đang chuyển đổi sang PDF…" while the server
// converts an Office file, and a refusal shows the server's message as it
// came (too large, not a document, LibreOffice missing).

import { newDocumentUrl, newVersionUrl, uploadDocument } from '../../api/upload';
import type { AgendaItem, DocumentInfo } from '../../api/types';
import { acceptedFileTypes, percentSent, uploadStatus, type UploadProgress } from '../../console/uploads';
import { formatFileSize, formatPageCount } from '../../format/format';
import { confidentialBadge } from '../../ui/components';
import { h } from '../../ui/dom';
import { formMessage } from '../../ui/forms';
import { errorMessage, isAbort } from '../context';
import type { EditorHandle } from './editorHandle';

interface UploadJob {
  element: HTMLLIElement;
}

/** Uploads under way or failed, by agenda item. They live here, not in
 * the agenda's DOM, so that redrawing the agenda keeps them. */
export class UploadBoard {
  private readonly jobs = new Map<string, UploadJob[]>();
  /** The "upload as confidential" choice per item. */
  private readonly confidentialChoice = new Map<string, boolean>();

  constructor(private readonly editor: EditorHandle) {}

  jobElements(itemId: string): HTMLElement[] {
    return (this.jobs.get(itemId) ?? []).map((job) => job.element);
  }

  wantsConfidential(itemId: string): boolean {
    return this.confidentialChoice.get(itemId) ?? false;
  }

  setWantsConfidential(itemId: string, value: boolean): void {
    this.confidentialChoice.set(itemId, value);
  }

  /** Uploads `file` to `item`, as a new document or as a new version of
   * `replacing`. */
  start(item: AgendaItem, file: File, replacing: DocumentInfo | null): void {
    const { context } = this.editor;
    const { t } = context;
    const progressBar = h('progress', { attrs: { max: 100, value: 0 } });
    const status = h('span', { className: 'upload-status' });
    const dismiss = h(
      'button',
      { className: 'button button-small', attrs: { type: 'button' } },
      t('documentsEditor.dismiss'),
    );
    dismiss.hidden = true;
    const element = h(
      'li',
      { className: 'upload-job', attrs: { 'data-file-name': file.name, 'aria-live': 'polite' } },
      h('span', { className: 'upload-name' }, replacing ? `${replacing.title} ← ${file.name}` : file.name),
      progressBar,
      status,
      dismiss,
    );
    const job: UploadJob = { element };
    const list = this.jobs.get(item.id) ?? [];
    list.push(job);
    this.jobs.set(item.id, list);
    const remove = () => {
      const jobs = this.jobs.get(item.id) ?? [];
      this.jobs.set(
        item.id,
        jobs.filter((candidate) => candidate !== job),
      );
      element.remove();
    };
    dismiss.addEventListener('click', remove);

    const show = (progress: UploadProgress) => {
      element.dataset['uploadState'] = progress.phase;
      const line = uploadStatus(progress, file.name);
      status.textContent = 'text' in line ? line.text : t(line.key, line.params);
      status.setAttribute('role', progress.phase === 'failed' ? 'alert' : 'status');
      if (progress.phase === 'sending') {
        progressBar.value = percentSent(progress.loaded, progress.total);
      } else if (progress.phase === 'processing') {
        // The server's work has no measurable progress: an indeterminate bar.
        progressBar.removeAttribute('value');
      }
      progressBar.hidden = progress.phase === 'failed' || progress.phase === 'done';
      dismiss.hidden = progress.phase !== 'failed';
    };

    const fields: Record<string, string> = {};
    if (!replacing && this.wantsConfidential(item.id)) fields['confidential'] = 'true';
    const url = replacing ? newVersionUrl(replacing.id) : newDocumentUrl(this.editor.meeting().id, item.id);
    // Shown at once under the item; later redraws of the agenda take the
    // element from `jobElements`.
    document.querySelector(`.upload-jobs[data-item-id="${CSS.escape(item.id)}"]`)?.append(element);
    uploadDocument({
      url,
      file,
      fields,
      language: context.language,
      onProgress: show,
      signal: this.editor.signal,
    }).then(
      () => {
        show({ phase: 'done' });
        remove();
        void this.editor.refresh();
      },
      (error: unknown) => {
        if (isAbort(error, this.editor.signal) || context.handleCommonError(error)) return;
        show({ phase: 'failed', message: errorMessage(error, context) });
      },
    );
  }
}

/** One document of an item, with its mark and replacement. */
export function documentRow(
  document: DocumentInfo,
  item: AgendaItem,
  editor: EditorHandle,
  board: UploadBoard,
): HTMLElement {
  const { context } = editor;
  const { t, language } = context;
  const message = formMessage();
  const details = [
    formatPageCount(document.page_count, language),
    formatFileSize(document.size_bytes, language),
  ];
  if (document.version > 1) details.push(t('document.version', { version: document.version }));

  const confidential = h('input', {
    attrs: {
      type: 'checkbox',
      'aria-label': t('documentsEditor.confidentialLabel', { title: document.title }),
      disabled: !editor.editable(),
    },
  });
  confidential.checked = document.confidential;
  confidential.addEventListener(
    'change',
    () => {
      const wanted = confidential.checked;
      confidential.disabled = true;
      context.api.updateDocument(document.id, { confidential: wanted }).then(
        () => void editor.refresh(),
        (error: unknown) => {
          confidential.checked = !wanted;
          confidential.disabled = false;
          editor.fail(error, message);
        },
      );
    },
    { signal: editor.signal },
  );

  const picker = h('input', {
    attrs: { type: 'file', accept: acceptedFileTypes, hidden: true, 'data-replace-for': document.id },
  });
  picker.addEventListener(
    'change',
    () => {
      const file = picker.files?.[0];
      picker.value = '';
      if (file) board.start(item, file, document);
    },
    { signal: editor.signal },
  );
  const replace = h(
    'button',
    {
      className: 'button button-small',
      attrs: {
        type: 'button',
        'aria-label': t('documentsEditor.replaceLabel', { title: document.title }),
        disabled: !editor.editable(),
      },
      on: { click: () => picker.click() },
      signal: editor.signal,
    },
    t('documentsEditor.replace'),
  );

  return h(
    'li',
    {
      className: `editor-document${document.confidential ? ' document-confidential' : ''}`,
      attrs: { 'data-document-id': document.id },
    },
    h('span', { className: 'document-icon', attrs: { 'aria-hidden': 'true' } }, 'PDF'),
    h(
      'span',
      { className: 'document-text' },
      h('span', { className: 'document-title' }, document.title),
      h('span', { className: 'document-details muted' }, details.join(' · ')),
    ),
    document.confidential ? confidentialBadge(t) : null,
    h('label', { className: 'checkbox' }, confidential, h('span', {}, t('documentsEditor.confidential'))),
    replace,
    picker,
    message.element,
  );
}

/** The attach button, the drop hint, the confidential choice and the
 * item's uploads. */
export function uploadZone(item: AgendaItem, editor: EditorHandle, board: UploadBoard): HTMLElement {
  const { t } = editor.context;
  const picker = h('input', {
    attrs: {
      type: 'file',
      multiple: true,
      accept: acceptedFileTypes,
      hidden: true,
      'data-upload-for': item.id,
    },
  });
  picker.addEventListener(
    'change',
    () => {
      const files = [...(picker.files ?? [])];
      picker.value = '';
      for (const file of files) board.start(item, file, null);
    },
    { signal: editor.signal },
  );
  const confidentialId = `confidential-${item.id}`;
  const confidential = h('input', { attrs: { type: 'checkbox', id: confidentialId } });
  confidential.checked = board.wantsConfidential(item.id);
  confidential.addEventListener('change', () => board.setWantsConfidential(item.id, confidential.checked), {
    signal: editor.signal,
  });
  return h(
    'div',
    { className: 'upload-zone' },
    h(
      'button',
      {
        className: 'button',
        attrs: { type: 'button' },
        on: { click: () => picker.click() },
        signal: editor.signal,
      },
      t('documentsEditor.attach'),
    ),
    h('span', { className: 'muted upload-hint' }, t('documentsEditor.dropHere')),
    h(
      'label',
      { className: 'checkbox', attrs: { for: confidentialId } },
      confidential,
      h('span', {}, t('documentsEditor.newConfidential')),
    ),
    picker,
    h('ul', { className: 'upload-jobs', attrs: { 'data-item-id': item.id } }, ...board.jobElements(item.id)),
  );
}

/** Makes `target` accept files dropped from the computer for `item`. */
export function acceptFileDrops(
  target: HTMLElement,
  item: AgendaItem,
  editor: EditorHandle,
  board: UploadBoard,
): void {
  const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  let depth = 0;
  const options = { signal: editor.signal };
  target.addEventListener(
    'dragenter',
    (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth += 1;
      target.classList.add('is-drop-target');
    },
    options,
  );
  target.addEventListener(
    'dragover',
    (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    },
    options,
  );
  target.addEventListener(
    'dragleave',
    () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) target.classList.remove('is-drop-target');
    },
    options,
  );
  target.addEventListener(
    'drop',
    (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      target.classList.remove('is-drop-target');
      for (const file of event.dataTransfer?.files ?? []) board.start(item, file, null);
    },
    options,
  );
}
