//! The invoice PDF as a reader's software sees it: text extracted with poppler's `pdftotext`
//! and fonts listed with `pdffonts` (Debian's `poppler-utils`, which `.ci/run` installs).
//! Without those tools these tests fail rather than pass unchecked.

use std::process::Command;

use super::*;

const REVERSE_CHARGE: &str =
    "Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC).";
const OUTSIDE_SCOPE: &str = "Outside the scope of EU VAT.";

fn seller() -> Party {
    Party {
        name: "Switchboard GmbH".into(),
        address_lines: vec!["Friedrichstraße 123".into(), "10117 Berlin".into()],
        country_name: "Germany".into(),
        vat_number: Some("DE123456789".into()),
    }
}

fn customer(name: &str, country: &str, vat_number: Option<&str>) -> Party {
    Party {
        name: name.into(),
        address_lines: vec!["Hauptstraße 5".into(), "Postfach 12".into()],
        country_name: country.into(),
        vat_number: vat_number.map(str::to_string),
    }
}

/// Five seats at 20.00 for February: net 100.00, VAT at `vat_rate_bp`.
fn invoice(
    customer: Party,
    currency: &str,
    vat_rate_bp: u32,
    vat_note: Option<&str>,
) -> InvoiceDocument {
    let net = 10_000;
    let vat = net * i64::from(vat_rate_bp) / 10_000;
    InvoiceDocument {
        number: "2025-0042".into(),
        issued: "1 March 2025".into(),
        period: "February 2025".into(),
        status: PaymentStatus::Paid {
            on: "1 March 2025".into(),
        },
        seller: seller(),
        customer,
        lines: vec![InvoiceLine {
            description: "Operator seats, February 2025".into(),
            quantity: 5,
            unit_minor: 2_000,
            amount_minor: net,
        }],
        currency: currency.into(),
        net_minor: net,
        vat_rate_bp,
        vat_minor: vat,
        gross_minor: net + vat,
        vat_note: vat_note.map(str::to_string),
    }
}

/// Runs a poppler tool on `pdf` and returns what it prints.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, pdf).expect("writing the PDF");
    let output = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|error| panic!("{tool} could not be run ({error}): install poppler-utils"));
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("poppler prints UTF-8")
}

/// The text of `pdf` as `pdftotext -layout` extracts it.
fn extract(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-layout"], pdf)
}

/// How pdftotext gives back Arabic text: in logical order, except that the lam-alef ligature
/// (one glyph for "لا") comes back reversed, as poppler spreads a ligature's characters left
/// to right and then reads the line right to left.
fn as_poppler_reads_arabic(text: &str) -> String {
    text.replace("لا", "ال")
}

#[test]
fn a_domestic_invoice_shows_the_vat_and_the_total() {
    let doc = invoice(
        customer("Müller GmbH", "Germany", Some("DE987654321")),
        "EUR",
        1900,
        None,
    );
    let text = extract(&render(&doc).unwrap());
    for expected in [
        "Invoice",
        "2025-0042",
        "1 March 2025",
        "February 2025",
        "Switchboard GmbH",
        "Friedrichstraße 123",
        "VAT no. DE123456789",
        "Müller GmbH",
        "VAT no. DE987654321",
        "Operator seats, February 2025",
        "€20.00",
        "€100.00",
        "VAT 19 %",
        "€19.00",
        "€119.00",
        "Paid on 1 March 2025",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(!text.contains("Reverse charge"), "{text}");
}

#[test]
fn names_in_every_shipped_script_print_with_their_invoice() {
    let cases = [
        (
            "Ελληνική Εταιρεία",
            "Greece",
            Some("EL123456789"),
            "EUR",
            REVERSE_CHARGE,
        ),
        (
            "Компания Ромашка",
            "Bulgaria",
            Some("BG123456789"),
            "EUR",
            REVERSE_CHARGE,
        ),
        (
            "شركة الاتصال",
            "United Arab Emirates",
            None,
            "USD",
            OUTSIDE_SCOPE,
        ),
        ("חברת תקשורת", "Israel", None, "USD", OUTSIDE_SCOPE),
    ];
    for (name, country, vat_number, currency, note) in cases {
        let doc = invoice(customer(name, country, vat_number), currency, 0, Some(note));
        let text = extract(&render(&doc).unwrap());
        // pdftotext gives right-to-left names back in logical order (the Arabic one up to
        // its ligature): the glyphs map back to the text, and no letter went missing.
        assert!(
            text.contains(name) || text.contains(&as_poppler_reads_arabic(name)),
            "{name:?} missing from:\n{text}"
        );
        let total = format_money(10_000, currency);
        for expected in ["2025-0042", country, "VAT 0 %", total.as_str(), note] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        if let Some(vat_number) = vat_number {
            assert!(
                text.contains(vat_number),
                "{vat_number} missing from:\n{text}"
            );
        }
    }
}

#[test]
fn the_fonts_a_name_needs_are_embedded() {
    let cases = [
        (
            "Müller GmbH",
            "Germany",
            &["NotoSans-Regular", "NotoSans-Bold"][..],
        ),
        (
            "شركة الاتصال",
            "United Arab Emirates",
            &["NotoSansArabic-Regular"][..],
        ),
        ("חברת תקשורת", "Israel", &["NotoSansHebrew-Regular"][..]),
    ];
    for (name, country, fonts) in cases {
        let doc = invoice(customer(name, country, None), "USD", 0, None);
        let listed = poppler("pdffonts", &[], &render(&doc).unwrap());
        for font in fonts {
            assert!(listed.contains(font), "{font} not in:\n{listed}");
        }
        // Below the two header lines, one line per font: embedded ("yes") and subset.
        for row in listed.lines().skip(2) {
            assert!(
                row.contains(" yes yes yes "),
                "not embedded as a subset: {row}"
            );
        }
    }
}

#[test]
fn the_same_invoice_gives_the_same_bytes() {
    // No clock and no random id in the document: a stored invoice can be rendered again.
    let doc = invoice(
        customer("شركة الاتصال", "Oman", None),
        "USD",
        0,
        Some(OUTSIDE_SCOPE),
    );
    assert_eq!(render(&doc).unwrap(), render(&doc).unwrap());
}

#[test]
fn an_unpaid_invoice_says_when_payment_is_due() {
    let mut doc = invoice(customer("Müller GmbH", "Germany", None), "EUR", 1900, None);
    doc.status = PaymentStatus::Unpaid {
        due: "15 March 2025".into(),
    };
    let text = extract(&render(&doc).unwrap());
    assert!(
        text.contains("Unpaid: payment is due by 15 March 2025"),
        "{text}"
    );
    assert!(!text.contains("Paid on"), "{text}");
}

#[test]
fn a_long_invoice_stays_inside_its_pages() {
    let long_name = "Vereinigte Nordwestdeutsche Kommunikations- und Kundendienstgesellschaft \
                     für Handel, Logistik und Dienstleistungen mbH & Co. KG";
    let mut doc = invoice(
        customer(long_name, "Germany", Some("DE987654321")),
        "EUR",
        1900,
        None,
    );
    doc.customer.address_lines = (1..=9).map(|i| format!("Address line {i}")).collect();
    doc.lines = (1..=40)
        .map(|i| InvoiceLine {
            description: format!(
                "Operator seats for the customer support team number {i}, prorated from the \
                 day the seats were added to the end of the period, at the plan's monthly price"
            ),
            quantity: 1_000_000,
            unit_minor: 99_999_999,
            amount_minor: 99_999_999_999_999,
        })
        .collect();
    doc.vat_note = Some(REVERSE_CHARGE.repeat(5));

    let pages = layout(&doc);
    assert!(pages.len() > 1, "40 lines need more than one page");
    for (index, ops) in pages.iter().enumerate() {
        for op in ops {
            if let Op::Text {
                x, baseline, line, ..
            } = op
            {
                let what = format!("{:?} on page {}", line.text(), index + 1);
                assert!(
                    *x >= LEFT - 0.01 && x + line.width <= RIGHT + 0.01,
                    "{what} at x {x}"
                );
                let footer = *baseline == FOOTER;
                assert!(
                    footer || (*baseline > MARGIN && *baseline <= BOTTOM),
                    "{what} at y {baseline}"
                );
            }
        }
    }
    // Nine address lines print six; the name wraps to two lines, the second cut short.
    let texts: Vec<String> = pages[0]
        .iter()
        .filter_map(|op| match op {
            Op::Text { line, .. } => Some(line.text()),
            _ => None,
        })
        .collect();
    assert!(texts.iter().any(|t| t == "Address line 6"));
    assert!(!texts.iter().any(|t| t == "Address line 7"));
    assert!(texts.iter().any(|t| t.starts_with("Vereinigte")));
    assert!(texts.iter().any(|t| t.ends_with('…')));

    let text = extract(&render(&doc).unwrap());
    let last = format!("page {} of {}", pages.len(), pages.len());
    for expected in [
        "page 1 of",
        last.as_str(),
        "€999,999.99",
        "€999,999,999,999.99",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}
