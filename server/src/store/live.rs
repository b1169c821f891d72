//! What the live meeting must not lose: attendance, votes and speaking
//! turns.
//!
//! **Ballots.** A vote keeps *receipts* (who voted; for an open vote also
//! their choice) apart from *tallies* (how many chose each option). For a
//! secret vote the choice is only ever added to a tally, in the same
//! transaction as the receipt, so no row links a voter to a choice, neither
//! by content nor by order or time (receipts carry no time). A receipt's
//! primary key makes a second ballot from the same voter impossible, on
//! any number of devices or server nodes.
//!
//! **Changed ballots.** When a vote allows changes, a second ballot from
//! the same voter replaces the first in one transaction: the receipt stays
//! one row and the old choice's tally moves to the new one, so the count is
//! still one per voter. An open vote's receipt names the choice, so the old
//! choice is read from it. A secret vote's receipt holds only a
//! *commitment*, the SHA-256 of the vote, the voter, a secret key the
//! voter's device generated and keeps (never stored here) and the choice;
//! the device sends the key again to change, the store finds which option
//! the commitment opens to, and moves that tally. Without the key no row
//! says anything about the choice.
//!
//! **Requests to the secretary** (`secretary_requests`): who asked for
//! what, when, and who handled it.

use phonghop_protocol::rules::DecisionRule;
use sqlx::Row;

use super::fences::{check_fence, Fence};
use super::records::DbEnum;
use super::{now_millis, Store, StoreError, StoreResult, WriteTx};

pub use phonghop_protocol::live::{AttendanceStatus, SecretaryRequestKind, VoteEligibility};

impl DbEnum for AttendanceStatus {
    const COLUMN: &'static str = "attendance.status";
    const ALL: &'static [(Self, &'static str)] = &[
        (AttendanceStatus::Present, "present"),
        (AttendanceStatus::Absent, "absent"),
        (AttendanceStatus::Late, "late"),
    ];
}

impl DbEnum for VoteEligibility {
    const COLUMN: &'static str = "votes.eligibility";
    const ALL: &'static [(Self, &'static str)] = &[
        (VoteEligibility::Present, "present"),
        (VoteEligibility::AllVotingMembers, "all_voting_members"),
    ];
}

impl DbEnum for SecretaryRequestKind {
    const COLUMN: &'static str = "secretary_requests.kind";
    const ALL: &'static [(Self, &'static str)] = &[
        (SecretaryRequestKind::PaperCopy, "paper_copy"),
        (SecretaryRequestKind::TechHelp, "tech_help"),
        (SecretaryRequestKind::Other, "other"),
    ];
}

/// A stored attendance mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRecord {
    pub meeting_id: String,
    pub user_id: String,
    pub status: AttendanceStatus,
    pub reason: Option<String>,
    pub at: i64,
    pub marked_by: String,
}

/// A stored vote with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRecord {
    pub id: String,
    pub meeting_id: String,
    pub agenda_item_id: Option<String>,
    pub question: String,
    pub options: Vec<String>,
    pub secret: bool,
    pub open: bool,
    pub eligible: i64,
    /// How the eligible voters were chosen; `None` for votes stored before
    /// it was recorded.
    pub eligibility: Option<VoteEligibility>,
    /// Who may vote, fixed at opening; `None` for votes stored before it
    /// was recorded (any voting member).
    pub eligible_voters: Option<Vec<String>>,
    /// Whether a voter may change their ballot until the vote closes.
    pub allow_change: bool,
    /// The decision rule the vote was opened under and how many members
    /// it counts against; `None` for votes stored before rules were kept.
    pub decision: Option<(DecisionRule, i64)>,
    pub opened_by: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
}

/// A stored request to the secretary; handled once `handled_at` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretaryRequestRecord {
    pub id: String,
    pub meeting_id: String,
    pub user_id: String,
    pub kind: SecretaryRequestKind,
    pub document_id: Option<String>,
    pub text: Option<String>,
    pub created_at: i64,
    pub handled_at: Option<i64>,
    pub handled_by: Option<String>,
}

/// What a counted ballot did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotOutcome {
    /// The voter's first ballot: one more counted.
    Counted,
    /// The voter's earlier ballot was replaced (the count is the same).
    Changed,
}

/// A vote's ballots as stored: voters, tallies, and (open votes only)
/// named choices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoteBallots {
    pub voters: Vec<String>,
    pub tallies: Vec<i64>,
    pub named_choices: Vec<(String, usize)>,
}

/// Why a ballot was not counted.
#[derive(Debug, thiserror::Error)]
pub enum BallotError {
    #[error("this voter has already voted")]
    AlreadyVoted,
    /// A secret ballot may change but the key does not open the stored
    /// commitment (another device, or no key on the first ballot).
    #[error("the ballot key does not match the stored ballot")]
    KeyMismatch,
    #[error("this voter is not eligible in this vote")]
    NotEligible,
    #[error("the vote is not open")]
    VoteClosed,
    #[error("no such vote or option")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BallotError {
    fn from(error: sqlx::Error) -> Self {
        BallotError::Store(StoreError::from(error))
    }
}

impl Store {
    pub async fn upsert_attendance(&self, record: &AttendanceRecord) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        upsert_attendance_in(&mut tx, record).await?;
        tx.commit().await
    }

    pub async fn attendance_of(&self, meeting_id: &str) -> StoreResult<Vec<AttendanceRecord>> {
        let rows = sqlx::query(
            "SELECT meeting_id, user_id, status, reason, at, marked_by FROM attendance WHERE meeting_id = $1 ORDER BY user_id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(AttendanceRecord {
                    meeting_id: row.try_get("meeting_id")?,
                    user_id: row.try_get("user_id")?,
                    status: AttendanceStatus::parse(&status)?,
                    reason: row.try_get("reason")?,
                    at: row.try_get("at")?,
                    marked_by: row.try_get("marked_by")?,
                })
            })
            .collect()
    }

    pub async fn insert_vote(&self, vote: &VoteRecord) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        insert_vote_in(&mut tx, vote).await?;
        tx.commit().await
    }

    /// Counts one ballot exactly once: the receipt and the tally change in
    /// one transaction, and a second receipt for the same voter is refused
    /// by the primary key. When the vote allows changes, a second ballot
    /// replaces the first instead (see the module documentation);
    /// `ballot_key` is the device's secret for a secret vote.
    pub async fn cast_ballot(
        &self,
        vote_id: &str,
        voter: &str,
        choice: usize,
        ballot_key: Option<&str>,
    ) -> Result<BallotOutcome, BallotError> {
        self.cast_ballot_fenced(vote_id, voter, choice, ballot_key, None)
            .await
    }

    /// [`Store::cast_ballot`] for a clustered node: the ballot counts only
    /// if `fence` is still the meeting's newest, checked in the ballot's
    /// transaction (see `fences`).
    pub async fn cast_ballot_fenced(
        &self,
        vote_id: &str,
        voter: &str,
        choice: usize,
        ballot_key: Option<&str>,
        fence: Option<&Fence>,
    ) -> Result<BallotOutcome, BallotError> {
        // A concurrent change by the same voter (another server node) makes
        // the guarded update miss; try again on the new state.
        for _ in 0..5 {
            if let Some(outcome) = self
                .try_cast_ballot(vote_id, voter, choice, ballot_key, fence)
                .await?
            {
                return Ok(outcome);
            }
        }
        Err(BallotError::Store(StoreError::Conflict(format!(
            "ballot of {voter} in {vote_id} kept changing"
        ))))
    }

    async fn try_cast_ballot(
        &self,
        vote_id: &str,
        voter: &str,
        choice: usize,
        ballot_key: Option<&str>,
        fence: Option<&Fence>,
    ) -> Result<Option<BallotOutcome>, BallotError> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        if let Some(fence) = fence {
            check_fence(&mut tx, fence).await?;
        }
        let vote = sqlx::query(
            "SELECT state, secret, options, allow_change, eligible_voters FROM votes WHERE id = $1",
        )
        .bind(vote_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(BallotError::NotFound)?;
        let state: String = vote.try_get("state")?;
        if state != "open" {
            return Err(BallotError::VoteClosed);
        }
        let options: String = vote.try_get("options")?;
        let option_count = serde_json::from_str::<Vec<String>>(&options)
            .map(|o| o.len())
            .unwrap_or(0);
        if choice >= option_count {
            return Err(BallotError::NotFound);
        }
        let eligible_voters: Option<String> = vote.try_get("eligible_voters")?;
        if let Some(eligible_voters) = eligible_voters {
            let eligible: Vec<String> =
                serde_json::from_str(&eligible_voters).map_err(|_| StoreError::CorruptValue {
                    column: "votes.eligible_voters",
                    value: eligible_voters.clone(),
                })?;
            if !eligible.iter().any(|v| v == voter) {
                return Err(BallotError::NotEligible);
            }
        }
        let secret = vote.try_get::<i64, _>("secret")? != 0;
        let allow_change = vote.try_get::<i64, _>("allow_change")? != 0;
        let named_choice = if secret { None } else { Some(choice as i64) };
        let commitment = match ballot_key {
            Some(key) if secret && allow_change => {
                Some(ballot_commitment(vote_id, voter, key, choice))
            }
            _ => None,
        };
        let inserted = sqlx::query(
            "INSERT INTO vote_receipts (vote_id, user_id, choice, ballot_commitment) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (vote_id, user_id) DO NOTHING",
        )
        .bind(vote_id)
        .bind(voter)
        .bind(named_choice)
        .bind(commitment.clone())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            add_to_tally(&mut tx, vote_id, choice, 1).await?;
            tx.commit().await?;
            return Ok(Some(BallotOutcome::Counted));
        }
        if !allow_change {
            return Err(BallotError::AlreadyVoted);
        }
        let receipt = sqlx::query(
            "SELECT choice, ballot_commitment FROM vote_receipts WHERE vote_id = $1 AND user_id = $2",
        )
        .bind(vote_id)
        .bind(voter)
        .fetch_one(&mut *tx)
        .await?;
        let (previous, changed) = if secret {
            let stored: Option<String> = receipt.try_get("ballot_commitment")?;
            let (Some(stored), Some(key)) = (stored, ballot_key) else {
                return Err(BallotError::KeyMismatch);
            };
            let Some(previous) = (0..option_count)
                .find(|option| ballot_commitment(vote_id, voter, key, *option) == stored)
            else {
                return Err(BallotError::KeyMismatch);
            };
            let changed = sqlx::query(
                "UPDATE vote_receipts SET ballot_commitment = $1 WHERE vote_id = $2 AND user_id = $3 AND ballot_commitment = $4",
            )
            .bind(commitment)
            .bind(vote_id)
            .bind(voter)
            .bind(stored)
            .execute(&mut *tx)
            .await?;
            (previous, changed.rows_affected())
        } else {
            let stored: Option<i64> = receipt.try_get("choice")?;
            let Some(stored) = stored else {
                return Err(BallotError::Store(StoreError::CorruptValue {
                    column: "vote_receipts.choice",
                    value: "NULL".into(),
                }));
            };
            let changed = sqlx::query(
                "UPDATE vote_receipts SET choice = $1 WHERE vote_id = $2 AND user_id = $3 AND choice = $4",
            )
            .bind(named_choice)
            .bind(vote_id)
            .bind(voter)
            .bind(stored)
            .execute(&mut *tx)
            .await?;
            (stored as usize, changed.rows_affected())
        };
        if changed != 1 {
            // Changed meanwhile by another node: start again.
            return Ok(None);
        }
        if previous != choice {
            add_to_tally(&mut tx, vote_id, previous, -1).await?;
            add_to_tally(&mut tx, vote_id, choice, 1).await?;
        }
        tx.commit().await?;
        Ok(Some(BallotOutcome::Changed))
    }

    /// Closes a vote; closing a closed vote changes nothing (idempotent).
    pub async fn close_vote(&self, vote_id: &str) -> StoreResult<i64> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        let closed_at = close_vote_in(&mut tx, vote_id).await?;
        tx.commit().await?;
        Ok(closed_at)
    }

    pub async fn votes_of(&self, meeting_id: &str) -> StoreResult<Vec<(VoteRecord, VoteBallots)>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, agenda_item_id, question, options, secret, state, eligible, opened_by, opened_at, closed_at, \
             eligibility, eligible_voters, allow_change, decision_rule, decision_base \
             FROM votes WHERE meeting_id = $1 ORDER BY opened_at, id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        let mut votes = Vec::with_capacity(rows.len());
        for row in rows {
            let options: String = row.try_get("options")?;
            let eligibility: Option<String> = row.try_get("eligibility")?;
            let eligible_voters: Option<String> = row.try_get("eligible_voters")?;
            let decision_rule: Option<String> = row.try_get("decision_rule")?;
            let decision_base: Option<i64> = row.try_get("decision_base")?;
            let decision = match (decision_rule, decision_base) {
                (Some(rule), Some(base)) => Some((
                    serde_json::from_str(&rule).map_err(|_| StoreError::CorruptValue {
                        column: "votes.decision_rule",
                        value: rule.clone(),
                    })?,
                    base,
                )),
                _ => None,
            };
            let vote = VoteRecord {
                id: row.try_get("id")?,
                meeting_id: row.try_get("meeting_id")?,
                agenda_item_id: row.try_get("agenda_item_id")?,
                question: row.try_get("question")?,
                options: serde_json::from_str(&options).map_err(|_| StoreError::CorruptValue {
                    column: "votes.options",
                    value: options.clone(),
                })?,
                secret: row.try_get::<i64, _>("secret")? != 0,
                open: row.try_get::<String, _>("state")? == "open",
                eligible: row.try_get("eligible")?,
                eligibility: eligibility
                    .as_deref()
                    .map(VoteEligibility::parse)
                    .transpose()?,
                eligible_voters: eligible_voters
                    .map(|voters| {
                        serde_json::from_str(&voters).map_err(|_| StoreError::CorruptValue {
                            column: "votes.eligible_voters",
                            value: voters.clone(),
                        })
                    })
                    .transpose()?,
                allow_change: row.try_get::<i64, _>("allow_change")? != 0,
                decision,
                opened_by: row.try_get("opened_by")?,
                opened_at: row.try_get("opened_at")?,
                closed_at: row.try_get("closed_at")?,
            };
            let ballots = self.vote_ballots(&vote).await?;
            votes.push((vote, ballots));
        }
        Ok(votes)
    }

    pub async fn vote_ballots(&self, vote: &VoteRecord) -> StoreResult<VoteBallots> {
        let receipts = sqlx::query(
            "SELECT user_id, choice FROM vote_receipts WHERE vote_id = $1 ORDER BY user_id",
        )
        .bind(&vote.id)
        .fetch_all(&self.pool)
        .await?;
        let mut ballots = VoteBallots::default();
        for row in receipts {
            let user_id: String = row.try_get("user_id")?;
            let choice: Option<i64> = row.try_get("choice")?;
            if let Some(choice) = choice {
                ballots
                    .named_choices
                    .push((user_id.clone(), choice as usize));
            }
            ballots.voters.push(user_id);
        }
        let tallies = sqlx::query("SELECT option_index, ballots FROM vote_tallies WHERE vote_id = $1 ORDER BY option_index")
            .bind(&vote.id)
            .fetch_all(&self.pool)
            .await?;
        ballots.tallies = vec![0; vote.options.len()];
        for row in tallies {
            let index: i64 = row.try_get("option_index")?;
            if let Some(slot) = ballots.tallies.get_mut(index as usize) {
                *slot = row.try_get("ballots")?;
            }
        }
        Ok(ballots)
    }

    pub async fn insert_speaker_turn(
        &self,
        meeting_id: &str,
        user_id: &str,
        started_at: i64,
        ended_at: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO speaker_turns (meeting_id, user_id, started_at, ended_at) VALUES ($1, $2, $3, $4)")
            .bind(meeting_id)
            .bind(user_id)
            .bind(started_at)
            .bind(ended_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn speaker_turns_of(&self, meeting_id: &str) -> StoreResult<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT user_id, started_at, ended_at FROM speaker_turns WHERE meeting_id = $1 ORDER BY started_at",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("user_id")?,
                    row.try_get("started_at")?,
                    row.try_get("ended_at")?,
                ))
            })
            .collect()
    }

    pub async fn insert_secretary_request(
        &self,
        request: &SecretaryRequestRecord,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO secretary_requests (id, meeting_id, user_id, kind, document_id, text, created_at, handled_at, handled_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&request.id)
        .bind(&request.meeting_id)
        .bind(&request.user_id)
        .bind(request.kind.as_str())
        .bind(request.document_id.clone())
        .bind(request.text.clone())
        .bind(request.created_at)
        .bind(request.handled_at)
        .bind(request.handled_by.clone())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Marks a request handled; `false` when it was handled already (the
    /// first handling stands) or does not exist.
    pub async fn mark_secretary_request_handled(
        &self,
        request_id: &str,
        handled_by: &str,
        handled_at: i64,
    ) -> StoreResult<bool> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        let handled =
            mark_secretary_request_handled_in(&mut tx, request_id, handled_by, handled_at).await?;
        tx.commit().await?;
        Ok(handled)
    }

    /// A meeting's requests to the secretary, oldest first.
    pub async fn secretary_requests_of(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<SecretaryRequestRecord>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, user_id, kind, document_id, text, created_at, handled_at, handled_by \
             FROM secretary_requests WHERE meeting_id = $1 ORDER BY created_at, id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(SecretaryRequestRecord {
                    id: row.try_get("id")?,
                    meeting_id: row.try_get("meeting_id")?,
                    user_id: row.try_get("user_id")?,
                    kind: SecretaryRequestKind::parse(&kind)?,
                    document_id: row.try_get("document_id")?,
                    text: row.try_get("text")?,
                    created_at: row.try_get("created_at")?,
                    handled_at: row.try_get("handled_at")?,
                    handled_by: row.try_get("handled_by")?,
                })
            })
            .collect()
    }
}

/// The commitment a secret, changeable ballot's receipt holds: hex SHA-256
/// over the vote, the voter, the device's key and the choice, each
/// length-prefixed so no two inputs run together.
pub fn ballot_commitment(vote_id: &str, voter: &str, key: &str, choice: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [vote_id, voter, key, &choice.to_string()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

async fn add_to_tally(
    tx: &mut WriteTx<'_>,
    vote_id: &str,
    choice: usize,
    delta: i64,
) -> Result<(), BallotError> {
    sqlx::query(
        "UPDATE vote_tallies SET ballots = ballots + $1 WHERE vote_id = $2 AND option_index = $3",
    )
    .bind(delta)
    .bind(vote_id)
    .bind(choice as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ----- changes inside a transaction -----------------------------------------
//
// What the live meeting stores with an audit entry, as functions of a
// transaction ([`Store::with_audit`]); the `Store` methods run them alone.

/// Records (or replaces) a member's attendance.
pub async fn upsert_attendance_in(
    tx: &mut WriteTx<'_>,
    record: &AttendanceRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO attendance (meeting_id, user_id, status, reason, at, marked_by) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (meeting_id, user_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, \
         at = excluded.at, marked_by = excluded.marked_by",
    )
    .bind(&record.meeting_id)
    .bind(&record.user_id)
    .bind(record.status.as_str())
    .bind(record.reason.clone())
    .bind(record.at)
    .bind(&record.marked_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Opens a vote: its row and a zero tally per option.
pub async fn insert_vote_in(tx: &mut WriteTx<'_>, vote: &VoteRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO votes (id, meeting_id, agenda_item_id, question, options, secret, state, eligible, opened_by, opened_at, closed_at, \
         eligibility, eligible_voters, allow_change, decision_rule, decision_base) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, NULL, $10, $11, $12, $13, $14)",
    )
    .bind(&vote.id)
    .bind(&vote.meeting_id)
    .bind(vote.agenda_item_id.clone())
    .bind(&vote.question)
    .bind(serde_json::to_string(&vote.options).unwrap_or_else(|_| "[]".into()))
    .bind(i64::from(vote.secret))
    .bind(vote.eligible)
    .bind(&vote.opened_by)
    .bind(vote.opened_at)
    .bind(vote.eligibility.map(DbEnum::as_str))
    .bind(
        vote.eligible_voters
            .as_ref()
            .map(|voters| serde_json::to_string(voters).unwrap_or_else(|_| "[]".into())),
    )
    .bind(i64::from(vote.allow_change))
    .bind(
        vote.decision
            .map(|(rule, _)| serde_json::to_string(&rule).unwrap_or_default()),
    )
    .bind(vote.decision.map(|(_, base)| base))
    .execute(&mut **tx)
    .await?;
    for index in 0..vote.options.len() {
        sqlx::query("INSERT INTO vote_tallies (vote_id, option_index, ballots) VALUES ($1, $2, 0)")
            .bind(&vote.id)
            .bind(index as i64)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Closes a vote; closing a closed vote changes nothing (idempotent).
/// Returns when it closed.
pub async fn close_vote_in(tx: &mut WriteTx<'_>, vote_id: &str) -> StoreResult<i64> {
    sqlx::query(
        "UPDATE votes SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'open'",
    )
    .bind(now_millis())
    .bind(vote_id)
    .execute(&mut **tx)
    .await?;
    let closed_at: Option<i64> = sqlx::query_scalar("SELECT closed_at FROM votes WHERE id = $1")
        .bind(vote_id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
    closed_at.ok_or_else(|| StoreError::NotFound(format!("vote {vote_id}")))
}

/// Marks a request to the secretary handled; false when it already was.
pub async fn mark_secretary_request_handled_in(
    tx: &mut WriteTx<'_>,
    request_id: &str,
    handled_by: &str,
    handled_at: i64,
) -> StoreResult<bool> {
    let updated = sqlx::query(
        "UPDATE secretary_requests SET handled_at = $1, handled_by = $2 WHERE id = $3 AND handled_at IS NULL",
    )
    .bind(handled_at)
    .bind(handled_by)
    .bind(request_id)
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}
