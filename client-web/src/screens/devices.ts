// "Thiết bị của tài khoản": for administrators, the devices an account has
// used (what it is, its address, first and last use, its state) and
// "Xóa dữ liệu từ xa" with a confirmation. The device does the wipe at its
// next connection (`wipe/wipe.ts`); the table says when it confirmed.

import type { DeviceInfo, UserAccount } from '../api/types';
import { formatAuditTime } from '../console/audit';
import { canAskWipe, deviceDescription, deviceState, deviceStateText } from '../console/devices';
import { hrefFor } from '../router/routes';
import { errorPanel, loadingMessage } from '../ui/components';
import { confirmAction } from '../ui/dialog';
import { h } from '../ui/dom';
import { errorMessage, isAbort, loadFailureMessage, type Screen, type ScreenContext } from './context';

function devicesTable(
  account: UserAccount,
  devices: DeviceInfo[],
  context: ScreenContext,
  askWipe: (device: DeviceInfo) => void,
): HTMLElement {
  const { t } = context;
  if (devices.length === 0) return h('p', { className: 'empty' }, t('devices.empty'));
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'audit-table devices-table' },
      h('caption', { className: 'visually-hidden' }, `${t('devices.title')}: ${account.display_name}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'col' } }, t('devices.device')),
          h('th', { attrs: { scope: 'col' } }, t('devices.address')),
          h('th', { attrs: { scope: 'col' } }, t('devices.firstSeen')),
          h('th', { attrs: { scope: 'col' } }, t('devices.lastSeen')),
          h('th', { attrs: { scope: 'col' } }, t('devices.state')),
          h(
            'th',
            { attrs: { scope: 'col' } },
            h('span', { className: 'visually-hidden' }, t('devices.wipe')),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...devices.map((device) =>
          h(
            'tr',
            { attrs: { 'data-device-id': device.device_id, 'data-state': deviceState(device) } },
            h(
              'td',
              {},
              h('span', {}, deviceDescription(device, t)),
              h('br'),
              h('span', { className: 'muted', attrs: { title: device.user_agent ?? '' } }, device.device_id),
            ),
            h('td', {}, device.address ?? '—'),
            h('td', { className: 'audit-time' }, formatAuditTime(device.first_seen_at_ms)),
            h('td', { className: 'audit-time' }, formatAuditTime(device.last_seen_at_ms)),
            h('td', { className: 'device-state' }, deviceStateText(device, t)),
            h(
              'td',
              {},
              canAskWipe(device)
                ? h(
                    'button',
                    {
                      className: 'button button-danger',
                      attrs: { type: 'button' },
                      on: { click: () => askWipe(device) },
                    },
                    t('devices.wipe'),
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

export const devicesScreen =
  (userId: string | null): Screen =>
  (root, context, signal) => {
    const { t } = context;
    const back = h(
      'a',
      { className: 'back-link', attrs: { href: hrefFor({ screen: 'meetings' }) } },
      `‹ ${t('console.backToMeetings')}`,
    );
    const notice = h('p', { className: 'devices-notice', attrs: { role: 'status' } });
    notice.hidden = true;
    const body = h('div', {}, loadingMessage(t('common.loading')));
    root.replaceChildren(
      h(
        'section',
        { className: 'screen screen-console' },
        back,
        h('h1', {}, t('devices.title')),
        h('p', { className: 'muted' }, t('devices.intro')),
        notice,
        body,
      ),
    );

    const fail = (error: unknown, retry: () => void) => {
      if (isAbort(error, signal) || context.handleCommonError(error)) return;
      body.replaceChildren(
        errorPanel(loadFailureMessage(error, context), { label: t('common.retry'), run: retry }),
      );
    };

    const load = () => {
      body.replaceChildren(loadingMessage(t('common.loading')));
      Promise.all([
        context.api.listUsers(),
        userId === null ? Promise.resolve(null) : context.api.listDevices(userId),
      ]).then(
        ([accounts, devices]) => {
          if (signal.aborted) return;
          const picker = h('select', {
            className: 'input select',
            attrs: { id: 'devices-account' },
            on: {
              change: () => {
                const chosen = picker.value;
                context.navigate({ screen: 'devices', userId: chosen === '' ? null : chosen });
              },
            },
          });
          picker.append(h('option', { attrs: { value: '' } }, t('devices.chooseAccount')));
          for (const account of accounts) {
            const option = h(
              'option',
              { attrs: { value: account.id } },
              `${account.display_name} (${account.username})`,
            );
            option.selected = account.id === userId;
            picker.append(option);
          }
          const account = accounts.find((candidate) => candidate.id === userId) ?? null;
          const askWipe = (device: DeviceInfo) => {
            if (!account) return;
            const description = deviceDescription(device, t);
            void confirmAction({
              question: t('devices.wipeQuestion', { name: account.display_name, device: description }),
              confirmLabel: t('devices.wipe'),
              cancelLabel: t('console.cancel'),
              danger: true,
            }).then((confirmed) => {
              if (!confirmed || signal.aborted) return;
              context.api.wipeDevice(account.id, device.device_id).then(
                () => {
                  if (signal.aborted) return;
                  notice.textContent = t('devices.wipeAsked');
                  notice.hidden = false;
                  load();
                },
                (error: unknown) => {
                  if (isAbort(error, signal) || context.handleCommonError(error)) return;
                  notice.textContent = errorMessage(error, context);
                  notice.hidden = false;
                },
              );
            });
          };
          body.replaceChildren(
            h(
              'div',
              { className: 'field' },
              h('label', { className: 'label', attrs: { for: 'devices-account' } }, t('devices.account')),
              picker,
            ),
            ...(account && devices ? [devicesTable(account, devices, context, askWipe)] : []),
          );
        },
        (error: unknown) => fail(error, load),
      );
    };
    load();
  };
