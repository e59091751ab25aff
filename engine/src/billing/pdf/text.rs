//! Text for the invoice: the shipped fonts, which font draws which character, bidirectional
//! order, widths and line breaking.
//!
//! A line of text goes through three steps. Each character gets a font by its script
//! ([`font_for`]): Arabic and Hebrew letters their own Noto face, every other letter Noto
//! Sans; digits, spaces and punctuation stay with the font before them when it has them.
//! The Unicode bidirectional algorithm then cuts the line into runs of one direction in
//! visual order, so an Arabic name reads right to left and the digits inside it left to
//! right. Each run, cut again where the font changes, becomes a [`Piece`]: shaped as a whole
//! (rustybuzz, the shaper krilla uses too), so Arabic letters join and the measured width is
//! the drawn width.

use std::sync::LazyLock;

use krilla::text::{Font, TextDirection};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::ParagraphBidiInfo;

/// Marks text cut short to fit its box.
const ELLIPSIS: &str = "…";

/// One of the shipped fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FontId {
    /// Noto Sans: Latin, Greek, Cyrillic, digits and punctuation.
    Sans,
    /// Noto Sans Bold, for headings and the total.
    SansBold,
    /// Noto Sans Arabic (regular only: bold Arabic text is drawn regular).
    Arabic,
    /// Noto Sans Hebrew (regular only, as Arabic).
    Hebrew,
}

/// A font twice over: as krilla embeds it, and as rustybuzz shapes with it.
struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
}

impl Face {
    fn new(data: &'static [u8]) -> Face {
        Face {
            pdf: Font::new(data.into(), 0).expect("the shipped fonts are valid TrueType"),
            shaper: rustybuzz::Face::from_slice(data, 0)
                .expect("the shipped fonts are valid TrueType"),
        }
    }

    fn covers(&self, c: char) -> bool {
        self.shaper.glyph_index(c).is_some()
    }
}

/// The shipped fonts, parsed once per process.
struct Faces {
    sans: Face,
    sans_bold: Face,
    arabic: Face,
    hebrew: Face,
}

static FACES: LazyLock<Faces> = LazyLock::new(|| Faces {
    sans: Face::new(include_bytes!("../../../fonts/NotoSans-Regular.ttf")),
    sans_bold: Face::new(include_bytes!("../../../fonts/NotoSans-Bold.ttf")),
    arabic: Face::new(include_bytes!("../../../fonts/NotoSansArabic-Regular.ttf")),
    hebrew: Face::new(include_bytes!("../../../fonts/NotoSansHebrew-Regular.ttf")),
});

fn face(id: FontId) -> &'static Face {
    let faces = &*FACES;
    match id {
        FontId::Sans => &faces.sans,
        FontId::SansBold => &faces.sans_bold,
        FontId::Arabic => &faces.arabic,
        FontId::Hebrew => &faces.hebrew,
    }
}

impl FontId {
    /// The font krilla embeds and draws with.
    pub(super) fn pdf(self) -> Font {
        face(self).pdf.clone()
    }
}

/// Whether `c` is written with the Arabic script (letters, marks, Arabic-Indic digits and the
/// presentation forms).
fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Whether `c` is written with the Hebrew script (letters, points, presentation forms).
fn is_hebrew(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{05FF}' | '\u{FB1D}'..='\u{FB4F}')
}

/// The font a character asks for by its script, or `None` for a character that belongs to no
/// script of its own (digits, spaces, punctuation, combining marks), which takes its
/// neighbour's.
fn font_for(c: char, bold: bool) -> Option<FontId> {
    if is_arabic(c) {
        Some(FontId::Arabic)
    } else if is_hebrew(c) {
        Some(FontId::Hebrew)
    } else if c.is_alphabetic() {
        Some(if bold { FontId::SansBold } else { FontId::Sans })
    } else {
        None
    }
}

/// One font per character of `text` (by char, in logical order). A character without a
/// script of its own takes the font of the letter before it (or, at the start, after it) when
/// that font has a glyph for it, and Noto Sans otherwise (Noto Sans Hebrew has no digits) —
/// regular next to Arabic and Hebrew, which have no bold here either.
fn fonts(text: &str, bold: bool) -> Vec<FontId> {
    let own: Vec<Option<FontId>> = text.chars().map(|c| font_for(c, bold)).collect();
    let first_letter = own.iter().flatten().next().copied();
    let mut previous = None;
    text.chars()
        .zip(&own)
        .map(|(c, own)| {
            let font = match (own, previous.or(first_letter)) {
                (Some(font), _) => *font,
                (None, Some(neighbour)) if face(neighbour).covers(c) => neighbour,
                (None, Some(FontId::Arabic | FontId::Hebrew)) => FontId::Sans,
                (None, _) if bold => FontId::SansBold,
                (None, _) => FontId::Sans,
            };
            if own.is_some() {
                previous = Some(font);
            }
            font
        })
        .collect()
}

/// Text in one font and one direction, shaped as a unit.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// The characters, in logical order (krilla shapes them in `direction`).
    pub(super) text: String,
    pub(super) font: FontId,
    /// `RightToLeft` for Arabic and Hebrew runs, `LeftToRight` otherwise.
    pub(super) direction: TextDirection,
    /// Advance width at the line's size, in points.
    pub(super) width: f32,
}

/// A line of text laid out: its pieces from left to right.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) pieces: Vec<Piece>,
    /// Font size in points.
    pub(super) size: f32,
    /// The sum of the pieces' widths, in points.
    pub(super) width: f32,
}

impl Line {
    /// The text as the pieces carry it, left to right; for tests and debugging.
    #[cfg(test)]
    pub(super) fn text(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| piece.text.as_str())
            .collect()
    }
}

/// Shapes `text` with one font in one direction, set up as krilla's `Surface::draw_text`
/// sets it up, so that what is measured here is what is drawn there.
fn shape(text: &str, font: FontId, direction: TextDirection) -> rustybuzz::GlyphBuffer {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(match direction {
        TextDirection::RightToLeft => Direction::RightToLeft,
        _ => Direction::LeftToRight,
    });
    rustybuzz::shape(&face(font).shaper, &[], buffer)
}

/// The advance width of `text` shaped with one font in one direction, in points.
fn measure(text: &str, font: FontId, direction: TextDirection, size: f32) -> f32 {
    let shaped = shape(text, font, direction);
    let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
    units as f32 * size / face(font).shaper.units_per_em() as f32
}

/// Lays out `text` as one line at `size` points: fonts by script, runs in visual order. The
/// paragraph direction is taken from the first letter, as for any text of unknown language.
pub(super) fn line(text: &str, size: f32, bold: bool) -> Line {
    let mut pieces = Vec::new();
    if !text.is_empty() {
        // Each char's byte range and font: the bidi runs are byte ranges.
        let spans: Vec<(usize, usize, FontId)> = text
            .char_indices()
            .zip(fonts(text, bold))
            .map(|((at, c), font)| (at, at + c.len_utf8(), font))
            .collect();
        let bidi = ParagraphBidiInfo::new(text, None);
        let (levels, runs) = bidi.visual_runs(0..text.len());
        for run in runs {
            let direction = if levels[run.start].is_rtl() {
                TextDirection::RightToLeft
            } else {
                TextDirection::LeftToRight
            };
            // Cut the run where the font changes; in a right-to-left run the logically first
            // cut is drawn rightmost.
            let mut cuts: Vec<(usize, usize, FontId)> = Vec::new();
            for &(start, end, font) in spans.iter().filter(|(start, ..)| run.contains(start)) {
                match cuts.last_mut() {
                    Some(last) if last.2 == font => last.1 = end,
                    _ => cuts.push((start, end, font)),
                }
            }
            if direction == TextDirection::RightToLeft {
                cuts.reverse();
            }
            for (start, end, font) in cuts {
                let piece_text = &text[start..end];
                pieces.push(Piece {
                    text: piece_text.to_string(),
                    font,
                    direction,
                    width: measure(piece_text, font, direction, size),
                });
            }
        }
    }
    let width = pieces.iter().map(|piece| piece.width).sum();
    Line {
        pieces,
        size,
        width,
    }
}

/// `text` on one line no wider than `max_width`: whole if it fits, otherwise cut at a
/// character and ended with an ellipsis.
pub(super) fn fit(text: &str, size: f32, bold: bool, max_width: f32) -> Line {
    let whole = line(text, size, bold);
    if whole.width <= max_width {
        return whole;
    }
    // The longest prefix that fits with the ellipsis, found by bisection over the char
    // boundaries: a prefix is never wider than a longer one.
    let cut = |end: usize| line(&format!("{}{ELLIPSIS}", text[..end].trim_end()), size, bold);
    let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let fitting = ends.partition_point(|&end| cut(end).width <= max_width);
    match fitting {
        0 => line(ELLIPSIS, size, bold),
        n => cut(ends[n - 1]),
    }
}

/// `text` broken at spaces into at most `max_lines` lines no wider than `max_width`. A word
/// wider than the box is cut with an ellipsis, and so is the last line when the text needs
/// more lines than allowed. Empty text gives no lines.
pub(super) fn wrap(
    text: &str,
    size: f32,
    bold: bool,
    max_width: f32,
    max_lines: usize,
) -> Vec<Line> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || line(&candidate, size, bold).width <= max_width {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if max_lines == 0 {
        return Vec::new();
    }
    if lines.len() > max_lines {
        // The last line takes the rest of the text; `fit` then cuts it with an ellipsis,
        // since the rest did not fit on one line.
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(rest);
    }
    lines
        .iter()
        .map(|text| fit(text, size, bold, max_width))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_take_their_scripts_font_and_neutrals_their_neighbours() {
        use FontId::*;
        let cases: &[(&str, bool, Vec<FontId>)] = &[
            ("Ab 1", false, vec![Sans, Sans, Sans, Sans]),
            ("Ab", true, vec![SansBold, SansBold]),
            ("Ωж", false, vec![Sans, Sans]),
            // Noto Sans Arabic has spaces and ASCII digits: they stay in the Arabic run.
            ("ب 1", false, vec![Arabic, Arabic, Arabic]),
            // Noto Sans Hebrew has a space but no digits.
            ("ש 1", false, vec![Hebrew, Hebrew, Sans]),
            // A leading neutral takes the first letter's font.
            ("-ש", false, vec![Hebrew, Hebrew]),
            // Bold Hebrew is drawn with the regular face (there is no bold one), and so are
            // the digits in it.
            ("ש 1", true, vec![Hebrew, Hebrew, Sans]),
            ("(1)", true, vec![SansBold, SansBold, SansBold]),
            // A combining mark stays with its base letter's font.
            ("e\u{301}", false, vec![Sans, Sans]),
        ];
        for (text, bold, expected) in cases {
            assert_eq!(&fonts(text, *bold), expected, "{text:?}");
        }
    }

    #[test]
    fn a_right_to_left_name_is_one_right_to_left_piece() {
        let laid = line("شركة الاتصال", 10.0, false);
        assert_eq!(laid.pieces.len(), 1);
        let piece = &laid.pieces[0];
        assert_eq!(piece.font, FontId::Arabic);
        assert_eq!(piece.direction, TextDirection::RightToLeft);
        assert_eq!(piece.text, "شركة الاتصال");
        assert!(laid.width > 0.0);
    }

    #[test]
    fn digits_in_hebrew_text_keep_their_order_and_sit_left_of_it() {
        // A right-to-left paragraph: "חברה " is read first, so drawn rightmost (its space
        // shaped to its left); "2000" is a left-to-right run in Noto Sans, drawn left of it.
        let laid = line("חברה 2000", 10.0, false);
        let pieces: Vec<(&str, FontId, TextDirection)> = laid
            .pieces
            .iter()
            .map(|p| (p.text.as_str(), p.font, p.direction))
            .collect();
        assert_eq!(
            pieces,
            [
                ("2000", FontId::Sans, TextDirection::LeftToRight),
                ("חברה ", FontId::Hebrew, TextDirection::RightToLeft),
            ]
        );
    }

    #[test]
    fn latin_text_with_an_arabic_word_keeps_the_latin_order() {
        let laid = line("Dubai شركة Ltd", 10.0, false);
        assert_eq!(laid.text(), "Dubai شركة Ltd");
        assert_eq!(laid.pieces[1].direction, TextDirection::RightToLeft);
    }

    #[test]
    fn arabic_letters_join() {
        // Joined, each letter of "شركة" takes its initial or final form: another glyph than
        // the letter standing alone (the one the character map names).
        let word = "شركة";
        let shaped = shape(word, FontId::Arabic, TextDirection::RightToLeft);
        let mut drawn: Vec<u32> = shaped.glyph_infos().iter().map(|g| g.glyph_id).collect();
        // Right to left: the glyphs come out in visual order, the last letter first.
        drawn.reverse();
        let shaper = &face(FontId::Arabic).shaper;
        let alone: Vec<u32> = word
            .chars()
            .map(|c| u32::from(shaper.glyph_index(c).expect("Noto Sans Arabic has it").0))
            .collect();
        assert_eq!(drawn.len(), alone.len());
        for (i, (drawn, alone)) in drawn.iter().zip(&alone).enumerate() {
            assert_ne!(drawn, alone, "letter {i} of {word} is not joined");
        }
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        let whole = line("Müller Maschinenbau GmbH", 10.0, false);
        assert_eq!(
            fit("Müller Maschinenbau GmbH", 10.0, false, 500.0).text(),
            whole.text()
        );
        let cut = fit("Müller Maschinenbau GmbH", 10.0, false, 60.0);
        assert!(cut.width <= 60.0);
        assert!(cut.text().ends_with(ELLIPSIS), "{}", cut.text());
        assert!(cut.text().starts_with("Mü"), "{}", cut.text());
    }

    #[test]
    fn wrap_breaks_at_spaces_and_marks_what_it_drops() {
        let text = "Switchboard seats for the operators of the customer support team";
        let lines = wrap(text, 10.0, false, 150.0, 10);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width <= 150.0));
        let joined: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(joined.join(" "), text);

        let two = wrap(text, 10.0, false, 150.0, 2);
        assert_eq!(two.len(), 2);
        assert!(two[1].text().ends_with(ELLIPSIS));
        assert!(two.iter().all(|l| l.width <= 150.0));

        assert!(wrap("  ", 10.0, false, 150.0, 2).is_empty());
        let long_word = wrap("Donaudampfschifffahrtsgesellschaft", 10.0, false, 80.0, 2);
        assert_eq!(long_word.len(), 1);
        assert!(long_word[0].width <= 80.0);
    }
}
