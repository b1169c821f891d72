// How this device likes its documents fitted, per orientation (pure over a
// `Storage`): fit width in landscape and fit page in portrait until the
// reader picks otherwise; a two-page spread only in landscape.

import type { FitMode } from './layout';

export type Orientation = 'landscape' | 'portrait';

export interface ViewPreference {
  landscape: FitMode;
  portrait: FitMode;
}

export const defaultViewPreference: ViewPreference = { landscape: 'width', portrait: 'page' };

const storageKey = 'phonghop.readerView';

export function orientationOf(width: number, height: number): Orientation {
  return width >= height ? 'landscape' : 'portrait';
}

/** The modes offered in an orientation: a spread needs a wide screen. */
export function modesFor(orientation: Orientation): FitMode[] {
  return orientation === 'landscape' ? ['width', 'page', 'spread'] : ['width', 'page'];
}

function isMode(value: unknown): value is FitMode {
  return value === 'width' || value === 'page' || value === 'spread';
}

export function loadViewPreference(storage: Pick<Storage, 'getItem'> | undefined): ViewPreference {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(storageKey) ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) return defaultViewPreference;
    const { landscape, portrait } = parsed as Record<string, unknown>;
    return {
      landscape: isMode(landscape) ? landscape : defaultViewPreference.landscape,
      portrait: isMode(portrait) && portrait !== 'spread' ? portrait : defaultViewPreference.portrait,
    };
  } catch {
    return defaultViewPreference;
  }
}

/** The preference with `mode` chosen for `orientation`, saved. */
export function chooseMode(
  storage: Pick<Storage, 'setItem'> | undefined,
  preference: ViewPreference,
  orientation: Orientation,
  mode: FitMode,
): ViewPreference {
  if (!modesFor(orientation).includes(mode)) return preference;
  const next = { ...preference, [orientation]: mode };
  try {
    storage?.setItem(storageKey, JSON.stringify(next));
  } catch {
    // A full or forbidden storage only loses the preference.
  }
  return next;
}
