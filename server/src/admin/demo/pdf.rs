//! Small, valid one-page PDF files made in code, so the demo's documents have real bodies and
//! attachments a phone can download and a viewer can open. Text is drawn in the standard
//! Helvetica font (every viewer has it), so it stays ASCII.

use std::fmt::Write as _;

/// A4 in PDF points.
const PAGE: (u32, u32) = (595, 842);

/// A one-page PDF showing `lines`, the first larger as a title.
pub fn one_page(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 18 Tf\n72 770 Td\n");
    for (i, line) in lines.iter().enumerate() {
        if i == 1 {
            content.push_str("/F1 12 Tf\n");
        }
        if i > 0 {
            content.push_str("0 -24 Td\n");
        }
        let _ = writeln!(content, "({}) Tj", escape(line));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
             /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            PAGE.0, PAGE.1
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        // Each entry is exactly 20 bytes, its end of line included.
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}

/// `text` as the inside of a PDF literal string: ASCII only, with `\`, `(` and `)` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_cross_reference_table_points_at_each_object() {
        let pdf = one_page(&["Notice (draft)", "Line two \\ end"]);
        let text = String::from_utf8(pdf.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[start..].starts_with("xref\n0 6\n"));
        let entries: Vec<&str> = text[start..].lines().skip(3).take(5).collect();
        for (i, entry) in entries.iter().enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj\n", i + 1)),
                "object {}",
                i + 1
            );
        }
        let length_at = text.find("/Length ").unwrap() + 8;
        let length: usize = text[length_at..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let stream_at = text.find("stream\n").unwrap() + 7;
        assert!(text[stream_at + length..].starts_with("endstream"));
        assert!(text.contains("(Notice \\(draft\\)) Tj"));
    }
}
