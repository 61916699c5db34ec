//! The XLSX export: the CSV's tables as an Office Open XML workbook, one sheet each.
//!
//! Written by hand, as little of SpreadsheetML as Excel, LibreOffice and Numbers
//! need: every text cell is an inline string (`t="inlineStr"`), so nothing a player
//! typed can ever be a formula, with or without a leading `=`; whole numbers in the
//! numeric columns are number cells. The package is a ZIP with every part stored
//! (not compressed) and a fixed date, so the same session gives the same bytes.

use super::csv::Table;
use super::report::Report;

/// The workbook's bytes.
pub fn render(r: &Report) -> Vec<u8> {
    let tables = super::csv::tables(r);
    let mut zip = Zip::default();
    zip.add("[Content_Types].xml", &content_types(tables.len()));
    zip.add(
        "_rels/.rels",
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
            r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
            "</Relationships>"
        ),
    );
    zip.add("xl/workbook.xml", &workbook(&tables));
    zip.add("xl/_rels/workbook.xml.rels", &workbook_rels(tables.len()));
    zip.add("xl/styles.xml", STYLES);
    for (i, t) in tables.iter().enumerate() {
        zip.add(&format!("xl/worksheets/sheet{}.xml", i + 1), &sheet(t));
    }
    zip.finish()
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

fn content_types(sheets: usize) -> String {
    let mut o = format!(
        "{HEAD}\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
    );
    for i in 1..=sheets {
        o.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
    }
    o.push_str("</Types>");
    o
}

fn workbook(tables: &[Table]) -> String {
    let mut o = format!(
        "{HEAD}\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    );
    for (i, t) in tables.iter().enumerate() {
        o.push_str(&format!(
            "<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>",
            xml(t.name),
            n = i + 1
        ));
    }
    o.push_str("</sheets></workbook>");
    o
}

fn workbook_rels(sheets: usize) -> String {
    let mut o = format!(
        "{HEAD}\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    );
    for i in 1..=sheets {
        o.push_str(&format!(
            "<Relationship Id=\"rId{i}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>"
        ));
    }
    o.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>",
        sheets + 1
    ));
    o
}

/// Two cell formats: the default, and bold for the header row.
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    "</styleSheet>"
);

/// One sheet: the header row (bold, frozen), then the rows.
fn sheet(t: &Table) -> String {
    let mut o = String::with_capacity(1024 + t.rows.len() * 512);
    o.push_str(HEAD);
    o.push_str(
        "\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>\
<sheetData>",
    );
    o.push_str("<row r=\"1\">");
    for (c, h) in t.header.iter().enumerate() {
        text_cell(&mut o, c, 1, h, true);
    }
    o.push_str("</row>");
    for (i, row) in t.rows.iter().enumerate() {
        let n = i + 2;
        o.push_str(&format!("<row r=\"{n}\">"));
        for (c, cell) in row.iter().enumerate() {
            if t.numeric.get(c).copied().unwrap_or(false) && whole_number(cell) {
                o.push_str(&format!("<c r=\"{}{n}\"><v>{cell}</v></c>", column(c)));
            } else {
                text_cell(&mut o, c, n, cell, false);
            }
        }
        o.push_str("</row>");
    }
    o.push_str("</sheetData></worksheet>");
    o
}

fn text_cell(o: &mut String, c: usize, row: usize, text: &str, bold: bool) {
    o.push_str(&format!(
        "<c r=\"{}{row}\" t=\"inlineStr\"{}><is><t xml:space=\"preserve\">{}</t></is></c>",
        column(c),
        if bold { " s=\"1\"" } else { "" },
        xml(text)
    ));
}

/// A whole number a spreadsheet keeps exactly (at most 15 digits).
fn whole_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A column's letters: 0 -> A, 25 -> Z, 26 -> AA.
fn column(mut c: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

/// Text for XML content and attributes. XML 1.0 cannot hold control characters
/// other than tab and line breaks, nor U+FFFE/U+FFFF: those become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' => out.push(c),
            // A CR would be read back as a line feed: keep it as a reference.
            '\r' => out.push_str("&#13;"),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c if c.is_control() && u32::from(c) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A ZIP archive whose entries are stored (method 0), dated 1980-01-01.
#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl Zip {
    fn add(&mut self, name: &str, data: &str) {
        let data = data.as_bytes();
        let crc = crc32(data);
        // Parts are a few megabytes at most; a larger one is cut short rather
        // than given a wrong size (ZIP64 is not worth it here).
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let data = &data[..size as usize];
        let offset = u32::try_from(self.out.len()).unwrap_or(u32::MAX);
        let name = name.as_bytes();
        let name_len = name.len() as u16;
        // Local file header.
        self.out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        self.out.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        self.out.extend_from_slice(&0u16.to_le_bytes()); // stored
        self.out.extend_from_slice(&0u16.to_le_bytes()); // time 00:00
        self.out.extend_from_slice(&0x0021u16.to_le_bytes()); // date 1980-01-01
        self.out.extend_from_slice(&crc.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&name_len.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // extra
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(data);
        // Central directory entry.
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes()); // version made by
        c.extend_from_slice(&20u16.to_le_bytes()); // version needed
        c.extend_from_slice(&0x0800u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0x0021u16.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&name_len.to_le_bytes());
        c.extend_from_slice(&[0; 12]); // extra, comment, disk, internal attrs, external attrs
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name);
        self.entries += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let start = u32::try_from(self.out.len()).unwrap_or(u32::MAX);
        let size = u32::try_from(self.central.len()).unwrap_or(u32::MAX);
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&start.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // comment
        self.out
    }
}

/// CRC-32 (IEEE, as ZIP uses it).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_columns() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(column(0), "A");
        assert_eq!(column(13), "N");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(27 * 26), "AAA");
        assert!(whole_number("-12") && whole_number("0"));
        assert!(!whole_number("") && !whole_number("-") && !whole_number("1.5"));
        assert_eq!(
            xml("<a & \"b\">\r\u{1}"),
            "&lt;a &amp; &quot;b&quot;&gt;&#13;\u{FFFD}"
        );
    }
}
