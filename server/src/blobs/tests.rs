//! Tests of the blob store's pure parts: hashes, media types, and the files a document names.

use super::*;

#[test]
fn hashes_must_be_lowercase_hex_of_the_right_length() {
    let empty = crypto::sha256_hex(b"");
    assert_eq!(
        empty,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(crypto::is_sha256_hex(&empty));
    assert!(!crypto::is_sha256_hex(&empty.to_uppercase()));
    assert!(!crypto::is_sha256_hex(&empty[1..]));
    assert!(!crypto::is_sha256_hex(&format!("{}g", &empty[1..])));
}

#[test]
fn a_documents_files_include_each_versions_rendition() {
    use qianpi_domain::model::{
        BodyFormat, BodyStage, BodyVersion, DocumentKind, DocumentNumber, Rendition, SecrecyLevel,
        Urgency,
    };
    let mut document = Document {
        id: "doc-1".into(),
        unit_id: "unit-a".into(),
        kind: DocumentKind::Incoming,
        title: "通知".into(),
        number: DocumentNumber {
            organ: "晋农办".into(),
            year: 2026,
            sequence: 12,
        },
        urgency: Urgency::Normal,
        secrecy: SecrecyLevel::None,
        from_organ: None,
        received_at: None,
        head: Default::default(),
        body: Default::default(),
        footer: Default::default(),
        receiving: Default::default(),
        handling: Default::default(),
    };
    let hash = |c: char| c.to_string().repeat(64);
    document.body.versions = vec![BodyVersion {
        id: "v1".into(),
        stage: BodyStage::Sealed,
        format: BodyFormat::Ofd,
        sha256: hash('a'),
        size: 10,
        pages: None,
        created_at: None,
        rendition: Some(Rendition {
            format: BodyFormat::Pdf,
            sha256: hash('b'),
            size: 8,
        }),
    }];
    let files = document_files(&document);
    assert_eq!(files, [(hash('a').as_str(), 10), (hash('b').as_str(), 8)]);
}

#[test]
fn media_types_are_kept_only_when_they_are_safe_headers() {
    assert_eq!(media_type(None).ok().as_deref(), Some(DEFAULT_MEDIA_TYPE));
    assert_eq!(
        media_type(Some("  ")).ok().as_deref(),
        Some(DEFAULT_MEDIA_TYPE)
    );
    assert_eq!(
        media_type(Some("application/pdf")).ok().as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        media_type(Some("text/plain; charset=utf-8"))
            .ok()
            .as_deref(),
        Some("text/plain; charset=utf-8")
    );
    for bad in [
        "pdf",
        "/pdf",
        "application/",
        "text/plain\r\nx: y",
        "文本/纯",
    ] {
        assert!(media_type(Some(bad)).is_err(), "{bad:?}");
    }
}
