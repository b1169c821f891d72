// Meeting rules as the secretary chooses them and as the screens say them:
// the presets, the rule in words ("quá 1/2 tổng số thành viên"), and the
// form's fields to and from the wire's `MeetingRules`.
//
// The server decides whether a quorum is reached and whether a vote
// passed (in exact integers); this module only shows what it decided and
// checks what a secretary typed before it is sent.

import type { DecisionRule, MeetingRules, Threshold, VoteOutcome } from '../api/types';
import type { MessageKey, MessageParams } from '../i18n/i18n';

type Translate = (key: MessageKey, params?: MessageParams) => string;

/** At least half present; a vote passes with more than half of those
 * present. The rules of a meeting nobody set (as the server's
 * `MeetingRules::STANDARD`). */
export const standardRules: MeetingRules = {
  quorum: { comparison: 'at_least', fraction: { numerator: 1, denominator: 2 } },
  decision: {
    base: 'present',
    threshold: { comparison: 'more_than', fraction: { numerator: 1, denominator: 2 } },
  },
};

/** A People's Committee session: at least two-thirds present; a decision
 * needs more than half of all members (`MeetingRules::PEOPLES_COMMITTEE`). */
export const peoplesCommitteeRules: MeetingRules = {
  quorum: { comparison: 'at_least', fraction: { numerator: 2, denominator: 3 } },
  decision: {
    base: 'all_members',
    threshold: { comparison: 'more_than', fraction: { numerator: 1, denominator: 2 } },
  },
};

export type RulesPreset = 'standard' | 'peoples_committee' | 'custom';

function sameThreshold(a: Threshold, b: Threshold): boolean {
  return (
    a.comparison === b.comparison &&
    a.fraction.numerator === b.fraction.numerator &&
    a.fraction.denominator === b.fraction.denominator
  );
}

export function sameRules(a: MeetingRules, b: MeetingRules): boolean {
  return (
    sameThreshold(a.quorum, b.quorum) &&
    a.decision.base === b.decision.base &&
    sameThreshold(a.decision.threshold, b.decision.threshold)
  );
}

/** Which preset `rules` are, or `custom`. */
export function presetOf(rules: MeetingRules): RulesPreset {
  if (sameRules(rules, standardRules)) return 'standard';
  if (sameRules(rules, peoplesCommitteeRules)) return 'peoples_committee';
  return 'custom';
}

/** "ít nhất 2/3", "quá 1/2". */
export function thresholdText(threshold: Threshold, t: Translate): string {
  return t(threshold.comparison === 'at_least' ? 'rules.atLeast' : 'rules.moreThan', {
    fraction: `${threshold.fraction.numerator}/${threshold.fraction.denominator}`,
  });
}

/** "quá 1/2 tổng số thành viên". */
export function decisionRuleText(rule: DecisionRule, t: Translate): string {
  return t(rule.base === 'present' ? 'rules.ofPresent' : 'rules.ofAllMembers', {
    share: thresholdText(rule.threshold, t),
  });
}

/** "Thông qua" / "Không thông qua", and the detail under the rule. */
export function outcomeTexts(outcome: VoteOutcome, t: Translate): { verdict: string; detail: string } {
  return {
    verdict: t(outcome.passed ? 'rules.passed' : 'rules.notPassed'),
    detail: t('rules.outcomeDetail', {
      inFavour: outcome.in_favour,
      base: outcome.base,
      needed: outcome.needed,
      rule: decisionRuleText(outcome.rule, t),
    }),
  };
}

/** The rules form's fields, as text the inputs hold. */
export interface RulesFields {
  quorumComparison: Threshold['comparison'];
  quorumNumerator: string;
  quorumDenominator: string;
  decisionBase: DecisionRule['base'];
  decisionComparison: Threshold['comparison'];
  decisionNumerator: string;
  decisionDenominator: string;
}

export function rulesFieldsOf(rules: MeetingRules): RulesFields {
  return {
    quorumComparison: rules.quorum.comparison,
    quorumNumerator: String(rules.quorum.fraction.numerator),
    quorumDenominator: String(rules.quorum.fraction.denominator),
    decisionBase: rules.decision.base,
    decisionComparison: rules.decision.threshold.comparison,
    decisionNumerator: String(rules.decision.threshold.fraction.numerator),
    decisionDenominator: String(rules.decision.threshold.fraction.denominator),
  };
}

function threshold(
  comparison: Threshold['comparison'],
  numerator: string,
  denominator: string,
): Threshold | null {
  const top = /^\d{1,3}$/.test(numerator.trim()) ? Number(numerator) : NaN;
  const bottom = /^\d{1,3}$/.test(denominator.trim()) ? Number(denominator) : NaN;
  // As the server checks: 1 <= numerator <= denominator <= 100, and never
  // "more than" the whole.
  if (!(top >= 1 && top <= bottom && bottom <= 100)) return null;
  if (comparison === 'more_than' && top === bottom) return null;
  return { comparison, fraction: { numerator: top, denominator: bottom } };
}

/** The rules the fields say, or which part to fix. */
export function checkRules(
  fields: RulesFields,
): { ok: true; rules: MeetingRules } | { ok: false; problem: 'quorum' | 'decision' } {
  const quorum = threshold(fields.quorumComparison, fields.quorumNumerator, fields.quorumDenominator);
  if (!quorum) return { ok: false, problem: 'quorum' };
  const decision = threshold(fields.decisionComparison, fields.decisionNumerator, fields.decisionDenominator);
  if (!decision) return { ok: false, problem: 'decision' };
  return { ok: true, rules: { quorum, decision: { base: fields.decisionBase, threshold: decision } } };
}
