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

use sqlx::Row;

use super::records::DbEnum;
use super::{now_millis, Store, StoreError, StoreResult};

pub use phonghop_protocol::live::AttendanceStatus;

impl DbEnum for AttendanceStatus {
    const COLUMN: &'static str = "attendance.status";
    const ALL: &'static [(Self, &'static str)] = &[
        (AttendanceStatus::Present, "present"),
        (AttendanceStatus::Absent, "absent"),
        (AttendanceStatus::Late, "late"),
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
    pub opened_by: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
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
    #[error("the vote is not open")]
    VoteClosed,
    #[error("no such vote or option")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BallotError {
    fn from(error: sqlx::Error) -> Self {
        BallotError::Store(StoreError::Database(error))
    }
}

impl Store {
    pub async fn upsert_attendance(&self, record: &AttendanceRecord) -> StoreResult<()> {
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
        .execute(&self.writer)
        .await?;
        Ok(())
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
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO votes (id, meeting_id, agenda_item_id, question, options, secret, state, eligible, opened_by, opened_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, NULL)",
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
        .execute(&mut *tx)
        .await?;
        for index in 0..vote.options.len() {
            sqlx::query(
                "INSERT INTO vote_tallies (vote_id, option_index, ballots) VALUES ($1, $2, 0)",
            )
            .bind(&vote.id)
            .bind(index as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Counts one ballot exactly once: the receipt and the tally change in
    /// one transaction, and a second receipt for the same voter is refused
    /// by the primary key.
    pub async fn cast_ballot(
        &self,
        vote_id: &str,
        voter: &str,
        choice: usize,
    ) -> Result<(), BallotError> {
        let mut tx = self.writer.begin().await?;
        let vote = sqlx::query("SELECT state, secret, options FROM votes WHERE id = $1")
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
        let secret = vote.try_get::<i64, _>("secret")? != 0;
        let named_choice = if secret { None } else { Some(choice as i64) };
        let inserted =
            sqlx::query("INSERT INTO vote_receipts (vote_id, user_id, choice) VALUES ($1, $2, $3)")
                .bind(vote_id)
                .bind(voter)
                .bind(named_choice)
                .execute(&mut *tx)
                .await;
        match inserted {
            Ok(_) => {}
            Err(error) if super::is_unique_violation(&error) => {
                return Err(BallotError::AlreadyVoted)
            }
            Err(error) => return Err(error.into()),
        }
        sqlx::query("UPDATE vote_tallies SET ballots = ballots + 1 WHERE vote_id = $1 AND option_index = $2")
            .bind(vote_id)
            .bind(choice as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a vote; closing a closed vote changes nothing (idempotent).
    pub async fn close_vote(&self, vote_id: &str) -> StoreResult<i64> {
        let now = now_millis();
        sqlx::query(
            "UPDATE votes SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'open'",
        )
        .bind(now)
        .bind(vote_id)
        .execute(&self.writer)
        .await?;
        let closed_at: Option<i64> =
            sqlx::query_scalar("SELECT closed_at FROM votes WHERE id = $1")
                .bind(vote_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten();
        closed_at.ok_or_else(|| StoreError::NotFound(format!("vote {vote_id}")))
    }

    pub async fn votes_of(&self, meeting_id: &str) -> StoreResult<Vec<(VoteRecord, VoteBallots)>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, agenda_item_id, question, options, secret, state, eligible, opened_by, opened_at, closed_at \
             FROM votes WHERE meeting_id = $1 ORDER BY opened_at, id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        let mut votes = Vec::with_capacity(rows.len());
        for row in rows {
            let options: String = row.try_get("options")?;
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
}
