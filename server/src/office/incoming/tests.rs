#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::fields::{self, Problem};
use super::files::{self, is_ofd, is_pdf, Upload};
use chrono::NaiveDate;
use std::io::Write as _;

/// A zip file holding `names` (stored, not compressed), as an OFD package is laid out.
pub(crate) fn zip_with(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in names {
        let offset = out.len() as u32;
        let data = b"<ofd:OFD/>";
        let mut local = Vec::new();
        local.write_all(b"PK\x03\x04").unwrap();
        local.write_all(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        local.write_all(&0u32.to_le_bytes()).unwrap(); // crc (not checked here)
        local.write_all(&(data.len() as u32).to_le_bytes()).unwrap();
        local.write_all(&(data.len() as u32).to_le_bytes()).unwrap();
        local.write_all(&(name.len() as u16).to_le_bytes()).unwrap();
        local.write_all(&0u16.to_le_bytes()).unwrap();
        local.write_all(name.as_bytes()).unwrap();
        local.write_all(data).unwrap();
        out.extend(local);
        central.write_all(b"PK\x01\x02").unwrap();
        central
            .write_all(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .unwrap();
        central.write_all(&0u32.to_le_bytes()).unwrap();
        central
            .write_all(&(data.len() as u32).to_le_bytes())
            .unwrap();
        central
            .write_all(&(data.len() as u32).to_le_bytes())
            .unwrap();
        central
            .write_all(&(name.len() as u16).to_le_bytes())
            .unwrap();
        central.write_all(&[0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        central.write_all(&[0, 0, 0, 0]).unwrap();
        central.write_all(&offset.to_le_bytes()).unwrap();
        central.write_all(name.as_bytes()).unwrap();
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.write_all(b"PK\x05\x06\0\0\0\0").unwrap();
    out.write_all(&(names.len() as u16).to_le_bytes()).unwrap();
    out.write_all(&(names.len() as u16).to_le_bytes()).unwrap();
    out.write_all(&(central.len() as u32).to_le_bytes())
        .unwrap();
    out.write_all(&cd_offset.to_le_bytes()).unwrap();
    out.write_all(&0u16.to_le_bytes()).unwrap();
    out
}

#[test]
fn document_numbers_are_read_as_printed_and_typed() {
    let n = fields::number("晋农办〔2026〕12号").unwrap();
    assert_eq!((n.organ.as_str(), n.year, n.sequence), ("晋农办", 2026, 12));
    assert_eq!(n.to_string(), "晋农办〔2026〕12号");
    // Brackets as keyboards type them, and stray spaces, give the same number.
    for typed in [
        "晋农办[2026]12号",
        "晋农办［2026］12号",
        " 晋农办 (2026) 12号 ",
    ] {
        assert_eq!(fields::number(typed).unwrap(), n, "{typed}");
    }
    for (bad, problem) in [
        ("", Problem::Required),
        ("晋农办2026年12号", Problem::NumberFormat),
        ("〔2026〕12号", Problem::NumberFormat),
        ("晋农办〔26〕12号", Problem::NumberFormat),
        ("晋农办〔2026〕12", Problem::NumberFormat),
        ("晋农办〔2026〕十二号", Problem::NumberFormat),
        ("晋农办〔2026〕99999999999号", Problem::NumberFormat),
        ("晋农办〔2026〕0号", Problem::NumberSequence),
        ("晋农办〔2026〕012号", Problem::NumberSequence),
    ] {
        assert_eq!(fields::number(bad), Err(problem), "{bad}");
    }
}

#[test]
fn one_line_fields_refuse_blanks_breaks_and_length() {
    assert_eq!(fields::line("  ", true, 10), Err(Problem::Required));
    assert_eq!(fields::line("  ", false, 10), Ok(None));
    assert_eq!(
        fields::line("a\nb", true, 10),
        Err(Problem::ControlCharacters)
    );
    assert_eq!(
        fields::line("山西省人民政府", true, 6),
        Err(Problem::TooLong)
    );
    assert_eq!(
        fields::line(" 山西省人民政府 ", true, 7),
        Ok(Some("山西省人民政府".to_owned()))
    );
    assert_eq!(fields::title(&"题".repeat(201)), Err(Problem::TooLong));
}

#[test]
fn choices_dates_and_numbers_are_checked() {
    assert_eq!(fields::urgency("bogus"), Err(Problem::NotAChoice));
    assert_eq!(fields::secrecy(""), Err(Problem::Required));
    assert_eq!(fields::genre("notice").unwrap().unwrap().label_zh(), "通知");
    assert_eq!(fields::genre("decree"), Err(Problem::NotAChoice));
    assert_eq!(fields::date("2026-02-30"), Err(Problem::NotADate));
    assert_eq!(
        fields::date("2026-03-02"),
        Ok(NaiveDate::from_ymd_opt(2026, 3, 2))
    );
    assert_eq!(
        fields::copy_number("0000012"),
        Err(Problem::CopyNumberDigits)
    );
    assert_eq!(fields::copy_number("00012"), Ok(Some("00012".into())));
    assert_eq!(fields::pages("0"), Err(Problem::PagesRange));
    assert_eq!(fields::pages("3"), Ok(Some(3)));
}

#[test]
fn dates_are_days_of_the_deployments_zone() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let zone = chrono_tz::Asia::Shanghai;
    assert_eq!(
        fields::start_of(day, zone).to_rfc3339(),
        "2026-03-01T16:00:00+00:00"
    );
    assert_eq!(
        fields::end_of(day, zone).to_rfc3339(),
        "2026-03-02T15:59:59+00:00"
    );
}

#[test]
fn bodies_are_known_by_their_bytes() {
    assert!(is_pdf(b"%PDF-1.7\n..."));
    assert!(!is_pdf(b"<html>%PDF-"));
    assert!(is_ofd(&zip_with(&["Doc_0/Document.xml", "OFD.xml"])));
    assert!(
        !is_ofd(&zip_with(&["word/document.xml"])),
        "a zip without OFD.xml"
    );
    assert!(
        !is_ofd(&zip_with(&["Doc_0/OFD.xml"])),
        "OFD.xml not at the root"
    );
    assert!(!is_ofd(b"PK\x03\x04 not really a zip"));
    // A central directory pointing past the end is not read past it.
    let mut broken = zip_with(&["OFD.xml"]);
    let at = broken.len() - 6;
    broken[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(!is_ofd(&broken));
}

#[test]
fn uploads_over_the_limit_or_empty_are_refused() {
    let big = Upload {
        file_name: "a.pdf".into(),
        bytes: bytes::Bytes::from_static(b"%PDF-1.4"),
        too_large: true,
    };
    assert_eq!(
        files::check_body(&big, is_pdf, Problem::NotPdf),
        Err(Problem::FileTooLarge)
    );
    let empty = Upload::default();
    assert_eq!(
        files::check_body(&empty, is_pdf, Problem::NotPdf),
        Err(Problem::EmptyFile)
    );
    let html = Upload {
        file_name: "正文.pdf".into(),
        bytes: bytes::Bytes::from_static(b"<html><script>"),
        too_large: false,
    };
    assert_eq!(
        files::check_body(&html, is_pdf, Problem::NotPdf),
        Err(Problem::NotPdf)
    );
}

#[test]
fn attachments_keep_their_name_and_get_a_safe_media_type() {
    assert_eq!(
        files::attachment_name("C:\\Users\\li\\任务分解表.xlsx").unwrap(),
        "任务分解表.xlsx"
    );
    assert_eq!(files::attachment_name("  "), Err(Problem::AttachmentName));
    assert_eq!(files::media_type("a.pdf", b"%PDF-1.4"), "application/pdf");
    // A page pretending to be a picture is stored as bytes to download, never as HTML.
    assert_eq!(
        files::media_type("x.html", b"<html><script>alert(1)</script>"),
        "application/octet-stream"
    );
    assert!(!files::shown_inline("application/octet-stream"));
    assert!(files::shown_inline("application/pdf"));
}

#[test]
fn every_problem_has_a_distinct_text_key() {
    let keys: std::collections::BTreeSet<_> = Problem::ALL.iter().map(|p| p.key()).collect();
    assert_eq!(keys.len(), Problem::ALL.len());
    let names: std::collections::BTreeSet<_> =
        fields::Field::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names.len(), fields::Field::ALL.len());
}
