//! Meeting rules, measured: whether the members present make a quorum and
//! whether a closed vote passed, in exact integer arithmetic (a share is
//! compared by cross-multiplying in `u64`, never through a float), and
//! which rules a secretary may set.
//!
//! The wire types ([`MeetingRules`], [`Threshold`], [`VoteOutcome`]) live
//! in `phonghop_protocol::rules`; this module only decides.
//!
//! [`reaches`] and [`needed`] compare a count with a share of a base (so
//! exactly two-thirds is two-thirds); [`outcome`] says whether a closed
//! vote passed: the ballots for its first option ("Tán thành") against the
//! base fixed when it opened (those present, or all members); [`check`]
//! refuses fractions outside (0, 1] and "more than all". The live room
//! copies the meeting's decision rule into each vote when it opens
//! (`votes.decision_rule`, `votes.decision_base`), so changing the rules
//! never changes a result already announced; the record says "Thông qua"
//! or "Không thông qua" under it ([`outcome_text`]).

use phonghop_protocol::rules::{
    Comparison, DecisionBase, DecisionRule, MeetingRules, Threshold, VoteOutcome,
};

/// The largest denominator a rule may use (a share of a meeting, not a
/// precision exercise).
pub const MAX_DENOMINATOR: u32 = 100;

/// Why a secretary's rules were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("a fraction needs 1 <= numerator <= denominator <= 100")]
    BadFraction,
    #[error("\"more than\" the whole of the members can never be reached")]
    Unreachable,
}

/// Whether `count` of `base` reaches `threshold`. Nothing reaches a
/// threshold of an empty base.
pub fn reaches(count: u32, base: u32, threshold: Threshold) -> bool {
    if base == 0 {
        return false;
    }
    let count_share = u64::from(count) * u64::from(threshold.fraction.denominator);
    let needed_share = u64::from(threshold.fraction.numerator) * u64::from(base);
    match threshold.comparison {
        Comparison::AtLeast => count_share >= needed_share,
        Comparison::MoreThan => count_share > needed_share,
    }
}

/// The fewest of `base` that reach `threshold` (at least 1). Can be more
/// than `base` only for a rule [`check`] refuses.
pub fn needed(base: u32, threshold: Threshold) -> u32 {
    let numerator = u64::from(threshold.fraction.numerator) * u64::from(base);
    let denominator = u64::from(threshold.fraction.denominator.max(1));
    let fewest = match threshold.comparison {
        Comparison::AtLeast => numerator.div_ceil(denominator),
        Comparison::MoreThan => numerator / denominator + 1,
    };
    u32::try_from(fewest.max(1)).unwrap_or(u32::MAX)
}

/// A closed vote's outcome: `in_favour` ballots against `base` members.
pub fn outcome(in_favour: u32, base: u32, rule: DecisionRule) -> VoteOutcome {
    VoteOutcome {
        passed: reaches(in_favour, base, rule.threshold),
        in_favour,
        base,
        needed: needed(base, rule.threshold),
        rule,
    }
}

/// Checks rules a secretary sets: every fraction between 0 (excluded) and
/// 1, with a small denominator, and no "more than all" threshold.
pub fn check(rules: &MeetingRules) -> Result<(), RulesError> {
    for threshold in [rules.quorum, rules.decision.threshold] {
        let fraction = threshold.fraction;
        if fraction.numerator == 0
            || fraction.numerator > fraction.denominator
            || fraction.denominator > MAX_DENOMINATOR
        {
            return Err(RulesError::BadFraction);
        }
        if threshold.comparison == Comparison::MoreThan
            && fraction.numerator == fraction.denominator
        {
            return Err(RulesError::Unreachable);
        }
    }
    Ok(())
}

/// A decision rule in words, for the record: "quá 1/2 tổng số thành
/// viên", "ít nhất 2/3 số thành viên có mặt".
pub fn decision_rule_text(rule: &DecisionRule) -> String {
    format!(
        "{} {}",
        threshold_text(rule.threshold),
        match rule.base {
            DecisionBase::Present => "số thành viên có mặt",
            DecisionBase::AllMembers => "tổng số thành viên",
        }
    )
}

/// A threshold in words: "quá 1/2", "ít nhất 2/3".
pub fn threshold_text(threshold: Threshold) -> String {
    format!(
        "{} {}/{}",
        match threshold.comparison {
            Comparison::AtLeast => "ít nhất",
            Comparison::MoreThan => "quá",
        },
        threshold.fraction.numerator,
        threshold.fraction.denominator
    )
}

/// A closed vote's result in words, for the record: "Thông qua (tán thành
/// 14/27; quy chế: quá 1/2 tổng số thành viên, cần ít nhất 14)".
pub fn outcome_text(outcome: &VoteOutcome) -> String {
    format!(
        "{} (tán thành {}/{}; quy chế: {}, cần ít nhất {})",
        if outcome.passed {
            "Thông qua"
        } else {
            "Không thông qua"
        },
        outcome.in_favour,
        outcome.base,
        decision_rule_text(&outcome.rule),
        outcome.needed
    )
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::rules::Fraction;

    use super::*;

    fn at_least(numerator: u32, denominator: u32) -> Threshold {
        Threshold {
            comparison: Comparison::AtLeast,
            fraction: Fraction {
                numerator,
                denominator,
            },
        }
    }

    fn more_than(numerator: u32, denominator: u32) -> Threshold {
        Threshold {
            comparison: Comparison::MoreThan,
            fraction: Fraction {
                numerator,
                denominator,
            },
        }
    }

    #[test]
    fn exactly_two_thirds_present_is_a_quorum_and_one_fewer_is_not() {
        let quorum = MeetingRules::PEOPLES_COMMITTEE.quorum;
        // 18 of 27 is exactly two-thirds.
        assert!(reaches(18, 27, quorum));
        assert!(!reaches(17, 27, quorum));
        assert_eq!(needed(27, quorum), 18);
        // 26 members: two-thirds is 17.33…, so 18 are needed.
        assert!(!reaches(17, 26, quorum));
        assert!(reaches(18, 26, quorum));
        assert_eq!(needed(26, quorum), 18);
    }

    #[test]
    fn exactly_half_is_at_least_half_but_not_more_than_half() {
        assert!(reaches(13, 26, at_least(1, 2)));
        assert!(!reaches(13, 26, more_than(1, 2)));
        assert!(reaches(14, 26, more_than(1, 2)));
        assert_eq!(needed(26, at_least(1, 2)), 13);
        assert_eq!(needed(26, more_than(1, 2)), 14);
        // An odd base: more than half of 25 is 13, as is at least half.
        assert_eq!(needed(25, more_than(1, 2)), 13);
        assert_eq!(needed(25, at_least(1, 2)), 13);
        assert!(!reaches(12, 25, at_least(1, 2)));
    }

    #[test]
    fn a_vote_at_exactly_two_thirds_passes_a_two_thirds_rule_and_one_less_fails() {
        let rule = DecisionRule {
            base: DecisionBase::Present,
            threshold: at_least(2, 3),
        };
        let passed = outcome(16, 24, rule);
        assert!(passed.passed);
        assert_eq!((passed.in_favour, passed.base, passed.needed), (16, 24, 16));
        assert!(!outcome(15, 24, rule).passed);
    }

    #[test]
    fn peoples_committee_decision_counts_all_members_not_those_present() {
        // 27 members, 20 present, 13 in favour: a majority of those
        // present, but not more than half of all members.
        let rule = MeetingRules::PEOPLES_COMMITTEE.decision;
        assert_eq!(rule.base, DecisionBase::AllMembers);
        let lost = outcome(13, 27, rule);
        assert!(!lost.passed);
        assert_eq!(lost.needed, 14);
        assert!(outcome(14, 27, rule).passed);
        // Under the standard rule the base is those present.
        assert!(outcome(13, 20, MeetingRules::STANDARD.decision).passed);
    }

    #[test]
    fn an_outcome_reads_as_the_record_says_it() {
        assert_eq!(
            outcome_text(&outcome(14, 27, MeetingRules::PEOPLES_COMMITTEE.decision)),
            "Thông qua (tán thành 14/27; quy chế: quá 1/2 tổng số thành viên, cần ít nhất 14)"
        );
        assert_eq!(
            outcome_text(&outcome(
                15,
                24,
                DecisionRule {
                    base: DecisionBase::Present,
                    threshold: at_least(2, 3),
                }
            )),
            "Không thông qua (tán thành 15/24; quy chế: ít nhất 2/3 số thành viên có mặt, cần ít nhất 16)"
        );
    }

    #[test]
    fn nothing_reaches_a_share_of_no_one() {
        assert!(!reaches(0, 0, at_least(1, 2)));
        assert!(!outcome(0, 0, MeetingRules::STANDARD.decision).passed);
        assert_eq!(needed(0, at_least(1, 2)), 1);
    }

    #[test]
    fn large_counts_do_not_overflow() {
        assert!(reaches(u32::MAX, u32::MAX, at_least(100, 100)));
        assert!(!reaches(u32::MAX - 1, u32::MAX, at_least(100, 100)));
        assert_eq!(needed(u32::MAX, at_least(1, 1)), u32::MAX);
    }

    #[test]
    fn rules_with_impossible_fractions_are_refused() {
        assert_eq!(check(&MeetingRules::STANDARD), Ok(()));
        assert_eq!(check(&MeetingRules::PEOPLES_COMMITTEE), Ok(()));
        let with_quorum = |quorum| MeetingRules {
            quorum,
            ..MeetingRules::STANDARD
        };
        assert_eq!(
            check(&with_quorum(at_least(0, 2))),
            Err(RulesError::BadFraction)
        );
        assert_eq!(
            check(&with_quorum(at_least(3, 2))),
            Err(RulesError::BadFraction)
        );
        assert_eq!(
            check(&with_quorum(at_least(1, 0))),
            Err(RulesError::BadFraction)
        );
        assert_eq!(
            check(&with_quorum(at_least(1, 101))),
            Err(RulesError::BadFraction)
        );
        assert_eq!(
            check(&with_quorum(more_than(1, 1))),
            Err(RulesError::Unreachable)
        );
        assert_eq!(check(&with_quorum(at_least(1, 1))), Ok(()));
    }
}
