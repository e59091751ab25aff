//! Card checks for `POST /v1/cards`: what can be known about a card without asking anyone —
//! the number's digits, length, brand and Luhn check digit, the CVC's length for the brand,
//! an expiry not in the past, a holder's name. The result is a [`Card`], which goes to the
//! payment gateway and nowhere else: it prints as its brand and last four digits only, and
//! cannot be serialised.

use std::fmt;

use jiff::civil::Date;

/// Longest cardholder name, in characters: more than any card embosses (26), with room for
/// a name typed in full.
pub const MAX_HOLDER_CHARS: usize = 100;

/// How far ahead an expiry may be, in years. Cards are issued for at most about ten; a date
/// further out is a typing mistake.
pub const MAX_YEARS_AHEAD: i16 = 20;

/// A card scheme, told by the number's first digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Brand {
    /// 4.
    Visa,
    /// 51–55 and 2221–2720.
    Mastercard,
    /// 34 and 37; the only scheme with 15 digits and a 4-digit CVC.
    Amex,
    /// 6011, 644–649, 65 and 622126–622925.
    Discover,
    /// 300–305, 3095, 36, 38 and 39.
    Diners,
    /// 3528–3589.
    Jcb,
    /// 62 outside Discover's range.
    UnionPay,
}

impl Brand {
    /// Every brand, in the order the number's prefixes are tried.
    pub const ALL: [Brand; 7] = [
        Brand::Visa,
        Brand::Mastercard,
        Brand::Amex,
        Brand::Discover,
        Brand::Diners,
        Brand::Jcb,
        Brand::UnionPay,
    ];

    /// The stable name, as stored and sent: `visa`, `mastercard`, `amex`, ...
    pub fn name(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
            Brand::Diners => "diners",
            Brand::Jcb => "jcb",
            Brand::UnionPay => "unionpay",
        }
    }

    /// The name people know: "American Express".
    pub fn label(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Diners => "Diners Club",
            Brand::Jcb => "JCB",
            Brand::UnionPay => "UnionPay",
        }
    }

    /// The brand of a card number (digits only), from its first digits.
    pub fn of(number: &str) -> Option<Brand> {
        let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
        let within =
            |n: usize, low: u32, high: u32| prefix(n).is_some_and(|p| (low..=high).contains(&p));
        if number.starts_with('4') {
            Some(Brand::Visa)
        } else if within(2, 51, 55) || within(4, 2221, 2720) {
            Some(Brand::Mastercard)
        } else if within(2, 34, 34) || within(2, 37, 37) {
            Some(Brand::Amex)
        } else if within(4, 6011, 6011)
            || within(3, 644, 649)
            || within(2, 65, 65)
            || within(6, 622126, 622925)
        {
            Some(Brand::Discover)
        } else if within(3, 300, 305)
            || within(4, 3095, 3095)
            || within(2, 36, 36)
            || within(2, 38, 39)
        {
            Some(Brand::Diners)
        } else if within(4, 3528, 3589) {
            Some(Brand::Jcb)
        } else if within(2, 62, 62) {
            Some(Brand::UnionPay)
        } else {
            None
        }
    }

    /// The number lengths the scheme issues.
    fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard => &[16],
            Brand::Amex => &[15],
            Brand::Diners => &[14, 15, 16, 17, 18, 19],
            Brand::Discover | Brand::Jcb | Brand::UnionPay => &[16, 17, 18, 19],
        }
    }

    /// The lengths, in words, for a message.
    fn lengths_in_words(self) -> &'static str {
        match self {
            Brand::Visa => "13, 16 or 19 digits",
            Brand::Mastercard => "16 digits",
            Brand::Amex => "15 digits",
            Brand::Diners => "14 to 19 digits",
            Brand::Discover | Brand::Jcb | Brand::UnionPay => "16 to 19 digits",
        }
    }

    /// Digits in the card's security code.
    pub fn cvc_len(self) -> usize {
        match self {
            Brand::Amex => 4,
            _ => 3,
        }
    }

    /// Whether a valid number passes the Luhn check. Some UnionPay cards are issued without
    /// one, so for them the check is not required.
    fn luhn_required(self) -> bool {
        self != Brand::UnionPay
    }
}

/// Whether `digits` (ASCII digits only) pass the Luhn check: from the right, every second
/// digit is doubled (less 9 when over 9), and the sum is a multiple of 10.
// `is_multiple_of` needs Rust 1.87; the workspace builds with 1.85.
#[allow(clippy::manual_is_multiple_of)]
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, twice) if twice > 9 => twice - 9,
                (true, twice) => twice,
            }
        })
        .sum();
    sum % 10 == 0
}

/// The form as posted. It has no `Debug`: it holds the number and the CVC.
pub struct CardForm<'a> {
    /// The number as typed; spaces and dashes are ignored.
    pub number: &'a str,
    /// 1 to 12.
    pub exp_month: u32,
    /// Four digits, or two (meaning 20xx).
    pub exp_year: u32,
    /// The security code on the card.
    pub cvc: &'a str,
    /// The name on the card.
    pub holder: &'a str,
}

/// A card that passed [`check`]. Only the gateway reads its number and CVC; `Debug` shows
/// the brand and the last four digits, and there is no `Display`, `Serialize` or `Clone`.
pub struct Card {
    /// Digits only.
    number: String,
    /// Digits only, as long as the brand wants.
    cvc: String,
    /// 1 to 12.
    exp_month: u8,
    /// Four digits.
    exp_year: u16,
    /// Trimmed, one line.
    holder: String,
    /// From the number's first digits.
    brand: Brand,
}

impl Card {
    /// The number, digits only: for the gateway, never to be stored or logged.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The security code: for the gateway, never to be stored or logged.
    pub fn cvc(&self) -> &str {
        &self.cvc
    }

    /// The last four digits, which may be stored and shown.
    pub fn last4(&self) -> &str {
        &self.number[self.number.len() - 4..]
    }

    /// The card's scheme.
    pub fn brand(&self) -> Brand {
        self.brand
    }

    /// Expiry month, 1 to 12; the card is valid to the end of it.
    pub fn exp_month(&self) -> u8 {
        self.exp_month
    }

    /// Expiry year, four digits.
    pub fn exp_year(&self) -> u16 {
        self.exp_year
    }

    /// The name on the card.
    pub fn holder(&self) -> &str {
        &self.holder
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("brand", &self.brand)
            .field("ends_in", &self.last4())
            .finish_non_exhaustive()
    }
}

/// What is wrong with a card form; `field()` names the form field, `Display` says what was
/// expected in one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardError {
    /// Something other than digits, spaces and dashes.
    NumberCharacters,
    /// The first digits are no brand taken here.
    UnknownBrand,
    /// Too short or too long for the brand.
    NumberLength {
        /// The brand the first digits name.
        brand: Brand,
    },
    /// The Luhn check digit does not match.
    NumberCheck,
    /// Not 1 to 12.
    ExpMonth,
    /// Not a plausible year (two or four digits, not far in the future).
    ExpYear,
    /// The card expired before this month.
    Expired {
        /// Whether the year alone is past (then the year is what to fix).
        year_past: bool,
    },
    /// The CVC is not as many digits as the brand uses.
    Cvc {
        /// The card's brand.
        brand: Brand,
    },
    /// The name is empty, too long or more than one line.
    Holder,
}

impl CardError {
    /// The form field at fault: `number`, `exp_month`, `exp_year`, `cvc` or `holder`.
    pub fn field(&self) -> &'static str {
        match self {
            CardError::NumberCharacters
            | CardError::UnknownBrand
            | CardError::NumberLength { .. }
            | CardError::NumberCheck => "number",
            CardError::ExpMonth | CardError::Expired { year_past: false } => "exp_month",
            CardError::ExpYear | CardError::Expired { year_past: true } => "exp_year",
            CardError::Cvc { .. } => "cvc",
            CardError::Holder => "holder",
        }
    }
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::NumberCharacters => {
                f.write_str("a card number has only digits (spaces and dashes are ignored)")
            }
            CardError::UnknownBrand => f.write_str(
                "this is not a card taken here: use Visa, Mastercard, American Express, \
                 Discover, Diners Club, JCB or UnionPay",
            ),
            CardError::NumberLength { brand } => write!(
                f,
                "{} card numbers have {}",
                brand.label(),
                brand.lengths_in_words()
            ),
            CardError::NumberCheck => {
                f.write_str("the card number has a typing mistake: its check digit does not match")
            }
            CardError::ExpMonth => f.write_str("use the expiry month as a number from 1 to 12"),
            CardError::ExpYear => f.write_str("use the expiry year as on the card, such as 2030"),
            CardError::Expired { .. } => f.write_str("the card has expired: use a current card"),
            CardError::Cvc { brand } => write!(
                f,
                "{} cards have a security code of {} digits",
                brand.label(),
                brand.cvc_len()
            ),
            CardError::Holder => write!(
                f,
                "use the name on the card, 1 to {MAX_HOLDER_CHARS} characters on one line"
            ),
        }
    }
}

impl std::error::Error for CardError {}

/// Checks a card form as of `today` (the date where the company is: a card is valid to the
/// end of its expiry month). The number is checked first, then expiry, CVC and holder, and
/// the first fault is the answer.
pub fn check(form: &CardForm<'_>, today: Date) -> Result<Card, CardError> {
    let mut number = String::with_capacity(19);
    for ch in form.number.chars() {
        match ch {
            '0'..='9' => number.push(ch),
            ' ' | '-' => {}
            _ => return Err(CardError::NumberCharacters),
        }
    }
    let brand = Brand::of(&number).ok_or(CardError::UnknownBrand)?;
    if !brand.lengths().contains(&number.len()) {
        return Err(CardError::NumberLength { brand });
    }
    if brand.luhn_required() && !luhn_valid(&number) {
        return Err(CardError::NumberCheck);
    }

    let exp_month = u8::try_from(form.exp_month)
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or(CardError::ExpMonth)?;
    let exp_year = match form.exp_year {
        0..=99 => 2000 + form.exp_year,
        1000..=9999 => form.exp_year,
        _ => return Err(CardError::ExpYear),
    };
    let this_year = today.year();
    let exp_year = i16::try_from(exp_year)
        .ok()
        .filter(|y| *y <= this_year + MAX_YEARS_AHEAD)
        .ok_or(CardError::ExpYear)?;
    if (exp_year, exp_month as i8) < (this_year, today.month()) {
        return Err(CardError::Expired {
            year_past: exp_year < this_year,
        });
    }

    if form.cvc.len() != brand.cvc_len() || !form.cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::Cvc { brand });
    }

    let holder = form.holder.trim();
    if holder.is_empty()
        || holder.chars().count() > MAX_HOLDER_CHARS
        || holder.chars().any(char::is_control)
    {
        return Err(CardError::Holder);
    }

    Ok(Card {
        number,
        cvc: form.cvc.to_string(),
        exp_month,
        // Between 1000 and 9999 from the match above.
        exp_year: exp_year as u16,
        holder: holder.to_string(),
        brand,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Mid-June 2026: cards expiring in June 2026 are still good.
    const TODAY: Date = date(2026, 6, 15);

    /// A form that passes, but for the number.
    fn form(number: &str) -> CardForm<'_> {
        CardForm {
            number,
            exp_month: 12,
            exp_year: 2030,
            cvc: "123",
            holder: "Ada Lovelace",
        }
    }

    const VISA: &str = "4242424242424242";

    fn expiry(exp_month: u32, exp_year: u32) -> CardForm<'static> {
        CardForm {
            exp_month,
            exp_year,
            ..form(VISA)
        }
    }

    fn cvc<'a>(number: &'a str, cvc: &'a str) -> CardForm<'a> {
        CardForm {
            cvc,
            ..form(number)
        }
    }

    fn holder(holder: &str) -> CardForm<'_> {
        CardForm {
            holder,
            ..form(VISA)
        }
    }

    #[test]
    fn luhn_accepts_valid_numbers_and_refuses_one_changed_digit() {
        let table = [
            ("4242424242424242", true),
            ("4242424242424241", false),
            ("79927398713", true),
            ("79927398710", false),
            ("0", true),
            ("18", true),
            ("19", false),
        ];
        for (digits, valid) in table {
            assert_eq!(luhn_valid(digits), valid, "{digits}");
        }
    }

    #[test]
    fn brand_is_told_by_the_first_digits() {
        let table = [
            ("4242424242424242", Some(Brand::Visa)),
            ("5555555555554444", Some(Brand::Mastercard)),
            ("5105105105105100", Some(Brand::Mastercard)),
            ("2223003122003222", Some(Brand::Mastercard)),
            ("2221000000000009", Some(Brand::Mastercard)),
            ("2720990000000007", Some(Brand::Mastercard)),
            ("2220990000000000", None),
            ("2721000000000000", None),
            ("378282246310005", Some(Brand::Amex)),
            ("371449635398431", Some(Brand::Amex)),
            ("6011111111111117", Some(Brand::Discover)),
            ("6445644564456445", Some(Brand::Discover)),
            ("6500000000000002", Some(Brand::Discover)),
            ("6221260000000000", Some(Brand::Discover)),
            ("3056930009020004", Some(Brand::Diners)),
            ("36227206271667", Some(Brand::Diners)),
            ("3566002020360505", Some(Brand::Jcb)),
            ("6200000000000005", Some(Brand::UnionPay)),
            ("1234567812345670", None),
            ("", None),
        ];
        for (number, brand) in table {
            assert_eq!(Brand::of(number), brand, "{number}");
        }
    }

    #[test]
    fn the_common_test_numbers_pass_with_spaces_or_dashes() {
        let table = [
            ("4242 4242 4242 4242", Brand::Visa, "123"),
            ("4000-0566-5566-5556", Brand::Visa, "123"),
            ("5555 5555 5555 4444", Brand::Mastercard, "123"),
            ("2223 0031 2200 3222", Brand::Mastercard, "123"),
            ("3782 822463 10005", Brand::Amex, "1234"),
            ("6011 1111 1111 1117", Brand::Discover, "123"),
            ("3056 9300 0902 0004", Brand::Diners, "123"),
            ("3566 0020 2036 0505", Brand::Jcb, "123"),
            ("6200 0000 0000 0005", Brand::UnionPay, "123"),
        ];
        for (number, brand, code) in table {
            let card = check(&cvc(number, code), TODAY).unwrap_or_else(|e| panic!("{number}: {e}"));
            assert_eq!(card.brand(), brand, "{number}");
            assert_eq!(card.number(), number.replace([' ', '-'], ""));
            assert_eq!(card.last4(), &number[number.len() - 4..]);
            assert_eq!(card.cvc(), code);
        }
    }

    #[test]
    fn each_rule_refuses_what_it_must_and_names_the_field() {
        use CardError::*;
        let long = "a".repeat(MAX_HOLDER_CHARS + 1);
        let (visa, amex) = (Brand::Visa, Brand::Amex);
        let table = [
            (form("4242 4242 4242 424x"), NumberCharacters, "number"),
            (form("4242.4242.4242.4242"), NumberCharacters, "number"),
            (form(""), UnknownBrand, "number"),
            (form("9999 9999 9999 9995"), UnknownBrand, "number"),
            (
                form("4242 4242 4242 42"),
                NumberLength { brand: visa },
                "number",
            ),
            (
                form("3782 822463 100052"),
                NumberLength { brand: amex },
                "number",
            ),
            (form("4242 4242 4242 4241"), NumberCheck, "number"),
            (expiry(0, 2030), ExpMonth, "exp_month"),
            (expiry(13, 2030), ExpMonth, "exp_month"),
            (expiry(12, 123), ExpYear, "exp_year"),
            (expiry(12, 2047), ExpYear, "exp_year"),
            (expiry(12, 10_000), ExpYear, "exp_year"),
            (expiry(5, 2026), Expired { year_past: false }, "exp_month"),
            (expiry(12, 2025), Expired { year_past: true }, "exp_year"),
            (expiry(12, 25), Expired { year_past: true }, "exp_year"),
            (cvc(VISA, "12"), Cvc { brand: visa }, "cvc"),
            (cvc(VISA, "1234"), Cvc { brand: visa }, "cvc"),
            (cvc(VISA, "12a"), Cvc { brand: visa }, "cvc"),
            (cvc("378282246310005", "123"), Cvc { brand: amex }, "cvc"),
            (holder("  "), Holder, "holder"),
            (holder("Ada\nLovelace"), Holder, "holder"),
            (holder(&long), Holder, "holder"),
        ];
        for (form, error, field) in table {
            let got = check(&form, TODAY).unwrap_err();
            assert_eq!(got, error, "{}", form.number);
            assert_eq!(got.field(), field, "{}", form.number);
        }
    }

    #[test]
    fn a_card_is_good_to_the_end_of_its_expiry_month() {
        let table = [
            (6, 2026, true),
            (7, 2026, true),
            (5, 2026, false),
            (1, 2027, true),
            (6, 26, true),
            (12, 2046, true),
        ];
        for (month, year, good) in table {
            let got = check(&expiry(month, year), TODAY);
            assert_eq!(got.is_ok(), good, "{month}/{year}: {got:?}");
        }
        let card = check(&expiry(12, 31), TODAY).unwrap();
        assert_eq!(
            (card.exp_month(), card.exp_year()),
            (12, 2031),
            "two digits mean 20xx"
        );
    }

    #[test]
    fn messages_say_what_was_expected() {
        let table = [
            (
                CardError::NumberLength { brand: Brand::Amex },
                "American Express card numbers have 15 digits",
            ),
            (
                CardError::Cvc { brand: Brand::Amex },
                "American Express cards have a security code of 4 digits",
            ),
            (
                CardError::Cvc { brand: Brand::Visa },
                "Visa cards have a security code of 3 digits",
            ),
        ];
        for (error, message) in table {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn debug_shows_no_digit_of_the_number_but_the_last_four_and_none_of_the_cvc() {
        let card = check(&cvc("4000 0566 5566 5556", "987"), TODAY).unwrap();
        let shown = format!("{card:?} {card:#?}");
        let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(
            digits, "55565556",
            "only the last four, once per format: {shown}"
        );
        assert!(!shown.contains("987"));
        assert!(
            !shown.contains("Ada"),
            "the holder is not shown either: {shown}"
        );
    }

    #[test]
    fn brand_names_are_the_serde_names() {
        for brand in Brand::ALL {
            let json = serde_name(brand);
            assert_eq!(json, brand.name());
        }
    }

    /// The name serde writes, through the TOML serializer the crate already has.
    fn serde_name(brand: Brand) -> String {
        #[derive(serde::Serialize)]
        struct One {
            brand: Brand,
        }
        let text = toml::to_string(&One { brand }).unwrap();
        text.trim()
            .strip_prefix("brand = \"")
            .and_then(|t| t.strip_suffix('"'))
            .unwrap()
            .to_string()
    }
}
