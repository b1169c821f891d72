//! Meeting rules (quy chế cuộc họp): how many members must be present to
//! hold the meeting, and what a vote needs to pass.
//!
//! Fractions travel as two integers, never as a float, so "exactly
//! two-thirds" is exact on both sides of the wire: 18 of 27 members is two
//! thirds, not 0.6666… against 0.67.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A fraction of members, `numerator / denominator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Fraction {
    pub numerator: u32,
    pub denominator: u32,
}

/// How a count is compared with its fraction of the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// "ít nhất": the count is the fraction of the base or more.
    AtLeast,
    /// "quá": the count is strictly more than the fraction of the base
    /// ("quá nửa" is more than one half).
    MoreThan,
}

/// A share of members: "at least two-thirds", "more than half".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Threshold {
    pub comparison: Comparison,
    pub fraction: Fraction,
}

/// Whom a vote's threshold counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionBase {
    /// The voting members present (or late) when the vote opened.
    Present,
    /// Every voting member of the meeting ("tổng số thành viên").
    AllMembers,
}

/// What a vote needs to pass: ballots for its first option ("Tán thành")
/// against a share of a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DecisionRule {
    pub base: DecisionBase,
    pub threshold: Threshold,
}

/// The rules of one meeting, set by its secretary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeetingRules {
    /// The share of voting members that must be present (or late) to hold
    /// the meeting.
    pub quorum: Threshold,
    /// What a vote opened in this meeting needs to pass; a vote keeps the
    /// rule it was opened under.
    pub decision: DecisionRule,
}

const HALF: Fraction = Fraction {
    numerator: 1,
    denominator: 2,
};

impl MeetingRules {
    /// The rules of a meeting nobody set: at least half of the members
    /// present, and a vote passes with more than half of those present.
    pub const STANDARD: MeetingRules = MeetingRules {
        quorum: Threshold {
            comparison: Comparison::AtLeast,
            fraction: HALF,
        },
        decision: DecisionRule {
            base: DecisionBase::Present,
            threshold: Threshold {
                comparison: Comparison::MoreThan,
                fraction: HALF,
            },
        },
    };

    /// A session of a People's Committee (phiên họp Ủy ban nhân dân): at
    /// least two-thirds of the members present, and a decision needs more
    /// than half of all members.
    pub const PEOPLES_COMMITTEE: MeetingRules = MeetingRules {
        quorum: Threshold {
            comparison: Comparison::AtLeast,
            fraction: Fraction {
                numerator: 2,
                denominator: 3,
            },
        },
        decision: DecisionRule {
            base: DecisionBase::AllMembers,
            threshold: Threshold {
                comparison: Comparison::MoreThan,
                fraction: HALF,
            },
        },
    };
}

impl Default for MeetingRules {
    fn default() -> Self {
        MeetingRules::STANDARD
    }
}

/// A closed vote measured against its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteOutcome {
    /// "Thông qua" (true) or "Không thông qua" (false).
    pub passed: bool,
    /// Ballots for the first option ("Tán thành" among the standard ones).
    pub in_favour: u32,
    /// How many members the rule counts against, fixed when the vote
    /// opened (those present then, or all members).
    pub base: u32,
    /// The fewest ballots in favour that pass.
    pub needed: u32,
    /// The rule the vote was opened under.
    pub rule: DecisionRule,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_travel_as_integers_and_snake_case_names() {
        let json = serde_json::to_value(MeetingRules::PEOPLES_COMMITTEE).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "quorum": {"comparison": "at_least", "fraction": {"numerator": 2, "denominator": 3}},
                "decision": {
                    "base": "all_members",
                    "threshold": {"comparison": "more_than", "fraction": {"numerator": 1, "denominator": 2}}
                }
            })
        );
        let back: MeetingRules = serde_json::from_value(json).unwrap();
        assert_eq!(back, MeetingRules::PEOPLES_COMMITTEE);
    }
}
