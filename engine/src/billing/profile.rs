//! The company profile's rules: one pure function, [`apply`], checks a [`ProfilePatch`]
//! against the profile as it is and returns the profile as it will be, every value
//! normalised (trimmed, upper-case codes, the VAT number with its prefix, the time zone's
//! canonical name), or the first [`ProfileError`], which names the field.
//!
//! The settings code calls it with the company's current profile ([`Profile::from`] a
//! [`Company`]) and writes the result back ([`Profile::write_to`]). The address is three
//! one-line fields (street and city required once any is given).
//!
//! A VAT number is checked against the country whenever either changes, so a company that
//! moves country also sends the new number (or an empty one).

use std::fmt;

use jiff::tz::TimeZoneDatabase;
use serde::{Deserialize, Serialize};

use super::countries::{self, VatNumberError};
use crate::model::{Address, Company};

/// Longest company name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest street line, in characters: two printed lines of an invoice's address block.
pub const MAX_STREET_CHARS: usize = 200;

/// Longest city, in characters (the longest city names are under 90).
pub const MAX_CITY_CHARS: usize = 100;

/// Longest postcode, in characters. The longest national formats are 10 (US ZIP+4,
/// `12345-6789`); 16 leaves room for a country prefix such as `IE-`.
pub const MAX_POSTCODE_CHARS: usize = 16;

/// The currencies a company may choose when the configuration names none.
pub const DEFAULT_CURRENCIES: [&str; 3] = ["GBP", "EUR", "USD"];

/// The profile fields an invoice and the panel use, as they are after a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Company name.
    pub name: String,
    /// Postal address.
    pub address: Address,
    /// ISO 3166-1 alpha-2 code, or empty until one is chosen.
    pub country: String,
    /// One of the configured currencies.
    pub currency: String,
    /// Normalised VAT number with its prefix (`DE136695976`), or empty.
    pub vat_number: String,
    /// Canonical IANA time-zone name.
    pub time_zone: String,
}

impl From<&Company> for Profile {
    fn from(c: &Company) -> Self {
        Profile {
            name: c.name.clone(),
            address: c.address.clone(),
            country: c.country.clone(),
            currency: c.currency.clone(),
            vat_number: c.vat_number.clone(),
            time_zone: c.time_zone.clone(),
        }
    }
}

impl Profile {
    /// Writes the profile into `company`.
    pub fn write_to(self, company: &mut Company) {
        company.name = self.name;
        company.address = self.address;
        company.country = self.country;
        company.currency = self.currency;
        company.vat_number = self.vat_number;
        company.time_zone = self.time_zone;
    }
}

/// A change to the profile: `None` keeps a field. An empty VAT number clears it; an empty
/// address (every line empty) clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePatch {
    /// 1 to [`MAX_NAME_CHARS`] characters.
    pub name: Option<String>,
    /// The whole address: lines left empty are empty after the change.
    pub address: Option<Address>,
    /// ISO 3166-1 alpha-2 code, any case.
    pub country: Option<String>,
    /// One of the configured currencies, any case.
    pub currency: Option<String>,
    /// For a company in the EU or Northern Ireland; any case, spaces, dots and dashes.
    pub vat_number: Option<String>,
    /// IANA name, any case.
    pub time_zone: Option<String>,
}

/// One line of an [`Address`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressLine {
    /// [`Address::street`].
    Street,
    /// [`Address::city`].
    City,
    /// [`Address::postcode`].
    Postcode,
}

impl AddressLine {
    /// The field's path in a profile: `address.street`, `address.city`, `address.postcode`.
    pub fn field(self) -> &'static str {
        match self {
            AddressLine::Street => "address.street",
            AddressLine::City => "address.city",
            AddressLine::Postcode => "address.postcode",
        }
    }

    fn label(self) -> &'static str {
        match self {
            AddressLine::Street => "the street",
            AddressLine::City => "the city",
            AddressLine::Postcode => "the postcode",
        }
    }

    fn max_chars(self) -> usize {
        match self {
            AddressLine::Street => MAX_STREET_CHARS,
            AddressLine::City => MAX_CITY_CHARS,
            AddressLine::Postcode => MAX_POSTCODE_CHARS,
        }
    }
}

/// Why a profile change was refused. [`ProfileError::field`] names the field; `Display`
/// says what was expected, in one sentence for an API error's message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// The name is blank or longer than [`MAX_NAME_CHARS`].
    Name,
    /// An address line is too long or not one line.
    LineTooLong(AddressLine),
    /// An address with something in it lacks its street or its city.
    LineMissing(AddressLine),
    /// The postcode has characters other than letters, digits, spaces and hyphens.
    PostcodeCharacters,
    /// Not an ISO 3166-1 alpha-2 code (empty included, once a country is set).
    Country {
        /// What was sent.
        given: String,
    },
    /// Not one of the configured currencies.
    Currency {
        /// The configured currencies.
        allowed: Vec<String>,
    },
    /// A VAT number while the company has no country to check it against.
    VatNumberWithoutCountry,
    /// The VAT number does not fit the company's country.
    VatNumber(VatNumberError),
    /// Not an IANA time zone.
    TimeZone {
        /// What was sent.
        given: String,
    },
}

impl ProfileError {
    /// The field at fault: `name`, `address.street`, `address.city`, `address.postcode`,
    /// `country`, `currency`, `vat_number` or `time_zone`.
    pub fn field(&self) -> &'static str {
        match self {
            ProfileError::Name => "name",
            ProfileError::LineTooLong(line) | ProfileError::LineMissing(line) => line.field(),
            ProfileError::PostcodeCharacters => AddressLine::Postcode.field(),
            ProfileError::Country { .. } => "country",
            ProfileError::Currency { .. } => "currency",
            ProfileError::VatNumberWithoutCountry | ProfileError::VatNumber(_) => "vat_number",
            ProfileError::TimeZone { .. } => "time_zone",
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Name => write!(
                f,
                "the company needs a name of 1 to {MAX_NAME_CHARS} characters"
            ),
            ProfileError::LineTooLong(line) => write!(
                f,
                "use at most {} characters on one line for {}",
                line.max_chars(),
                line.label()
            ),
            ProfileError::LineMissing(line) => write!(
                f,
                "an address needs {} (or leave every line empty for none)",
                line.label()
            ),
            ProfileError::PostcodeCharacters => {
                f.write_str("use letters, digits, spaces and hyphens for the postcode")
            }
            ProfileError::Country { given } => write!(
                f,
                "use a two-letter ISO 3166 country code such as IE, not {given:?}"
            ),
            ProfileError::Currency { allowed } => {
                write!(f, "use one of {}", allowed.join(", "))
            }
            ProfileError::VatNumberWithoutCountry => {
                f.write_str("set the company's country first: a VAT number is checked against it")
            }
            ProfileError::VatNumber(e) => e.fmt(f),
            ProfileError::TimeZone { given } => write!(
                f,
                "use an IANA time zone such as Europe/Dublin, not {given:?}"
            ),
        }
    }
}

impl std::error::Error for ProfileError {}

impl From<ProfileError> for crate::Error {
    fn from(e: ProfileError) -> Self {
        crate::Error::invalid(e.field(), e.to_string())
    }
}

/// Checks `patch` against `current` and returns the profile after it; `currencies` are
/// the configured ones (upper-case ISO 4217 codes). The first fault, in field order, is the
/// answer; nothing is half applied.
pub fn apply(
    current: &Profile,
    patch: ProfilePatch,
    currencies: &[String],
) -> Result<Profile, ProfileError> {
    let mut next = current.clone();
    if let Some(name) = patch.name {
        next.name = check_name(&name)?;
    }
    if let Some(address) = patch.address {
        next.address = check_address(address)?;
    }
    if let Some(country) = &patch.country {
        next.country = check_country(country, &current.country)?;
    }
    if let Some(currency) = patch.currency {
        let currency = currency.trim().to_ascii_uppercase();
        if !currencies.contains(&currency) {
            return Err(ProfileError::Currency {
                allowed: currencies.to_vec(),
            });
        }
        next.currency = currency;
    }
    if patch.country.is_some() || patch.vat_number.is_some() {
        let number = patch.vat_number.as_deref().unwrap_or(&current.vat_number);
        next.vat_number = check_vat(&next.country, number)?;
    }
    if let Some(zone) = patch.time_zone {
        next.time_zone = check_time_zone(&zone)?;
    }
    Ok(next)
}

fn check_name(name: &str) -> Result<String, ProfileError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ProfileError::Name);
    }
    Ok(name.to_string())
}

fn check_address(address: Address) -> Result<Address, ProfileError> {
    let line = |text: String, which: AddressLine| {
        let text = text.trim().to_string();
        if text.chars().count() > which.max_chars() || text.chars().any(char::is_control) {
            return Err(ProfileError::LineTooLong(which));
        }
        Ok(text)
    };
    let address = Address {
        street: line(address.street, AddressLine::Street)?,
        city: line(address.city, AddressLine::City)?,
        postcode: line(address.postcode, AddressLine::Postcode)?,
    };
    if address.is_empty() {
        return Ok(address);
    }
    if address.street.is_empty() {
        return Err(ProfileError::LineMissing(AddressLine::Street));
    }
    if address.city.is_empty() {
        return Err(ProfileError::LineMissing(AddressLine::City));
    }
    let postcode_char = |c: char| c.is_alphanumeric() || c == ' ' || c == '-';
    if !address.postcode.chars().all(postcode_char) {
        return Err(ProfileError::PostcodeCharacters);
    }
    Ok(address)
}

/// An ISO code; empty only if it already was (a country, once chosen, stays chosen).
fn check_country(given: &str, current: &str) -> Result<String, ProfileError> {
    let code = given.trim().to_ascii_uppercase();
    if code.is_empty() && current.is_empty() {
        return Ok(code);
    }
    match countries::country(&code) {
        Some(c) => Ok(c.code.to_string()),
        None => Err(ProfileError::Country {
            given: given.to_string(),
        }),
    }
}

/// The normalised number, or empty when `number` is blank.
fn check_vat(country: &str, number: &str) -> Result<String, ProfileError> {
    if number.trim().is_empty() {
        return Ok(String::new());
    }
    if country.is_empty() {
        return Err(ProfileError::VatNumberWithoutCountry);
    }
    countries::check_vat_number(country, number)
        .map(|vat| vat.into_string())
        .map_err(ProfileError::VatNumber)
}

/// The zone's canonical name from the tz database bundled with the binary, so the answer
/// does not depend on the host's copy.
fn check_time_zone(given: &str) -> Result<String, ProfileError> {
    let refuse = || ProfileError::TimeZone {
        given: given.to_string(),
    };
    let zone = TimeZoneDatabase::bundled()
        .get(given.trim())
        .map_err(|_| refuse())?;
    match zone.iana_name() {
        Some(name) if name != "Etc/Unknown" => Ok(name.to_string()),
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currencies() -> Vec<String> {
        DEFAULT_CURRENCIES.map(String::from).to_vec()
    }

    fn current() -> Profile {
        Profile {
            name: "Rules Ltd".into(),
            address: Address::default(),
            country: "DE".into(),
            currency: "EUR".into(),
            vat_number: "DE136695976".into(),
            time_zone: "Europe/Berlin".into(),
        }
    }

    fn address(street: &str, city: &str, postcode: &str) -> Option<Address> {
        Some(Address {
            street: street.into(),
            city: city.into(),
            postcode: postcode.into(),
        })
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    fn name(text: &str) -> ProfilePatch {
        ProfilePatch {
            name: some(text),
            ..Default::default()
        }
    }

    fn lines(street: &str, city: &str, postcode: &str) -> ProfilePatch {
        ProfilePatch {
            address: address(street, city, postcode),
            ..Default::default()
        }
    }

    fn country(code: &str) -> ProfilePatch {
        ProfilePatch {
            country: some(code),
            ..Default::default()
        }
    }

    fn currency(code: &str) -> ProfilePatch {
        ProfilePatch {
            currency: some(code),
            ..Default::default()
        }
    }

    fn vat(number: &str) -> ProfilePatch {
        ProfilePatch {
            vat_number: some(number),
            ..Default::default()
        }
    }

    fn zone(name: &str) -> ProfilePatch {
        ProfilePatch {
            time_zone: some(name),
            ..Default::default()
        }
    }

    /// A move to `code` with a new VAT number.
    fn moving(code: &str, number: &str) -> ProfilePatch {
        ProfilePatch {
            country: some(code),
            vat_number: some(number),
            ..Default::default()
        }
    }

    #[test]
    fn each_rule_refuses_what_it_must_and_names_the_field() {
        let long = "a".repeat(201);
        let table = [
            (name("  "), "name"),
            (name(&long), "name"),
            (lines(&long, "Berlin", ""), "address.street"),
            (lines("Main St\n1", "Berlin", ""), "address.street"),
            (lines("Main St 1", &long[..101], ""), "address.city"),
            (
                lines("Main St 1", "Berlin", &long[..17]),
                "address.postcode",
            ),
            (lines("Main St 1", "Berlin", "10115/B"), "address.postcode"),
            (lines("", "Berlin", "10115"), "address.street"),
            (lines("Main St 1", " ", "10115"), "address.city"),
            (country("ZZ"), "country"),
            (country("DEU"), "country"),
            (country("EL"), "country"),
            (country(""), "country"),
            (currency("JPY"), "currency"),
            (vat("DE12345678"), "vat_number"),
            (vat("FR23334175221"), "vat_number"),
            (zone("Europe/Atlantis"), "time_zone"),
            (zone(""), "time_zone"),
            (zone("Etc/Unknown"), "time_zone"),
            (zone("+02:00"), "time_zone"),
        ];
        for (patch, field) in table {
            let e = apply(&current(), patch.clone(), &currencies()).unwrap_err();
            assert_eq!(e.field(), field, "{patch:?}: {e}");
        }
    }

    #[test]
    fn accepted_values_are_normalised() {
        let patch = ProfilePatch {
            name: some("  Rules Ltd  "),
            address: address(" Unter den Linden 1 ", "Berlin", " 10117 "),
            country: some("fr"),
            currency: some("usd"),
            vat_number: some("fr 23 334 175 221"),
            time_zone: some("europe/paris"),
        };
        let next = apply(&current(), patch, &currencies()).unwrap();
        let expected = Profile {
            name: "Rules Ltd".into(),
            address: Address {
                street: "Unter den Linden 1".into(),
                city: "Berlin".into(),
                postcode: "10117".into(),
            },
            country: "FR".into(),
            currency: "USD".into(),
            vat_number: "FR23334175221".into(),
            time_zone: "Europe/Paris".into(),
        };
        assert_eq!(next, expected);
    }

    #[test]
    fn a_patch_changes_only_what_it_gives_and_empty_clears() {
        let next = apply(&current(), zone("UTC"), &currencies()).unwrap();
        assert_eq!(
            next,
            Profile {
                time_zone: "UTC".into(),
                ..current()
            }
        );
        let cleared = apply(
            &current(),
            ProfilePatch {
                vat_number: some(" "),
                address: address("", "", ""),
                ..Default::default()
            },
            &currencies(),
        )
        .unwrap();
        assert_eq!(cleared.vat_number, "");
        assert!(cleared.address.is_empty());
    }

    #[test]
    fn the_vat_number_is_checked_against_the_country_whenever_either_changes() {
        let table = [
            // Moving out of the EU with the old number: refused, naming the VAT number...
            (country("US"), Err("vat_number")),
            // ... with it cleared: fine.
            (moving("US", ""), Ok("")),
            // Moving to France: a French number, not the German one.
            (moving("FR", "23334175221"), Ok("FR23334175221")),
            (country("FR"), Err("vat_number")),
            // Greece: EL, and GR refused.
            (moving("GR", "123456789"), Ok("EL123456789")),
            (moving("GR", "GR123456789"), Err("vat_number")),
            // Northern Ireland: GB with an XI number; a GB number refused.
            (moving("GB", "XI 123 4567 89"), Ok("XI123456789")),
            (moving("GB", "GB123456789"), Err("vat_number")),
            // Monaco: a French number.
            (moving("MC", "FR23334175221"), Ok("FR23334175221")),
            // Only the number changes: checked against the current country.
            (vat("de136695976"), Ok("DE136695976")),
        ];
        for (patch, expected) in table {
            let got = apply(&current(), patch.clone(), &currencies());
            match expected {
                Ok(vat) => assert_eq!(got.map(|p| p.vat_number).as_deref(), Ok(vat), "{patch:?}"),
                Err(field) => assert_eq!(got.unwrap_err().field(), field, "{patch:?}"),
            }
        }
    }

    #[test]
    fn without_a_country_there_is_no_vat_number_and_the_country_cannot_be_cleared() {
        let fresh = Profile {
            country: String::new(),
            vat_number: String::new(),
            ..current()
        };
        let e = apply(&fresh, vat("DE136695976"), &currencies()).unwrap_err();
        assert_eq!(e, ProfileError::VatNumberWithoutCountry);
        assert!(apply(&fresh, country(""), &currencies()).is_ok());
        let e = apply(&current(), country(""), &currencies()).unwrap_err();
        assert_eq!(e.field(), "country", "a chosen country stays chosen");
    }

    #[test]
    fn an_unchanged_legacy_vat_number_does_not_block_other_changes() {
        let legacy = Profile {
            vat_number: "DE 12/34".into(),
            ..current()
        };
        let next = apply(&legacy, name("New Name"), &currencies()).unwrap();
        assert_eq!(next.vat_number, "DE 12/34");
    }

    #[test]
    fn currencies_come_from_the_configured_list() {
        let only_chf = vec!["CHF".to_string()];
        let chf = apply(&current(), currency("chf"), &only_chf).unwrap();
        assert_eq!(chf.currency, "CHF");
        let e = apply(&current(), currency("EUR"), &only_chf).unwrap_err();
        assert_eq!(e.to_string(), "use one of CHF");
        let e = apply(&current(), currency("JPY"), &currencies()).unwrap_err();
        assert_eq!(e.to_string(), "use one of GBP, EUR, USD");
    }

    #[test]
    fn time_zones_are_iana_names_in_their_canonical_spelling() {
        let table = [
            ("Europe/Dublin", Some("Europe/Dublin")),
            ("asia/TOKYO", Some("Asia/Tokyo")),
            (
                "America/Argentina/Buenos_Aires",
                Some("America/Argentina/Buenos_Aires"),
            ),
            ("UTC", Some("UTC")),
            (" Europe/Berlin ", Some("Europe/Berlin")),
            ("Europe /Dublin", None),
            ("CET+1", None),
            ("Mars/Olympus_Mons", None),
        ];
        for (given, canonical) in table {
            assert_eq!(check_time_zone(given).ok().as_deref(), canonical, "{given}");
        }
    }

    #[test]
    fn messages_name_what_was_expected() {
        let table = [
            (
                ProfileError::Name,
                "the company needs a name of 1 to 200 characters",
            ),
            (
                ProfileError::LineTooLong(AddressLine::City),
                "use at most 100 characters on one line for the city",
            ),
            (
                ProfileError::LineMissing(AddressLine::Street),
                "an address needs the street (or leave every line empty for none)",
            ),
            (
                ProfileError::VatNumber(countries::check_vat_number("DE", "1").unwrap_err()),
                "a German VAT number is DE followed by 9 digits",
            ),
        ];
        for (error, message) in table {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn an_error_becomes_the_engines_invalid_naming_the_field() {
        let e: crate::Error = ProfileError::TimeZone {
            given: "Mars".into(),
        }
        .into();
        match e {
            crate::Error::Invalid { field, message } => {
                assert_eq!(field, "time_zone");
                assert!(message.contains("Europe/Dublin"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_company_reads_into_a_profile_and_back() {
        let mut company = crate::model::Company {
            id: 1,
            key: "0123456789abcdef".into(),
            name: "Rules Ltd".into(),
            address: Address {
                street: "1 Main St".into(),
                city: "Dublin".into(),
                postcode: "D02 X285".into(),
            },
            country: "IE".into(),
            currency: "EUR".into(),
            vat_number: "IE1234567T".into(),
            time_zone: "Europe/Dublin".into(),
            created_at: 0,
        };
        let before = company.clone();
        let profile = Profile::from(&company);
        assert_eq!(profile.address.city, "Dublin");
        profile.write_to(&mut company);
        assert_eq!(company, before);
    }
}
