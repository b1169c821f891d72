//! The meeting's record (biên bản cuộc họp) for signing and archiving:
//! [`build_record`] turns what the store holds (agenda, participants,
//! attendance, speaking turns, votes) and the minutes text into the
//! record's content, and [`render_fodt`] writes that content as a Flat
//! OpenDocument text (`.fodt`), which LibreOffice turns into the PDF
//! (`convert::Converter::render_pdf`). Both are pure.
//!
//! Why a Flat ODT through LibreOffice: the server already runs LibreOffice
//! sandboxed for uploads; it lays out tables, breaks pages and embeds the
//! fonts it uses, so diacritics come out right without the server shipping
//! a PDF layout engine. A flat ODT is one XML text, so it is built with
//! plain string formatting and tested as text.
//!
//! Why Noto Serif and not Times New Roman (the usual font of Vietnamese
//! administrative documents): on a Linux server Times New Roman is matched
//! to Liberation Serif, and Debian's `fonts-liberation` 1.07 has no
//! Vietnamese letters, so LibreOffice took "Ộ", "ủ", "ệ" from another font
//! in the middle of words (visibly mixed, and the PDF's text then comes out
//! scrambled). Noto Serif (`fonts-noto-core`) has every Vietnamese letter
//! in regular, bold and italic.
//!
//! **Invariant:** nothing in the record links a secret ballot to a voter.
//! A secret vote shows its counts only; neither who voted nor any order of
//! ballots reaches the content.

use std::collections::HashMap;

use phonghop_protocol::api::MeetingRole;
use phonghop_protocol::live::AttendanceStatus;
use phonghop_protocol::rules::DecisionRule;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::rules;
use crate::store::{AgendaItemRecord, AttendanceRecord, AuditHead, MeetingRecord};

/// A participant as the record names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user_id: String,
    pub display_name: String,
    pub role: MeetingRole,
}

/// One ended speaking turn, as stored (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerTurn {
    pub user_id: String,
    pub started_at: i64,
    pub ended_at: i64,
}

/// A vote as the record needs it (from `store::VoteRecord` and its
/// `VoteBallots`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteFacts {
    pub question: String,
    pub agenda_item_id: Option<String>,
    pub options: Vec<String>,
    pub secret: bool,
    pub open: bool,
    /// How many may vote.
    pub eligible: i64,
    pub closed_at: Option<i64>,
    /// Ballots per option.
    pub tallies: Vec<i64>,
    /// (voter, option index) of a named vote; the caller leaves it empty
    /// for a secret vote, and [`build_record`] ignores it there anyway.
    pub named_choices: Vec<(String, usize)>,
    /// The rule the vote was opened under and how many members it counts
    /// against; `None` for a vote stored before rules were kept.
    pub decision: Option<(DecisionRule, i64)>,
}

/// The minutes draft (the Automerge text the secretary and chair edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Minutes {
    /// Its current text.
    Text(String),
    /// The meeting has no minutes document yet.
    Absent,
    /// It exists but could not be read now (the sync service did not
    /// answer); the record says so instead of pretending there is none.
    Unreadable,
}

/// Everything the record is built from.
#[derive(Debug, Clone)]
pub struct RecordSources {
    pub meeting: MeetingRecord,
    /// In display order (`agenda::order_agenda`).
    pub agenda: Vec<AgendaItemRecord>,
    pub participants: Vec<Participant>,
    pub attendance: Vec<AttendanceRecord>,
    pub speaker_turns: Vec<SpeakerTurn>,
    pub votes: Vec<VoteFacts>,
    pub minutes: Minutes,
    /// When the record is made (milliseconds since the epoch).
    pub generated_at: i64,
    /// The audit log's head as the newest signed checkpoint saw it when
    /// the record was made, so a printed record can be matched to the log
    /// (`None` while the log has no checkpoint).
    pub audit_head: Option<AuditHead>,
}

/// The record's content: every text already in Vietnamese, ready to lay
/// out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecordContent {
    pub title: String,
    /// "08:00 ngày 01/12/2026".
    pub time: String,
    pub place: String,
    pub state: String,
    pub chairs: Vec<String>,
    pub secretaries: Vec<String>,
    pub agenda: Vec<AgendaLine>,
    pub attendance: Vec<AttendanceLine>,
    pub attendance_summary: AttendanceSummary,
    pub speakers: Vec<SpeakerLine>,
    pub votes: Vec<VoteSection>,
    /// The minutes' paragraphs, or a sentence saying why there are none.
    pub minutes: Vec<String>,
    pub generated: String,
    /// `phonghop-audit-head: SEQ HASH` (or `… none`): the line a reader, or
    /// `phonghop record verify`, matches against the audit log.
    pub audit_head: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaLine {
    /// "1", "1.2".
    pub number: String,
    pub title: String,
    pub presenter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceLine {
    pub name: String,
    pub role: String,
    /// "Có mặt", "Đến muộn", "Vắng mặt", "Chưa điểm danh".
    pub status: String,
    /// The reason given for an absence (or lateness).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttendanceSummary {
    pub expected: usize,
    pub present: usize,
    pub late: usize,
    pub absent: usize,
    pub unmarked: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerLine {
    pub name: String,
    /// "09:12".
    pub started: String,
    /// "3 phút 05 giây".
    pub duration: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteSection {
    pub question: String,
    pub agenda_item: Option<String>,
    /// "Biểu quyết công khai" or "Bỏ phiếu kín".
    pub kind: String,
    /// "Đã kết thúc lúc 09:40" or "Đang biểu quyết".
    pub state: String,
    pub eligible: i64,
    pub ballots_cast: i64,
    /// (option, ballots, share of those eligible). While a vote is open
    /// the counts are not shown (as on `/live`, where an open vote reports
    /// only how many ballots are in).
    pub results: Vec<(String, String, String)>,
    /// A named vote: who chose what, by name. Always empty for a secret
    /// vote.
    pub named_choices: Vec<(String, String)>,
    pub secret: bool,
    /// Once closed, under the vote's rule: "Thông qua (tán thành 14/27;
    /// quy chế: …)" or "Không thông qua (…)". `None` while open, or for a
    /// vote stored before rules were kept.
    pub outcome: Option<String>,
}

/// Vietnam's offset, used when the meeting's start time carries none.
const VIETNAM: UtcOffset = time::macros::offset!(+7);

/// Builds the record's content (pure).
pub fn build_record(sources: &RecordSources) -> MeetingRecordContent {
    let starts_at = OffsetDateTime::parse(&sources.meeting.starts_at, &Rfc3339).ok();
    let offset = starts_at.map(|t| t.offset()).unwrap_or(VIETNAM);
    let names: HashMap<&str, &str> = sources
        .participants
        .iter()
        .map(|p| (p.user_id.as_str(), p.display_name.as_str()))
        .collect();
    let name_of = |user_id: &str| -> String {
        names
            .get(user_id)
            .map(|name| (*name).to_owned())
            .unwrap_or_else(|| format!("(tài khoản {user_id})"))
    };
    let with_role = |role: MeetingRole| -> Vec<String> {
        sources
            .participants
            .iter()
            .filter(|p| p.role == role)
            .map(|p| p.display_name.clone())
            .collect()
    };

    let agenda_titles: HashMap<&str, &str> = sources
        .agenda
        .iter()
        .map(|item| (item.id.as_str(), item.title.as_str()))
        .collect();

    MeetingRecordContent {
        title: sources.meeting.title.clone(),
        time: starts_at
            .map(date_time_text)
            .unwrap_or_else(|| sources.meeting.starts_at.clone()),
        place: sources.meeting.place.clone(),
        state: state_text(sources.meeting.state).to_owned(),
        chairs: with_role(MeetingRole::Chair),
        secretaries: with_role(MeetingRole::Secretary),
        agenda: agenda_lines(&sources.agenda),
        attendance: attendance_lines(&sources.participants, &sources.attendance),
        attendance_summary: attendance_summary(&sources.participants, &sources.attendance),
        speakers: sources
            .speaker_turns
            .iter()
            .map(|turn| SpeakerLine {
                name: name_of(&turn.user_id),
                started: clock_text(turn.started_at, offset),
                duration: duration_text(turn.ended_at - turn.started_at),
            })
            .collect(),
        votes: sources
            .votes
            .iter()
            .map(|vote| vote_section(vote, &name_of, &agenda_titles, offset))
            .collect(),
        minutes: minutes_paragraphs(&sources.minutes, &sources.meeting.title),
        generated: at_text(sources.generated_at, offset),
        audit_head: audit_head_line(sources.audit_head.as_ref()),
    }
}

/// The record's anchor in the audit log, in one fixed form that both
/// people and `phonghop record verify` read.
pub fn audit_head_line(head: Option<&AuditHead>) -> String {
    match head {
        Some(head) => format!("phonghop-audit-head: {} {}", head.seq, head.hash),
        None => "phonghop-audit-head: none".to_owned(),
    }
}

fn state_text(state: phonghop_protocol::api::MeetingState) -> &'static str {
    use phonghop_protocol::api::MeetingState::*;
    match state {
        Draft => "Bản nháp",
        Published => "Đã phát hành",
        InSession => "Đang họp",
        Closed => "Đã kết thúc",
        Cancelled => "Đã hủy",
    }
}

fn role_text(role: MeetingRole) -> &'static str {
    match role {
        MeetingRole::Chair => "Chủ trì",
        MeetingRole::Secretary => "Thư ký",
        MeetingRole::Delegate => "Đại biểu",
        MeetingRole::Observer => "Khách mời",
        MeetingRole::RemotePoint => "Điểm cầu",
    }
}

/// Numbers top-level items 1, 2, … and sub-items 1.1, 1.2, … (the agenda
/// must already be in display order).
fn agenda_lines(agenda: &[AgendaItemRecord]) -> Vec<AgendaLine> {
    let (mut number, mut sub_number) = (0, 0);
    agenda
        .iter()
        .map(|item| {
            let label = if item.parent_id.is_some() && number > 0 {
                sub_number += 1;
                format!("{number}.{sub_number}")
            } else {
                number += 1;
                sub_number = 0;
                number.to_string()
            };
            AgendaLine {
                number: label,
                title: item.title.clone(),
                presenter: item.presenter.clone(),
            }
        })
        .collect()
}

/// Everyone expected in the room or at a remote point, in role order
/// (chair, secretary, delegates, guests, remote points), then by name.
fn attendance_lines(
    participants: &[Participant],
    attendance: &[AttendanceRecord],
) -> Vec<AttendanceLine> {
    let marks: HashMap<&str, &AttendanceRecord> = attendance
        .iter()
        .map(|mark| (mark.user_id.as_str(), mark))
        .collect();
    let mut people: Vec<&Participant> = participants.iter().collect();
    people.sort_by(|a, b| {
        role_rank(a.role)
            .cmp(&role_rank(b.role))
            .then_with(|| a.display_name.cmp(&b.display_name))
    });
    people
        .into_iter()
        .map(|person| {
            let mark = marks.get(person.user_id.as_str());
            AttendanceLine {
                name: person.display_name.clone(),
                role: role_text(person.role).to_owned(),
                status: match mark.map(|m| m.status) {
                    Some(AttendanceStatus::Present) => "Có mặt",
                    Some(AttendanceStatus::Late) => "Đến muộn",
                    Some(AttendanceStatus::Absent) => "Vắng mặt",
                    None => "Chưa điểm danh",
                }
                .to_owned(),
                reason: mark
                    .and_then(|m| m.reason.clone())
                    .filter(|r| !r.trim().is_empty()),
            }
        })
        .collect()
}

fn role_rank(role: MeetingRole) -> u8 {
    match role {
        MeetingRole::Chair => 0,
        MeetingRole::Secretary => 1,
        MeetingRole::Delegate => 2,
        MeetingRole::Observer => 3,
        MeetingRole::RemotePoint => 4,
    }
}

fn attendance_summary(
    participants: &[Participant],
    attendance: &[AttendanceRecord],
) -> AttendanceSummary {
    let mut summary = AttendanceSummary {
        expected: participants.len(),
        ..AttendanceSummary::default()
    };
    for person in participants {
        match attendance
            .iter()
            .find(|mark| mark.user_id == person.user_id)
            .map(|m| m.status)
        {
            Some(AttendanceStatus::Present) => summary.present += 1,
            Some(AttendanceStatus::Late) => summary.late += 1,
            Some(AttendanceStatus::Absent) => summary.absent += 1,
            None => summary.unmarked += 1,
        }
    }
    summary
}

fn vote_section(
    vote: &VoteFacts,
    name_of: &dyn Fn(&str) -> String,
    agenda_titles: &HashMap<&str, &str>,
    offset: UtcOffset,
) -> VoteSection {
    let ballots_cast: i64 = vote.tallies.iter().sum();
    let results = vote
        .options
        .iter()
        .enumerate()
        .map(|(index, option)| {
            let count = vote.tallies.get(index).copied().unwrap_or(0);
            if vote.open {
                (option.clone(), "chưa công bố".to_owned(), "—".to_owned())
            } else {
                (
                    option.clone(),
                    count.to_string(),
                    share_text(count, vote.eligible),
                )
            }
        })
        .collect();
    // A secret vote names nobody: its receipts are not even looked at. An
    // open vote names nobody yet either.
    let mut named_choices: Vec<(String, String)> = if vote.secret || vote.open {
        Vec::new()
    } else {
        vote.named_choices
            .iter()
            .map(|(user_id, choice)| {
                (
                    name_of(user_id),
                    vote.options
                        .get(*choice)
                        .cloned()
                        .unwrap_or_else(|| "?".into()),
                )
            })
            .collect()
    };
    named_choices.sort();
    VoteSection {
        question: vote.question.clone(),
        agenda_item: vote
            .agenda_item_id
            .as_deref()
            .and_then(|id| agenda_titles.get(id))
            .map(|title| (*title).to_owned()),
        kind: if vote.secret {
            "Bỏ phiếu kín"
        } else {
            "Biểu quyết công khai"
        }
        .to_owned(),
        state: match (vote.open, vote.closed_at) {
            (false, Some(closed_at)) => format!("Đã kết thúc lúc {}", at_text(closed_at, offset)),
            (false, None) => "Đã kết thúc".to_owned(),
            (true, _) => "Đang biểu quyết (kết quả chưa công bố)".to_owned(),
        },
        eligible: vote.eligible,
        ballots_cast,
        results,
        named_choices,
        secret: vote.secret,
        outcome: vote.decision.filter(|_| !vote.open).map(|(rule, base)| {
            let in_favour = vote.tallies.first().copied().unwrap_or(0);
            rules::outcome_text(&rules::outcome(
                u32::try_from(in_favour).unwrap_or(0),
                u32::try_from(base).unwrap_or(0),
                rule,
            ))
        }),
    }
}

/// "66,67%" of those eligible (Vietnamese decimal comma), or "—".
fn share_text(count: i64, eligible: i64) -> String {
    if eligible <= 0 {
        return "—".into();
    }
    let hundredths = (count * 10_000 + eligible / 2) / eligible;
    format!("{},{:02}%", hundredths / 100, hundredths % 100)
}

/// The minutes as paragraphs. The heading the draft was seeded with
/// ("BIÊN BẢN CUỘC HỌP" and the title) is already the record's own header,
/// so it is left out.
fn minutes_paragraphs(minutes: &Minutes, meeting_title: &str) -> Vec<String> {
    match minutes {
        Minutes::Text(text) => {
            let mut lines: Vec<&str> = text.lines().collect();
            if lines.first().map(|l| l.trim()) == Some("BIÊN BẢN CUỘC HỌP") {
                lines.remove(0);
                if lines.first().map(|l| l.trim()) == Some(meeting_title.trim()) {
                    lines.remove(0);
                }
            }
            while lines.first().is_some_and(|l| l.trim().is_empty()) {
                lines.remove(0);
            }
            while lines.last().is_some_and(|l| l.trim().is_empty()) {
                lines.pop();
            }
            if lines.is_empty() {
                vec!["(Biên bản dự thảo chưa có nội dung.)".into()]
            } else {
                lines.into_iter().map(str::to_owned).collect()
            }
        }
        Minutes::Absent => vec!["(Cuộc họp chưa có biên bản dự thảo.)".into()],
        Minutes::Unreadable => vec![
            "(Không đọc được biên bản dự thảo lúc xuất; vui lòng xuất lại sau ít phút.)".into(),
        ],
    }
}

fn date_time_text(t: OffsetDateTime) -> String {
    format!(
        "{:02}:{:02} ngày {:02}/{:02}/{}",
        t.hour(),
        t.minute(),
        t.day(),
        u8::from(t.month()),
        t.year()
    )
}

fn local(millis: i64, offset: UtcOffset) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .map(|t| t.to_offset(offset))
}

/// "09:12:05".
fn clock_text(millis: i64, offset: UtcOffset) -> String {
    local(millis, offset)
        .map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
        .unwrap_or_default()
}

/// "09:12 ngày 01/12/2026".
fn at_text(millis: i64, offset: UtcOffset) -> String {
    local(millis, offset)
        .map(date_time_text)
        .unwrap_or_default()
}

/// "3 phút 05 giây", "45 giây".
fn duration_text(millis: i64) -> String {
    let seconds = (millis.max(0) + 500) / 1000;
    let (minutes, seconds) = (seconds / 60, seconds % 60);
    if minutes == 0 {
        format!("{seconds} giây")
    } else {
        format!("{minutes} phút {seconds:02} giây")
    }
}

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn paragraph(style: &str, text: &str) -> String {
    format!(
        "<text:p text:style-name=\"{style}\">{}</text:p>\n",
        xml(text)
    )
}

/// A bordered table with a bold header row; `widths` in centimetres.
fn table(name: &str, widths: &[f32], header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table:table table:name=\"{name}\" table:style-name=\"Table\">\n");
    for (index, _) in widths.iter().enumerate() {
        out.push_str(&format!(
            "<table:table-column table:style-name=\"{name}.C{index}\"/>\n"
        ));
    }
    out.push_str("<table:table-header-rows><table:table-row>\n");
    for cell in header {
        out.push_str("<table:table-cell table:style-name=\"Cell\" office:value-type=\"string\">");
        out.push_str(&paragraph("CellHead", cell));
        out.push_str("</table:table-cell>\n");
    }
    out.push_str("</table:table-row></table:table-header-rows>\n");
    for row in rows {
        out.push_str("<table:table-row>\n");
        for cell in row {
            out.push_str(
                "<table:table-cell table:style-name=\"Cell\" office:value-type=\"string\">",
            );
            out.push_str(&paragraph("CellText", cell));
            out.push_str("</table:table-cell>\n");
        }
        out.push_str("</table:table-row>\n");
    }
    out.push_str("</table:table>\n");
    out
}

fn column_styles(name: &str, widths: &[f32]) -> String {
    widths
        .iter()
        .enumerate()
        .map(|(index, width)| {
            format!(
                "<style:style style:name=\"{name}.C{index}\" style:family=\"table-column\"><style:table-column-properties style:column-width=\"{width}cm\"/></style:style>\n"
            )
        })
        .collect()
}

const AGENDA_WIDTHS: [f32; 3] = [1.5, 10.0, 4.5];
const ATTENDANCE_WIDTHS: [f32; 5] = [1.2, 5.0, 2.4, 3.6, 3.8];
const SPEAKER_WIDTHS: [f32; 4] = [1.2, 7.8, 3.0, 4.0];
const RESULT_WIDTHS: [f32; 3] = [8.0, 3.5, 4.5];
const NAMED_WIDTHS: [f32; 3] = [1.2, 8.3, 6.5];

/// The record as a Flat OpenDocument text (pure). A4, Noto Serif 12 pt
/// (11 pt in tables), the national motto on top, signature lines for the secretary and
/// the chair at the end, page numbers in the footer.
pub fn render_fodt(record: &MeetingRecordContent) -> String {
    let mut body = String::new();
    body.push_str(&paragraph("Motto", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    body.push_str(&paragraph("MottoSub", "Độc lập - Tự do - Hạnh phúc"));
    body.push_str(&paragraph("Title", "BIÊN BẢN CUỘC HỌP"));
    body.push_str(&paragraph("Subtitle", &record.title));
    body.push_str(&paragraph("Text", &format!("Thời gian: {}", record.time)));
    body.push_str(&paragraph("Text", &format!("Địa điểm: {}", record.place)));
    body.push_str(&paragraph(
        "Text",
        &format!("Chủ trì: {}", names_or_dash(&record.chairs)),
    ));
    body.push_str(&paragraph(
        "Text",
        &format!("Thư ký: {}", names_or_dash(&record.secretaries)),
    ));
    body.push_str(&paragraph(
        "Text",
        &format!("Trạng thái cuộc họp khi xuất biên bản: {}", record.state),
    ));

    body.push_str(&paragraph("Heading", "I. NỘI DUNG HỌP"));
    if record.agenda.is_empty() {
        body.push_str(&paragraph("Text", "(Không có nội dung họp.)"));
    } else {
        let rows: Vec<Vec<String>> = record
            .agenda
            .iter()
            .map(|line| {
                vec![
                    line.number.clone(),
                    line.title.clone(),
                    line.presenter.clone().unwrap_or_default(),
                ]
            })
            .collect();
        body.push_str(&table(
            "Agenda",
            &AGENDA_WIDTHS,
            &["STT", "Nội dung", "Trình bày"],
            &rows,
        ));
    }

    body.push_str(&paragraph("Heading", "II. THÀNH PHẦN THAM DỰ"));
    let s = record.attendance_summary;
    body.push_str(&paragraph(
        "Text",
        &format!(
            "Triệu tập: {}; có mặt: {}; đến muộn: {}; vắng mặt: {}; chưa điểm danh: {}.",
            s.expected, s.present, s.late, s.absent, s.unmarked
        ),
    ));
    let rows: Vec<Vec<String>> = record
        .attendance
        .iter()
        .enumerate()
        .map(|(index, line)| {
            vec![
                (index + 1).to_string(),
                line.name.clone(),
                line.role.clone(),
                line.status.clone(),
                line.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    body.push_str(&table(
        "Attendance",
        &ATTENDANCE_WIDTHS,
        &["STT", "Họ và tên", "Vai trò", "Điểm danh", "Lý do"],
        &rows,
    ));

    body.push_str(&paragraph("Heading", "III. Ý KIẾN PHÁT BIỂU"));
    if record.speakers.is_empty() {
        body.push_str(&paragraph("Text", "(Không có lượt phát biểu.)"));
    } else {
        let rows: Vec<Vec<String>> = record
            .speakers
            .iter()
            .enumerate()
            .map(|(index, line)| {
                vec![
                    (index + 1).to_string(),
                    line.name.clone(),
                    line.started.clone(),
                    line.duration.clone(),
                ]
            })
            .collect();
        body.push_str(&table(
            "Speakers",
            &SPEAKER_WIDTHS,
            &["STT", "Người phát biểu", "Bắt đầu", "Thời lượng"],
            &rows,
        ));
    }

    body.push_str(&paragraph("Heading", "IV. KẾT QUẢ BIỂU QUYẾT"));
    if record.votes.is_empty() {
        body.push_str(&paragraph("Text", "(Không có biểu quyết.)"));
    }
    for (index, vote) in record.votes.iter().enumerate() {
        body.push_str(&paragraph(
            "SubHeading",
            &format!("{}. {}", index + 1, vote.question),
        ));
        if let Some(item) = &vote.agenda_item {
            body.push_str(&paragraph("Text", &format!("Nội dung họp: {item}")));
        }
        body.push_str(&paragraph(
            "Text",
            &format!(
                "Hình thức: {}. {}. Số người có quyền biểu quyết: {}; số phiếu: {}.",
                vote.kind, vote.state, vote.eligible, vote.ballots_cast
            ),
        ));
        let rows: Vec<Vec<String>> = vote
            .results
            .iter()
            .map(|(option, count, share)| vec![option.clone(), count.clone(), share.clone()])
            .collect();
        body.push_str(&table(
            &format!("Vote{}", index + 1),
            &RESULT_WIDTHS,
            &["Phương án", "Số phiếu", "Tỷ lệ (trên số có quyền)"],
            &rows,
        ));
        if let Some(outcome) = &vote.outcome {
            body.push_str(&paragraph("Text", &format!("Kết quả: {outcome}.")));
        }
        if vote.secret {
            body.push_str(&paragraph(
                "Note",
                "Bỏ phiếu kín: hệ thống không lưu ai chọn phương án nào.",
            ));
        } else if !vote.named_choices.is_empty() {
            body.push_str(&paragraph("Text", "Danh sách biểu quyết:"));
            let rows: Vec<Vec<String>> = vote
                .named_choices
                .iter()
                .enumerate()
                .map(|(n, (name, choice))| vec![(n + 1).to_string(), name.clone(), choice.clone()])
                .collect();
            body.push_str(&table(
                &format!("Named{}", index + 1),
                &NAMED_WIDTHS,
                &["STT", "Họ và tên", "Lựa chọn"],
                &rows,
            ));
        }
    }

    body.push_str(&paragraph("Heading", "V. DIỄN BIẾN VÀ KẾT LUẬN"));
    for line in &record.minutes {
        body.push_str(&paragraph("Text", line));
    }

    body.push_str(&paragraph(
        "Note",
        &format!(
            "Biên bản được xuất từ hệ thống phòng họp lúc {}.",
            record.generated
        ),
    ));
    body.push_str(&paragraph(
        "Note",
        &format!(
            "Mốc nhật ký kiểm toán (audit log head): {}",
            record.audit_head
        ),
    ));
    body.push_str(&signatures(record));

    let mut column_style_text = column_styles("Agenda", &AGENDA_WIDTHS);
    column_style_text.push_str(&column_styles("Attendance", &ATTENDANCE_WIDTHS));
    column_style_text.push_str(&column_styles("Speakers", &SPEAKER_WIDTHS));
    column_style_text.push_str(&column_styles("Signatures", &[8.0, 8.0]));
    for index in 0..record.votes.len() {
        column_style_text.push_str(&column_styles(
            &format!("Vote{}", index + 1),
            &RESULT_WIDTHS,
        ));
        column_style_text.push_str(&column_styles(
            &format!("Named{}", index + 1),
            &NAMED_WIDTHS,
        ));
    }
    // Also the document's keyword, which LibreOffice writes into the PDF's
    // information dictionary, where it can be found without reading text.
    let head = FODT_HEAD.replacen(
        "<office:font-face-decls>",
        &format!(
            "<office:meta><meta:keyword>{}</meta:keyword></office:meta>\n<office:font-face-decls>",
            xml(&record.audit_head)
        ),
        1,
    );
    format!("{head}{column_style_text}{FODT_STYLES_END}{body}{FODT_TAIL}")
}

fn names_or_dash(names: &[String]) -> String {
    if names.is_empty() {
        "—".into()
    } else {
        names.join(", ")
    }
}

/// Two columns without borders: THƯ KÝ on the left, CHỦ TRÌ on the right,
/// room to sign, then the names.
fn signatures(record: &MeetingRecordContent) -> String {
    let cell = |role: &str, names: &[String]| {
        format!(
            "<table:table-cell table:style-name=\"Plain\" office:value-type=\"string\">{}{}{}{}</table:table-cell>\n",
            paragraph("SignRole", role),
            paragraph("SignHint", "(Ký, ghi rõ họ tên)"),
            paragraph("SignSpace", ""),
            paragraph("SignName", &names.join(", "))
        )
    };
    format!(
        "<table:table table:name=\"Signatures\" table:style-name=\"Table\">\n<table:table-column table:style-name=\"Signatures.C0\"/><table:table-column table:style-name=\"Signatures.C1\"/>\n<table:table-row>\n{}{}</table:table-row>\n</table:table>\n",
        cell("THƯ KÝ", &record.secretaries),
        cell("CHỦ TRÌ", &record.chairs)
    )
}

const FODT_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
<style:font-face style:name="Noto Serif" svg:font-family="'Noto Serif'" style:font-family-generic="roman" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph">
<style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.12cm"/>
<style:text-properties style:font-name="Noto Serif" fo:font-size="12pt" fo:language="vi" fo:country="VN"/>
</style:default-style>
<style:style style:name="Standard" style:family="paragraph"/>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="1.5cm" fo:margin-left="3cm" fo:margin-right="2cm"/><style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style></style:page-layout>
<style:style style:name="Motto" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0cm"/><style:text-properties fo:font-weight="bold" fo:font-size="12pt"/></style:style>
<style:style style:name="MottoSub" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.6cm"/><style:text-properties fo:font-weight="bold" style:text-underline-style="solid" style:text-underline-width="auto" style:text-underline-color="font-color"/></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-top="0.3cm" fo:margin-bottom="0.1cm"/><style:text-properties fo:font-weight="bold" fo:font-size="15pt"/></style:style>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.5cm"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-top="0.45cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="SubHeading" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-top="0.3cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold" fo:font-style="italic"/></style:style>
<style:style style:name="Text" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="justify"/></style:style>
<style:style style:name="Note" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-top="0.2cm"/><style:text-properties fo:font-style="italic" fo:font-size="11pt"/></style:style>
<style:style style:name="CellHead" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0cm"/><style:text-properties fo:font-weight="bold" fo:font-size="11pt"/></style:style>
<style:style style:name="CellText" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-bottom="0cm"/><style:text-properties fo:font-size="11pt"/></style:style>
<style:style style:name="SignRole" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-top="0.8cm" fo:margin-bottom="0cm"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="SignHint" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-style="italic" fo:font-size="11pt"/></style:style>
<style:style style:name="SignSpace" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-top="2.2cm"/></style:style>
<style:style style:name="SignName" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="10pt"/></style:style>
<style:style style:name="Table" style:family="table"><style:table-properties style:width="16cm" table:align="left" fo:margin-bottom="0.2cm"/></style:style>
<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm" fo:border="0.5pt solid #000000"/></style:style>
<style:style style:name="Plain" style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm" fo:border="none"/></style:style>
"#;

const FODT_STYLES_END: &str = r#"</office:automatic-styles>
<office:master-styles>
<style:master-page style:name="Standard" style:page-layout-name="A4"><style:footer><text:p text:style-name="Footer">Trang <text:page-number text:select-page="current"/></text:p></style:footer></style:master-page>
</office:master-styles>
<office:body>
<office:text>
"#;

const FODT_TAIL: &str = "</office:text>\n</office:body>\n</office:document>\n";

#[cfg(test)]
mod tests {
    use super::*;
    use phonghop_protocol::api::MeetingState;
    use phonghop_protocol::rules::MeetingRules;

    fn person(id: &str, name: &str, role: MeetingRole) -> Participant {
        Participant {
            user_id: id.into(),
            display_name: name.into(),
            role,
        }
    }

    fn mark(id: &str, status: AttendanceStatus, reason: Option<&str>) -> AttendanceRecord {
        AttendanceRecord {
            meeting_id: "m_1".into(),
            user_id: id.into(),
            status,
            reason: reason.map(Into::into),
            at: 0,
            marked_by: "u_sec".into(),
        }
    }

    fn vote(
        id: &str,
        secret: bool,
        tallies: Vec<i64>,
        named_choices: Vec<(String, usize)>,
    ) -> VoteFacts {
        VoteFacts {
            question: format!("Thông qua tờ trình {id}?"),
            agenda_item_id: Some("a_1".into()),
            options: vec![
                "Tán thành".into(),
                "Không tán thành".into(),
                "Không biểu quyết".into(),
            ],
            secret,
            open: false,
            eligible: 3,
            // 2026-12-01 02:05 UTC = 09:05 in Vietnam.
            closed_at: Some(1_796_090_700_000),
            tallies,
            named_choices,
            decision: None,
        }
    }

    fn sources() -> RecordSources {
        RecordSources {
            meeting: MeetingRecord {
                id: "m_1".into(),
                title: "Họp giao ban tháng 12".into(),
                starts_at: "2026-12-01T08:00:00+07:00".into(),
                place: "Phòng họp số 1 & 2".into(),
                state: MeetingState::Closed,
                video_link: None,
                created_by: "u_sec".into(),
                created_at: 0,
                updated_at: 0,
                published_at: None,
            },
            agenda: vec![
                AgendaItemRecord {
                    id: "a_1".into(),
                    meeting_id: "m_1".into(),
                    parent_id: None,
                    position: 0,
                    title: "Báo cáo kinh tế - xã hội".into(),
                    presenter: Some("Phòng Tài chính".into()),
                    duration_minutes: None,
                    updated_at: 0,
                },
                AgendaItemRecord {
                    id: "a_2".into(),
                    meeting_id: "m_1".into(),
                    parent_id: Some("a_1".into()),
                    position: 0,
                    title: "Thu ngân sách".into(),
                    presenter: None,
                    duration_minutes: None,
                    updated_at: 0,
                },
            ],
            participants: vec![
                person("u_d2", "Trần Thị Bình", MeetingRole::Delegate),
                person("u_chair", "Nguyễn Văn Chủ", MeetingRole::Chair),
                person("u_d1", "Lê Văn An", MeetingRole::Delegate),
                person("u_sec", "Phạm Thư Ký", MeetingRole::Secretary),
                person("u_d3", "Hoàng Văn Cường", MeetingRole::Delegate),
            ],
            attendance: vec![
                mark("u_d1", AttendanceStatus::Present, None),
                mark("u_d2", AttendanceStatus::Absent, Some("Đi công tác")),
                mark("u_d3", AttendanceStatus::Late, None),
            ],
            speaker_turns: vec![SpeakerTurn {
                user_id: "u_d1".into(),
                started_at: 1_796_090_400_000,
                ended_at: 1_796_090_585_400,
            }],
            votes: vec![
                vote(
                    "v_named",
                    false,
                    vec![1, 1, 0],
                    vec![("u_d3".into(), 1), ("u_d1".into(), 0)],
                ),
                vote("v_secret", true, vec![2, 0, 0], vec![]),
            ],
            minutes: Minutes::Text(
                "BIÊN BẢN CUỘC HỌP\nHọp giao ban tháng 12\n\nNội dung họp:\n1. Báo cáo\n\nKết luận:\nThống nhất thông qua.\n".into(),
            ),
            generated_at: 1_796_094_000_000,
            audit_head: Some(AuditHead {
                seq: 153,
                hash: "ab".repeat(32),
            }),
        }
    }

    #[test]
    fn header_names_the_chair_the_secretary_and_local_time() {
        let record = build_record(&sources());
        assert_eq!(record.time, "08:00 ngày 01/12/2026");
        assert_eq!(record.chairs, ["Nguyễn Văn Chủ"]);
        assert_eq!(record.secretaries, ["Phạm Thư Ký"]);
        assert_eq!(record.state, "Đã kết thúc");
        assert_eq!(record.generated, "10:00 ngày 01/12/2026");
    }

    #[test]
    fn agenda_is_numbered_with_sub_items() {
        let record = build_record(&sources());
        let numbers: Vec<_> = record.agenda.iter().map(|l| l.number.as_str()).collect();
        assert_eq!(numbers, ["1", "1.1"]);
    }

    #[test]
    fn attendance_lists_everyone_with_status_and_reason_in_role_order() {
        let record = build_record(&sources());
        let lines: Vec<_> = record
            .attendance
            .iter()
            .map(|l| (l.name.as_str(), l.status.as_str(), l.reason.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                ("Nguyễn Văn Chủ", "Chưa điểm danh", None),
                ("Phạm Thư Ký", "Chưa điểm danh", None),
                ("Hoàng Văn Cường", "Đến muộn", None),
                ("Lê Văn An", "Có mặt", None),
                ("Trần Thị Bình", "Vắng mặt", Some("Đi công tác")),
            ]
        );
        assert_eq!(
            record.attendance_summary,
            AttendanceSummary {
                expected: 5,
                present: 1,
                late: 1,
                absent: 1,
                unmarked: 2
            }
        );
    }

    #[test]
    fn speakers_have_start_time_and_duration() {
        let record = build_record(&sources());
        assert_eq!(
            record.speakers,
            [SpeakerLine {
                name: "Lê Văn An".into(),
                started: "09:00:00".into(),
                duration: "3 phút 05 giây".into(),
            }]
        );
    }

    #[test]
    fn a_named_vote_lists_who_chose_what() {
        let record = build_record(&sources());
        let named = &record.votes[0];
        assert_eq!(named.kind, "Biểu quyết công khai");
        assert_eq!(
            named.agenda_item.as_deref(),
            Some("Báo cáo kinh tế - xã hội")
        );
        assert_eq!(named.state, "Đã kết thúc lúc 09:05 ngày 01/12/2026");
        assert_eq!(named.ballots_cast, 2);
        assert_eq!(
            named.results[0],
            (
                "Tán thành".to_string(),
                "1".to_string(),
                "33,33%".to_string()
            )
        );
        assert_eq!(
            named.named_choices,
            [
                ("Hoàng Văn Cường".to_string(), "Không tán thành".to_string()),
                ("Lê Văn An".to_string(), "Tán thành".to_string()),
            ]
        );
    }

    #[test]
    fn a_secret_vote_names_nobody_anywhere_in_the_document() {
        let mut sources = sources();
        // Only the secret vote, and voters who appear nowhere else.
        sources.votes.remove(0);
        sources.speaker_turns.clear();
        // Even if a caller handed it choices, a secret vote names nobody.
        sources.votes[0].named_choices = vec![("u_x".into(), 0)];
        let record = build_record(&sources);
        assert!(record.votes[0].named_choices.is_empty());
        assert_eq!(record.votes[0].results[0].1, "2");
        let fodt = render_fodt(&record);
        assert!(!fodt.contains("u_x"));
        assert!(!fodt.contains("Danh sách biểu quyết"));
        assert!(fodt.contains("Bỏ phiếu kín"));
    }

    #[test]
    fn a_closed_vote_says_whether_it_passed_under_its_rule() {
        let mut sources = sources();
        // 1 of 3 present in favour: not more than half.
        sources.votes[0].decision = Some((MeetingRules::STANDARD.decision, 3));
        let record = build_record(&sources);
        let outcome = record.votes[0].outcome.as_deref().unwrap();
        assert!(
            outcome.starts_with("Không thông qua (tán thành 1/3;"),
            "{outcome}"
        );
        assert!(render_fodt(&record).contains("Kết quả: Không thông qua"));
        // Still open: no outcome yet. Stored before rules: none either.
        sources.votes[0].open = true;
        assert_eq!(build_record(&sources).votes[0].outcome, None);
        assert_eq!(build_record(&sources).votes[1].outcome, None);
    }

    #[test]
    fn an_open_vote_shows_neither_counts_nor_names_yet() {
        let mut sources = sources();
        sources.votes[0].open = true;
        sources.votes[0].closed_at = None;
        let record = build_record(&sources);
        let open = &record.votes[0];
        assert_eq!(open.state, "Đang biểu quyết (kết quả chưa công bố)");
        assert_eq!(open.ballots_cast, 2);
        assert!(open
            .results
            .iter()
            .all(|(_, count, share)| count == "chưa công bố" && share == "—"));
        assert!(open.named_choices.is_empty());
    }

    #[test]
    fn the_seeded_heading_of_the_minutes_is_not_repeated() {
        let record = build_record(&sources());
        assert_eq!(
            record.minutes.first().map(String::as_str),
            Some("Nội dung họp:")
        );
        assert_eq!(
            record.minutes.last().map(String::as_str),
            Some("Thống nhất thông qua.")
        );
        let mut sources = sources();
        sources.minutes = Minutes::Unreadable;
        assert!(build_record(&sources).minutes[0].contains("Không đọc được"));
    }

    #[test]
    fn shares_use_a_decimal_comma_and_survive_no_eligible_voters() {
        assert_eq!(share_text(2, 3), "66,67%");
        assert_eq!(share_text(3, 3), "100,00%");
        assert_eq!(share_text(0, 0), "—");
    }

    #[test]
    fn the_flat_odt_escapes_text_and_has_every_section_and_signature() {
        let record = build_record(&sources());
        let fodt = render_fodt(&record);
        assert!(fodt.starts_with("<?xml"));
        assert!(fodt.contains("Phòng họp số 1 &amp; 2"));
        assert!(!fodt.contains("số 1 & 2"));
        for needle in [
            "BIÊN BẢN CUỘC HỌP",
            "I. NỘI DUNG HỌP",
            "II. THÀNH PHẦN THAM DỰ",
            "III. Ý KIẾN PHÁT BIỂU",
            "IV. KẾT QUẢ BIỂU QUYẾT",
            "V. DIỄN BIẾN VÀ KẾT LUẬN",
            "Đi công tác",
            "THƯ KÝ",
            "CHỦ TRÌ",
            "(Ký, ghi rõ họ tên)",
        ] {
            assert!(fodt.contains(needle), "{needle} missing");
        }
        // Every table column has its style.
        assert!(fodt.contains("style:name=\"Named1.C2\""));
        assert!(fodt.contains("style:name=\"Vote2.C0\""));
    }

    #[test]
    fn the_record_carries_the_audit_head_in_its_text_and_its_keywords() {
        let hash = "ab".repeat(32);
        let record = build_record(&sources());
        assert_eq!(
            record.audit_head,
            format!("phonghop-audit-head: 153 {hash}")
        );
        let fodt = render_fodt(&record);
        assert!(fodt.contains(&format!(
            "<meta:keyword>phonghop-audit-head: 153 {hash}</meta:keyword>"
        )));
        assert!(fodt.contains(&format!(
            "Mốc nhật ký kiểm toán (audit log head): phonghop-audit-head: 153 {hash}"
        )));
        let without = build_record(&RecordSources {
            audit_head: None,
            ..sources()
        });
        assert_eq!(without.audit_head, "phonghop-audit-head: none");
    }

    #[test]
    fn control_characters_do_not_break_the_xml() {
        assert_eq!(xml("a\u{1}b<c>"), "a b&lt;c&gt;");
    }
}
