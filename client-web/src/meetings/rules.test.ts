import { describe, expect, it } from 'vitest';
import { translate } from '../i18n/i18n';
import type { MessageKey, MessageParams } from '../i18n/i18n';
import {
  checkRules,
  decisionRuleText,
  outcomeTexts,
  peoplesCommitteeRules,
  presetOf,
  rulesFieldsOf,
  standardRules,
} from './rules';

const t = (key: MessageKey, params?: MessageParams) => translate('vi', key, params);

describe('meeting rules', () => {
  it('names the presets and tells a secretary’s own rules apart', () => {
    expect(presetOf(standardRules)).toBe('standard');
    expect(presetOf(peoplesCommitteeRules)).toBe('peoples_committee');
    expect(presetOf({ ...standardRules, decision: peoplesCommitteeRules.decision })).toBe('custom');
  });

  it('says a rule in words', () => {
    expect(decisionRuleText(peoplesCommitteeRules.decision, t)).toBe('quá 1/2 tổng số thành viên');
    expect(
      decisionRuleText(
        {
          base: 'present',
          threshold: { comparison: 'at_least', fraction: { numerator: 2, denominator: 3 } },
        },
        t,
      ),
    ).toBe('ít nhất 2/3 số thành viên có mặt');
  });

  it('says whether a vote passed and why', () => {
    const texts = outcomeTexts(
      { passed: false, in_favour: 13, base: 27, needed: 14, rule: peoplesCommitteeRules.decision },
      t,
    );
    expect(texts.verdict).toBe('Không thông qua');
    expect(texts.detail).toBe('Tán thành 13/27, cần 14 (quá 1/2 tổng số thành viên)');
  });

  it('round-trips the form and refuses what the server refuses', () => {
    const fields = rulesFieldsOf(peoplesCommitteeRules);
    expect(checkRules(fields)).toEqual({ ok: true, rules: peoplesCommitteeRules });
    expect(checkRules({ ...fields, quorumNumerator: '0' })).toEqual({ ok: false, problem: 'quorum' });
    expect(checkRules({ ...fields, quorumNumerator: '4' })).toEqual({ ok: false, problem: 'quorum' });
    expect(checkRules({ ...fields, quorumDenominator: '101' })).toEqual({ ok: false, problem: 'quorum' });
    expect(checkRules({ ...fields, decisionNumerator: '2', decisionDenominator: '2' })).toEqual({
      ok: false,
      problem: 'decision',
    });
    expect(checkRules({ ...fields, decisionNumerator: 'một' })).toEqual({ ok: false, problem: 'decision' });
  });
});
