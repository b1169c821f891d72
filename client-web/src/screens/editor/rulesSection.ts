// The meeting rules section of the secretary's console ("Quy chế cuộc
// họp"): a preset (standard, People's Committee session) or the
// secretary's own quorum and decision rule, saved with PATCH. Votes
// already opened keep the rule they were opened under (the server says
// so on each result).

import type { Comparison, DecisionBase, MeetingRules } from '../../api/types';
import type { MessageKey } from '../../i18n/i18n';
import {
  checkRules,
  decisionRuleText,
  peoplesCommitteeRules,
  presetOf,
  rulesFieldsOf,
  standardRules,
  thresholdText,
  type RulesFields,
  type RulesPreset,
} from '../../meetings/rules';
import { h } from '../../ui/dom';
import { formMessage } from '../../ui/forms';
import type { EditorHandle } from './editorHandle';

export function rulesSection(editor: EditorHandle): { element: HTMLElement; render(): void } {
  const { context, signal } = editor;
  const { t } = context;
  const element = h('section', {
    className: 'editor-section rules-section',
    attrs: { 'aria-labelledby': 'rules-title' },
  });
  const message = formMessage();

  const select = <Value extends string>(
    id: string,
    label: string,
    choices: ReadonlyArray<[Value, MessageKey]>,
    value: Value,
  ) => {
    const control = h('select', { className: 'input select', attrs: { id, name: id, 'aria-label': label } });
    for (const [choice, key] of choices) {
      const option = h('option', { attrs: { value: choice } }, t(key));
      option.selected = choice === value;
      control.append(option);
    }
    return control;
  };
  const numberInput = (id: string, label: string, value: string) => {
    const input = h('input', {
      className: 'input rules-number',
      attrs: { id, name: id, type: 'number', min: 1, max: 100, inputmode: 'numeric', 'aria-label': label },
    });
    input.value = value;
    return input;
  };
  const comparisons: ReadonlyArray<[Comparison, MessageKey]> = [
    ['at_least', 'rules.comparisonAtLeast'],
    ['more_than', 'rules.comparisonMoreThan'],
  ];

  function render() {
    const meeting = editor.meeting();
    const fields = rulesFieldsOf(meeting.rules);
    const preset = select<RulesPreset>(
      'rules-preset',
      t('rules.preset'),
      [
        ['standard', 'rules.presetStandard'],
        ['peoples_committee', 'rules.presetPeoplesCommittee'],
        ['custom', 'rules.presetCustom'],
      ],
      presetOf(meeting.rules),
    );
    const quorumComparison = select(
      'rules-quorum-comparison',
      t('rules.quorum'),
      comparisons,
      fields.quorumComparison,
    );
    const quorumNumerator = numberInput(
      'rules-quorum-numerator',
      t('rules.numerator'),
      fields.quorumNumerator,
    );
    const quorumDenominator = numberInput(
      'rules-quorum-denominator',
      t('rules.denominator'),
      fields.quorumDenominator,
    );
    const decisionComparison = select(
      'rules-decision-comparison',
      t('rules.decision'),
      comparisons,
      fields.decisionComparison,
    );
    const decisionNumerator = numberInput(
      'rules-decision-numerator',
      t('rules.numerator'),
      fields.decisionNumerator,
    );
    const decisionDenominator = numberInput(
      'rules-decision-denominator',
      t('rules.denominator'),
      fields.decisionDenominator,
    );
    const decisionBase = select<DecisionBase>(
      'rules-decision-base',
      t('rules.baseLabel'),
      [
        ['present', 'rules.basePresent'],
        ['all_members', 'rules.baseAll'],
      ],
      fields.decisionBase,
    );
    const current = h('p', {
      className: 'rules-current muted',
      attrs: { 'data-rules': '' },
    });
    const describe = (rules: MeetingRules) => {
      current.dataset['rules'] = presetOf(rules);
      current.textContent = t('rules.current', {
        quorum: thresholdText(rules.quorum, t),
        decision: decisionRuleText(rules.decision, t),
      });
    };
    describe(meeting.rules);
    const values = (): RulesFields => ({
      quorumComparison: quorumComparison.value as Comparison,
      quorumNumerator: quorumNumerator.value,
      quorumDenominator: quorumDenominator.value,
      decisionBase: decisionBase.value as DecisionBase,
      decisionComparison: decisionComparison.value as Comparison,
      decisionNumerator: decisionNumerator.value,
      decisionDenominator: decisionDenominator.value,
    });
    const fill = (rules: MeetingRules) => {
      const next = rulesFieldsOf(rules);
      quorumComparison.value = next.quorumComparison;
      quorumNumerator.value = next.quorumNumerator;
      quorumDenominator.value = next.quorumDenominator;
      decisionComparison.value = next.decisionComparison;
      decisionNumerator.value = next.decisionNumerator;
      decisionDenominator.value = next.decisionDenominator;
      decisionBase.value = next.decisionBase;
    };
    preset.addEventListener(
      'change',
      () => {
        if (preset.value === 'standard') fill(standardRules);
        if (preset.value === 'peoples_committee') fill(peoplesCommitteeRules);
      },
      { signal },
    );
    const inputs = [
      quorumComparison,
      quorumNumerator,
      quorumDenominator,
      decisionComparison,
      decisionNumerator,
      decisionDenominator,
      decisionBase,
    ];
    for (const input of inputs) {
      input.addEventListener(
        'input',
        () => {
          const checked = checkRules(values());
          preset.value = checked.ok ? presetOf(checked.rules) : 'custom';
        },
        { signal },
      );
    }
    const submit = h(
      'button',
      { className: 'button button-primary', attrs: { type: 'submit' } },
      t('rules.save'),
    );
    const form = h(
      'form',
      { className: 'rules-form', attrs: { novalidate: true } },
      h(
        'div',
        { className: 'field' },
        h('label', { className: 'field-label', attrs: { for: 'rules-preset' } }, t('rules.preset')),
        preset,
      ),
      h(
        'fieldset',
        { className: 'rules-row', attrs: { 'data-rule': 'quorum' } },
        h('legend', { className: 'field-label' }, t('rules.quorum')),
        quorumComparison,
        quorumNumerator,
        h('span', { attrs: { 'aria-hidden': 'true' } }, '/'),
        quorumDenominator,
        h('span', {}, t('rules.basePresentQuorum')),
      ),
      h(
        'fieldset',
        { className: 'rules-row', attrs: { 'data-rule': 'decision' } },
        h('legend', { className: 'field-label' }, t('rules.decision')),
        decisionComparison,
        decisionNumerator,
        h('span', { attrs: { 'aria-hidden': 'true' } }, '/'),
        decisionDenominator,
        decisionBase,
      ),
      message.element,
      h('div', { className: 'form-actions' }, submit),
    );
    const editable = editor.editable();
    for (const input of [preset, ...inputs, submit]) input.disabled = !editable;
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        if (submit.disabled) return;
        const checked = checkRules(values());
        if (!checked.ok) {
          message.error(t(checked.problem === 'quorum' ? 'rules.invalidQuorum' : 'rules.invalidDecision'));
          return;
        }
        submit.disabled = true;
        context.api.updateMeeting(meeting.id, { rules: checked.rules }).then(
          (next) => {
            editor.replaceMeeting(next);
            message.success(t('rules.saved'));
            describe(next.rules);
            submit.disabled = false;
          },
          (error: unknown) => {
            submit.disabled = false;
            editor.fail(error, message);
          },
        );
      },
      { signal },
    );
    element.replaceChildren(
      h('h2', { attrs: { id: 'rules-title' } }, t('rules.title')),
      h('p', { className: 'muted' }, t('rules.intro')),
      current,
      form,
    );
  }

  return { element, render };
}
