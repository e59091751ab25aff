//! Billing's pure rules: which countries there are and how their VAT numbers look, what a
//! company profile may hold, which VAT rate an invoice carries, whether a card form is
//! sound, and the payment-gateway interface with its sandbox. Nothing here stores, sends or
//! waits; the actors and handlers gather the inputs, call these and carry out the result.
//!
//! # Layout
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

pub mod cards;
pub mod countries;
pub mod gateway;
pub mod profile;
pub mod vat;
