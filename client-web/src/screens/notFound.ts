// The screen for an address the app does not know (a mistyped bookmark).

import { hrefFor } from '../router/routes';
import { h } from '../ui/dom';
import type { Screen } from './context';

export const notFoundScreen: Screen = (root, context) => {
  const { t } = context;
  root.replaceChildren(
    h(
      'section',
      { className: 'screen' },
      h('h1', {}, t('notFound.title')),
      h(
        'a',
        { className: 'button button-primary', attrs: { href: hrefFor({ screen: 'meetings' }) } },
        t('notFound.back'),
      ),
    ),
  );
};
