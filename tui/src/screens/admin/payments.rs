//! Payments (`/v1/billing`, `/v1/invoices`, `/v1/cards`) in three parts, switched with
//! `[ ]`:
//!
//! - Overview: the plan (seats and their price), the next invoice and when it is issued,
//!   and who is billed — the company profile's name, address, country and VAT number,
//!   shown here and changed in the Company profile panel (`p` goes there);
//! - Invoices: number, month billed, issue date in the company's time zone, net, VAT rate
//!   and amount, gross, paid or not (and why not); `w` saves one's PDF to a file;
//! - Cards: brand, last four digits, expiry, holder, the default one; add, make default,
//!   delete.
//!
//! What needs doing (`Billing.warning`, e.g. no card before the first invoice) shows in a
//! line above every admin panel, and the Admin tab is marked while it does. The plan is
//! loaded when an admin signs in and on every `changed` `billing` event.
//!
//! A card's number and security code live only in the add-card form: the number shows as
//! `•••• •••• •••• 4242` while typed, the code not at all, and both are emptied from the
//! form the moment the request is sent (a refusal brings the form back without them).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Cell, List, ListItem, ListState, Paragraph, Row, StatefulWidget, Table, TableState, Widget,
};
use switchboard_api::billing::{
    format_money, format_vat_rate, Billing, Card, CardRequest, Invoice, InvoiceStatus, VatRule,
};

use super::Panel;
use crate::app::{batch, run, Action, Level, Screen, State};
use crate::client::Failure;
use crate::command::Command;
use crate::input::TextInput;
use crate::sanitize;
use crate::screens::dialog::{Overlay, Purpose};
use crate::screens::form::{Field, Form, Kind};
use crate::screens::{accent, bad, bold, dim, good, hints, one_line, selected, warn, wrap};

/// The parts of the panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Section {
    /// The plan, the next invoice, who is billed.
    #[default]
    Overview,
    /// Issued invoices.
    Invoices,
    /// Saved cards.
    Cards,
}

/// Every section, in order.
pub const SECTIONS: [Section; 3] = [Section::Overview, Section::Invoices, Section::Cards];

impl Section {
    /// The section's name in the section bar.
    pub fn title(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Invoices => "Invoices",
            Section::Cards => "Cards",
        }
    }
}

/// The payments panel's state.
#[derive(Clone, Debug, Default)]
pub struct PaymentsPanel {
    /// `GET /v1/billing` as last loaded.
    pub billing: Option<Billing>,
    /// Invoices, newest first, once loaded.
    pub invoices: Option<Vec<Invoice>>,
    /// Saved cards, oldest first, once loaded.
    pub cards: Option<Vec<Card>>,
    /// Section shown.
    pub section: Section,
    /// Selected invoice.
    pub invoice: usize,
    /// Selected card.
    pub card: usize,
}

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("[ ]", "previous / next part: overview, invoices, cards"),
    (
        "p or Enter",
        "Overview: change who is billed (in the Company profile)",
    ),
    ("↑↓ or j k", "Invoices, Cards: choose one"),
    ("w or Enter", "Invoices: save the invoice's PDF to a file"),
    ("n", "Cards: add a card"),
    (
        "a",
        "Cards: make the card the default (invoices are charged to it)",
    ),
    ("d", "Cards: delete the card"),
    ("r", "reload"),
    ("Tab or Esc", "back to the menu"),
];

/// What needs doing about payments, while something does.
pub fn warning(state: &State) -> Option<&str> {
    if !state.is_admin() {
        return None;
    }
    state
        .admin
        .payments
        .billing
        .as_ref()?
        .warning
        .as_deref()
        .filter(|w| !w.trim().is_empty())
}

/// Loads everything the panel shows (the company profile for who is billed).
pub fn load() -> Option<Action> {
    batch(vec![
        Command::Billing,
        Command::Invoices,
        Command::Cards,
        Command::Company,
    ])
}

/// What to load again when billing changed (a `changed` `billing` event, or events
/// missed): the plan (and its warning), and the invoices and cards too while they are shown
/// (they are loaded again when the panel is).
pub fn reload(state: &State) -> Vec<Command> {
    if state.screen == Screen::Admin && state.admin.panel == Panel::Payments {
        vec![Command::Billing, Command::Invoices, Command::Cards]
    } else {
        vec![Command::Billing]
    }
}

/// `GET /v1/billing` arrived.
pub fn billing(state: &mut State, billing: Billing) -> Option<Action> {
    state.admin.payments.billing = Some(billing);
    None
}

/// `GET /v1/invoices` arrived.
pub fn invoices(state: &mut State, invoices: Vec<Invoice>) -> Option<Action> {
    let p = &mut state.admin.payments;
    p.invoice = p.invoice.min(invoices.len().saturating_sub(1));
    p.invoices = Some(invoices);
    None
}

/// The cards arrived (`GET /v1/cards`, or the answer to a change of the default).
pub fn cards(state: &mut State, cards: Vec<Card>, note: Option<String>) -> Option<Action> {
    let p = &mut state.admin.payments;
    p.card = p.card.min(cards.len().saturating_sub(1));
    p.cards = Some(cards);
    if let Some(note) = note {
        state.say(Level::Info, note);
    }
    None
}

/// A load of the panel failed: shown above it while it is the one shown (the plan loads in
/// the background too, and a server without billing stays quiet there).
pub fn load_failed(state: &mut State, message: &str) -> Option<Action> {
    if state.screen == Screen::Admin && state.admin.panel == Panel::Payments {
        state.admin.error = Some(message.to_string());
    }
    None
}

/// Keys of the payments panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let p = &mut state.admin.payments;
    let at = SECTIONS.iter().position(|s| *s == p.section).unwrap_or(0);
    match key.code {
        KeyCode::Char(']') => {
            p.section = SECTIONS[(at + 1) % SECTIONS.len()];
            state.admin.error = None;
            return None;
        }
        KeyCode::Char('[') => {
            p.section = SECTIONS[(at + SECTIONS.len() - 1) % SECTIONS.len()];
            state.admin.error = None;
            return None;
        }
        KeyCode::Char('r') => return load(),
        _ => {}
    }
    match p.section {
        Section::Overview => match key.code {
            KeyCode::Char('p') | KeyCode::Enter => {
                state.admin.panel = Panel::Company;
                super::load(state)
            }
            _ => None,
        },
        Section::Invoices => invoices_key(state, key),
        Section::Cards => cards_key(state, key),
    }
}

/// Keys of the invoices.
fn invoices_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let p = &mut state.admin.payments;
    let len = p.invoices.as_ref().map_or(0, Vec::len);
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            p.invoice = (p.invoice + 1).min(len.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => p.invoice = p.invoice.saturating_sub(1),
        KeyCode::Char('w') | KeyCode::Enter => {
            let number = p.invoices.as_ref()?.get(p.invoice)?.number;
            state.overlay = Some(Overlay::Prompt {
                title: format!("Save invoice {number} (PDF) to the file"),
                input: TextInput::with(&format!("invoice-{number}.pdf")),
                purpose: Purpose::SaveInvoice(number),
                error: None,
            });
        }
        _ => {}
    }
    None
}

/// A path was typed to save invoice `number`'s PDF to.
pub fn save_pdf(number: u64, path: String) -> Option<Action> {
    if path.is_empty() {
        return None;
    }
    run(Command::SaveInvoice {
        number,
        path: super::window::home(path),
    })
}

/// Saving a PDF failed: a note, and the prompt back with the path and the reason.
pub fn pdf_failed(state: &mut State, number: u64, message: &str) -> Option<Action> {
    state.say(
        Level::Error,
        format!("Invoice {number} not saved: {message}"),
    );
    crate::screens::dialog::reopen(state, message);
    None
}

/// Keys of the cards.
fn cards_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let p = &mut state.admin.payments;
    let cards = p.cards.as_deref().unwrap_or_default();
    let len = cards.len();
    let card = cards.get(p.card).cloned();
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => p.card = (p.card + 1).min(len.saturating_sub(1)),
        KeyCode::Up | KeyCode::Char('k') => p.card = p.card.saturating_sub(1),
        KeyCode::Char('n') => {
            state.overlay = Some(Overlay::Form {
                title: "New card".into(),
                form: card_form(),
                purpose: Purpose::NewCard,
                error: None,
            });
        }
        KeyCode::Char('a') => {
            let card = card?;
            if card.default {
                state.say(
                    Level::Info,
                    format!("{} is already the default card", name(&card)),
                );
                return None;
            }
            return run(Command::DefaultCard(card.id));
        }
        KeyCode::Char('d') => {
            let card = card?;
            let question = if len == 1 {
                format!(
                    "Delete {}? Without a card invoices cannot be paid.",
                    name(&card)
                )
            } else {
                format!("Delete {}?", name(&card))
            };
            state.overlay = Some(Overlay::Confirm {
                question,
                then: Box::new(Action::Run(Command::DeleteCard(card.id))),
            });
        }
        _ => {}
    }
    None
}

/// A card as lists and questions name it: `visa •••• 4242`.
fn name(card: &Card) -> String {
    format!(
        "{} •••• {}",
        one_line(&card.brand, 16),
        one_line(&card.last4, 4)
    )
}

/// The add-card form. The number and the security code are emptied when it is sent.
fn card_form() -> Form {
    Form::new(vec![
        Field::new("number", "Card number", Kind::CardNumber, "")
            .once()
            .hint("only its last four digits show; spaces or dashes are fine"),
        Field::new("exp_month", "Expiry month", Kind::Number, "").hint("1 to 12"),
        Field::new("exp_year", "Expiry year", Kind::Number, "").hint("four digits, e.g. 2030"),
        Field::new("cvc", "Security code", Kind::Secret, "")
            .once()
            .hint("3 digits on the back (4 on the front of an American Express card)"),
        Field::new("holder", "Name on the card", Kind::Text, ""),
    ])
}

/// The add-card form was saved: the request, or what is missing. The server checks the
/// number, the expiry and the code.
pub fn submit(form: &Form) -> Result<Option<Action>, String> {
    let number = form.value("number").trim();
    if number.is_empty() {
        return Err("Give the card's number".into());
    }
    let exp_month = form
        .value("exp_month")
        .trim()
        .parse::<u32>()
        .map_err(|_| "The expiry month is a number, 1 to 12".to_string())?;
    let exp_year = form
        .value("exp_year")
        .trim()
        .parse::<u32>()
        .map_err(|_| "The expiry year is a number, e.g. 2030".to_string())?;
    let cvc = form.value("cvc").trim();
    if cvc.is_empty() {
        return Err("Give the security code".into());
    }
    let holder = form.value("holder").trim();
    if holder.is_empty() {
        return Err("Give the name on the card".into());
    }
    Ok(run(Command::AddCard(CardRequest {
        number: number.to_string(),
        exp_month,
        exp_year,
        cvc: cvc.to_string(),
        holder: holder.to_string(),
    })))
}

/// The server refused a card: the form comes back (without the number and the code) with
/// its sentence, on the field it names (`invalid_<field>`).
pub fn card_refused(state: &mut State, error: &Failure, message: &str) -> Option<Action> {
    if !crate::screens::dialog::reopen(state, message) {
        state.say(Level::Error, format!("Card not saved: {message}"));
        return None;
    }
    let field = error.code.strip_prefix("invalid_");
    if let (Some(Overlay::Form { form, .. }), Some(field)) = (&mut state.overlay, field) {
        if let Some(at) = form.fields.iter().position(|f| f.key == field) {
            form.selected = at;
        }
    }
    None
}

/// The line above every admin panel while something needs doing: up to two lines.
pub fn banner(state: &State, width: u16) -> Vec<Line<'static>> {
    let Some(warning) = warning(state) else {
        return Vec::new();
    };
    let lead = " ! ";
    let room = usize::from(width).saturating_sub(lead.len() + 1);
    let mut parts = wrap(&sanitize::line(warning), room);
    if parts.len() > 2 {
        parts.truncate(2);
        if let Some(last) = parts.last_mut() {
            *last = crate::screens::clip(&format!("{last} …"), room);
        }
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 {
                Span::styled(
                    lead,
                    warn().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                )
            } else {
                Span::raw("   ")
            };
            Line::from(vec![lead, Span::raw(" "), Span::styled(part, warn())])
        })
        .collect()
}

/// Money in a currency the server named.
fn money(minor: i64, currency: &str) -> String {
    format_money(minor, &sanitize::line(currency))
}

/// "1 seat", "3 seats".
fn plural(n: u32, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// What a VAT rule means for the invoice.
fn rule(rule: VatRule) -> &'static str {
    match rule {
        VatRule::Domestic => "VAT of the seller's country",
        VatRule::ReverseCharge => "reverse charge: the customer accounts for the VAT",
        VatRule::DestinationRate => "VAT of the customer's country",
        VatRule::OutsideScope => "outside the scope of EU VAT",
    }
}

/// The payments panel: the section bar, then the section.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let p = &state.admin.payments;
    let [bar, body, hint] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut spans = Vec::new();
    for (i, section) in SECTIONS.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let style = if *section == p.section {
            selected()
        } else {
            dim()
        };
        spans.push(Span::styled(section.title(), style));
    }
    Paragraph::new(Line::from(spans)).render(bar, buf);
    let keys: &[(&str, &str)] = match p.section {
        Section::Overview => {
            overview(state, body, buf);
            &[
                ("[ ]", "part"),
                ("p", "change who is billed"),
                ("r", "reload"),
            ]
        }
        Section::Invoices => {
            invoice_list(state, body, buf, focused);
            &[("[ ]", "part"), ("w", "save the PDF"), ("r", "reload")]
        }
        Section::Cards => {
            card_list(state, body, buf, focused);
            &[
                ("[ ]", "part"),
                ("n", "new"),
                ("a", "default"),
                ("d", "delete"),
            ]
        }
    };
    hints(keys).render(hint, buf);
}

/// A label and its value, as in the overview.
fn row(label: &str, value: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:>13} "), dim())];
    spans.extend(value);
    Line::from(spans)
}

/// The plan, the next invoice and who is billed.
fn overview(state: &State, area: Rect, buf: &mut Buffer) {
    let p = &state.admin.payments;
    let Some(b) = &p.billing else {
        Paragraph::new(Span::styled("Loading…", dim())).render(area, buf);
        return;
    };
    let width = usize::from(area.width).saturating_sub(14);
    let net = i64::from(b.seats).saturating_mul(b.seat_price_minor);
    let mut lines = vec![
        row(
            "Plan",
            vec![Span::raw(format!(
                "{} × {} a month",
                plural(b.seats, "operator seat"),
                money(b.seat_price_minor, &b.currency)
            ))],
        ),
        row(
            "Next invoice",
            vec![Span::raw(format!(
                "{}, {} before VAT",
                one_line(&b.next_period, 10),
                money(net, &b.currency)
            ))],
        ),
        row(
            "",
            vec![Span::raw(format!(
                "issued and charged on {}",
                crate::time::date(b.next_invoice_at, &state.tz)
            ))],
        ),
    ];
    let default = p
        .cards
        .as_deref()
        .and_then(|cards| cards.iter().find(|c| c.default));
    let cards = match (b.cards, default) {
        (0, _) => Span::styled("none: no card is saved", warn()),
        (n, Some(card)) => Span::raw(format!("{} ({} saved)", name(card), plural(n, "card"))),
        (n, None) => Span::raw(format!("{} saved", plural(n, "card"))),
    };
    lines.push(row("Default card", vec![cards]));
    let unpaid = match b.unpaid {
        0 => Span::styled("none", good()),
        n => Span::styled(plural(n, "invoice"), bad()),
    };
    lines.push(row("Unpaid", vec![unpaid]));
    lines.push(Line::from(""));
    match &state.admin.company.loaded {
        Some(c) => {
            let a = &c.address;
            let place = [a.postcode.trim(), a.city.trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let missing = || Span::styled("—", warn());
            let text = |s: &str| Span::raw(one_line(s, width));
            lines.push(row("Billed to", vec![text(&c.name)]));
            let street = if a.street.trim().is_empty() {
                missing()
            } else {
                text(&a.street)
            };
            lines.push(row("", vec![street]));
            let place = if place.is_empty() {
                missing()
            } else {
                text(&place)
            };
            lines.push(row("", vec![place]));
            lines.push(row("Country", vec![text(&c.country)]));
            let vat = if c.vat_number.trim().is_empty() {
                Span::styled("none", dim())
            } else {
                text(&c.vat_number)
            };
            lines.push(row("VAT number", vec![vat]));
            lines.push(row(
                "",
                vec![Span::styled(
                    "p: change these in the Company profile",
                    dim(),
                )],
            ));
        }
        None => lines.push(row("Billed to", vec![Span::styled("Loading…", dim())])),
    }
    Paragraph::new(lines).render(area, buf);
}

/// The invoices, two lines each, and the selected one's details below.
fn invoice_list(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let p = &state.admin.payments;
    let Some(invoices) = &p.invoices else {
        Paragraph::new(Span::styled("Loading…", dim())).render(area, buf);
        return;
    };
    let [list_area, detail] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(3)]).areas(area);
    if invoices.is_empty() {
        let text = match &p.billing {
            Some(b) => format!(
                "No invoices yet. The first is issued on {}.",
                crate::time::date(b.next_invoice_at, &state.tz)
            ),
            None => "No invoices yet.".to_string(),
        };
        Paragraph::new(Span::styled(text, dim())).render(list_area, buf);
        return;
    }
    let width = usize::from(area.width);
    let items: Vec<ListItem> = invoices
        .iter()
        .map(|i| {
            let status = match i.status {
                InvoiceStatus::Paid => Span::styled(i.status.name(), good()),
                InvoiceStatus::Unpaid => Span::styled(i.status.name(), bad()),
            };
            let first = Line::from(vec![
                Span::styled(format!("{:>4}  ", i.number), accent()),
                Span::raw(format!(
                    "{}  issued {}  ",
                    one_line(&i.period, 7),
                    crate::time::date(i.issued_at, &state.tz)
                )),
                Span::styled(
                    format!("{:>10}  ", money(i.gross_minor, &i.currency)),
                    bold(),
                ),
                status,
            ]);
            let amounts = format!(
                "      net {} + VAT {} {}",
                money(i.net_minor, &i.currency),
                format_vat_rate(i.vat_rate_bp),
                money(i.vat_minor, &i.currency)
            );
            let mut second = vec![Span::styled(amounts.clone(), dim())];
            if let (InvoiceStatus::Unpaid, Some(why)) = (i.status, &i.failure) {
                let room = width.saturating_sub(amounts.chars().count() + 4);
                if room > 3 {
                    second.push(Span::styled(format!("  {}", one_line(why, room)), bad()));
                }
            }
            ListItem::new(vec![first, Line::from(second)])
        })
        .collect();
    let list = List::new(items).highlight_style(if focused {
        selected()
    } else {
        Default::default()
    });
    let mut ls = ListState::default().with_selected(Some(p.invoice));
    StatefulWidget::render(list, list_area, buf, &mut ls);
    let Some(i) = invoices.get(p.invoice) else {
        return;
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "Invoice {}: {} × {}, {}",
            i.number,
            plural(i.seats, "seat"),
            money(i.unit_minor, &i.currency),
            rule(i.vat_rule)
        ),
        dim(),
    ))];
    match (i.status, i.paid_at, &i.failure) {
        (InvoiceStatus::Paid, Some(at), _) => lines.push(Line::from(Span::styled(
            format!("Paid on {}", crate::time::date(at, &state.tz)),
            good(),
        ))),
        (InvoiceStatus::Unpaid, _, Some(why)) => {
            for part in wrap(&sanitize::line(why), width).into_iter().take(2) {
                lines.push(Line::from(Span::styled(part, bad())));
            }
        }
        (InvoiceStatus::Unpaid, _, None) => lines.push(Line::from(Span::styled(
            "Not paid yet: it is charged when a card is saved",
            bad(),
        ))),
        _ => {}
    }
    Paragraph::new(lines).render(detail, buf);
}

/// The saved cards.
fn card_list(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let p = &state.admin.payments;
    let Some(cards) = &p.cards else {
        Paragraph::new(Span::styled("Loading…", dim())).render(area, buf);
        return;
    };
    if cards.is_empty() {
        Paragraph::new(Span::styled(
            "No card is saved. n adds one; invoices are charged to it.",
            warn(),
        ))
        .render(area, buf);
        return;
    }
    let now = crate::time::year_month(state.now_ms, &state.tz);
    let rows: Vec<Row> = cards
        .iter()
        .map(|c| {
            let expired = (i32::from(c.exp_year), i32::from(c.exp_month))
                < (i32::from(now.0), i32::from(now.1));
            let expiry = format!("{:02}/{}", c.exp_month, c.exp_year);
            Row::new(vec![
                Cell::from(name(c)),
                Cell::from(if expired {
                    Span::styled(format!("{expiry} expired"), bad())
                } else {
                    Span::raw(expiry)
                }),
                Cell::from(one_line(&c.holder, 30)),
                Cell::from(if c.default {
                    Span::styled("● default", accent())
                } else {
                    Span::raw("")
                }),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(20),
            Constraint::Length(15),
            Constraint::Min(8),
            Constraint::Length(9),
        ],
    )
    .header(Row::new(["Card", "Expires", "Holder", ""]).style(bold()))
    .row_highlight_style(if focused {
        selected()
    } else {
        Default::default()
    });
    let mut ts = TableState::default().with_selected(Some(p.card));
    StatefulWidget::render(table, area, buf, &mut ts);
}
