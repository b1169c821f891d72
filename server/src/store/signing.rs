//! Signing certificates per account, and the signed versions of each
//! meeting's record.
//!
//! A signed record is a file in the blob store (by SHA-256) and a row per
//! signature here, written in the same transaction as the signature's
//! audit entry. Rows are only ever added: the newest row of the newest
//! version names the file `record.pdf` serves.

use sqlx::Row;

use super::{AuditEntry, NewAuditEntry, Store, StoreResult, WriteTx};

/// How the server reaches a person's private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialKey {
    /// The key stays with the person (a USB token, a remote signing
    /// service): signatures come through the external-signer endpoints.
    External,
    /// A PKCS#8 key held without a PIN: only the demo's certificates.
    UnprotectedPkcs8(Vec<u8>),
}

impl CredentialKey {
    fn kind(&self) -> &'static str {
        match self {
            CredentialKey::External => "external",
            CredentialKey::UnprotectedPkcs8(_) => "unprotected_pkcs8",
        }
    }
}

/// A person's registered signing certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCredential {
    pub user_id: String,
    /// DER.
    pub certificate: Vec<u8>,
    /// Its issuers, DER, nearest first.
    pub chain: Vec<Vec<u8>>,
    pub key: CredentialKey,
    pub registered_at: i64,
}

/// One signature on one version of a meeting's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSignatureRecord {
    pub meeting_id: String,
    /// 1 for the first issue; a re-issued record is a new version.
    pub record_version: i64,
    /// 1 for the first signature of the version.
    pub position: i64,
    pub user_id: String,
    /// `chair` or `secretary`.
    pub meeting_role: String,
    /// The file after this signature.
    pub blob_sha256: String,
    pub signed_at: i64,
}

impl Store {
    /// Registers (or replaces) `credential.user_id`'s signing certificate.
    pub async fn set_signing_credential(&self, credential: &SigningCredential) -> StoreResult<()> {
        let mut tx = WriteTx::begin(&self.writer).await?;
        set_signing_credential_in(&mut tx, credential).await?;
        tx.commit().await
    }

    /// [`Store::set_signing_credential`] with its audit entry, in one
    /// transaction.
    pub async fn set_signing_credential_audited(
        &self,
        credential: &SigningCredential,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, _| {
                Box::pin(set_signing_credential_in(tx, credential))
            })
            .await?;
        Ok(record)
    }

    /// `user_id`'s signing certificate, if one is registered.
    pub async fn signing_credential(
        &self,
        user_id: &str,
    ) -> StoreResult<Option<SigningCredential>> {
        let row = sqlx::query(
            "SELECT user_id, certificate, chain, key_kind, key_data, registered_at \
             FROM signing_credentials WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let key_kind: String = row.try_get("key_kind")?;
        let key_data: Option<Vec<u8>> = row.try_get("key_data")?;
        let key = match (key_kind.as_str(), key_data) {
            ("unprotected_pkcs8", Some(bytes)) => CredentialKey::UnprotectedPkcs8(bytes),
            _ => CredentialKey::External,
        };
        let chain: Vec<u8> = row.try_get("chain")?;
        Ok(Some(SigningCredential {
            user_id: row.try_get("user_id")?,
            certificate: row.try_get("certificate")?,
            chain: split_certificates(&chain),
            key,
            registered_at: row.try_get("registered_at")?,
        }))
    }

    /// Every signature of the meeting's record, oldest first.
    pub async fn record_signatures(
        &self,
        meeting_id: &str,
    ) -> StoreResult<Vec<RecordSignatureRecord>> {
        let rows = sqlx::query(
            "SELECT meeting_id, record_version, position, user_id, meeting_role, blob_sha256, signed_at \
             FROM record_signatures WHERE meeting_id = $1 ORDER BY record_version, position",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RecordSignatureRecord {
                    meeting_id: row.try_get("meeting_id")?,
                    record_version: row.try_get("record_version")?,
                    position: row.try_get("position")?,
                    user_id: row.try_get("user_id")?,
                    meeting_role: row.try_get("meeting_role")?,
                    blob_sha256: row.try_get("blob_sha256")?,
                    signed_at: row.try_get("signed_at")?,
                })
            })
            .collect()
    }

    /// The SHA-256 of the record file the first signature is made on, once
    /// rendered for it.
    pub async fn unsigned_record(&self, meeting_id: &str) -> StoreResult<Option<String>> {
        let sha256 = sqlx::query_scalar(
            "SELECT unsigned_sha256 FROM record_files WHERE meeting_id = $1 ORDER BY record_version DESC",
        )
        .bind(meeting_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(sha256)
    }

    /// Keeps the file the first signature of version 1 is made on and
    /// returns the SHA-256 kept: the first one offered wins, and every
    /// caller, on any node, gets the winner back (never its own candidate,
    /// which would be a second rendering with another hash).
    pub async fn keep_unsigned_record(
        &self,
        meeting_id: &str,
        sha256: &str,
    ) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO record_files (meeting_id, record_version, unsigned_sha256, created_at) VALUES ($1, 1, $2, $3) \
             ON CONFLICT (meeting_id, record_version) DO NOTHING",
        )
        .bind(meeting_id)
        .bind(sha256)
        .bind(super::now_millis())
        .execute(&self.writer)
        .await?;
        let kept = sqlx::query_scalar(
            "SELECT unsigned_sha256 FROM record_files WHERE meeting_id = $1 AND record_version = 1",
        )
        .bind(meeting_id)
        .fetch_one(&self.writer)
        .await?;
        Ok(kept)
    }

    /// Stores one signature and its audit entry together. Fails with a
    /// conflict if another signature took its position first.
    pub async fn add_record_signature_audited(
        &self,
        signature: &RecordSignatureRecord,
        entry: NewAuditEntry<'_>,
    ) -> StoreResult<AuditEntry> {
        let (_, record) = self
            .with_audit(entry, |tx, audit_seq| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO record_signatures (meeting_id, record_version, position, user_id, meeting_role, blob_sha256, signed_at, audit_seq) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&signature.meeting_id)
                    .bind(signature.record_version)
                    .bind(signature.position)
                    .bind(&signature.user_id)
                    .bind(&signature.meeting_role)
                    .bind(&signature.blob_sha256)
                    .bind(signature.signed_at)
                    .bind(audit_seq)
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(record)
    }
}

/// Splits concatenated DER certificates (each a SEQUENCE).
fn split_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut reader = crate::signing::der::Reader::new(bytes);
    let mut certificates = Vec::new();
    while !reader.is_empty() {
        match reader.next_value() {
            Ok(value) => certificates.push(value.raw.to_vec()),
            Err(_) => break,
        }
    }
    certificates
}

/// Registers (or replaces) `credential.user_id`'s signing certificate.
async fn set_signing_credential_in(
    tx: &mut WriteTx<'_>,
    credential: &SigningCredential,
) -> StoreResult<()> {
    let key_data = match &credential.key {
        CredentialKey::External => None,
        CredentialKey::UnprotectedPkcs8(bytes) => Some(bytes.clone()),
    };
    sqlx::query("DELETE FROM signing_credentials WHERE user_id = $1")
        .bind(&credential.user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO signing_credentials (user_id, certificate, chain, key_kind, key_data, registered_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&credential.user_id)
    .bind(credential.certificate.clone())
    .bind(credential.chain.concat())
    .bind(credential.key.kind())
    .bind(key_data)
    .bind(credential.registered_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
