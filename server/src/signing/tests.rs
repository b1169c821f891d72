//! Signing and verifying real LibreOffice output (a demo agenda PDF).

use time::macros::datetime;

use super::authority::{Authority, Issued};
use super::*;

const RECORD: &[u8] = include_bytes!("../../demo/bao-cao-cai-cach-hanh-chinh-lang-son.pdf");

struct Actors {
    authority: Certificate,
    secretary: Issued,
    chair: Issued,
}

fn actors() -> Actors {
    let now = datetime!(2026-12-07 05:00 UTC);
    let authority = Authority::new("CA thử nghiệm phonghop", now).unwrap();
    Actors {
        authority: authority.certificate().unwrap(),
        secretary: authority
            .issue("Trần Thị Thư Ký", "Chuyên viên", "UBND huyện Tân Lạc", now)
            .unwrap(),
        chair: authority
            .issue(
                "Nguyễn Văn Chủ Trì",
                "Chủ tịch UBND huyện",
                "UBND huyện Tân Lạc",
                now,
            )
            .unwrap(),
    }
}

fn fields(field_name: &str, signer: &str, place: StampPlace) -> SignatureFields {
    SignatureFields {
        field_name: field_name.to_owned(),
        signer_name: signer.to_owned(),
        reason: "Ký biên bản cuộc họp".to_owned(),
        location: Some("Tân Lạc".to_owned()),
        signing_time: datetime!(2026-12-07 14:05:30 +07:00),
        stamp_lines: vec![
            format!("Ký bởi: {signer}"),
            "Chức vụ: Chủ tịch UBND huyện".to_owned(),
            "Cơ quan: UBND huyện Tân Lạc".to_owned(),
            "Thời gian ký: 14:05 ngày 07/12/2026".to_owned(),
        ],
        stamp_place: place,
    }
}

fn sign_as(pdf: &[u8], issued: &Issued, chain: &[Certificate], field: &str) -> Vec<u8> {
    let font = StampFont::new().unwrap();
    let key = ServerHeldKey::from_pkcs8(&issued.private_key_pkcs8).unwrap();
    sign(
        pdf,
        &fields(field, "Người ký", StampPlace::Right),
        &font,
        &issued.certificate,
        chain,
        &key,
    )
    .unwrap()
}

fn signed_by_secretary_then_chair() -> (Actors, Vec<u8>) {
    let actors = actors();
    let chain = [actors.authority.clone()];
    let once = sign_as(RECORD, &actors.secretary, &chain, "ThuKy");
    let twice = sign_as(&once, &actors.chair, &chain, "ChuTri");
    (actors, twice)
}

#[test]
fn secretary_then_chair_both_signatures_verify() {
    let (_, signed) = signed_by_secretary_then_chair();
    let reports = verify(&signed);
    assert_eq!(reports.len(), 2, "{reports:?}");
    for report in &reports {
        assert!(report.intact, "{report:?}");
        assert_eq!(report.chain, ["CA thử nghiệm phonghop"]);
        assert_eq!(report.organization.as_deref(), Some("UBND huyện Tân Lạc"));
        assert_eq!(
            report.signing_time.as_deref(),
            Some("D:20261207140530+07'00'")
        );
    }
    assert_eq!(reports[0].signer.as_deref(), Some("Trần Thị Thư Ký"));
    assert_eq!(reports[1].signer.as_deref(), Some("Nguyễn Văn Chủ Trì"));
    assert_eq!(reports[1].title.as_deref(), Some("Chủ tịch UBND huyện"));
    // The secretary's signature covers the file as it was before the
    // chair's update; the chair's covers all of it.
    assert!(!reports[0].covers_whole_file);
    assert!(reports[1].covers_whole_file);
}

#[test]
fn one_changed_byte_breaks_every_signature_covering_it() {
    let (_, mut signed) = signed_by_secretary_then_chair();
    // A byte of the original document, covered by both signatures.
    let at = 2000;
    signed[at] ^= 0x01;
    let reports = verify(&signed);
    assert_eq!(reports.len(), 2);
    for report in reports {
        assert!(!report.intact);
        assert_eq!(
            report.problem.as_deref(),
            Some("the document was changed after it was signed")
        );
    }
}

#[test]
fn a_changed_signature_value_is_rejected() {
    let actors = actors();
    let signed = sign_as(
        RECORD,
        &actors.chair,
        std::slice::from_ref(&actors.authority),
        "ChuTri",
    );
    let found = &pdf::find_signatures(&signed)[0];
    // The last byte of the ECDSA signature value, inside the hole.
    let hex_at = found.byte_range[1] + 1 + found.contents.len() * 2 - 1;
    let mut changed = signed.clone();
    changed[hex_at] = if changed[hex_at] == b'0' { b'1' } else { b'0' };
    let report = &verify(&changed)[0];
    assert!(!report.intact, "{report:?}");
}

#[test]
fn external_signer_value_is_checked_before_it_is_embedded() {
    let actors = actors();
    let font = StampFont::new().unwrap();
    let chair_key = ServerHeldKey::from_pkcs8(&actors.chair.private_key_pkcs8).unwrap();
    let secretary_key = ServerHeldKey::from_pkcs8(&actors.secretary.private_key_pkcs8).unwrap();
    let prepare_for_chair = || {
        prepare(
            RECORD,
            &fields("ChuTri", "Chủ trì", StampPlace::Right),
            &font,
            &actors.chair.certificate,
        )
        .unwrap()
    };
    // A value made with someone else's key is refused.
    let pending = prepare_for_chair();
    let wrong = secretary_key.sign(&pending.signed_attributes).unwrap();
    assert_eq!(
        complete(pending, &wrong, &actors.chair.certificate, &[]).unwrap_err(),
        SigningError::SignatureMismatch
    );
    // The chair's own value is embedded and verifies.
    let pending = prepare_for_chair();
    let value = chair_key.sign(&pending.signed_attributes).unwrap();
    let signed = complete(pending, &value, &actors.chair.certificate, &[]).unwrap();
    let reports = verify(&signed);
    assert!(reports[0].intact, "{reports:?}");
}

#[test]
fn a_field_name_is_used_once() {
    let actors = actors();
    let once = sign_as(RECORD, &actors.chair, &[], "ChuTri");
    let font = StampFont::new().unwrap();
    let error = pdf::prepare(
        &once,
        &fields("ChuTri", "Chủ trì", StampPlace::Right),
        &font,
    )
    .unwrap_err();
    assert_eq!(error, PdfSignError::FieldNameTaken("ChuTri".into()));
}

#[test]
fn garbage_is_refused_without_panicking() {
    let font = StampFont::new().unwrap();
    for input in [&b""[..], b"%PDF-1.7\n", &RECORD[..RECORD.len() / 2]] {
        assert!(pdf::prepare(input, &fields("A", "A", StampPlace::Left), &font).is_err());
        assert!(verify(input).iter().all(|report| !report.intact));
    }
    // A byte range that points outside the file.
    let fake = b"%PDF-1.7\n1 0 obj << /ByteRange [0 5 999999 10] /Contents <00> >> endobj";
    let reports = verify(fake);
    assert_eq!(reports.len(), 1);
    assert!(!reports[0].intact);
}

/// Poppler's `pdfsig` (poppler-utils, installed by .ci/setup) is an
/// independent validator: it must accept both signatures and reject the
/// file once a byte changed. Needs the `pdfsig` program.
#[test]
fn pdfsig_accepts_both_signatures_and_rejects_a_changed_byte() {
    let (_, signed) = signed_by_secretary_then_chair();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    let output = std::process::Command::new("pdfsig")
        .arg(&path)
        .output()
        .expect("pdfsig (poppler-utils) must be installed: .ci/setup installs it");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        2,
        "{text}"
    );
    let mut changed = signed.clone();
    changed[2000] ^= 0x01;
    std::fs::write(&path, &changed).unwrap();
    let output = std::process::Command::new("pdfsig")
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("Signature is Valid.").count(), 0, "{text}");
    assert_eq!(text.matches("Digest Mismatch.").count(), 2, "{text}");
}
