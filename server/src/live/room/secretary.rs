//! Requests to the secretary (yêu cầu gửi thư ký): a participant asks for a
//! paper copy, technical help or something else; the chair and secretaries
//! see every request, the sender sees their own, and staff mark them
//! handled. Rate limited per sender.

use phonghop_protocol::live::{
    LiveErrorCode, SecretaryRequest, SecretaryRequestKind, SecretaryRequestState, ServerMessage,
};

use super::{refuse, Actor, Audience, Broadcast, Plan, Refusal, Room};

/// How many requests to the secretary one participant may send per
/// [`SECRETARY_REQUEST_WINDOW_MS`].
pub const SECRETARY_REQUESTS_PER_WINDOW: usize = 3;
pub const SECRETARY_REQUEST_WINDOW_MS: i64 = 60_000;
/// How many of one participant's requests may wait unhandled at a time.
pub const MAX_OPEN_SECRETARY_REQUESTS: usize = 5;
/// Longest text of a request to the secretary, in characters.
pub const MAX_SECRETARY_REQUEST_TEXT: usize = 300;
/// Longest document id a paper-copy request may name.
const MAX_DOCUMENT_ID: usize = 64;

impl Room {
    fn secretary_request(&self, request_id: &str) -> Option<&SecretaryRequest> {
        self.secretary_requests.iter().find(|r| r.id == request_id)
    }

    /// The user's requests to the secretary, oldest first.
    pub fn secretary_requests_of(&self, user_id: &str) -> Vec<&SecretaryRequest> {
        self.secretary_requests
            .iter()
            .filter(|r| r.user_id == user_id)
            .collect()
    }

    /// Why `user_id` may not send another request now, if they may not.
    fn secretary_request_limit(&self, user_id: &str, now_ms: i64) -> Option<Refusal> {
        let open = self
            .secretary_requests
            .iter()
            .filter(|r| r.user_id == user_id && r.state == SecretaryRequestState::Open)
            .count();
        if open >= MAX_OPEN_SECRETARY_REQUESTS {
            return Some(refuse(
                LiveErrorCode::RateLimited,
                "Bạn còn nhiều yêu cầu chưa được xử lý; vui lòng chờ thư ký.",
                "You have several requests not yet handled; please wait for the secretary.",
            ));
        }
        let recent = self.request_times.get(user_id).map_or(0, |times| {
            times
                .iter()
                .filter(|at| now_ms - **at < SECRETARY_REQUEST_WINDOW_MS)
                .count()
        });
        (recent >= SECRETARY_REQUESTS_PER_WINDOW).then(|| {
            refuse(
                LiveErrorCode::RateLimited,
                "Bạn vừa gửi nhiều yêu cầu; vui lòng thử lại sau một phút.",
                "You just sent several requests; please try again in a minute.",
            )
        })
    }

    pub(super) fn plan_secretary_request(
        &self,
        actor: &Actor,
        kind: SecretaryRequestKind,
        document_id: Option<&str>,
        text: Option<&str>,
        now_ms: i64,
        new_id: impl FnOnce() -> String,
    ) -> Result<Plan, Refusal> {
        use LiveErrorCode::*;
        let text = text
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_SECRETARY_REQUEST_TEXT)
        {
            return Err(refuse(
                BadRequest,
                "Yêu cầu quá dài: tối đa 300 ký tự.",
                "The request is too long: 300 characters at most.",
            ));
        }
        if kind == SecretaryRequestKind::Other && text.is_none() {
            return Err(refuse(
                BadRequest,
                "Hãy ghi nội dung yêu cầu.",
                "Please write what you are asking for.",
            ));
        }
        let document_id = document_id
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        if kind != SecretaryRequestKind::PaperCopy && document_id.is_some() {
            return Err(refuse(
                BadRequest,
                "Chỉ yêu cầu bản in mới kèm tài liệu.",
                "document_id goes only with a paper_copy request.",
            ));
        }
        if document_id
            .as_ref()
            .is_some_and(|d| d.len() > MAX_DOCUMENT_ID)
        {
            return Err(refuse(
                NotFound,
                "Không có tài liệu này.",
                "There is no such document.",
            ));
        }
        if let Some(refusal) = self.secretary_request_limit(&actor.user_id, now_ms) {
            return Err(refusal);
        }
        Ok(Plan::SecretaryRequest(SecretaryRequest {
            id: new_id(),
            user_id: actor.user_id.clone(),
            kind,
            document_id,
            text,
            state: SecretaryRequestState::Open,
            created_at_ms: now_ms,
            handled_at_ms: None,
            handled_by: None,
        }))
    }

    pub(super) fn plan_handle_secretary_request(
        &self,
        actor: &Actor,
        request_id: &str,
        now_ms: i64,
    ) -> Result<Plan, Refusal> {
        if !actor.is_staff() {
            return Err(refuse(
                LiveErrorCode::Forbidden,
                "Chỉ thư ký hoặc chủ trì xử lý yêu cầu.",
                "Only the secretary or the chair handles requests.",
            ));
        }
        let Some(request) = self.secretary_request(request_id) else {
            return Err(refuse(
                LiveErrorCode::NotFound,
                "Không có yêu cầu này.",
                "There is no such request.",
            ));
        };
        if request.state == SecretaryRequestState::Handled {
            // Handling twice is harmless: the first one stands.
            return Ok(Plan::Nothing);
        }
        Ok(Plan::HandleSecretaryRequest {
            request_id: request_id.to_owned(),
            handled_by: actor.user_id.clone(),
            handled_at_ms: now_ms,
        })
    }

    pub(super) fn apply_secretary_request(&mut self, request: SecretaryRequest) -> Vec<Broadcast> {
        let times = self
            .request_times
            .entry(request.user_id.clone())
            .or_default();
        times.push_back(request.created_at_ms);
        while times.len() > SECRETARY_REQUESTS_PER_WINDOW {
            times.pop_front();
        }
        self.secretary_requests.push(request.clone());
        vec![Broadcast {
            audience: Audience::StaffAndUser(request.user_id.clone()),
            message: ServerMessage::SecretaryRequestChanged { request },
        }]
    }

    pub(super) fn apply_handle_secretary_request(
        &mut self,
        request_id: &str,
        handled_by: String,
        handled_at_ms: i64,
    ) -> Vec<Broadcast> {
        let Some(request) = self
            .secretary_requests
            .iter_mut()
            .find(|r| r.id == request_id)
        else {
            return Vec::new();
        };
        request.state = SecretaryRequestState::Handled;
        request.handled_at_ms = Some(handled_at_ms);
        request.handled_by = Some(handled_by);
        vec![Broadcast {
            audience: Audience::StaffAndUser(request.user_id.clone()),
            message: ServerMessage::SecretaryRequestChanged {
                request: request.clone(),
            },
        }]
    }
}

#[cfg(test)]
mod tests {
    use phonghop_protocol::api::MeetingRole;
    use phonghop_protocol::live::{
        ClientMessage, LiveErrorCode, SecretaryRequestKind, SecretaryRequestState, ServerMessage,
    };

    use super::super::test_support::*;
    use super::super::{Actor, Audience, Broadcast, Refusal, Room};
    use super::MAX_SECRETARY_REQUEST_TEXT;

    fn send_request(
        room: &mut Room,
        who: &Actor,
        kind: SecretaryRequestKind,
        text: Option<&str>,
        now_ms: i64,
    ) -> Result<Vec<Broadcast>, Refusal> {
        let id = format!("r_{}", room.secretary_requests.len() + 1);
        let plan = room.plan(
            who,
            &ClientMessage::SendSecretaryRequest {
                id: 1,
                kind,
                document_id: None,
                text: text.map(str::to_owned),
            },
            now_ms,
            || id,
        )?;
        Ok(room.apply(plan, None))
    }

    #[test]
    fn a_request_to_the_secretary_reaches_staff_and_its_sender_only() {
        let mut room = room();
        let a = actor("delegate_a", MeetingRole::Delegate);
        let b = actor("delegate_b", MeetingRole::Delegate);
        let secretary = actor("secretary", MeetingRole::Secretary);
        let events = send_request(
            &mut room,
            &a,
            SecretaryRequestKind::PaperCopy,
            Some("  Bản in báo cáo số 3  "),
            1_000,
        )
        .unwrap();
        assert_eq!(
            events[0].audience,
            Audience::StaffAndUser("delegate_a".into())
        );
        assert!(events[0].audience.includes("delegate_a", false));
        assert!(events[0].audience.includes("chair", true));
        assert!(!events[0].audience.includes("delegate_b", false));
        let ServerMessage::SecretaryRequestChanged { request } = &events[0].message else {
            panic!("secretary_request_changed expected")
        };
        assert_eq!(request.text.as_deref(), Some("Bản in báo cáo số 3"));
        assert_eq!(request.state, SecretaryRequestState::Open);
        assert_eq!(room.snapshot(&a).secretary_requests.len(), 1);
        assert!(room.snapshot(&b).secretary_requests.is_empty());
        assert_eq!(room.snapshot(&secretary).secretary_requests.len(), 1);

        let handle = |id: &str| ClientMessage::HandleSecretaryRequest {
            id: 2,
            request_id: id.into(),
        };
        assert_eq!(
            run(&mut room, &b, handle("r_1")).unwrap_err().code,
            LiveErrorCode::Forbidden
        );
        assert_eq!(
            run(&mut room, &secretary, handle("r_9")).unwrap_err().code,
            LiveErrorCode::NotFound
        );
        let handled = run(&mut room, &secretary, handle("r_1")).unwrap();
        let ServerMessage::SecretaryRequestChanged { request } = &handled[0].message else {
            panic!("secretary_request_changed expected")
        };
        assert_eq!(request.state, SecretaryRequestState::Handled);
        assert_eq!(request.handled_by.as_deref(), Some("secretary"));
        assert_eq!(request.handled_at_ms, Some(1_000));
        assert!(
            run(&mut room, &secretary, handle("r_1"))
                .unwrap()
                .is_empty(),
            "handling twice changes nothing"
        );
        assert_eq!(
            room.secretary_requests_of("delegate_a")[0].state,
            SecretaryRequestState::Handled
        );
    }

    #[test]
    fn a_request_to_the_secretary_must_say_what_and_stay_short() {
        let mut room = room();
        let a = actor("delegate_a", MeetingRole::Delegate);
        for text in [None, Some("   ")] {
            assert_eq!(
                send_request(&mut room, &a, SecretaryRequestKind::Other, text, 1_000)
                    .unwrap_err()
                    .code,
                LiveErrorCode::BadRequest
            );
        }
        let long = "x".repeat(MAX_SECRETARY_REQUEST_TEXT + 1);
        assert_eq!(
            send_request(
                &mut room,
                &a,
                SecretaryRequestKind::TechHelp,
                Some(&long),
                1_000
            )
            .unwrap_err()
            .code,
            LiveErrorCode::BadRequest
        );
        let with_document = room
            .plan(
                &a,
                &ClientMessage::SendSecretaryRequest {
                    id: 1,
                    kind: SecretaryRequestKind::TechHelp,
                    document_id: Some("d_1".into()),
                    text: None,
                },
                1_000,
                String::new,
            )
            .unwrap_err();
        assert_eq!(with_document.code, LiveErrorCode::BadRequest);
        assert!(room.secretary_requests.is_empty(), "nothing was kept");
    }

    #[test]
    fn requests_to_the_secretary_are_rate_limited_per_sender() {
        let mut room = room();
        let a = actor("delegate_a", MeetingRole::Delegate);
        let b = actor("delegate_b", MeetingRole::Delegate);
        for at in [1_000, 2_000, 3_000] {
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, at).unwrap();
        }
        assert_eq!(
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, 4_000)
                .unwrap_err()
                .code,
            LiveErrorCode::RateLimited
        );
        send_request(&mut room, &b, SecretaryRequestKind::TechHelp, None, 4_000)
            .expect("another delegate is not held back");
        // A minute later the window has passed, up to five open requests.
        for at in [62_000, 63_000] {
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, at).unwrap();
        }
        assert_eq!(
            send_request(&mut room, &a, SecretaryRequestKind::TechHelp, None, 200_000)
                .unwrap_err()
                .code,
            LiveErrorCode::RateLimited,
            "five requests wait unhandled"
        );
    }
}
