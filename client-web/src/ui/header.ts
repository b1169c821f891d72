// The bar at the top of every screen: the app's name, the user's display
// name, the language switch and "Đăng xuất", plus a line that appears
// while the tablet is offline (mất kết nối).

import type { User } from '../api/types';
import type { Language, MessageKey } from '../i18n/i18n';
import { hrefFor } from '../router/routes';
import { h } from './dom';

export interface HeaderOptions {
  user: User | null;
  language: Language;
  online: boolean;
  t: (key: MessageKey) => string;
  switchLanguage: () => void;
  logout: () => void;
}

export function renderHeader(options: HeaderOptions): HTMLElement {
  const { t, user } = options;
  return h(
    'header',
    { className: 'app-header' },
    h(
      'div',
      { className: 'header-bar' },
      h(
        'a',
        { className: 'brand', attrs: { href: hrefFor({ screen: user ? 'meetings' : 'login' }) } },
        t('app.title'),
      ),
      h(
        'div',
        { className: 'header-actions' },
        user
          ? h(
              'a',
              {
                className: 'user-name',
                attrs: {
                  'data-user-id': user.id,
                  href: hrefFor({ screen: 'account' }),
                  title: t('header.account'),
                },
              },
              user.display_name,
            )
          : null,
        h(
          'button',
          {
            className: 'button button-quiet',
            attrs: {
              type: 'button',
              lang: options.language === 'vi' ? 'en' : 'vi',
              title: t('header.switchLanguageLabel'),
            },
            on: { click: options.switchLanguage },
          },
          t('header.switchLanguage'),
        ),
        user
          ? h(
              'button',
              { className: 'button button-quiet', attrs: { type: 'button' }, on: { click: options.logout } },
              t('header.logout'),
            )
          : null,
      ),
    ),
    options.online
      ? null
      : h('p', { className: 'offline-banner', attrs: { role: 'status' } }, t('header.offline')),
  );
}
