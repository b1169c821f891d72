// The minutes draft (dự thảo biên bản): the meeting's `minutes` Automerge
// document (`{text}`, seeded by the server with the agenda), edited
// together by the secretary and the chair in their console and read by
// everyone else on the meeting screen.
//
// Whether the text box is editable is the server's word (`access` of the
// `minutes` sync document: staff write until the meeting closes, others
// read); the server also drops a reader's changes. Typing is written a
// moment after the last key as one Automerge `splice` of what changed
// since the text box last showed the shared text, moved past the other
// writer's edits (`collaborativeText/typing.ts`), so both writers' edits survive. An
// edit from the other writer replaces the text box's value with the caret
// carried over, but never during an input method's composition
// (Vietnamese Telex/VNI), which a replaced value would break.

import type { DocHandle } from '@automerge/automerge-repo/slim';
import type { Meeting } from '../api/types';
import { carrySelection, rebaseTyping } from '../collaborativeText/typing';
import { h } from '../ui/dom';
import type { ScreenContext } from './context';

interface MinutesDocument {
  text: string;
}

/** How long after the last key the text is written. */
const writeDelayMilliseconds = 300;

/** The minutes panel, or `null` when the meeting gives the user no minutes
 * document. `id` keeps two panels on one page apart. */
export function minutesPanel(
  meeting: Meeting,
  context: ScreenContext,
  signal: AbortSignal,
): HTMLElement | null {
  const { t } = context;
  const entry = meeting.sync_documents.find((document) => document.kind === 'minutes');
  const user = context.user;
  if (!entry || !user) return null;
  const writable = entry.access === 'write';

  const status = h(
    'p',
    { className: 'muted minutes-status', attrs: { role: 'status' } },
    t('minutes.loading'),
  );
  const text = h('textarea', {
    className: 'input minutes-text',
    attrs: { id: 'minutes-text', rows: 14, spellcheck: 'false', readonly: true },
  });
  const panel = h(
    'section',
    {
      className: 'minutes-panel',
      attrs: { 'aria-labelledby': 'minutes-title', 'data-minutes': 'loading', 'data-access': entry.access },
    },
    h(
      'h2',
      { attrs: { id: 'minutes-title' } },
      h('label', { attrs: { for: 'minutes-text' } }, t('minutes.title')),
    ),
    h('p', { className: 'muted' }, writable ? t('minutes.editHint') : t('minutes.readOnly')),
    text,
    status,
  );

  let handle: DocHandle<MinutesDocument> | null = null;
  let splice:
    | ((
        document: MinutesDocument,
        path: string[],
        start: number,
        deleteCount: number,
        insert: string,
      ) => void)
    | null = null;
  /** The shared text as the text box last showed it: what was typed since
   * is the difference between it and the box. */
  let base = '';
  let writeTimer: number | undefined;
  let composing = false;

  const sharedText = () => String(handle?.doc()?.text ?? '');

  /** Shows the shared text, keeping the caret where it was. */
  const show = () => {
    const latest = sharedText();
    base = latest;
    if (latest === text.value) return;
    const focused = document.activeElement === text;
    const [start, end] = carrySelection(text.value, latest, text.selectionStart, text.selectionEnd);
    text.value = latest;
    if (focused) text.setSelectionRange(start, end);
  };

  /** Writes what was typed since `base` into the shared text (moved past
   * whatever the other writer changed meanwhile), then shows the result. */
  const flush = () => {
    window.clearTimeout(writeTimer);
    writeTimer = undefined;
    const write = splice;
    if (!handle || !write || composing) return;
    const typed = writable ? rebaseTyping(base, text.value, sharedText()) : null;
    if (typed)
      handle.change((document) => write(document, ['text'], typed.start, typed.deleteCount, typed.insert));
    show();
  };
  const flushSoon = (delay: number) => {
    window.clearTimeout(writeTimer);
    writeTimer = window.setTimeout(flush, delay);
  };

  text.addEventListener('input', () => flushSoon(writeDelayMilliseconds), { signal });
  text.addEventListener('compositionstart', () => (composing = true), { signal });
  text.addEventListener(
    'compositionend',
    () => {
      composing = false;
      flushSoon(writeDelayMilliseconds);
    },
    { signal },
  );
  text.addEventListener('blur', flush, { signal });
  signal.addEventListener('abort', flush);

  void (async () => {
    try {
      const sync = await import('../sync/repo');
      const repo = await sync.syncRepo(user.id);
      if (signal.aborted) return;
      splice = sync.splice as unknown as typeof splice;
      const opened = await sync.openSyncDocument<MinutesDocument>(repo, entry.url, signal);
      if (signal.aborted) return;
      handle = opened;
      // Another writer's edit: shown at once, unless this writer has
      // typing not yet written or is composing; then it is shown with the
      // next write (never from inside this event: a change made while
      // the handle reports one would be lost).
      const onChange = () => {
        if (composing) return;
        if (text.value !== base) flushSoon(0);
        else show();
      };
      opened.on('change', onChange);
      signal.addEventListener('abort', () => opened.off('change', onChange));
      show();
      text.readOnly = !writable;
      panel.dataset['minutes'] = 'ready';
      status.textContent = '';
      status.hidden = true;
    } catch (error) {
      if (signal.aborted) return;
      console.warn('phonghop: could not open the minutes', error);
      panel.dataset['minutes'] = 'unavailable';
      status.textContent = t('minutes.unavailable');
    }
  })();

  return panel;
}
