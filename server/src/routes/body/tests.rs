//! The body reader: gzip bodies decoded within the bound, a zip bomb refused with a 413 before it
//! is inflated whole, unknown codings and broken streams refused with their own codes, and the
//! digest's bytes (as sent) kept beside the content.

use super::*;
use axum::body::Body as AxumBody;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn request(encoding: &[&str], body: Vec<u8>) -> Request {
    let mut builder = axum::http::Request::builder().method("POST").uri("/");
    for value in encoding {
        builder = builder.header(header::CONTENT_ENCODING, *value);
    }
    builder.body(AxumBody::from(body)).unwrap()
}

async fn read(encoding: &[&str], body: Vec<u8>) -> Result<Body, ApiError> {
    read_encoded(request(encoding, body), &(), MAX_BODY_BYTES).await
}

#[tokio::test]
async fn a_gzip_body_is_decoded_and_its_bytes_as_sent_kept() {
    let json = br#"{"commands":[]}"#.repeat(100);
    let sent = gzip(&json);
    for coding in ["gzip", "GZip", " gzip "] {
        let body = read(&[coding], sent.clone()).await.unwrap();
        assert_eq!(&*body, json.as_slice(), "{coding}");
        assert_eq!(body.as_sent(), sent.as_slice());
    }
    for plain in [&[][..], &["identity"][..]] {
        let body = read(plain, json.clone()).await.unwrap();
        assert_eq!(&*body, json.as_slice());
        assert_eq!(body.as_sent(), json.as_slice());
    }
}

#[tokio::test]
async fn a_zip_bomb_is_refused_with_a_413_without_being_inflated_whole() {
    // 64 MiB of zeros compress to about 64 KB: within the wire limit, far past the decoded one.
    let bomb = {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            encoder.write_all(&zeros).unwrap();
        }
        encoder.finish().unwrap()
    };
    assert!(bomb.len() < MAX_BODY_BYTES, "{}", bomb.len());
    let error = read(&["gzip"], bomb).await.unwrap_err();
    assert_eq!(
        (error.status, error.code),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    // Exactly at the bound is still taken; one byte more is not.
    let body = read(&["gzip"], gzip(&vec![b' '; MAX_BODY_BYTES]))
        .await
        .unwrap();
    assert_eq!(body.len(), MAX_BODY_BYTES);
    let error = read(&["gzip"], gzip(&vec![b' '; MAX_BODY_BYTES + 1]))
        .await
        .unwrap_err();
    assert_eq!(error.code, "body_too_large");
}

#[tokio::test]
async fn an_unknown_coding_is_a_415_and_a_broken_stream_a_400() {
    for coding in [
        &["br"][..],
        &["deflate"],
        &["gzip, gzip"],
        &["gzip", "gzip"],
        &["x"],
    ] {
        let error = read(coding, gzip(b"{}")).await.unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding"),
            "{coding:?}"
        );
    }
    let whole = gzip(b"{\"commands\":[]}");
    let mut trailing = whole.clone();
    trailing.extend_from_slice(b"{}");
    for broken in [
        b"{}".to_vec(),
        Vec::new(),
        whole[..whole.len() - 3].to_vec(),
        trailing,
    ] {
        let error = read(&["gzip"], broken).await.unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::BAD_REQUEST, "malformed_encoding")
        );
    }
}
