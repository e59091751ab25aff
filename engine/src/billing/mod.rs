//! Billing's pure rules: which countries there are and how their VAT numbers look, what a
//! company profile may hold, which VAT rate an invoice carries, whether a card form is
//! sound, and the payment-gateway interface with its sandbox. Nothing here stores, sends or
//! waits; the actors and handlers gather the inputs, call these and carry out the result.
//!
//! # Layout
//! - `mod.rs`: [`Config`], the `[billing]` section of config.toml — seller's country,
//!   currencies, seat prices, VAT rates — and its consistency check.
//! - [`countries`]: ISO 3166-1 alpha-2 countries, the 27 EU member states, and each EU VAT
//!   area's number format (with `EL` for Greece and `XI` for Northern Ireland).
//! - [`profile`]: the company profile's rules over a patch — name, address lines, country,
//!   currency from the configured list, VAT number for the country, IANA time zone — with
//!   errors that name the field.
//! - [`vat`]: the VAT rule (domestic, reverse charge, destination rate, outside scope) over
//!   a dated table of EU standard rates, and the VAT on an amount in minor units.
//! - `eu_vat_rates.toml`: the built-in rate table, written as the config.toml section that
//!   replaces it.
//! - [`cards`]: the checks on a card form (digits, length, brand, Luhn, expiry, CVC, holder)
//!   and [`cards::Card`], which prints only its brand and last four digits.
//! - [`gateway`]: the [`gateway::PaymentGateway`] trait (save a card as a token, charge a
//!   token) and [`gateway::Sandbox`], the default, which follows the common test cards.
//! - `period.rs`: [`Period`], a billed month, and where it starts in a time zone.
//! - [`pdf`]: a monthly invoice as a printable A4 PDF, with embedded fonts for Latin, Greek,
//!   Cyrillic, Arabic and Hebrew names.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

pub mod cards;
pub mod countries;
pub mod gateway;
pub mod pdf;
pub mod period;
pub mod profile;
pub mod vat;

pub use period::Period;

/// Billing settings, the `[billing]` section of config.toml:
///
/// ```toml
/// [billing]
/// seller_name = "Switchboard Ltd"
/// seller_address = { street = "1 Dock Road", city = "Dublin", postcode = "D01 F5P2" }
/// seller_country = "IE"
/// seller_vat_number = "IE1234567T"
/// currencies = ["GBP", "EUR", "USD"]
///
/// [billing.seat_price]        # one operator seat for one month, in minor units
/// GBP = 1500
/// EUR = 1700
/// USD = 1900
///
/// [billing.vat_rates]         # see vat::VatRates; the default is the built-in table
/// DE = [{ from = "2007-01-01", rate = "19%" }]
/// ```
///
/// Every key is optional; the defaults are the values above (prices are placeholders) and
/// [`vat::VatRates::eu_standard`]. Call [`Config::check`] once at start-up.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The seller's name, as invoices print it.
    pub seller_name: String,
    /// The seller's postal address.
    pub seller_address: crate::model::Address,
    /// ISO code of the EU member state the seller is established in: its rate is the
    /// domestic one.
    pub seller_country: String,
    /// The seller's VAT number, with its prefix.
    pub seller_vat_number: String,
    /// ISO 4217 codes a company may choose as its currency, upper case.
    pub currencies: Vec<String>,
    /// Price of one operator seat for one month, in minor units, per currency.
    pub seat_price: BTreeMap<String, i64>,
    /// EU standard VAT rates, dated.
    pub vat_rates: vat::VatRates,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seller_name: "Switchboard Ltd".to_string(),
            seller_address: crate::model::Address {
                street: "1 Dock Road".to_string(),
                city: "Dublin".to_string(),
                postcode: "D01 F5P2".to_string(),
            },
            seller_country: "IE".to_string(),
            seller_vat_number: "IE1234567T".to_string(),
            currencies: profile::DEFAULT_CURRENCIES.map(String::from).to_vec(),
            seat_price: [("GBP", 1500), ("EUR", 1700), ("USD", 1900)]
                .into_iter()
                .map(|(currency, price)| (currency.to_string(), price))
                .collect(),
            vat_rates: vat::VatRates::eu_standard(),
        }
    }
}

/// A `[billing]` section that cannot work, with the key at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Checks that the section holds together: an EU seller, currencies that are ISO 4217
    /// codes each with a price above zero (and no price without its currency), and a VAT
    /// rate for every member state.
    pub fn check(&self) -> Result<(), ConfigError> {
        let fail = |message: String| Err(ConfigError(message));
        if !countries::is_eu(&self.seller_country) {
            return fail(format!(
                "billing.seller_country: {:?} is not the ISO code of an EU member state",
                self.seller_country
            ));
        }
        if self.currencies.is_empty() {
            return fail("billing.currencies: name at least one currency".to_string());
        }
        for (i, currency) in self.currencies.iter().enumerate() {
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                return fail(format!(
                    "billing.currencies: {currency:?} is not an upper-case ISO 4217 code"
                ));
            }
            if self.currencies[..i].contains(currency) {
                return fail(format!("billing.currencies: {currency} is listed twice"));
            }
            match self.seat_price.get(currency) {
                Some(price) if *price > 0 => {}
                Some(_) => {
                    return fail(format!(
                        "billing.seat_price.{currency}: the price must be above zero"
                    ))
                }
                None => return fail(format!("billing.seat_price.{currency}: no price")),
            }
        }
        if let Some(extra) = self
            .seat_price
            .keys()
            .find(|c| !self.currencies.contains(c))
        {
            return fail(format!(
                "billing.seat_price.{extra}: {extra} is not in billing.currencies"
            ));
        }
        let missing = self.vat_rates.missing_members();
        if !missing.is_empty() {
            return fail(format!(
                "billing.vat_rates: no rate for {}",
                missing.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        billing: Config,
    }

    fn parse(text: &str) -> Config {
        toml::from_str::<File>(text).unwrap().billing
    }

    #[test]
    fn the_defaults_hold_together_and_an_absent_section_is_the_default() {
        assert_eq!(Config::default().check(), Ok(()));
        assert_eq!(parse(""), Config::default());
    }

    #[test]
    fn a_section_sets_seller_currencies_prices_and_rates() {
        let config = parse(
            r#"
            [billing]
            seller_country = "DE"
            currencies = ["EUR", "CHF"]

            [billing.seat_price]
            EUR = 1900
            CHF = 2100

            [billing.vat_rates]
            DE = [{ from = "2007-01-01", rate = "19%" }]
            "#,
        );
        assert_eq!(config.seller_country, "DE");
        assert_eq!(config.currencies, ["EUR", "CHF"]);
        assert_eq!(config.seat_price["CHF"], 2100);
        assert_eq!(config.vat_rates.missing_members().len(), 26);
        let e = config.check().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("billing.vat_rates: no rate for AT, BE"),
            "{e}"
        );
    }

    #[test]
    fn each_inconsistency_is_refused_naming_the_key() {
        type Change = fn(&mut Config);
        let with = |change: Change| {
            let mut config = Config::default();
            change(&mut config);
            config.check().unwrap_err().to_string()
        };
        let table: [(Change, &str); 8] = [
            (|c| c.seller_country = "GB".into(), "billing.seller_country"),
            (|c| c.seller_country = "EL".into(), "billing.seller_country"),
            (|c| c.currencies.clear(), "billing.currencies"),
            (|c| c.currencies.push("chf".into()), "billing.currencies"),
            (
                |c| c.currencies.push("EUR".into()),
                "billing.currencies: EUR is listed twice",
            ),
            (
                |c| c.currencies.push("CHF".into()),
                "billing.seat_price.CHF: no price",
            ),
            (
                |c| *c.seat_price.get_mut("EUR").unwrap() = 0,
                "billing.seat_price.EUR",
            ),
            (
                |c| c.currencies.retain(|c| c != "USD"),
                "billing.seat_price.USD",
            ),
        ];
        for (change, message) in table {
            let e = with(change);
            assert!(e.starts_with(message), "{e}");
        }
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let e = toml::from_str::<File>("[billing]\nseller = \"IE\"\n")
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }
}
