//! Signing the meeting's record: `POST …/record/sign` (a key the server
//! holds), `POST …/record/external/prepare` and `…/external/complete` (a key
//! elsewhere: a USB token's helper, a remote signing service), and
//! `GET …/record` (who signed, and the SHA-256 of the signed file).
//!
//! The first signature is made on the record as rendered then; that file
//! is kept, and each later signature is an incremental update of the
//! newest signed file, so every earlier signature stays valid. Once
//! anyone signed, `record.pdf` serves the newest signed file. Each
//! signature is a new blob and a `record_signatures` row written with its
//! audit entry (`meeting.record_signed`, with the file's SHA-256).
//!
//! The first signature's file is rendered once per meeting: concurrent
//! first callers wait at the meeting's gate
//! (`AppState::first_record_renders`), and `Store::keep_unsigned_record`
//! returns the file kept first to every caller on any node. Two
//! renderings differ in their time stamp, so handing a caller its own
//! would make its prepared signature stale: a false 409.
//!
//! Who signs: the meeting's chair and secretary, each once per version,
//! only once the meeting is closed (and a closed meeting changes no more:
//! its minutes are read-only, the live room refuses changes, and no
//! transition leads out of `closed`). The record is issued when the
//! required signers have signed; by default the chair alone.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use base64::Engine;
use phonghop_protocol::api::{
    ErrorCode, ExternalSignatureComplete, ExternalSignaturePrepared, MeetingRole, MeetingState,
    RecordSignature, RecordStatus, SignRecordRequest,
};
use sha2::{Digest, Sha256};

use crate::auth::AuthenticatedUser;
use crate::error::AppError;
use crate::http::meetings::visible_meeting;
use crate::signing::{self, Certificate, PendingSignature, SignatureFields, StampPlace};
use crate::stamp::{meeting_local_time, StampFont};
use crate::state::AppState;
use crate::store::{
    now_millis, CredentialKey, MeetingRecord, NewAuditEntry, RecordSignatureRecord,
    SigningCredential,
};
#[allow(unused_imports)]
use phonghop_protocol::api::*;

/// The roles whose signatures issue the record when none are configured.
const DEFAULT_REQUIRED_SIGNERS: &[MeetingRole] = &[MeetingRole::Chair];

/// How long a prepared external signature may wait for its value.
const EXTERNAL_SIGNATURE_WINDOW_MS: i64 = 15 * 60 * 1000;

#[utoipa::path(get, path = "/api/v1/meetings/{meeting_id}/record", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, body = RecordStatus), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn record_status(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Json<RecordStatus>, AppError> {
    let (meeting, viewer) = visible_meeting(&state, &caller, &meeting_id).await?;
    if !crate::access::can_export_record(viewer) {
        return Err(AppError::forbidden());
    }
    Ok(Json(status_of(&state, &meeting).await?))
}

#[utoipa::path(post, path = "/api/v1/meetings/{meeting_id}/record/sign", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), request_body(content = SignRecordRequest, description = "Optional: the PIN of a certificate the server holds encrypted"), responses((status = 200, description = "Signed; record.pdf now serves the signed file", body = RecordStatus), (status = 401, body = ApiError), (status = 403, description = "Not the meeting's chair or secretary", body = ApiError), (status = 404, body = ApiError), (status = 409, description = "The meeting is not closed, the caller already signed, or the record is already issued", body = ApiError), (status = 422, description = "No signing certificate, or one only an external signer can use", body = ApiError)))]
pub async fn sign_record(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
    body: Option<Json<SignRecordRequest>>,
) -> Result<Json<RecordStatus>, AppError> {
    let _ = body;
    let signer = signer_for(&state, &caller, &meeting_id).await?;
    let key = match &signer.credential.key {
        CredentialKey::UnprotectedPkcs8(pkcs8) => {
            signing::ServerHeldKey::from_pkcs8(pkcs8).map_err(|error| {
                AppError::internal(format!("signing key of {}: {error}", caller.user_id()))
            })?
        }
        CredentialKey::External => {
            return Err(AppError::with_message(
                ErrorCode::SigningCertificateMissing,
                "Chứng thư số của bạn nằm trên thiết bị ký (USB token) hoặc dịch vụ ký từ xa: hãy ký bằng công cụ ký của thiết bị đó.",
                "Your certificate is on a signing device (a USB token) or a remote signing service: sign with that device's signing tool.",
            ))
        }
    };
    if !key.matches(&signer.certificate.public_key) {
        return Err(AppError::internal(format!(
            "signing key of {} does not match its certificate",
            caller.user_id()
        )));
    }
    let base = signer.base_file(&state).await?;
    let font = state.stamps.font();
    let signed_at = now_millis();
    let fields = signer.fields(signed_at);
    let certificate = signer.certificate.clone();
    let chain = signer.chain.clone();
    let signed = tokio::task::spawn_blocking(move || {
        signing::sign(&base, &fields, &font, &certificate, &chain, &key)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|error| AppError::internal(format!("signing the record: {error}")))?;
    signer
        .store_signature(&state, &caller, signed, signed_at, "server_key")
        .await?;
    let meeting = signer.meeting.clone();
    Ok(Json(status_of(&state, &meeting).await?))
}

#[utoipa::path(post, path = "/api/v1/meetings/{meeting_id}/record/external/prepare", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), responses((status = 200, description = "The signed attributes to sign with the registered certificate's key", body = ExternalSignaturePrepared), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn prepare_external(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
) -> Result<Json<ExternalSignaturePrepared>, AppError> {
    let signer = signer_for(&state, &caller, &meeting_id).await?;
    let base = signer.base_file(&state).await?;
    let base_sha256 = hex::encode(Sha256::digest(&base));
    let signed_at = now_millis();
    let pending = signer.prepare(&state, base, signed_at).await?;
    let engine = base64::engine::general_purpose::STANDARD;
    Ok(Json(ExternalSignaturePrepared {
        handle: format!("{base_sha256}.{signed_at}"),
        signed_attributes: engine.encode(&pending.signed_attributes),
        digest: engine.encode(pending.to_be_signed_digest()),
        certificate_sha256: hex::encode(Sha256::digest(&signer.certificate.der)),
    }))
}

#[utoipa::path(post, path = "/api/v1/meetings/{meeting_id}/record/external/complete", tag = "meetings", params(("meeting_id" = String, Path, description = "Meeting id (m_…)")), request_body = ExternalSignatureComplete, responses((status = 200, description = "Verified and embedded; record.pdf now serves the signed file", body = RecordStatus), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, description = "The record changed since it was prepared (someone else signed), or the handle expired", body = ApiError), (status = 422, description = "The signature does not verify with the registered certificate", body = ApiError)))]
pub async fn complete_external(
    State(state): State<AppState>,
    caller: AuthenticatedUser,
    Path(meeting_id): Path<String>,
    Json(body): Json<ExternalSignatureComplete>,
) -> Result<Json<RecordStatus>, AppError> {
    let signer = signer_for(&state, &caller, &meeting_id).await?;
    let bad_handle = || {
        AppError::bad_request(
            "Mã phiên ký không hợp lệ.",
            "The signing handle is not valid.",
        )
    };
    let (base_sha256, signed_at) = body.handle.split_once('.').ok_or_else(bad_handle)?;
    let signed_at: i64 = signed_at.parse().map_err(|_| bad_handle())?;
    let signature_value = base64::engine::general_purpose::STANDARD
        .decode(body.signature.trim())
        .map_err(|_| {
            AppError::bad_request("Chữ ký không phải base64.", "The signature is not base64.")
        })?;
    let now = now_millis();
    let base = signer.base_file(&state).await?;
    if hex::encode(Sha256::digest(&base)) != base_sha256
        || signed_at > now
        || now - signed_at > EXTERNAL_SIGNATURE_WINDOW_MS
    {
        return Err(AppError::with_message(
            ErrorCode::Conflict,
            "Biên bản đã thay đổi (có người vừa ký) hoặc phiên ký đã quá 15 phút. Vui lòng ký lại.",
            "The record changed (someone else just signed) or the signing session is older than 15 minutes. Please sign again.",
        ));
    }
    // The same inputs give the same prepared file, byte for byte.
    let pending = signer.prepare(&state, base, signed_at).await?;
    let certificate = signer.certificate.clone();
    let chain = signer.chain.clone();
    let signed = tokio::task::spawn_blocking(move || {
        signing::complete(pending, &signature_value, &certificate, &chain)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|error| match error {
        signing::SigningError::SignatureMismatch => AppError::new(ErrorCode::SignatureInvalid),
        other => AppError::internal(format!("embedding an external signature: {other}")),
    })?;
    signer
        .store_signature(&state, &caller, signed, signed_at, "external_signer")
        .await?;
    let meeting = signer.meeting.clone();
    Ok(Json(status_of(&state, &meeting).await?))
}

/// A caller allowed to sign now, with what signing needs.
struct Signer {
    meeting: MeetingRecord,
    role: MeetingRole,
    display_name: String,
    credential: SigningCredential,
    certificate: Certificate,
    chain: Vec<Certificate>,
    signatures: Vec<RecordSignatureRecord>,
}

async fn signer_for(
    state: &AppState,
    caller: &AuthenticatedUser,
    meeting_id: &str,
) -> Result<Signer, AppError> {
    let (meeting, viewer) = visible_meeting(state, caller, meeting_id).await?;
    let role = match viewer.meeting_role {
        Some(role @ (MeetingRole::Chair | MeetingRole::Secretary)) => role,
        _ => return Err(AppError::forbidden()),
    };
    if meeting.state != MeetingState::Closed {
        return Err(AppError::with_message(
            ErrorCode::Conflict,
            "Chỉ ký được biên bản khi cuộc họp đã kết thúc.",
            "The record can be signed only once the meeting is closed.",
        ));
    }
    let signatures = state.store.record_signatures(meeting_id).await?;
    if let Err((vi, en)) = may_sign(
        caller.user_id(),
        role,
        &signatures,
        DEFAULT_REQUIRED_SIGNERS,
    ) {
        return Err(AppError::with_message(ErrorCode::Conflict, vi, en));
    }
    let credential = state
        .store
        .signing_credential(caller.user_id())
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::SigningCertificateMissing))?;
    let certificate = Certificate::from_der(&credential.certificate)
        .map_err(|error| AppError::internal(format!("registered certificate: {error}")))?;
    let chain = credential
        .chain
        .iter()
        .map(|der| Certificate::from_der(der.as_slice()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| AppError::internal(format!("registered chain: {error}")))?;
    Ok(Signer {
        meeting,
        role,
        display_name: caller.user.display_name.clone(),
        credential,
        certificate,
        chain,
        signatures,
    })
}

/// Whether `user_id` in `role` may sign now, given the signatures so far
/// and the roles whose signatures issue the record. Pure.
fn may_sign(
    user_id: &str,
    role: MeetingRole,
    signatures: &[RecordSignatureRecord],
    required: &[MeetingRole],
) -> Result<(), (&'static str, &'static str)> {
    let signed_roles: Vec<&str> = signatures
        .iter()
        .map(|signature| signature.meeting_role.as_str())
        .collect();
    if signatures
        .iter()
        .any(|signature| signature.user_id == user_id)
    {
        return Err((
            "Bạn đã ký biên bản này.",
            "You have already signed this record.",
        ));
    }
    if required
        .iter()
        .all(|role| signed_roles.contains(&role_name(*role)))
    {
        return Err((
            "Biên bản đã được ký ban hành đủ; không ký thêm được.",
            "The record is already issued with every required signature.",
        ));
    }
    // The roles listed before this one sign first.
    if let Some(position) = required.iter().position(|wanted| *wanted == role) {
        if required[..position]
            .iter()
            .any(|before| !signed_roles.contains(&role_name(*before)))
        {
            return Err((
                "Chưa đến lượt bạn ký: người ký trước chưa ký.",
                "It is not your turn to sign yet: an earlier signer has not signed.",
            ));
        }
    }
    Ok(())
}

fn role_name(role: MeetingRole) -> &'static str {
    match role {
        MeetingRole::Chair => "chair",
        MeetingRole::Secretary => "secretary",
        MeetingRole::Delegate => "delegate",
        MeetingRole::Observer => "observer",
        MeetingRole::RemotePoint => "remote_point",
    }
}

impl Signer {
    /// The file this signature updates: the newest signed file, or the
    /// record rendered now for the first signature (kept in the blob
    /// store, so a prepared external signature can be made again).
    async fn base_file(&self, state: &AppState) -> Result<Vec<u8>, AppError> {
        let sha256 = match self.signatures.last() {
            Some(last) => last.blob_sha256.clone(),
            None => first_base_file(state, &self.meeting).await?,
        };
        let path = state.blobs.path_of(&sha256)?;
        tokio::fs::read(&path)
            .await
            .map_err(|error| AppError::internal(format!("record file {sha256}: {error}")))
    }

    fn fields(&self, signed_at: i64) -> SignatureFields {
        let local = meeting_local_time(signed_at, &self.meeting.starts_at);
        let name = self
            .certificate
            .common_name()
            .unwrap_or_else(|| self.display_name.clone());
        let (role_title, field, place) = match self.role {
            MeetingRole::Chair => ("Chủ trì cuộc họp", "ChuTri", StampPlace::Right),
            _ => ("Thư ký cuộc họp", "ThuKy", StampPlace::Left),
        };
        let title = self
            .certificate
            .title()
            .unwrap_or_else(|| role_title.to_owned());
        let mut stamp_lines = vec![format!("Ký bởi: {name}"), format!("Chức vụ: {title}")];
        if let Some(agency) = self.certificate.organization() {
            stamp_lines.push(format!("Cơ quan: {agency}"));
        }
        stamp_lines.push(format!(
            "Thời gian ký: {:02}:{:02} ngày {:02}/{:02}/{}",
            local.hour(),
            local.minute(),
            local.day(),
            u8::from(local.month()),
            local.year()
        ));
        SignatureFields {
            field_name: format!("{field}_v{}", self.version()),
            signer_name: name,
            reason: format!("{role_title} ký biên bản cuộc họp"),
            location: Some(self.meeting.place.clone()).filter(|place| !place.is_empty()),
            signing_time: local,
            stamp_lines,
            stamp_place: place,
        }
    }

    fn version(&self) -> i64 {
        self.signatures
            .last()
            .map(|last| last.record_version)
            .unwrap_or(1)
    }

    async fn prepare(
        &self,
        state: &AppState,
        base: Vec<u8>,
        signed_at: i64,
    ) -> Result<PendingSignature, AppError> {
        let font: Arc<StampFont> = state.stamps.font();
        let fields = self.fields(signed_at);
        let certificate = self.certificate.clone();
        tokio::task::spawn_blocking(move || signing::prepare(&base, &fields, &font, &certificate))
            .await
            .map_err(AppError::internal)?
            .map_err(|error| AppError::internal(format!("preparing the record: {error}")))
    }

    async fn store_signature(
        &self,
        state: &AppState,
        caller: &AuthenticatedUser,
        signed: Vec<u8>,
        signed_at: i64,
        key_kind: &str,
    ) -> Result<(), AppError> {
        let bytes = signed.len();
        let blobs = state.blobs.clone();
        let sha256 = tokio::task::spawn_blocking(move || blobs.put(&signed))
            .await
            .map_err(AppError::internal)??;
        let position = self.signatures.len() as i64 + 1;
        let record = RecordSignatureRecord {
            meeting_id: self.meeting.id.clone(),
            record_version: self.version(),
            position,
            user_id: caller.user_id().to_owned(),
            meeting_role: role_name(self.role).to_owned(),
            blob_sha256: sha256.clone(),
            signed_at,
        };
        state
            .store
            .add_record_signature_audited(
                &record,
                NewAuditEntry {
                    actor_user_id: Some(caller.user_id()),
                    meeting_id: Some(&self.meeting.id),
                    action: "meeting.record_signed",
                    details: serde_json::json!({
                        "version": record.record_version,
                        "position": position,
                        "role": record.meeting_role,
                        "sha256": sha256,
                        "bytes": bytes,
                        "certificate_sha256": hex::encode(Sha256::digest(&self.certificate.der)),
                        "key": key_kind,
                    }),
                },
            )
            .await?;
        // The signature's entry under a signed checkpoint at once: cutting
        // the log back to before the signing is then detected.
        state.audit_checkpoints.take_logged("record signed").await;
        Ok(())
    }
}

/// The SHA-256 of the file the first signature is made on: the one kept,
/// or the record rendered now and kept. Concurrent first callers wait at
/// the meeting's gate, so LibreOffice renders once in this process; the
/// store returns the first file kept, so callers on other nodes agree too.
async fn first_base_file(state: &AppState, meeting: &MeetingRecord) -> Result<String, AppError> {
    if let Some(sha256) = state.store.unsigned_record(&meeting.id).await? {
        return Ok(sha256);
    }
    let _gate = state.first_record_renders.enter(&meeting.id).await;
    if let Some(sha256) = state.store.unsigned_record(&meeting.id).await? {
        return Ok(sha256);
    }
    let pdf = super::record::render_record(state, meeting).await?;
    let blobs = state.blobs.clone();
    let sha256 = tokio::task::spawn_blocking(move || blobs.put(&pdf))
        .await
        .map_err(AppError::internal)??;
    Ok(state
        .store
        .keep_unsigned_record(&meeting.id, &sha256)
        .await?)
}

/// The record's signatures as the wire shows them.
async fn status_of(state: &AppState, meeting: &MeetingRecord) -> Result<RecordStatus, AppError> {
    let records = state.store.record_signatures(&meeting.id).await?;
    let version = records.last().map(|last| last.record_version).unwrap_or(1);
    let mut signatures = Vec::new();
    for record in records
        .iter()
        .filter(|record| record.record_version == version)
    {
        let display_name = state
            .store
            .user_by_id(&record.user_id)
            .await?
            .map(|user| user.display_name)
            .unwrap_or_else(|| record.user_id.clone());
        signatures.push(RecordSignature {
            user_id: record.user_id.clone(),
            display_name,
            role: if record.meeting_role == "chair" {
                MeetingRole::Chair
            } else {
                MeetingRole::Secretary
            },
            signed_at: record.signed_at,
            sha256: record.blob_sha256.clone(),
        });
    }
    let issued = DEFAULT_REQUIRED_SIGNERS
        .iter()
        .all(|role| signatures.iter().any(|signature| signature.role == *role));
    Ok(RecordStatus {
        version,
        sha256: signatures.last().map(|signature| signature.sha256.clone()),
        signatures,
        issued,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(user_id: &str, role: &str) -> RecordSignatureRecord {
        RecordSignatureRecord {
            meeting_id: "m".into(),
            record_version: 1,
            position: 1,
            user_id: user_id.into(),
            meeting_role: role.into(),
            blob_sha256: String::new(),
            signed_at: 0,
        }
    }

    #[test]
    fn secretary_then_chair_sign_and_the_chair_issues() {
        let required = DEFAULT_REQUIRED_SIGNERS;
        assert!(may_sign("thuky", MeetingRole::Secretary, &[], required).is_ok());
        let after_secretary = [signed("thuky", "secretary")];
        assert!(may_sign("thuky", MeetingRole::Secretary, &after_secretary, required).is_err());
        assert!(may_sign("chutri", MeetingRole::Chair, &after_secretary, required).is_ok());
        let issued = [signed("thuky", "secretary"), signed("chutri", "chair")];
        assert!(may_sign("other", MeetingRole::Secretary, &issued, required).is_err());
    }

    #[test]
    fn a_configured_order_makes_the_chair_wait_for_the_secretary() {
        let required = [MeetingRole::Secretary, MeetingRole::Chair];
        assert!(may_sign("chutri", MeetingRole::Chair, &[], &required).is_err());
        let after_secretary = [signed("thuky", "secretary")];
        assert!(may_sign("chutri", MeetingRole::Chair, &after_secretary, &required).is_ok());
    }
}
