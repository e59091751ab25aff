//! Changing one's own password (`P` anywhere once signed in): the current password, the new
//! one twice, sent as `PUT /v1/me/password`. The account's other sessions end; a wrong
//! current password brings the form back with the server's sentence.

use switchboard_api as api;

use super::dialog::{Overlay, Purpose};
use super::form::{Field, Form, Kind};
use crate::app::{run, Action};
use crate::command::Command;

/// The server's bounds on a password's length, in characters.
const LENGTH: std::ops::RangeInclusive<usize> = 8..=256;

/// The form.
pub fn open() -> Overlay {
    Overlay::Form {
        title: "Change your password".into(),
        form: Form::new(vec![
            Field::new("current", "Current password", Kind::Secret, ""),
            Field::new("new", "New password", Kind::Secret, "")
                .hint("8 to 256 characters; your other sessions end"),
            Field::new("repeat", "New password again", Kind::Secret, ""),
        ]),
        purpose: Purpose::ChangePassword,
        error: None,
    }
}

/// The form was saved: the request, or what is wrong.
pub fn submit(form: &Form) -> Result<Option<Action>, String> {
    let (current, new) = (form.value("current"), form.value("new"));
    if current.is_empty() {
        return Err("Give your current password".into());
    }
    if !LENGTH.contains(&new.chars().count()) {
        return Err("The new password needs 8 to 256 characters".into());
    }
    if new != form.value("repeat") {
        return Err("The two new passwords differ".into());
    }
    Ok(run(Command::ChangePassword(api::PasswordChange {
        current: current.to_string(),
        new: new.to_string(),
    })))
}
