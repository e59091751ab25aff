//! Company profile (`GET/PUT /v1/company`): name, postal address, country, currency, VAT
//! number and time zone. The time zone changes how every time in this client is shown.

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use switchboard_api as api;

use crate::app::{run, Action, Level, State};
use crate::command::Command;
use crate::patch::Patch;
use crate::screens::form::{Field, Form, Kind, Outcome};
use crate::screens::{dim, hints, one_line};

/// Currencies the billing knows; one the server reports beyond these is kept as a choice.
const CURRENCIES: [&str; 3] = ["EUR", "GBP", "USD"];

/// The company panel's state.
#[derive(Clone, Debug, Default)]
pub struct CompanyPanel {
    /// The profile as last loaded.
    pub loaded: Option<api::Company>,
    /// The editable fields.
    pub form: Form,
}

/// Keys of this panel.
pub const KEYS: &[(&str, &str)] = &[
    ("↑↓ or j k", "choose a field"),
    ("Enter", "edit the field (Enter keeps, Esc drops the edit)"),
    ("← →", "change the currency"),
    ("w", "save the changes"),
    ("u", "undo the changes"),
    ("Tab or Esc", "back to the menu"),
];

/// The form for a profile.
pub fn form(c: &api::Company) -> Form {
    let mut currencies: Vec<String> = CURRENCIES.iter().map(|s| s.to_string()).collect();
    if !currencies.contains(&c.currency) {
        currencies.push(c.currency.clone());
    }
    Form::new(vec![
        Field::new("name", "Company name", Kind::Text, &c.name),
        Field::new("street", "Street", Kind::Text, &c.address.street),
        Field::new("city", "City", Kind::Text, &c.address.city),
        Field::new("postcode", "Postcode", Kind::Text, &c.address.postcode),
        Field::new("country", "Country", Kind::Text, &c.country)
            .hint("ISO code, e.g. IE, DE, GB, US"),
        Field::new(
            "currency",
            "Currency",
            Kind::Choice(currencies),
            &c.currency,
        ),
        Field::new("vat_number", "VAT number", Kind::Text, &c.vat_number)
            .hint("EU VAT number with its country prefix (EL for Greece); empty if none"),
        Field::new("time_zone", "Time zone", Kind::Text, &c.time_zone)
            .hint("IANA name, e.g. Europe/Dublin; every time is shown in it"),
    ])
}

/// `GET /v1/company` (or the answer to a save) arrived.
pub fn loaded(state: &mut State, company: api::Company, saved: bool) -> Option<Action> {
    state.tz = crate::time::zone(&company.time_zone);
    if let Some(me) = &mut state.me {
        me.time_zone = company.time_zone.clone();
    }
    // A change from elsewhere (a `changed` event) leaves the admin's edits alone.
    if !saved && state.admin.company.form.dirty() {
        state.admin.company.loaded = Some(company);
        return None;
    }
    let keep = state.admin.company.form.selected;
    state.admin.company.form = form(&company);
    state.admin.company.form.selected = keep.min(state.admin.company.form.fields.len() - 1);
    state.admin.company.loaded = Some(company);
    if saved {
        state.admin.error = None;
        state.say(Level::Info, "Company profile saved");
    }
    None
}

/// The server refused a save: the field its code names (`invalid_vat_number`,
/// `invalid_address.street`...) is selected, its sentence shown above the panel.
pub fn refused(state: &mut State, code: &str) {
    let Some(field) = code.strip_prefix("invalid_") else {
        return;
    };
    let field = field.strip_prefix("address.").unwrap_or(field);
    let form = &mut state.admin.company.form;
    if let Some(at) = form.fields.iter().position(|f| f.key == field) {
        form.selected = at;
    }
}

/// Keys of the company panel.
pub fn key(state: &mut State, key: KeyEvent) -> Option<Action> {
    match state.admin.company.form.key(key) {
        Outcome::Save => save(state),
        Outcome::Used | Outcome::Pass | Outcome::PickLanguage => None,
    }
}

/// The changed fields, and only those, as a `PUT /v1/company`.
fn save(state: &mut State) -> Option<Action> {
    let f = &state.admin.company.form;
    if !f.dirty() {
        state.say(Level::Info, "Nothing changed");
        return None;
    }
    let mut patch = Patch::default();
    let line = |key: &str| {
        f.fields
            .iter()
            .find(|f| f.key == key)
            .map_or(String::new(), |f| f.value.trim().to_string())
    };
    for field in f.fields.iter().filter(|f| f.value != f.original) {
        let value = field.value.trim();
        match field.key {
            // The address is sent whole, all its lines.
            "street" | "city" | "postcode" => patch.set(
                "address",
                api::Address {
                    street: line("street"),
                    city: line("city"),
                    postcode: line("postcode"),
                },
            ),
            "country" => patch.set(field.key, value.to_uppercase()),
            "time_zone" if !crate::time::known(value) => {
                state.admin.error = Some(format!(
                    "\"{}\" is not an IANA time zone (e.g. Europe/Dublin)",
                    one_line(value, 40)
                ));
                return None;
            }
            key => patch.set(key, value),
        }
    }
    run(Command::SaveCompany(patch))
}

/// The company panel.
pub fn render(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let panel = &state.admin.company;
    let Some(company) = &panel.loaded else {
        Paragraph::new(Span::styled("Loading…", dim())).render(area, buf);
        return;
    };
    let [info, fields, hint] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    Paragraph::new(Line::from(vec![
        Span::styled("Public chat key ", dim()),
        Span::raw(one_line(&company.key, 40)),
    ]))
    .render(info, buf);
    panel.form.render(fields, buf, focused);
    hints(&[("Enter", "edit"), ("w", "save"), ("u", "undo")]).render(hint, buf);
}
