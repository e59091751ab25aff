//! Record types and helpers shared by the crate's tests.

use serde::{Deserialize, Serialize};

use crate::{decode_body, Error, Record, Result};

/// A chat message as the tests store it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Note {
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub text: String,
}

impl Record for Note {
    const TREE: &'static str = "notes";
    const VERSION: u8 = 2;

    fn upgrade(version: u8, bytes: &[u8]) -> Result<Note> {
        match version {
            1 => {
                let old: NoteV1 = decode_body(Self::TREE, bytes)?;
                Ok(Note {
                    author: "unknown".to_owned(),
                    text: old.text,
                })
            }
            found => Err(Error::Version {
                tree: Self::TREE,
                found,
            }),
        }
    }
}

/// The layout of [`Note`] under version 1, before it had an author.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct NoteV1 {
    /// What it says.
    pub text: String,
}

/// A second record type, in another tree, relying on the default `upgrade`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counter {
    /// The counted value.
    pub value: u64,
}

impl Record for Counter {
    const TREE: &'static str = "counters";
    const VERSION: u8 = 1;
}

/// A note with the given text, by "ann".
pub(crate) fn note(text: &str) -> Note {
    Note {
        author: "ann".to_owned(),
        text: text.to_owned(),
    }
}
