//! Reading an uploaded address book into a header and records: an `.xlsx` workbook (its first
//! sheet) when the bytes are a ZIP archive, otherwise CSV text in UTF-8 (with or without a BOM)
//! or, when the bytes are not valid UTF-8, GB18030 — which decodes GBK too, since GBK is its
//! two-byte subset (Excel on a Chinese Windows saves "CSV" in GBK; rare name characters such as
//! 䶮 exist only in GB18030's four-byte range).
//!
//! Why detect rather than ask: the person uploading rarely knows what Excel saved, and valid
//! UTF-8 is almost never valid-looking GBK by accident for Chinese text (and vice versa), so
//! "UTF-8 if it decodes, else GB18030 if that decodes cleanly" is the right guess.

use super::ImportError;
use crate::admin::address_book::csv_records;
use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};

/// How the upload was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// CSV text in UTF-8.
    Utf8,
    /// CSV text in GB18030 (or its subset GBK).
    Gb18030,
    /// An `.xlsx` workbook's first sheet.
    Xlsx,
}

impl SourceKind {
    /// Its stable name (`utf-8`, `gb18030`, `xlsx`).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Utf8 => "utf-8",
            SourceKind::Gb18030 => "gb18030",
            SourceKind::Xlsx => "xlsx",
        }
    }
}

/// An upload's header and records, each record with its line (the header is line 1).
pub type Records = (Vec<String>, Vec<(usize, Vec<String>)>);

/// Reads an upload of at most [`super::MAX_UPLOAD_BYTES`].
pub fn read(bytes: &[u8]) -> Result<(SourceKind, Records), ImportError> {
    if bytes.len() > super::MAX_UPLOAD_BYTES {
        return Err(ImportError::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::NoRows);
    }
    // Every .xlsx is a ZIP archive, which starts with a local file header.
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok((SourceKind::Xlsx, workbook(bytes)?));
    }
    let (kind, text) = decode(bytes)?;
    Ok((kind, csv_records(&text)))
}

/// CSV bytes as text: UTF-8 when they are valid UTF-8, else GB18030 when they decode without a
/// single malformed sequence.
pub fn decode(bytes: &[u8]) -> Result<(SourceKind, String), ImportError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((SourceKind::Utf8, text.to_owned()));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (SourceKind::Gb18030, text.into_owned()))
        .ok_or(ImportError::NotText)
}

/// The most a workbook may unpack to: a sheet of [`super::MAX_IMPORT_ROWS`] people takes a few
/// megabytes, a ZIP bomb of a 5 MB upload gigabytes.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most files a workbook may hold (a plain one holds about a dozen).
pub const MAX_ENTRIES: usize = 1_000;

/// Refuses a workbook that unpacks to more than [`MAX_UNPACKED_BYTES`] or holds more than
/// [`MAX_ENTRIES`] files, before the workbook reader unpacks anything into memory. The sizes an
/// archive declares can lie, so what each file really unpacks to is counted, and unpacking stops
/// at the limit.
fn check_unpacked(bytes: &[u8]) -> Result<(), ImportError> {
    let unreadable = |e: zip::result::ZipError| ImportError::Workbook(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ImportError::Unpacked);
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(unreadable)?;
        let room = MAX_UNPACKED_BYTES.saturating_sub(total);
        let mut limited = entry.take(room.saturating_add(1));
        let unpacked = std::io::copy(&mut limited, &mut std::io::sink())
            .map_err(|e| ImportError::Workbook(e.to_string()))?;
        total = total.saturating_add(unpacked);
        if total > MAX_UNPACKED_BYTES {
            return Err(ImportError::Unpacked);
        }
    }
    Ok(())
}

/// The first sheet of a workbook; a record's line is its row number in the sheet.
fn workbook(bytes: &[u8]) -> Result<Records, ImportError> {
    check_unpacked(bytes)?;
    let mut book =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ImportError::Workbook(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(ImportError::NoRows)?
        .map_err(|e| ImportError::Workbook(e.to_string()))?;
    let Some((first_row, first_column)) = range.start() else {
        return Err(ImportError::NoRows);
    };
    // A sheet whose cells start right of column A still has its columns where they are shown.
    let offset = usize::try_from(first_column).map_err(|_| ImportError::TooLarge)?;
    let first_line = usize::try_from(first_row)
        .ok()
        .and_then(|r| r.checked_add(1))
        .ok_or(ImportError::TooLarge)?;
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let mut fields = vec![String::new(); offset];
        fields.extend(cells.iter().map(cell_text));
        // Excel keeps formatted but empty cells at the end of a row: they are no columns.
        while fields.last().is_some_and(|f| f.trim().is_empty()) {
            fields.pop();
        }
        (first_line.saturating_add(i), fields)
    });
    let Some((_, header)) = rows.next() else {
        return Err(ImportError::NoRows);
    };
    let records = rows
        .map(|(line, mut fields)| {
            // A row with fewer filled cells than the header is padded: an empty last cell is an
            // empty field, not a missing column.
            if fields.len() < header.len() {
                fields.resize(header.len(), String::new());
            }
            (line, fields)
        })
        .collect();
    Ok((header, records))
}

/// A cell as the text the CSV import would have read: whole numbers without a decimal point (a
/// phone number typed into a number cell), everything else as displayed.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn utf8_with_or_without_a_bom_and_gbk_and_gb18030_are_told_apart() {
        let text = "登录名,姓名,职务,角色\nzhang,张三,科员,staff\n";
        let (kind, decoded) = decode(text.as_bytes()).unwrap();
        assert_eq!((kind, decoded.as_str()), (SourceKind::Utf8, text));
        let with_bom = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&with_bom).unwrap().1, text);

        let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        assert_eq!(
            decode(&gbk).unwrap(),
            (SourceKind::Gb18030, text.to_owned())
        );

        // 䶮 (U+4DAE) has no GBK code; GB18030 gives it four bytes.
        let rare = "登录名,姓名,职务,角色\nyan,刘䶮,科员,staff\n";
        let (gb18030, _, _) = encoding_rs::GB18030.encode(rare);
        assert!(gb18030.len() > rare.chars().count());
        assert_eq!(decode(&gb18030).unwrap().1, rare);
    }

    #[test]
    fn bytes_that_are_no_text_in_either_encoding_are_refused() {
        // 0xFF never starts a GB18030 sequence, and 0x81 followed by 0x20 is a broken one.
        assert!(matches!(
            decode(b"login\xff\x81 ,x"),
            Err(ImportError::NotText)
        ));
    }

    #[test]
    fn a_csv_upload_is_read_into_numbered_records() {
        let (gbk, _, _) = encoding_rs::GBK.encode("登录名,姓名,职务,角色\n\nli,李四,科长,leader\n");
        let (kind, (header, records)) = read(&gbk).unwrap();
        assert_eq!(kind, SourceKind::Gb18030);
        assert_eq!(header, ["登录名", "姓名", "职务", "角色"]);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].0, 3);
        assert_eq!(records[0].1[1], "李四");
    }

    #[test]
    fn the_first_sheet_of_a_workbook_is_read_with_numbers_as_typed() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in [
            "login",
            "name",
            "post",
            "role",
            "department",
            "office_phone",
        ]
        .iter()
        .enumerate()
        {
            sheet
                .write_string(0, u16::try_from(c).unwrap(), *h)
                .unwrap();
        }
        for (c, v) in ["wang", "王五", "主任", "staff", "办公室"]
            .iter()
            .enumerate()
        {
            sheet
                .write_string(1, u16::try_from(c).unwrap(), *v)
                .unwrap();
        }
        sheet.write_number(1, 5, 3512345678.0).unwrap();
        sheet.write_string(2, 0, "zhao").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let (kind, (header, records)) = read(&bytes).unwrap();
        assert_eq!(kind, SourceKind::Xlsx);
        assert_eq!(header.len(), 6);
        assert_eq!(
            records[0],
            (
                2,
                ["wang", "王五", "主任", "staff", "办公室", "3512345678"]
                    .map(str::to_owned)
                    .to_vec()
            )
        );
        assert_eq!(records[1].0, 3);
        assert_eq!(records[1].1.len(), 6);
    }

    #[test]
    fn a_broken_workbook_is_refused_with_a_reason() {
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(ImportError::Workbook(_))
        ));
    }
}
