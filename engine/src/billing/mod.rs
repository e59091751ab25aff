//! Billing: what companies are charged for their operator seats, and the documents that say so.
//!
//! # Layout
//! - [`pdf`]: a monthly invoice as a printable A4 PDF, with embedded fonts for Latin, Greek,
//!   Cyrillic, Arabic and Hebrew names.

pub mod pdf;
