//! A monthly invoice as a printable A4 PDF.
//!
//! [`render`] takes an [`InvoiceDocument`] — every text already worded, every date already
//! formatted in the company's time zone, every amount in integer minor units — and returns
//! the PDF's bytes, the same bytes for the same invoice. It is pure but blocking (it subsets
//! and compresses fonts): callers on an actor thread run it on a blocking pool.
//!
//! Rendering is two steps. Layout turns the invoice into pages of drawing operations
//! (texts at positions, rules, a shaded band), measuring every text with the fonts that will
//! draw it, so nothing leaves its box: long names wrap, then end with an ellipsis. Painting
//! hands the operations to krilla, which embeds the subset of each font the invoice uses.
//! The fonts ship with the engine (`engine/fonts/`, SIL Open Font License): Noto Sans for
//! Latin, Greek and Cyrillic, Noto Sans Arabic and Noto Sans Hebrew, so any company name
//! in those scripts prints; [`text`] picks the font per character and lays out
//! right-to-left text.

mod text;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::Document;

use text::Line;

pub use switchboard_api::billing::{format_money, format_vat_rate};

/// An invoice as printed. The renderer formats amounts and the VAT rate; everything else is
/// shown as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    /// The invoice number, gapless per company (`2025-0042`).
    pub number: String,
    /// Date of issue, formatted in the company's time zone (`1 March 2025`).
    pub issued: String,
    /// The billing period the invoice covers (`February 2025`).
    pub period: String,
    /// Whether the invoice has been paid, printed below the totals.
    pub status: PaymentStatus,
    /// Who issues the invoice: Switchboard's operating company.
    pub seller: Party,
    /// The company billed.
    pub customer: Party,
    /// What is charged, in order; each line's amount is already computed.
    pub lines: Vec<InvoiceLine>,
    /// ISO 4217 code of every amount on the invoice (`EUR`).
    pub currency: String,
    /// Sum of the lines' amounts, in minor units.
    pub net_minor: i64,
    /// The VAT rate applied, in basis points (1900 = 19 %; 0 for reverse charge and for
    /// customers outside the EU).
    pub vat_rate_bp: u32,
    /// VAT on the net amount, in minor units.
    pub vat_minor: i64,
    /// What the customer pays: net plus VAT, in minor units.
    pub gross_minor: i64,
    /// Why no VAT is charged, when none is ("Reverse charge: …", "Outside the scope of EU
    /// VAT"); printed under the totals.
    pub vat_note: Option<String>,
}

/// A company as it appears on an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Registered name, in any script the shipped fonts cover.
    pub name: String,
    /// Street, town, postcode, as the company wrote them; at most [`MAX_ADDRESS_LINES`] print.
    pub address_lines: Vec<String>,
    /// The country's name in English (`Germany`).
    pub country_name: String,
    /// VAT identification number with its country prefix (`DE123456789`, `EL…` for Greece);
    /// `None` for a company that has none.
    pub vat_number: Option<String>,
}

/// One charged item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// What is charged (`Operator seats, February 2025`).
    pub description: String,
    /// How many units (seats).
    pub quantity: u32,
    /// Price of one unit, in minor units.
    pub unit_minor: i64,
    /// Price of the line, in minor units: quantity times unit price, less any proration the
    /// caller applied.
    pub amount_minor: i64,
}

/// Whether an invoice has been paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Charged successfully; `on` is the date of payment, formatted like `issued`.
    Paid {
        /// Date of payment.
        on: String,
    },
    /// Not paid yet (or the charge was declined); `due` is the date payment is due.
    Unpaid {
        /// Date payment is due.
        due: String,
    },
}

/// The invoice could not be written as a PDF.
#[derive(Debug, thiserror::Error)]
#[error("the invoice PDF could not be written: {0}")]
pub struct PdfError(String);

/// At most this many address lines print per party: a postal address needs five, and the
/// bound keeps the header on the first page.
pub const MAX_ADDRESS_LINES: usize = 6;

/// Renders `invoice` as a PDF: A4 pages, fonts embedded, text extractable.
pub fn render(invoice: &InvoiceDocument) -> Result<Vec<u8>, PdfError> {
    paint(invoice, &layout(invoice))
}

// Page geometry, in points (1/72 inch), origin at the top left, y growing downwards.
/// A4 width.
const PAGE_WIDTH: f32 = 595.28;
/// A4 height.
const PAGE_HEIGHT: f32 = 841.89;
/// 20 mm on every side: inside what office printers can print.
const MARGIN: f32 = 56.69;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Content stops here; below it is the footer.
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN;
/// Baseline of the footer line.
const FOOTER: f32 = PAGE_HEIGHT - 30.0;

// The lines table: right edges of the number columns, 90 points apart and wider, enough for
// `€99,999,999.99` at body size (a wider figure is set smaller, see `figure`).
const AMOUNT_RIGHT: f32 = RIGHT - 6.0;
const UNIT_RIGHT: f32 = AMOUNT_RIGHT - 100.0;
const QTY_RIGHT: f32 = UNIT_RIGHT - 80.0;
const DESCRIPTION_LEFT: f32 = LEFT + 6.0;
/// Leaves room for a five-digit quantity and a gap before it.
const DESCRIPTION_WIDTH: f32 = QTY_RIGHT - 50.0 - DESCRIPTION_LEFT;
/// Where the totals' labels start, under the unit price column.
const TOTALS_LEFT: f32 = UNIT_RIGHT - 80.0;

/// Body text size.
const BODY: f32 = 9.5;
/// Small print: labels, notes, the footer.
const SMALL: f32 = 8.5;

/// How a text is coloured.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tone {
    /// Near-black, for what the reader looks for.
    Ink,
    /// Grey, for labels and small print.
    Muted,
}

/// One drawing operation, placed on a page.
#[derive(Debug, Clone)]
enum Op {
    /// A line of text; `x` is its left end, `baseline` the y of its baseline.
    Text {
        x: f32,
        baseline: f32,
        line: Line,
        tone: Tone,
    },
    /// A horizontal rule from `x0` to `x1`; `strong` for the one above the total.
    Rule {
        x0: f32,
        x1: f32,
        y: f32,
        strong: bool,
    },
    /// The shaded band behind the table's header.
    Band { top: f32, height: f32 },
}

/// Pages being laid out, with a cursor: the y below which nothing is placed yet.
struct Sheet {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Sheet {
    fn new() -> Sheet {
        Sheet {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn push(&mut self, op: Op) {
        self.pages
            .last_mut()
            .expect("a sheet always has a page")
            .push(op);
    }

    fn text(&mut self, x: f32, baseline: f32, line: Line, tone: Tone) {
        self.push(Op::Text {
            x,
            baseline,
            line,
            tone,
        });
    }

    /// Places `line` so that it ends at `right`.
    fn text_right(&mut self, right: f32, baseline: f32, line: Line, tone: Tone) {
        self.text(right - line.width, baseline, line, tone);
    }

    /// Starts a new page unless `height` more points fit on this one; says whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y + height <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = MARGIN;
        true
    }
}

/// Lays the invoice out: pages of operations, every text measured and kept inside the
/// margins.
fn layout(invoice: &InvoiceDocument) -> Vec<Vec<Op>> {
    let mut sheet = Sheet::new();
    header(&mut sheet, invoice);
    bill_to(&mut sheet, &invoice.customer);
    lines_table(&mut sheet, invoice);
    totals(&mut sheet, invoice);
    closing(&mut sheet, invoice);
    footers(&mut sheet, invoice);
    sheet.pages
}

/// The seller on the left; "Invoice", its number and dates on the right.
fn header(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    let top = sheet.y;
    let left_end = party(sheet, &invoice.seller, top + 14.0, 13.0, 250.0);

    let title = text::line("Invoice", 24.0, true);
    sheet.text_right(RIGHT, top + 20.0, title, Tone::Ink);
    let mut baseline = top + 46.0;
    for (label, value) in [
        ("Invoice no.", &invoice.number),
        ("Issued", &invoice.issued),
        ("Period", &invoice.period),
    ] {
        sheet.text(
            RIGHT - 200.0,
            baseline,
            text::line(label, SMALL, false),
            Tone::Muted,
        );
        sheet.text_right(
            RIGHT,
            baseline,
            text::fit(value, BODY, false, 130.0),
            Tone::Ink,
        );
        baseline += 14.0;
    }
    sheet.y = left_end.max(baseline) + 24.0;
}

/// The customer's block under a "Bill to" label.
fn bill_to(sheet: &mut Sheet, customer: &Party) {
    let label = text::line("Bill to", SMALL, true);
    sheet.text(LEFT, sheet.y, label, Tone::Muted);
    sheet.y = party(sheet, customer, sheet.y + 16.0, 11.0, 300.0);
}

/// A party's name (bold, up to two lines), address, country and VAT number, from `baseline`
/// down, no wider than `width`. Returns the y below the block.
fn party(sheet: &mut Sheet, party: &Party, mut baseline: f32, name_size: f32, width: f32) -> f32 {
    for line in text::wrap(&party.name, name_size, true, width, 2) {
        sheet.text(LEFT, baseline, line, Tone::Ink);
        baseline += name_size + 3.0;
    }
    let vat = party
        .vat_number
        .as_ref()
        .map(|number| format!("VAT no. {number}"));
    let details = party
        .address_lines
        .iter()
        .take(MAX_ADDRESS_LINES)
        .chain([&party.country_name])
        .chain(vat.as_ref());
    for detail in details.filter(|detail| !detail.trim().is_empty()) {
        baseline += 1.0;
        sheet.text(
            LEFT,
            baseline,
            text::fit(detail, BODY, false, width),
            Tone::Muted,
        );
        baseline += BODY + 3.0;
    }
    baseline
}

/// The table's header: a shaded band with the column titles.
fn table_header(sheet: &mut Sheet) {
    let top = sheet.y;
    sheet.push(Op::Band { top, height: 20.0 });
    let baseline = top + 13.5;
    let title = |label| text::line(label, SMALL, true);
    sheet.text(DESCRIPTION_LEFT, baseline, title("Description"), Tone::Ink);
    sheet.text_right(QTY_RIGHT, baseline, title("Qty"), Tone::Ink);
    sheet.text_right(UNIT_RIGHT, baseline, title("Unit price"), Tone::Ink);
    sheet.text_right(AMOUNT_RIGHT, baseline, title("Amount"), Tone::Ink);
    sheet.y = top + 20.0;
}

/// One row per invoice line, a rule under each; a row that does not fit starts a new page,
/// which repeats the header.
fn lines_table(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    /// A longer description is cut: an invoice line names a product, not a story.
    const MAX_DESCRIPTION_LINES: usize = 3;
    /// Baseline-to-baseline distance inside a row.
    const LEADING: f32 = BODY + 4.0;

    sheet.y += 8.0;
    sheet.ensure(60.0);
    table_header(sheet);
    for item in &invoice.lines {
        let description = text::wrap(
            &item.description,
            BODY,
            false,
            DESCRIPTION_WIDTH,
            MAX_DESCRIPTION_LINES,
        );
        let height = 10.0 + LEADING * description.len().max(1) as f32;
        if sheet.ensure(height) {
            table_header(sheet);
        }
        let first = sheet.y + 15.0;
        for (i, line) in description.into_iter().enumerate() {
            sheet.text(
                DESCRIPTION_LEFT,
                first + LEADING * i as f32,
                line,
                Tone::Ink,
            );
        }
        let quantity = figure(&item.quantity.to_string(), BODY, false, 36.0);
        let unit = figure(
            &format_money(item.unit_minor, &invoice.currency),
            BODY,
            false,
            90.0,
        );
        let amount = figure(
            &format_money(item.amount_minor, &invoice.currency),
            BODY,
            false,
            90.0,
        );
        sheet.text_right(QTY_RIGHT, first, quantity, Tone::Ink);
        sheet.text_right(UNIT_RIGHT, first, unit, Tone::Ink);
        sheet.text_right(AMOUNT_RIGHT, first, amount, Tone::Ink);
        sheet.y += height;
        sheet.push(Op::Rule {
            x0: LEFT,
            x1: RIGHT,
            y: sheet.y,
            strong: false,
        });
    }
}

/// Net, VAT with its rate, and the total, right-aligned under the amounts.
fn totals(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    sheet.ensure(70.0);
    let money = |minor| format_money(minor, &invoice.currency);
    let vat_label = format!("VAT {}", format_vat_rate(invoice.vat_rate_bp));
    let mut baseline = sheet.y + 20.0;
    for (label, minor) in [
        ("Net", invoice.net_minor),
        (vat_label.as_str(), invoice.vat_minor),
    ] {
        sheet.text(
            TOTALS_LEFT,
            baseline,
            text::line(label, BODY, false),
            Tone::Muted,
        );
        let value = figure(&money(minor), BODY, false, 150.0);
        sheet.text_right(AMOUNT_RIGHT, baseline, value, Tone::Ink);
        baseline += 16.0;
    }
    sheet.push(Op::Rule {
        x0: TOTALS_LEFT,
        x1: RIGHT,
        y: baseline - 7.0,
        strong: true,
    });
    baseline += 8.0;
    sheet.text(
        TOTALS_LEFT,
        baseline,
        text::line("Total", 11.0, true),
        Tone::Ink,
    );
    let total = figure(&money(invoice.gross_minor), 11.0, true, 150.0);
    sheet.text_right(AMOUNT_RIGHT, baseline, total, Tone::Ink);
    sheet.y = baseline + 8.0;
}

/// A number or an amount no wider than `max_width`: never cut, since a cut figure would
/// read as another figure, but set smaller when it is too wide (widths scale with the size).
fn figure(value: &str, size: f32, bold: bool, max_width: f32) -> Line {
    let line = text::line(value, size, bold);
    if line.width <= max_width {
        return line;
    }
    text::line(value, size * max_width / line.width, bold)
}

/// The VAT note, when there is one, and the payment status.
fn closing(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    /// A note is a sentence or two of legal wording; more is cut.
    const MAX_NOTE_LINES: usize = 4;

    let note = invoice.vat_note.as_deref().unwrap_or_default();
    let note = text::wrap(note, SMALL, false, RIGHT - LEFT, MAX_NOTE_LINES);
    sheet.ensure(30.0 + 12.0 * note.len() as f32 + 24.0);
    let mut baseline = sheet.y + 26.0;
    for line in note {
        sheet.text(LEFT, baseline, line, Tone::Muted);
        baseline += SMALL + 3.5;
    }
    let status = match &invoice.status {
        PaymentStatus::Paid { on } => format!("Paid on {on}. Thank you."),
        PaymentStatus::Unpaid { due } => format!("Unpaid: payment is due by {due}."),
    };
    baseline += 10.0;
    let status = text::fit(&status, 10.0, true, RIGHT - LEFT);
    sheet.text(LEFT, baseline, status, Tone::Ink);
    sheet.y = baseline;
}

/// On every page: the seller and its VAT number on the left, the invoice number and the page
/// on the right.
fn footers(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    let count = sheet.pages.len();
    let seller = &invoice.seller;
    let who = match &seller.vat_number {
        Some(number) => format!("{} · VAT no. {number}", seller.name),
        None => seller.name.clone(),
    };
    for index in 0..count {
        let page = format!("Invoice {} · page {} of {count}", invoice.number, index + 1);
        let page = text::fit(&page, SMALL, false, 200.0);
        let who = text::fit(&who, SMALL, false, RIGHT - LEFT - page.width - 20.0);
        let ops = &mut sheet.pages[index];
        ops.push(Op::Text {
            x: LEFT,
            baseline: FOOTER,
            line: who,
            tone: Tone::Muted,
        });
        ops.push(Op::Text {
            x: RIGHT - page.width,
            baseline: FOOTER,
            line: page,
            tone: Tone::Muted,
        });
    }
}

/// Draws the laid-out pages with krilla and writes the document.
fn paint(invoice: &InvoiceDocument, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("Invoice {}", invoice.number))
            .authors(vec![invoice.seller.name.clone()])
            .language("en".to_string()),
    );
    let a4 = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid page size");
    for ops in pages {
        let mut page = document.start_page_with(a4.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| PdfError(error.to_string()))
}

fn draw(surface: &mut Surface<'_>, op: &Op) {
    let fill = |color: rgb::Color| Fill {
        paint: color.into(),
        ..Fill::default()
    };
    match op {
        Op::Text {
            x,
            baseline,
            line,
            tone,
        } => {
            let color = match tone {
                Tone::Ink => rgb::Color::new(24, 26, 29),
                Tone::Muted => rgb::Color::new(96, 101, 108),
            };
            surface.set_stroke(None);
            surface.set_fill(Some(fill(color)));
            let mut x = *x;
            for piece in &line.pieces {
                let start = Point::from_xy(x, *baseline);
                let font = piece.font.pdf();
                surface.draw_text(start, font, line.size, &piece.text, false, piece.direction);
                x += piece.width;
            }
        }
        Op::Rule { x0, x1, y, strong } => {
            let mut path = PathBuilder::new();
            path.move_to(*x0, *y);
            path.line_to(*x1, *y);
            let (color, width) = if *strong {
                (rgb::Color::new(24, 26, 29), 0.8)
            } else {
                (rgb::Color::new(208, 212, 217), 0.5)
            };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: color.into(),
                width,
                ..Stroke::default()
            }));
            if let Some(path) = path.finish() {
                surface.draw_path(&path);
            }
        }
        Op::Band { top, height } => {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(LEFT, *top, RIGHT - LEFT, *height) {
                path.push_rect(rect);
            }
            surface.set_stroke(None);
            surface.set_fill(Some(fill(rgb::Color::new(236, 239, 243))));
            if let Some(path) = path.finish() {
                surface.draw_path(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests;
