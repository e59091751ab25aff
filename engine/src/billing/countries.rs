//! Countries: the ISO 3166-1 alpha-2 list, which are EU member states, and how each EU VAT
//! area writes its VAT numbers.
//!
//! A company's country is always an ISO code. Two VAT areas do not follow it:
//! - Greece's VAT numbers start with `EL`, not `GR`; the company's country stays `GR`.
//! - Northern Ireland has no ISO code of its own. A company there has country `GB` and a VAT
//!   number with the prefix `XI`. Any other `GB` company has no VAT number here: the United
//!   Kingdom is outside the EU, its customers are outside the scope of EU VAT, and a `GB`
//!   number would change nothing on an invoice, so it is refused with a message that says so.
//!   The `XI` number is kept because it identifies the company on its invoices; for the VAT
//!   rule (see [`super::vat`]) a `GB` company, in Northern Ireland or not, is outside the EU,
//!   since the Windsor Framework keeps Northern Ireland in EU VAT for goods only, and
//!   Switchboard sells a service.
//!
//! Monaco (`MC`) is inside the French VAT area: its companies have `FR` VAT numbers and its
//! customers are charged as French ones ([`vat_country`]).
//!
//! VAT numbers are checked for their shape as the EU's VIES service documents it, and for the
//! check digit where the algorithm is simple and published (Belgium, Germany, France with a
//! numeric key, Italy). A number of the right shape may still not be registered; only VIES
//! can say that, and nothing here asks it.

use std::fmt;

/// A country of ISO 3166-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country {
    /// The alpha-2 code, upper case: what a company's `country` holds.
    pub code: &'static str,
    /// The English short name as people write it ("South Korea", not "Korea, Republic of").
    pub name: &'static str,
}

const fn c(code: &'static str, name: &'static str) -> Country {
    Country { code, name }
}

/// Every ISO 3166-1 alpha-2 country, sorted by code (249 of them).
pub const COUNTRIES: &[Country] = &[
    c("AD", "Andorra"),
    c("AE", "United Arab Emirates"),
    c("AF", "Afghanistan"),
    c("AG", "Antigua and Barbuda"),
    c("AI", "Anguilla"),
    c("AL", "Albania"),
    c("AM", "Armenia"),
    c("AO", "Angola"),
    c("AQ", "Antarctica"),
    c("AR", "Argentina"),
    c("AS", "American Samoa"),
    c("AT", "Austria"),
    c("AU", "Australia"),
    c("AW", "Aruba"),
    c("AX", "Åland Islands"),
    c("AZ", "Azerbaijan"),
    c("BA", "Bosnia and Herzegovina"),
    c("BB", "Barbados"),
    c("BD", "Bangladesh"),
    c("BE", "Belgium"),
    c("BF", "Burkina Faso"),
    c("BG", "Bulgaria"),
    c("BH", "Bahrain"),
    c("BI", "Burundi"),
    c("BJ", "Benin"),
    c("BL", "Saint Barthélemy"),
    c("BM", "Bermuda"),
    c("BN", "Brunei"),
    c("BO", "Bolivia"),
    c("BQ", "Bonaire, Sint Eustatius and Saba"),
    c("BR", "Brazil"),
    c("BS", "Bahamas"),
    c("BT", "Bhutan"),
    c("BV", "Bouvet Island"),
    c("BW", "Botswana"),
    c("BY", "Belarus"),
    c("BZ", "Belize"),
    c("CA", "Canada"),
    c("CC", "Cocos (Keeling) Islands"),
    c("CD", "Democratic Republic of the Congo"),
    c("CF", "Central African Republic"),
    c("CG", "Republic of the Congo"),
    c("CH", "Switzerland"),
    c("CI", "Côte d'Ivoire"),
    c("CK", "Cook Islands"),
    c("CL", "Chile"),
    c("CM", "Cameroon"),
    c("CN", "China"),
    c("CO", "Colombia"),
    c("CR", "Costa Rica"),
    c("CU", "Cuba"),
    c("CV", "Cabo Verde"),
    c("CW", "Curaçao"),
    c("CX", "Christmas Island"),
    c("CY", "Cyprus"),
    c("CZ", "Czechia"),
    c("DE", "Germany"),
    c("DJ", "Djibouti"),
    c("DK", "Denmark"),
    c("DM", "Dominica"),
    c("DO", "Dominican Republic"),
    c("DZ", "Algeria"),
    c("EC", "Ecuador"),
    c("EE", "Estonia"),
    c("EG", "Egypt"),
    c("EH", "Western Sahara"),
    c("ER", "Eritrea"),
    c("ES", "Spain"),
    c("ET", "Ethiopia"),
    c("FI", "Finland"),
    c("FJ", "Fiji"),
    c("FK", "Falkland Islands"),
    c("FM", "Micronesia"),
    c("FO", "Faroe Islands"),
    c("FR", "France"),
    c("GA", "Gabon"),
    c("GB", "United Kingdom"),
    c("GD", "Grenada"),
    c("GE", "Georgia"),
    c("GF", "French Guiana"),
    c("GG", "Guernsey"),
    c("GH", "Ghana"),
    c("GI", "Gibraltar"),
    c("GL", "Greenland"),
    c("GM", "Gambia"),
    c("GN", "Guinea"),
    c("GP", "Guadeloupe"),
    c("GQ", "Equatorial Guinea"),
    c("GR", "Greece"),
    c("GS", "South Georgia and the South Sandwich Islands"),
    c("GT", "Guatemala"),
    c("GU", "Guam"),
    c("GW", "Guinea-Bissau"),
    c("GY", "Guyana"),
    c("HK", "Hong Kong"),
    c("HM", "Heard Island and McDonald Islands"),
    c("HN", "Honduras"),
    c("HR", "Croatia"),
    c("HT", "Haiti"),
    c("HU", "Hungary"),
    c("ID", "Indonesia"),
    c("IE", "Ireland"),
    c("IL", "Israel"),
    c("IM", "Isle of Man"),
    c("IN", "India"),
    c("IO", "British Indian Ocean Territory"),
    c("IQ", "Iraq"),
    c("IR", "Iran"),
    c("IS", "Iceland"),
    c("IT", "Italy"),
    c("JE", "Jersey"),
    c("JM", "Jamaica"),
    c("JO", "Jordan"),
    c("JP", "Japan"),
    c("KE", "Kenya"),
    c("KG", "Kyrgyzstan"),
    c("KH", "Cambodia"),
    c("KI", "Kiribati"),
    c("KM", "Comoros"),
    c("KN", "Saint Kitts and Nevis"),
    c("KP", "North Korea"),
    c("KR", "South Korea"),
    c("KW", "Kuwait"),
    c("KY", "Cayman Islands"),
    c("KZ", "Kazakhstan"),
    c("LA", "Laos"),
    c("LB", "Lebanon"),
    c("LC", "Saint Lucia"),
    c("LI", "Liechtenstein"),
    c("LK", "Sri Lanka"),
    c("LR", "Liberia"),
    c("LS", "Lesotho"),
    c("LT", "Lithuania"),
    c("LU", "Luxembourg"),
    c("LV", "Latvia"),
    c("LY", "Libya"),
    c("MA", "Morocco"),
    c("MC", "Monaco"),
    c("MD", "Moldova"),
    c("ME", "Montenegro"),
    c("MF", "Saint Martin (French part)"),
    c("MG", "Madagascar"),
    c("MH", "Marshall Islands"),
    c("MK", "North Macedonia"),
    c("ML", "Mali"),
    c("MM", "Myanmar"),
    c("MN", "Mongolia"),
    c("MO", "Macao"),
    c("MP", "Northern Mariana Islands"),
    c("MQ", "Martinique"),
    c("MR", "Mauritania"),
    c("MS", "Montserrat"),
    c("MT", "Malta"),
    c("MU", "Mauritius"),
    c("MV", "Maldives"),
    c("MW", "Malawi"),
    c("MX", "Mexico"),
    c("MY", "Malaysia"),
    c("MZ", "Mozambique"),
    c("NA", "Namibia"),
    c("NC", "New Caledonia"),
    c("NE", "Niger"),
    c("NF", "Norfolk Island"),
    c("NG", "Nigeria"),
    c("NI", "Nicaragua"),
    c("NL", "Netherlands"),
    c("NO", "Norway"),
    c("NP", "Nepal"),
    c("NR", "Nauru"),
    c("NU", "Niue"),
    c("NZ", "New Zealand"),
    c("OM", "Oman"),
    c("PA", "Panama"),
    c("PE", "Peru"),
    c("PF", "French Polynesia"),
    c("PG", "Papua New Guinea"),
    c("PH", "Philippines"),
    c("PK", "Pakistan"),
    c("PL", "Poland"),
    c("PM", "Saint Pierre and Miquelon"),
    c("PN", "Pitcairn"),
    c("PR", "Puerto Rico"),
    c("PS", "Palestine"),
    c("PT", "Portugal"),
    c("PW", "Palau"),
    c("PY", "Paraguay"),
    c("QA", "Qatar"),
    c("RE", "Réunion"),
    c("RO", "Romania"),
    c("RS", "Serbia"),
    c("RU", "Russia"),
    c("RW", "Rwanda"),
    c("SA", "Saudi Arabia"),
    c("SB", "Solomon Islands"),
    c("SC", "Seychelles"),
    c("SD", "Sudan"),
    c("SE", "Sweden"),
    c("SG", "Singapore"),
    c("SH", "Saint Helena, Ascension and Tristan da Cunha"),
    c("SI", "Slovenia"),
    c("SJ", "Svalbard and Jan Mayen"),
    c("SK", "Slovakia"),
    c("SL", "Sierra Leone"),
    c("SM", "San Marino"),
    c("SN", "Senegal"),
    c("SO", "Somalia"),
    c("SR", "Suriname"),
    c("SS", "South Sudan"),
    c("ST", "Sao Tome and Principe"),
    c("SV", "El Salvador"),
    c("SX", "Sint Maarten (Dutch part)"),
    c("SY", "Syria"),
    c("SZ", "Eswatini"),
    c("TC", "Turks and Caicos Islands"),
    c("TD", "Chad"),
    c("TF", "French Southern Territories"),
    c("TG", "Togo"),
    c("TH", "Thailand"),
    c("TJ", "Tajikistan"),
    c("TK", "Tokelau"),
    c("TL", "Timor-Leste"),
    c("TM", "Turkmenistan"),
    c("TN", "Tunisia"),
    c("TO", "Tonga"),
    c("TR", "Türkiye"),
    c("TT", "Trinidad and Tobago"),
    c("TV", "Tuvalu"),
    c("TW", "Taiwan"),
    c("TZ", "Tanzania"),
    c("UA", "Ukraine"),
    c("UG", "Uganda"),
    c("UM", "United States Minor Outlying Islands"),
    c("US", "United States"),
    c("UY", "Uruguay"),
    c("UZ", "Uzbekistan"),
    c("VA", "Holy See"),
    c("VC", "Saint Vincent and the Grenadines"),
    c("VE", "Venezuela"),
    c("VG", "British Virgin Islands"),
    c("VI", "United States Virgin Islands"),
    c("VN", "Vietnam"),
    c("VU", "Vanuatu"),
    c("WF", "Wallis and Futuna"),
    c("WS", "Samoa"),
    c("YE", "Yemen"),
    c("YT", "Mayotte"),
    c("ZA", "South Africa"),
    c("ZM", "Zambia"),
    c("ZW", "Zimbabwe"),
];

/// The 27 member states of the European Union, by ISO code (Greece is `GR` here).
pub const EU_MEMBERS: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// The country with ISO code `code` (upper case), if there is one.
pub fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .binary_search_by(|c| c.code.cmp(code))
        .ok()
        .map(|i| &COUNTRIES[i])
}

/// Whether `code` is an EU member state.
pub fn is_eu(code: &str) -> bool {
    EU_MEMBERS.contains(&code)
}

/// The member state whose VAT applies to a customer in `code`: the state itself, France for
/// Monaco, and none outside the EU.
pub fn vat_country(code: &str) -> Option<&'static str> {
    match code {
        "MC" => Some("FR"),
        _ => EU_MEMBERS.iter().copied().find(|m| *m == code),
    }
}

/// How one VAT area writes its numbers: a two-letter prefix, then a national part of a
/// fixed shape.
pub struct VatFormat {
    /// The ISO code of the companies that use it (`GR` for `EL`, `GB` for `XI`).
    country: &'static str,
    /// What every number starts with.
    prefix: &'static str,
    /// "a German": how a message names a number of this area.
    adjective: &'static str,
    /// What follows the prefix, in words.
    shape: &'static str,
    /// Whether a national part (upper case, no separators) has the shape.
    matches: fn(&str) -> bool,
    /// The check-digit rule, where one is implemented (the shape already holds).
    check: Option<fn(&str) -> bool>,
}

impl VatFormat {
    /// The ISO code of the companies whose numbers these are.
    pub fn country(&self) -> &'static str {
        self.country
    }

    /// The prefix every number of this area starts with.
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// The format in words, for a message: "a German VAT number is DE followed by 9 digits".
    pub fn describe(&self) -> String {
        format!(
            "{} VAT number is {} followed by {}",
            self.adjective, self.prefix, self.shape
        )
    }
}

impl fmt::Debug for VatFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VatFormat")
            .field("prefix", &self.prefix)
            .field("shape", &self.shape)
            .finish()
    }
}

impl PartialEq for VatFormat {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
    }
}

impl Eq for VatFormat {}

/// Whether `s` is exactly `n` ASCII digits.
fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` follows `pattern`, byte for byte: `#` is a digit, `@` a letter, `*` either,
/// anything else stands for itself.
fn shape(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(b, p)| match p {
            b'#' => b.is_ascii_digit(),
            b'@' => b.is_ascii_uppercase(),
            b'*' => b.is_ascii_uppercase() || b.is_ascii_digit(),
            _ => b == p,
        })
}

/// The value of a run of ASCII digits (the shape was checked first; at most 18 digits).
fn number(s: &str) -> u64 {
    s.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'))
}

/// Spain's shape in words (too long for its row in the table).
const SPANISH: &str =
    "9 characters: a letter or digit, 7 digits, a letter or digit (not digits at both ends)";

/// Ireland's shape in words (too long for its row in the table).
const IRISH: &str =
    "7 digits and 1 or 2 letters (older numbers: a digit, a letter, 5 digits and a letter)";

/// Belgium: 10 digits, the first 0 or 1.
fn belgian(s: &str) -> bool {
    digits(s, 10) && (s.starts_with('0') || s.starts_with('1'))
}

/// Northern Ireland: 9 or 12 digits; government departments GD and health authorities HA
/// with 3 digits.
fn northern_irish(s: &str) -> bool {
    digits(s, 9) || digits(s, 12) || shape(s, "GD###") || shape(s, "HA###")
}

/// Spain: a letter or digit at each end, 7 digits between, and not both ends digits.
fn spanish(s: &str) -> bool {
    let b = s.as_bytes();
    shape(s, "*#######*") && !(b[0].is_ascii_digit() && b[8].is_ascii_digit())
}

/// France: a two-character key (digits or letters other than I and O), then the 9-digit
/// SIREN of the company.
fn french(s: &str) -> bool {
    let key_char = |b: &u8| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"IO".contains(b));
    s.len() == 11 && s.as_bytes()[..2].iter().all(key_char) && digits(&s[2..], 9)
}

/// Ireland: 7 digits and one or two letters, or the older digit, letter (or `+`, `*`),
/// 5 digits and a letter.
fn irish(s: &str) -> bool {
    let b = s.as_bytes();
    let older = s.len() == 8
        && b[0].is_ascii_digit()
        && (b[1].is_ascii_uppercase() || b"+*".contains(&b[1]))
        && digits(&s[2..7], 5)
        && b[7].is_ascii_uppercase();
    shape(s, "#######@") || shape(s, "#######@@") || older
}

/// Belgium: the first eight digits and the last two add up to a multiple of 97.
// `is_multiple_of` needs Rust 1.87; the workspace builds with 1.85.
#[allow(clippy::manual_is_multiple_of)]
fn belgian_check(s: &str) -> bool {
    (number(&s[..8]) + number(&s[8..])) % 97 == 0
}

/// Germany: ISO 7064 MOD 11,10 over the nine digits.
fn german_check(s: &str) -> bool {
    let mut product = 10;
    for b in s[..8].bytes() {
        let sum = match (u32::from(b - b'0') + product) % 10 {
            0 => 10,
            sum => sum,
        };
        product = sum * 2 % 11;
    }
    let check = (11 - product) % 10;
    check == u32::from(s.as_bytes()[8] - b'0')
}

/// France: a numeric key is (SIREN × 100 + 12) mod 97. Keys with letters use another,
/// less documented scheme and are not checked.
fn french_check(s: &str) -> bool {
    !digits(&s[..2], 2) || number(&s[..2]) == (number(&s[2..]) * 100 + 12) % 97
}

/// Italy: the Luhn check over all eleven digits.
fn italian_check(s: &str) -> bool {
    super::cards::luhn_valid(s)
}

/// One [`VatFormat`] row (a function so the table below stays one line per area).
const fn vat(
    country: &'static str,
    prefix: &'static str,
    adjective: &'static str,
    shape: &'static str,
    matches: fn(&str) -> bool,
    check: Option<fn(&str) -> bool>,
) -> VatFormat {
    VatFormat {
        country,
        prefix,
        adjective,
        shape,
        matches,
        check,
    }
}

/// Every VAT area's format: the 27 member states, then Northern Ireland.
#[rustfmt::skip] // one area a line
pub const VAT_FORMATS: &[VatFormat] = &[
    vat("AT", "AT", "an Austrian",         "U and 8 digits", |s| shape(s, "U########"), None),
    vat("BE", "BE", "a Belgian",           "10 digits starting with 0 or 1", belgian, Some(belgian_check)),
    vat("BG", "BG", "a Bulgarian",         "9 or 10 digits", |s| digits(s, 9) || digits(s, 10), None),
    vat("CY", "CY", "a Cypriot",           "8 digits and a letter", |s| shape(s, "########@"), None),
    vat("CZ", "CZ", "a Czech",             "8, 9 or 10 digits", |s| (8..=10).any(|n| digits(s, n)), None),
    vat("DE", "DE", "a German",            "9 digits", |s| digits(s, 9), Some(german_check)),
    vat("DK", "DK", "a Danish",            "8 digits", |s| digits(s, 8), None),
    vat("EE", "EE", "an Estonian",         "9 digits", |s| digits(s, 9), None),
    vat("GR", "EL", "a Greek",             "9 digits", |s| digits(s, 9), None),
    vat("ES", "ES", "a Spanish",           SPANISH, spanish, None),
    vat("FI", "FI", "a Finnish",           "8 digits", |s| digits(s, 8), None),
    vat("FR", "FR", "a French",            "2 letters or digits (not I or O) and 9 digits", french, Some(french_check)),
    vat("HR", "HR", "a Croatian",          "11 digits", |s| digits(s, 11), None),
    vat("HU", "HU", "a Hungarian",         "8 digits", |s| digits(s, 8), None),
    vat("IE", "IE", "an Irish",            IRISH, irish, None),
    vat("IT", "IT", "an Italian",          "11 digits", |s| digits(s, 11), Some(italian_check)),
    vat("LT", "LT", "a Lithuanian",        "9 or 12 digits", |s| digits(s, 9) || digits(s, 12), None),
    vat("LU", "LU", "a Luxembourg",        "8 digits", |s| digits(s, 8), None),
    vat("LV", "LV", "a Latvian",           "11 digits", |s| digits(s, 11), None),
    vat("MT", "MT", "a Maltese",           "8 digits", |s| digits(s, 8), None),
    vat("NL", "NL", "a Dutch",             "9 digits, B and 2 digits", |s| shape(s, "#########B##"), None),
    vat("PL", "PL", "a Polish",            "10 digits", |s| digits(s, 10), None),
    vat("PT", "PT", "a Portuguese",        "9 digits", |s| digits(s, 9), None),
    vat("RO", "RO", "a Romanian",          "2 to 10 digits", |s| (2..=10).any(|n| digits(s, n)), None),
    vat("SE", "SE", "a Swedish",           "12 digits ending in 01", |s| digits(s, 12) && s.ends_with("01"), None),
    vat("SI", "SI", "a Slovenian",         "8 digits", |s| digits(s, 8), None),
    vat("SK", "SK", "a Slovak",            "10 digits", |s| digits(s, 10), None),
    vat("GB", "XI", "a Northern Ireland",  "9 or 12 digits, or GD or HA and 3 digits", northern_irish, None),
];

/// The VAT-number format of a company in `country` (ISO code): its member state's, France's
/// for Monaco, Northern Ireland's for the United Kingdom; none elsewhere.
pub fn vat_format(country: &str) -> Option<&'static VatFormat> {
    let area = match country {
        "GB" => "GB",
        _ => vat_country(country)?,
    };
    VAT_FORMATS.iter().find(|f| f.country == area)
}

/// A VAT number that passed [`check_vat_number`]: prefix and national part, upper case,
/// without separators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormalizedVat(String);

impl NormalizedVat {
    /// The whole number as it is stored and printed: `DE136695976`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter prefix: `DE`, `EL`, `XI`, ...
    pub fn prefix(&self) -> &str {
        &self.0[..2]
    }

    /// The number after the prefix.
    pub fn national(&self) -> &str {
        &self.0[2..]
    }

    /// The whole number, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for NormalizedVat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a VAT number was refused; its `Display` is one sentence for an API error message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VatNumberError {
    /// The company's country has no EU VAT numbers.
    NotEu {
        /// The country's name (or the code as given, when it is no ISO code).
        country: String,
    },
    /// A United Kingdom company gave a number other than a Northern Ireland (`XI`) one.
    UkOutsideNorthernIreland,
    /// The number starts with another area's prefix.
    WrongPrefix {
        /// The prefix given.
        given: String,
        /// The format the company's country uses.
        format: &'static VatFormat,
    },
    /// The number does not have the format (or has characters no VAT number has).
    Format {
        /// The format the company's country uses.
        format: &'static VatFormat,
    },
    /// The format holds but the check digit does not: a typing mistake.
    CheckDigit {
        /// The format the company's country uses.
        format: &'static VatFormat,
    },
}

impl fmt::Display for VatNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VatNumberError::NotEu { country } => write!(
                f,
                "only companies in the EU or Northern Ireland have a VAT number here, and \
                 {country} is outside the EU: leave it empty"
            ),
            VatNumberError::UkOutsideNorthernIreland => write!(
                f,
                "a UK company has a VAT number here only in Northern Ireland ({}); UK \
                 customers are outside the scope of EU VAT, so leave it empty otherwise",
                NORTHERN_IRELAND.describe()
            ),
            VatNumberError::WrongPrefix { given, format } => write!(
                f,
                "the number starts with {given}, not {}: {}",
                format.prefix,
                format.describe()
            ),
            VatNumberError::Format { format } => f.write_str(&format.describe()),
            VatNumberError::CheckDigit { format } => write!(
                f,
                "the check digit does not match, so there is a typing mistake ({})",
                format.describe()
            ),
        }
    }
}

impl std::error::Error for VatNumberError {}

/// Northern Ireland's format, the last of [`VAT_FORMATS`].
const NORTHERN_IRELAND: &VatFormat = &VAT_FORMATS[VAT_FORMATS.len() - 1];

/// Upper case without spaces, dots and dashes; `None` if a character no VAT number has is
/// left (`+` and `*` stay: older Irish numbers use them).
fn compact(number: &str) -> Option<String> {
    let mut out = String::with_capacity(number.len());
    for ch in number.chars() {
        match ch {
            '.' | '-' => {}
            c if c.is_whitespace() => {}
            c if c.is_ascii_alphanumeric() || c == '+' || c == '*' => {
                out.push(c.to_ascii_uppercase())
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Checks `number` as the VAT number of a company in `country` (ISO code, upper case) and
/// returns it normalised: upper case, no spaces, dots or dashes, with its prefix whether or
/// not it was typed. A `GB` company's number must carry the `XI` prefix (see the module doc).
pub fn check_vat_number(country: &str, number: &str) -> Result<NormalizedVat, VatNumberError> {
    let Some(format) = vat_format(country) else {
        let name = self::country(country).map_or(country, |c| c.name);
        return Err(VatNumberError::NotEu {
            country: name.to_string(),
        });
    };
    let compact = compact(number).ok_or(VatNumberError::Format { format })?;
    let given = compact.get(..2).unwrap_or_default();
    // The area whose prefix the number starts with, when that is not the expected prefix;
    // GR is read as Greece's and GB as the United Kingdom's, as people type them.
    let other = match given {
        "GR" => vat_format("GR"),
        "GB" => Some(NORTHERN_IRELAND),
        _ => VAT_FORMATS.iter().find(|f| f.prefix == given),
    }
    .filter(|_| given != format.prefix);
    let wrong_prefix = || VatNumberError::WrongPrefix {
        given: given.to_string(),
        format,
    };
    let national = match compact.strip_prefix(format.prefix) {
        Some(rest) if (format.matches)(rest) => rest,
        _ if format.prefix == "XI" => return Err(VatNumberError::UkOutsideNorthernIreland),
        // Another area's whole number: say so, even where it would also pass as a national
        // part here (DE136695976 has the shape of a French number with key DE).
        _ if other.is_some_and(|o| (o.matches)(&compact[2..])) => return Err(wrong_prefix()),
        _ if (format.matches)(&compact) => &compact,
        _ if other.is_some() => return Err(wrong_prefix()),
        _ => return Err(VatNumberError::Format { format }),
    };
    if format.check.is_some_and(|check| !check(national)) {
        return Err(VatNumberError::CheckDigit { format });
    }
    Ok(NormalizedVat(format!("{}{national}", format.prefix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_unique_upper_case_and_complete() {
        assert_eq!(COUNTRIES.len(), 249);
        for pair in COUNTRIES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{pair:?}");
        }
        for c in COUNTRIES {
            assert!(
                c.code.len() == 2 && c.code.bytes().all(|b| b.is_ascii_uppercase()),
                "{c:?}"
            );
            assert!(!c.name.is_empty() && c.name.trim() == c.name, "{c:?}");
        }
    }

    #[test]
    fn lookup_finds_codes_and_only_codes() {
        let table = [
            ("IE", Some("Ireland")),
            ("GB", Some("United Kingdom")),
            ("GR", Some("Greece")),
            ("KR", Some("South Korea")),
            ("AD", Some("Andorra")),
            ("ZW", Some("Zimbabwe")),
            ("EL", None),
            ("XI", None),
            ("UK", None),
            ("ie", None),
            ("", None),
            ("IRL", None),
        ];
        for (code, name) in table {
            assert_eq!(country(code).map(|c| c.name), name, "{code}");
        }
    }

    #[test]
    fn the_eu_is_the_27_member_states_and_all_are_countries() {
        assert_eq!(EU_MEMBERS.len(), 27);
        for m in EU_MEMBERS {
            assert!(country(m).is_some(), "{m}");
        }
        let table = [
            ("DE", true),
            ("GR", true),
            ("HR", true),
            ("EL", false),
            ("GB", false),
            ("CH", false),
            ("NO", false),
            ("MC", false),
            ("AX", false),
            ("GP", false),
        ];
        for (code, eu) in table {
            assert_eq!(is_eu(code), eu, "{code}");
        }
    }

    #[test]
    fn vat_country_is_the_member_state_france_for_monaco_and_none_outside() {
        let table = [
            ("DE", Some("DE")),
            ("GR", Some("GR")),
            ("MC", Some("FR")),
            ("GB", None),
            ("US", None),
            ("AX", None),
            ("", None),
        ];
        for (code, area) in table {
            assert_eq!(vat_country(code), area, "{code}");
        }
    }

    #[test]
    fn every_member_state_and_northern_ireland_has_one_format() {
        assert_eq!(VAT_FORMATS.len(), 28);
        for m in EU_MEMBERS {
            assert_eq!(
                VAT_FORMATS.iter().filter(|f| f.country == m).count(),
                1,
                "{m}"
            );
        }
        assert_eq!(vat_format("GR").unwrap().prefix(), "EL");
        assert_eq!(vat_format("GB").unwrap().prefix(), "XI");
        assert_eq!(NORTHERN_IRELAND.prefix(), "XI", "the table ends with XI");
        assert_eq!(vat_format("MC").unwrap().prefix(), "FR");
        assert_eq!(vat_format("US"), None);
        for f in VAT_FORMATS {
            let own = f.country == f.prefix;
            assert!(own || matches!(f.prefix, "EL" | "XI"), "{f:?}");
        }
    }

    /// One accepted number per area, written the way people type them.
    #[test]
    fn each_area_accepts_its_format_with_or_without_prefix_and_separators() {
        let table = [
            ("AT", "ATU12345678", "ATU12345678"),
            ("AT", "u 123 456 78", "ATU12345678"),
            ("BE", "BE 0428.759.497", "BE0428759497"),
            ("BE", "1000000021", "BE1000000021"),
            ("BG", "BG123456789", "BG123456789"),
            ("BG", "1234567890", "BG1234567890"),
            ("CY", "cy12345678x", "CY12345678X"),
            ("CZ", "CZ12345678", "CZ12345678"),
            ("CZ", "1234567890", "CZ1234567890"),
            ("DE", "de 136 695 976", "DE136695976"),
            ("DK", "DK12345678", "DK12345678"),
            ("EE", "EE123456789", "EE123456789"),
            ("GR", "EL123456789", "EL123456789"),
            ("GR", "123456789", "EL123456789"),
            ("ES", "ESX1234567Z", "ESX1234567Z"),
            ("ES", "A12345678", "ESA12345678"),
            ("ES", "12345678Z", "ES12345678Z"),
            ("FI", "FI12345678", "FI12345678"),
            ("FR", "FR 23 334 175 221", "FR23334175221"),
            ("FR", "K7399859412", "FRK7399859412"),
            ("HR", "HR12345678901", "HR12345678901"),
            ("HU", "HU12345678", "HU12345678"),
            ("IE", "IE1234567T", "IE1234567T"),
            ("IE", "IE1234567WA", "IE1234567WA"),
            ("IE", "8Z49289F", "IE8Z49289F"),
            ("IE", "8+49289F", "IE8+49289F"),
            ("IT", "IT 00743110157", "IT00743110157"),
            ("LT", "LT123456789", "LT123456789"),
            ("LT", "123456789012", "LT123456789012"),
            ("LU", "LU12345678", "LU12345678"),
            ("LV", "LV12345678901", "LV12345678901"),
            ("MT", "MT12345678", "MT12345678"),
            ("NL", "NL123456789B01", "NL123456789B01"),
            ("NL", "123456789b01", "NL123456789B01"),
            ("PL", "PL1234567890", "PL1234567890"),
            ("PT", "PT123456789", "PT123456789"),
            ("RO", "RO12", "RO12"),
            ("RO", "1234567890", "RO1234567890"),
            ("SE", "SE123456789701", "SE123456789701"),
            ("SI", "SI12345678", "SI12345678"),
            ("SK", "SK1234567890", "SK1234567890"),
            ("GB", "XI123456789", "XI123456789"),
            ("GB", "xi 123 4567 89012", "XI123456789012"),
            ("GB", "XIGD123", "XIGD123"),
            ("GB", "XIHA567", "XIHA567"),
            ("MC", "FR23334175221", "FR23334175221"),
        ];
        for (country, given, stored) in table {
            let vat = check_vat_number(country, given)
                .unwrap_or_else(|e| panic!("{country} {given}: {e}"));
            assert_eq!(vat.as_str(), stored, "{country} {given}");
            assert_eq!(vat.prefix(), &stored[..2]);
            assert_eq!(vat.national(), &stored[2..]);
        }
    }

    #[test]
    fn each_area_refuses_another_shape_and_says_which() {
        let table = [
            (
                "AT",
                "AT12345678",
                "an Austrian VAT number is AT followed by U and 8 digits",
            ),
            (
                "BE",
                "BE2428759497",
                "a Belgian VAT number is BE followed by 10 digits starting with 0 or 1",
            ),
            (
                "CY",
                "CY123456789",
                "a Cypriot VAT number is CY followed by 8 digits and a letter",
            ),
            (
                "DE",
                "DE12345678",
                "a German VAT number is DE followed by 9 digits",
            ),
            (
                "DE",
                "DE1234567890",
                "a German VAT number is DE followed by 9 digits",
            ),
            (
                "DK",
                "DK1234567",
                "a Danish VAT number is DK followed by 8 digits",
            ),
            (
                "GR",
                "EL12345678",
                "a Greek VAT number is EL followed by 9 digits",
            ),
            (
                "ES",
                "ES123456789",
                "a Spanish VAT number is ES followed by 9 characters",
            ),
            (
                "FR",
                "FRIO123456789",
                "a French VAT number is FR followed by 2 letters or digits",
            ),
            (
                "IE",
                "IE12345678",
                "an Irish VAT number is IE followed by 7 digits",
            ),
            (
                "NL",
                "NL123456789C01",
                "a Dutch VAT number is NL followed by 9 digits, B and 2 digits",
            ),
            (
                "NL",
                "NL123456789",
                "a Dutch VAT number is NL followed by 9 digits, B and 2 digits",
            ),
            (
                "RO",
                "RO1",
                "a Romanian VAT number is RO followed by 2 to 10 digits",
            ),
            (
                "SE",
                "SE123456789012",
                "a Swedish VAT number is SE followed by 12 digits ending in 01",
            ),
            (
                "SK",
                "SK123456789",
                "a Slovak VAT number is SK followed by 10 digits",
            ),
            (
                "DE",
                "DE 136/695/976",
                "a German VAT number is DE followed by 9 digits",
            ),
            ("DE", "", "a German VAT number is DE followed by 9 digits"),
        ];
        for (country, given, message) in table {
            match check_vat_number(country, given) {
                Err(e @ VatNumberError::Format { .. }) => {
                    assert!(e.to_string().starts_with(message), "{country} {given}: {e}")
                }
                other => panic!("{country} {given}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_number_with_another_areas_prefix_is_refused_naming_both() {
        let table = [
            (
                "GR",
                "GR123456789",
                "the number starts with GR, not EL: a Greek VAT number",
            ),
            (
                "DE",
                "FR23334175221",
                "the number starts with FR, not DE: a German VAT number",
            ),
            (
                "IE",
                "GB123456789",
                "the number starts with GB, not IE: an Irish VAT number",
            ),
            (
                "AT",
                "XI123456789",
                "the number starts with XI, not AT: an Austrian VAT number",
            ),
        ];
        for (country, given, message) in table {
            let e = check_vat_number(country, given).unwrap_err();
            assert!(matches!(e, VatNumberError::WrongPrefix { .. }), "{e:?}");
            assert!(e.to_string().starts_with(message), "{country} {given}: {e}");
        }
    }

    #[test]
    fn outside_the_eu_and_northern_ireland_no_vat_number_is_accepted() {
        for (country, given) in [
            ("US", "123456789"),
            ("CH", "CHE123456789"),
            ("NO", "NO123456789MVA"),
            ("ZZ", "DE136695976"),
        ] {
            let e = check_vat_number(country, given).unwrap_err();
            assert!(
                matches!(e, VatNumberError::NotEu { .. }),
                "{country}: {e:?}"
            );
        }
        let e = check_vat_number("US", "1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "only companies in the EU or Northern Ireland have a VAT number here, and United \
             States is outside the EU: leave it empty"
        );
    }

    #[test]
    fn a_uk_company_may_give_only_a_northern_ireland_number() {
        for given in ["GB123456789", "123456789", "GBGD123", "XI12345"] {
            let e = check_vat_number("GB", given).unwrap_err();
            assert_eq!(e, VatNumberError::UkOutsideNorthernIreland, "{given}");
            assert!(
                e.to_string().contains("XI followed by 9 or 12 digits"),
                "{e}"
            );
        }
    }

    /// Published examples: valid numbers pass, one changed digit fails.
    #[test]
    fn check_digits_are_verified_where_implemented() {
        let table = [
            ("BE", "BE0428759497", true),
            ("BE", "BE0431150351", false),
            ("DE", "DE136695976", true),
            ("DE", "DE136695978", false),
            ("FR", "FR23334175221", true),
            ("FR", "FR84323140391", false),
            ("FR", "FRK7399859412", true),
            ("IT", "IT00743110157", true),
            ("IT", "IT00743110158", false),
        ];
        for (country, given, valid) in table {
            let result = check_vat_number(country, given);
            if valid {
                assert!(result.is_ok(), "{given}: {result:?}");
            } else {
                let e = result.unwrap_err();
                assert!(
                    matches!(e, VatNumberError::CheckDigit { .. }),
                    "{given}: {e:?}"
                );
                assert!(e.to_string().contains("typing mistake"), "{e}");
            }
        }
    }
}
