//! The activation invite's text: what the gateway prints reads back the same, and every kind of
//! wrong text is refused with its own code.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

fn certificate() -> Vec<u8> {
    let mut der = vec![0x30, 0x82, 0x01, 0x00];
    der.extend((0u8..=255).cycle().take(300));
    der
}

fn invite() -> Invite {
    Invite {
        server_url: "https://oa.example.gov.cn:8440/".into(),
        login: Some("wangjianguo".into()),
        code: "ABCD2345".into(),
        pins: vec![[0xfb; 32], [0x01; 32]],
        ca_certificates: vec![certificate()],
    }
}

fn code(text: &str) -> &'static str {
    Invite::parse(text).unwrap_err().code()
}

#[test]
fn what_the_gateway_prints_reads_back_the_same() {
    let invite = invite();
    let text = invite.to_text();
    assert!(text.starts_with("qianpi://activate?v=1&url=https%3A%2F%2Foa.example.gov.cn%3A8440%2F&login=wangjianguo&code=ABCD2345&pin="));
    assert!(text.len() < MAX_INVITE_CHARS);
    assert_eq!(Invite::parse(&format!("{text}\n")).unwrap(), invite);
    assert_eq!(
        invite.pin_strings()[0],
        format!("sha256/{}", STANDARD.encode([0xfb; 32]))
    );
    let pem = invite.anchors_pem();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.lines().all(|l| l.len() <= 64));
}

#[test]
fn a_login_is_optional_and_an_unencoded_pin_keeps_its_plus() {
    let pin = STANDARD.encode([0xfb; 32]);
    assert!(pin.contains('+') || pin.contains('/'));
    let text = format!(
        "qianpi://activate?v=1&url=http://127.0.0.1:8080&code=K7M2P9QX&pin={pin}&pin={pin}"
    );
    let invite = Invite::parse(&text).unwrap();
    assert_eq!(invite.login, None);
    assert_eq!(invite.server_url, "http://127.0.0.1:8080");
    assert_eq!(invite.pins, vec![[0xfb; 32], [0xfb; 32]]);
    // A Chinese login, percent-encoded, reads back.
    let mut named = self::invite();
    named.login = Some("王建国".into());
    assert_eq!(Invite::parse(&named.to_text()).unwrap(), named);
}

#[test]
fn plain_http_is_only_for_this_machine() {
    for url in [
        "http://oa.example.gov.cn",
        "http://10.0.0.1:8080",
        "ftp://oa.example.gov.cn",
        "https://",
        "https://user@oa.example.gov.cn",
        "https://oa.example.gov.cn/#x",
        "oa.example.gov.cn",
    ] {
        let mut invite = invite();
        invite.server_url = url.into();
        assert_eq!(code(&invite.to_text()), "bad_url", "{url}");
    }
    for url in [
        "http://localhost:8080",
        "http://[::1]:9000/",
        "https://[2001:db8::1]/",
    ] {
        let mut invite = invite();
        invite.server_url = url.into();
        assert!(Invite::parse(&invite.to_text()).is_ok(), "{url}");
    }
}

#[test]
fn strange_texts_are_refused_each_with_its_code() {
    let good = invite().to_text();
    assert_eq!(code("https://oa.example.gov.cn/"), "not_an_invite");
    assert_eq!(
        code(&good.replace("qianpi://", "qianpi:/")),
        "not_an_invite"
    );
    assert_eq!(code(&good.replace("v=1", "v=2")), "unsupported_version");
    assert_eq!(code(&good.replace("v=1&", "")), "missing_parameter");
    assert_eq!(
        code(&good.replace("&code=ABCD2345", "")),
        "missing_parameter"
    );
    assert_eq!(code(&format!("{good}&next=https://evil")), "bad_parameter");
    assert_eq!(code(&format!("{good}&code=XYZ")), "bad_parameter");
    assert_eq!(code(&format!("{good}&url=https://evil")), "bad_parameter");
    assert_eq!(code(&format!("{good}&flag")), "bad_parameter");
    assert_eq!(
        code(&good.replace("code=ABCD2345", "code=AB%2")),
        "bad_parameter"
    );
    assert_eq!(
        code(&good.replace("code=ABCD2345", "code=AB%+1")),
        "bad_parameter"
    );
    assert_eq!(
        code(&good.replace("code=ABCD2345", "code=AB%20CD")),
        "bad_credentials"
    );
    assert_eq!(
        code(&good.replace("code=ABCD2345", "code=")),
        "bad_credentials"
    );
    assert_eq!(code(&format!("{good}&pin=AAAA")), "bad_certificate");
    assert_eq!(code(&format!("{good}&ca=MIIB")), "bad_certificate");
    let too_many = (0..5).fold(good.clone(), |t, _| {
        format!("{t}&pin={}", STANDARD.encode([2u8; 32]))
    });
    assert_eq!(code(&too_many), "bad_certificate");
    assert_eq!(
        code(&format!("{good}&{}", "x".repeat(MAX_INVITE_CHARS))),
        "too_long"
    );
    for error in [
        Invite::parse("x").unwrap_err(),
        Invite::parse(&good.replace("v=1", "v=9")).unwrap_err(),
    ] {
        assert!(error
            .message_zh()
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn escapes_that_break_characters_or_hide_controls_are_refused() {
    let good = invite().to_text();
    let with_code = |value: &str| good.replace("code=ABCD2345", &format!("code={value}"));
    // Not UTF-8 once decoded, and an escape cut inside a character: refused, never a panic.
    assert_eq!(code(&with_code("AB%FF")), "bad_parameter");
    assert_eq!(code(&with_code("AB%E4%B8")), "bad_parameter");
    assert_eq!(code(&with_code("AB%中")), "bad_parameter");
    assert_eq!(code(&with_code("AB%0A")), "bad_credentials");
    let with_url = |value: &str| good.replace(&encode(&invite().server_url), value);
    assert_eq!(code(&with_url("https%3A%2F%2Foa%0A.gov.cn")), "bad_url");
    assert_eq!(
        code(&with_url("https://oa.gov.cn%40evil.example")),
        "bad_url"
    );
    assert_eq!(code(&with_url("http://localhost.evil.example/")), "bad_url");
    // A name is never decoded: an encoded `v` is an unknown part.
    assert_eq!(code(&good.replace("v=1", "%76=1")), "bad_parameter");
}

#[test]
fn huge_texts_are_refused_by_length_whatever_they_hold() {
    let good = invite().to_text();
    let wide = format!("{good}&{}", "签".repeat(MAX_INVITE_CHARS));
    assert_eq!(code(&wide), "too_long");
    let huge = format!("{good}&{}", "x".repeat(8 << 20));
    assert_eq!(code(&huge), "too_long");
}
