//! The VAT rule: which rate an invoice carries, as one pure function ([`treatment`]) over
//! the seller's country, the customer's, whether the customer has a valid VAT number, the
//! invoice date and a dated table of EU standard rates ([`VatRates`]).
//!
//! | customer                                   | rule                         | rate          |
//! |--------------------------------------------|------------------------------|---------------|
//! | in the seller's member state               | [`VatRule::Domestic`]        | seller's      |
//! | another member state, with a VAT number    | [`VatRule::ReverseCharge`]   | 0 %           |
//! | another member state, without one          | [`VatRule::DestinationRate`] | customer's    |
//! | outside the EU                             | [`VatRule::OutsideScope`]    | 0 %           |
//!
//! "Member state" is the VAT area ([`countries::vat_country`]): Monaco counts as France.
//! The United Kingdom, Northern Ireland included, is outside the EU for a service.
//!
//! Money is integer minor units; rates are basis points (1 % = 100 bp, so 25.5 % is 2550);
//! [`vat_amount`] rounds half away from zero.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use serde::Deserialize;

use super::countries;

/// The highest rate a table may hold, in basis points (100 %).
pub const MAX_RATE_BP: u32 = 10_000;

/// The built-in table of EU standard rates, as the `config.toml` section that replaces it.
pub const EU_STANDARD_RATES_TOML: &str = include_str!("eu_vat_rates.toml");

/// A rate and the day it takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatedRate {
    /// The first day (in the seller's calendar) on which an invoice carries this rate.
    pub from: Date,
    /// Basis points: 1900 is 19 %.
    pub rate_bp: u32,
}

/// Standard VAT rates per member state, each a list of dated rates, read from the
/// `[billing.vat_rates]` section of config.toml:
///
/// ```toml
/// [billing.vat_rates]
/// DE = [{ from = "2007-01-01", rate = "19%" }]
/// FI = [
///     { from = "2013-01-01", rate = "24%" },
///     { from = "2024-09-01", rate = "25.5%" },
/// ]
/// ```
///
/// Keys are ISO country codes of member states (`GR` for Greece); dates are quoted
/// `YYYY-MM-DD`; rates are percentages with at most two decimals. A rate applies from its
/// date until the next one's. The default is [`EU_STANDARD_RATES_TOML`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "BTreeMap<String, Vec<RateRow>>")]
pub struct VatRates {
    /// Member state -> its rates, oldest first, no two on one day.
    by_country: BTreeMap<&'static str, Vec<DatedRate>>,
}

/// One row as written in the config.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateRow {
    /// `YYYY-MM-DD`.
    from: String,
    /// `"19%"`, `"25.5%"`.
    rate: String,
}

/// Why a rate table was refused; the message names the country and the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateTableError(String);

impl fmt::Display for RateTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RateTableError {}

impl TryFrom<BTreeMap<String, Vec<RateRow>>> for VatRates {
    type Error = RateTableError;

    fn try_from(rows: BTreeMap<String, Vec<RateRow>>) -> Result<Self, Self::Error> {
        let mut table = Vec::with_capacity(rows.len());
        for (country, list) in rows {
            let mut dated = Vec::with_capacity(list.len());
            for row in list {
                let from = row.from.parse::<Date>().map_err(|_| {
                    RateTableError(format!(
                        "VAT rates for {country}: the date {:?} is not YYYY-MM-DD",
                        row.from
                    ))
                })?;
                let rate_bp = parse_rate(&row.rate).map_err(|e| {
                    RateTableError(format!("VAT rates for {country} from {from}: {e}"))
                })?;
                dated.push(DatedRate { from, rate_bp });
            }
            table.push((country, dated));
        }
        VatRates::new(table)
    }
}

impl VatRates {
    /// A table from rows per member state, in any order. Refused: a code that is no member
    /// state (`EL` included: the table uses `GR`), an empty list, two rates on one day, a
    /// rate over 100 %.
    pub fn new(
        rows: impl IntoIterator<Item = (String, Vec<DatedRate>)>,
    ) -> Result<VatRates, RateTableError> {
        let mut by_country = BTreeMap::new();
        for (country, mut dated) in rows {
            let Some(member) = countries::EU_MEMBERS.iter().find(|m| **m == country) else {
                return Err(RateTableError(format!(
                    "VAT rates: {country} is not the ISO code of an EU member state (Greece is GR)"
                )));
            };
            if dated.is_empty() {
                return Err(RateTableError(format!("VAT rates for {country}: no rate")));
            }
            dated.sort_by_key(|r| r.from);
            if let Some(pair) = dated.windows(2).find(|p| p[0].from == p[1].from) {
                return Err(RateTableError(format!(
                    "VAT rates for {country}: two rates from {}",
                    pair[0].from
                )));
            }
            if let Some(r) = dated.iter().find(|r| r.rate_bp > MAX_RATE_BP) {
                return Err(RateTableError(format!(
                    "VAT rates for {country} from {}: more than 100%",
                    r.from
                )));
            }
            by_country.insert(*member, dated);
        }
        Ok(VatRates { by_country })
    }

    /// The built-in table, [`EU_STANDARD_RATES_TOML`].
    pub fn eu_standard() -> VatRates {
        /// The file is a config.toml section, so it parses as one.
        #[derive(Deserialize)]
        struct File {
            billing: Section,
        }
        #[derive(Deserialize)]
        struct Section {
            vat_rates: VatRates,
        }
        toml::from_str::<File>(EU_STANDARD_RATES_TOML)
            .expect("the built-in rate table parses (a test reads it)")
            .billing
            .vat_rates
    }

    /// The standard rate of member state `country` on `date`: the latest row from that day
    /// or before. `None` for a country not in the table or a date before its first row.
    pub fn rate_on(&self, country: &str, date: Date) -> Option<u32> {
        self.by_country
            .get(country)?
            .iter()
            .rev()
            .find(|r| r.from <= date)
            .map(|r| r.rate_bp)
    }

    /// The dated rates of `country`, oldest first (empty if it has none).
    pub fn rates(&self, country: &str) -> &[DatedRate] {
        self.by_country.get(country).map_or(&[], Vec::as_slice)
    }

    /// Member states the table has no rate for; the configuration is incomplete unless
    /// this is empty.
    pub fn missing_members(&self) -> Vec<&'static str> {
        countries::EU_MEMBERS
            .into_iter()
            .filter(|m| !self.by_country.contains_key(m))
            .collect()
    }
}

impl Default for VatRates {
    fn default() -> Self {
        VatRates::eu_standard()
    }
}

/// A percentage as written in the config, `"19%"` or `"25.5%"` (at most two decimals, at
/// most 100 %), in basis points.
pub fn parse_rate(text: &str) -> Result<u32, String> {
    let wrong =
        || format!("write the rate as a percentage such as \"19%\" or \"25.5%\", not {text:?}");
    let number = text.strip_suffix('%').ok_or_else(wrong)?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || !all_digits(whole) {
        return Err(wrong());
    }
    if fraction.len() > 2 || !all_digits(fraction) || number.ends_with('.') {
        return Err(wrong());
    }
    let whole: u32 = whole.parse().map_err(|_| wrong())?;
    let hundredths: u32 = format!("{fraction:0<2}").parse().map_err(|_| wrong())?;
    let bp = whole * 100 + hundredths;
    if bp > MAX_RATE_BP {
        return Err(format!("{text} is more than 100%"));
    }
    Ok(bp)
}

/// A rate in basis points as printed on an invoice: `19%`, `25.5%`, `8.25%`.
pub fn format_rate(rate_bp: u32) -> String {
    let (whole, hundredths) = (rate_bp / 100, rate_bp % 100);
    match hundredths {
        0 => format!("{whole}%"),
        h if h % 10 == 0 => format!("{whole}.{}%", h / 10),
        h => format!("{whole}.{h:02}%"),
    }
}

/// What the VAT rule is asked about: one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Supply<'a> {
    /// The seller's ISO country code; an EU member state.
    pub seller_country: &'a str,
    /// The customer's ISO country code, from the company profile.
    pub customer_country: &'a str,
    /// Whether the customer has a VAT number that passed the checks (an empty one is no
    /// number).
    pub customer_has_vat_number: bool,
    /// The invoice date, in the seller's calendar.
    pub date: Date,
}

/// Which row of the rule applied: the wire's closed set, so its names are written once.
pub use switchboard_api::billing::VatRule;

/// The rule's answer for one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VatTreatment {
    /// Which row applied.
    pub rule: VatRule,
    /// The rate to charge, basis points; 0 for reverse charge and outside scope.
    pub rate_bp: u32,
    /// The member state whose rate it is (the seller's or the customer's); none when no VAT
    /// is charged.
    pub rate_country: Option<&'static str>,
}

/// Why no treatment could be given: the inputs or the configuration are incomplete.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VatError {
    /// The seller is not in an EU member state; the rule is the EU's.
    SellerOutsideEu {
        /// The seller's country code as given.
        country: String,
    },
    /// The customer's country is no ISO code (a profile without a country, for one).
    UnknownCustomerCountry {
        /// The code as given.
        country: String,
    },
    /// The table has no rate for that member state on that day.
    NoRate {
        /// The member state.
        country: &'static str,
        /// The invoice date.
        date: Date,
    },
}

impl fmt::Display for VatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VatError::SellerOutsideEu { country } => write!(
                f,
                "the seller's country {country:?} is not an EU member state"
            ),
            VatError::UnknownCustomerCountry { country } => write!(
                f,
                "the customer's country {country:?} is not an ISO country code: set the \
                 company's country first"
            ),
            VatError::NoRate { country, date } => {
                write!(f, "the VAT rate table has no rate for {country} on {date}")
            }
        }
    }
}

impl std::error::Error for VatError {}

/// The VAT rule (see the module doc's table).
pub fn treatment(supply: &Supply<'_>, rates: &VatRates) -> Result<VatTreatment, VatError> {
    let seller =
        countries::vat_country(supply.seller_country).ok_or_else(|| VatError::SellerOutsideEu {
            country: supply.seller_country.to_string(),
        })?;
    if countries::country(supply.customer_country).is_none() {
        return Err(VatError::UnknownCustomerCountry {
            country: supply.customer_country.to_string(),
        });
    }
    let charge = |rule, country: &'static str| {
        let rate_bp = rates
            .rate_on(country, supply.date)
            .ok_or(VatError::NoRate {
                country,
                date: supply.date,
            })?;
        Ok(VatTreatment {
            rule,
            rate_bp,
            rate_country: Some(country),
        })
    };
    let none = |rule| {
        Ok(VatTreatment {
            rule,
            rate_bp: 0,
            rate_country: None,
        })
    };
    match countries::vat_country(supply.customer_country) {
        Some(customer) if customer == seller => charge(VatRule::Domestic, seller),
        Some(_) if supply.customer_has_vat_number => none(VatRule::ReverseCharge),
        Some(customer) => charge(VatRule::DestinationRate, customer),
        None => none(VatRule::OutsideScope),
    }
}

/// The VAT on `net_minor` (integer minor units, negative for a credit) at `rate_bp`:
/// `net × rate / 10,000`, rounded half away from zero on the minor unit (0.5 cent becomes
/// 1 cent, -0.5 cent becomes -1 cent), so a credit note mirrors its invoice exactly.
/// Saturates at the ends of `i64`, which no rate of at most 100 % reaches.
pub fn vat_amount(net_minor: i64, rate_bp: u32) -> i64 {
    let product = i128::from(net_minor) * i128::from(rate_bp);
    let rounded = (product.abs() + 5_000) / 10_000 * product.signum();
    rounded.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 3, 1);

    fn supply(seller: &'static str, customer: &'static str, vat_number: bool) -> Supply<'static> {
        Supply {
            seller_country: seller,
            customer_country: customer,
            customer_has_vat_number: vat_number,
            date: TODAY,
        }
    }

    fn on(day: Date, s: Supply<'static>) -> Supply<'static> {
        Supply { date: day, ..s }
    }

    /// One case per row of the rule, and the edges of each row.
    #[test]
    fn each_row_of_the_rule_gives_its_rate() {
        use VatRule::*;
        let rates = VatRates::eu_standard();
        let table = [
            // Domestic: the seller's rate, VAT number or not.
            (supply("IE", "IE", false), Domestic, 2300, Some("IE")),
            (supply("IE", "IE", true), Domestic, 2300, Some("IE")),
            (supply("DE", "DE", true), Domestic, 1900, Some("DE")),
            (supply("GR", "GR", false), Domestic, 2400, Some("GR")),
            // Monaco is in the French VAT area.
            (supply("FR", "MC", true), Domestic, 2000, Some("FR")),
            // Another member state with a VAT number: reverse charge.
            (supply("IE", "DE", true), ReverseCharge, 0, None),
            (supply("IE", "GR", true), ReverseCharge, 0, None),
            (supply("DE", "MC", true), ReverseCharge, 0, None),
            // Another member state without one: that state's rate.
            (supply("IE", "DE", false), DestinationRate, 1900, Some("DE")),
            (supply("IE", "HU", false), DestinationRate, 2700, Some("HU")),
            (supply("IE", "FI", false), DestinationRate, 2550, Some("FI")),
            (supply("IE", "GR", false), DestinationRate, 2400, Some("GR")),
            (supply("DE", "MC", false), DestinationRate, 2000, Some("FR")),
            // Outside the EU: 0 %, VAT number or not.
            (supply("IE", "US", false), OutsideScope, 0, None),
            (supply("IE", "US", true), OutsideScope, 0, None),
            (supply("IE", "CH", false), OutsideScope, 0, None),
            (supply("IE", "NO", true), OutsideScope, 0, None),
            // The United Kingdom, Northern Ireland (GB with an XI number) included.
            (supply("IE", "GB", false), OutsideScope, 0, None),
            (supply("IE", "GB", true), OutsideScope, 0, None),
            // Territories with their own ISO code outside the EU VAT area.
            (supply("FI", "AX", false), OutsideScope, 0, None),
            (supply("FR", "GP", false), OutsideScope, 0, None),
        ];
        for (s, rule, rate_bp, rate_country) in table {
            let expected = VatTreatment {
                rule,
                rate_bp,
                rate_country,
            };
            assert_eq!(treatment(&s, &rates), Ok(expected), "{s:?}");
        }
    }

    #[test]
    fn a_rate_change_applies_from_its_date() {
        let rates = VatRates::eu_standard();
        let table = [
            // Estonia: 22 % to 24 % on 2025-07-01.
            (date(2025, 6, 30), "EE", 2200),
            (date(2025, 7, 1), "EE", 2400),
            // Finland: 24 % to 25.5 % on 2024-09-01.
            (date(2024, 8, 31), "FI", 2400),
            (date(2024, 9, 1), "FI", 2550),
            // Slovakia: 20 % to 23 % on 2025-01-01.
            (date(2024, 12, 31), "SK", 2000),
            (date(2025, 1, 1), "SK", 2300),
            // Romania: 19 % to 21 % on 2025-08-01.
            (date(2025, 7, 31), "RO", 1900),
            (date(2025, 8, 1), "RO", 2100),
            // Germany's second half of 2020 at 16 %, and back.
            (date(2020, 6, 30), "DE", 1900),
            (date(2020, 7, 1), "DE", 1600),
            (date(2020, 12, 31), "DE", 1600),
            (date(2021, 1, 1), "DE", 1900),
        ];
        for (day, country, rate_bp) in table {
            let destination = treatment(&on(day, supply("IE", country, false)), &rates).unwrap();
            assert_eq!(
                destination.rate_bp, rate_bp,
                "{country} on {day}, destination"
            );
            let domestic = treatment(&on(day, supply(country, country, false)), &rates).unwrap();
            assert_eq!(domestic.rate_bp, rate_bp, "{country} on {day}, domestic");
        }
    }

    #[test]
    fn missing_inputs_and_gaps_in_the_table_are_errors_not_zero() {
        let rates = VatRates::eu_standard();
        let only_ie = VatRates::new([(
            "IE".to_string(),
            vec![DatedRate {
                from: date(2012, 1, 1),
                rate_bp: 2300,
            }],
        )])
        .unwrap();
        let table = [
            (
                supply("US", "DE", false),
                &rates,
                VatError::SellerOutsideEu {
                    country: "US".into(),
                },
            ),
            (
                supply("GB", "GB", false),
                &rates,
                VatError::SellerOutsideEu {
                    country: "GB".into(),
                },
            ),
            (
                supply("IE", "", false),
                &rates,
                VatError::UnknownCustomerCountry { country: "".into() },
            ),
            (
                supply("IE", "EL", false),
                &rates,
                VatError::UnknownCustomerCountry {
                    country: "EL".into(),
                },
            ),
            (
                supply("IE", "DE", false),
                &only_ie,
                VatError::NoRate {
                    country: "DE",
                    date: TODAY,
                },
            ),
            (
                on(date(2011, 12, 31), supply("IE", "IE", false)),
                &only_ie,
                VatError::NoRate {
                    country: "IE",
                    date: date(2011, 12, 31),
                },
            ),
        ];
        for (s, rates, error) in table {
            assert_eq!(treatment(&s, rates), Err(error), "{s:?}");
        }
        // Reverse charge and outside scope need no rate at all.
        assert!(treatment(&supply("IE", "DE", true), &only_ie).is_ok());
        assert!(treatment(&supply("IE", "US", false), &only_ie).is_ok());
    }

    #[test]
    fn vat_amount_rounds_half_away_from_zero_on_the_minor_unit() {
        let table = [
            (10_000, 1900, 1900),
            (1_000, 2550, 255),
            // 0.5 of a minor unit rounds up, and down for a credit.
            (50, 1000, 5),
            (5, 1000, 1),
            (-5, 1000, -1),
            (15, 1000, 2),
            (-15, 1000, -2),
            // Below half rounds toward zero; above half away.
            (14, 1000, 1),
            (-14, 1000, -1),
            (16, 1000, 2),
            // 19 % of 0.01 is 0.0019: nothing.
            (1, 1900, 0),
            // 19 % of 0.03 is 0.0057: one minor unit.
            (3, 1900, 1),
            (1_999, 2550, 510),
            (0, 2300, 0),
            (123_456, 0, 0),
            (i64::MAX, 10_000, i64::MAX),
            (i64::MIN, 10_000, i64::MIN),
            (i64::MAX, 2300, 2_121_375_568_476_598_436),
        ];
        for (net, rate_bp, vat) in table {
            assert_eq!(vat_amount(net, rate_bp), vat, "{net} at {rate_bp} bp");
        }
    }

    #[test]
    fn rates_parse_as_percentages_with_up_to_two_decimals() {
        let table = [
            ("19%", Ok(1900)),
            ("25.5%", Ok(2550)),
            ("8.25%", Ok(825)),
            ("0%", Ok(0)),
            ("100%", Ok(10_000)),
            ("07%", Ok(700)),
            ("19", Err(())),
            ("19 %", Err(())),
            ("%", Err(())),
            ("19.%", Err(())),
            (".5%", Err(())),
            ("1.234%", Err(())),
            ("-1%", Err(())),
            ("100.01%", Err(())),
            ("1000%", Err(())),
        ];
        for (text, bp) in table {
            assert_eq!(parse_rate(text).map_err(|_| ()), bp, "{text}");
        }
        for bp in [0, 700, 1900, 2550, 825, 10_000] {
            assert_eq!(parse_rate(&format_rate(bp)), Ok(bp), "{bp}");
        }
        assert_eq!(format_rate(2550), "25.5%");
        assert_eq!(format_rate(825), "8.25%");
        assert_eq!(format_rate(1900), "19%");
    }

    #[test]
    fn the_built_in_table_has_every_member_state_and_the_2026_rates() {
        let rates = VatRates::eu_standard();
        assert_eq!(rates.missing_members(), Vec::<&str>::new());
        let published = [
            ("AT", 2000),
            ("BE", 2100),
            ("BG", 2000),
            ("CY", 1900),
            ("CZ", 2100),
            ("DE", 1900),
            ("DK", 2500),
            ("EE", 2400),
            ("ES", 2100),
            ("FI", 2550),
            ("FR", 2000),
            ("GR", 2400),
            ("HR", 2500),
            ("HU", 2700),
            ("IE", 2300),
            ("IT", 2200),
            ("LT", 2100),
            ("LU", 1700),
            ("LV", 2100),
            ("MT", 1800),
            ("NL", 2100),
            ("PL", 2300),
            ("PT", 2300),
            ("RO", 2100),
            ("SE", 2500),
            ("SI", 2200),
            ("SK", 2300),
        ];
        assert_eq!(published.len(), 27);
        for (country, bp) in published {
            assert_eq!(
                rates.rate_on(country, date(2026, 1, 1)),
                Some(bp),
                "{country}"
            );
        }
        assert_eq!(VatRates::default(), rates);
    }

    #[test]
    fn a_config_section_replaces_the_table_and_bad_rows_are_refused_by_name() {
        #[derive(Deserialize)]
        struct Config {
            billing: Billing,
        }
        #[derive(Deserialize)]
        struct Billing {
            vat_rates: VatRates,
        }
        let parse = |text: &str| toml::from_str::<Config>(text).map(|c| c.billing.vat_rates);
        let rates = parse(
            r#"
            [billing.vat_rates]
            DE = [
                { from = "2021-01-01", rate = "19%" },
                { from = "2007-01-01", rate = "19%" },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(rates.rates("DE").len(), 2);
        assert_eq!(rates.rates("DE")[0].from, date(2007, 1, 1), "sorted");
        assert_eq!(rates.missing_members().len(), 26);
        let table = [
            (
                r#"EL = [{ from = "2016-06-01", rate = "24%" }]"#,
                "Greece is GR",
            ),
            (
                r#"US = [{ from = "2016-06-01", rate = "0%" }]"#,
                "not the ISO code",
            ),
            ("DE = []", "no rate"),
            (
                r#"DE = [{ from = "2007-13-01", rate = "19%" }]"#,
                "not YYYY-MM-DD",
            ),
            (
                r#"DE = [{ from = "2007-01-01", rate = "19" }]"#,
                "percentage",
            ),
            (
                r#"DE = [{ from = "2007-01-01", rate = "190%" }]"#,
                "more than 100%",
            ),
            (
                r#"DE = [{ from = "2007-01-01", rate = "19%" },
                         { from = "2007-01-01", rate = "16%" }]"#,
                "two rates from 2007-01-01",
            ),
            (
                r#"DE = [{ from = "2007-01-01", rate = "19%", reduced = "7%" }]"#,
                "unknown field",
            ),
        ];
        for (row, message) in table {
            let e = parse(&format!("[billing.vat_rates]\n{row}\n")).unwrap_err();
            assert!(e.to_string().contains(message), "{row}: {e}");
        }
    }

    #[test]
    fn rule_names_are_the_serde_names_and_only_zero_rate_rules_carry_a_note() {
        use VatRule::*;
        for rule in [Domestic, ReverseCharge, DestinationRate, OutsideScope] {
            #[derive(serde::Serialize)]
            struct One {
                rule: VatRule,
            }
            let text = toml::to_string(&One { rule }).unwrap();
            assert_eq!(text.trim(), format!("rule = \"{}\"", rule.name()));
            let zero = matches!(rule, ReverseCharge | OutsideScope);
            assert_eq!(rule.invoice_note().is_some(), zero, "{rule:?}");
        }
    }
}
