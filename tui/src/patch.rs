//! [`Patch`]: the body of a `PUT` on a settings resource, holding only the fields the user
//! changed.
//!
//! The server reads such a `PUT` as a patch: an omitted field is unchanged, `null` clears
//! it. The wire types' patch structs (`api::ChatWindowPatch`...) write every field they
//! hold, and an unset `Option<Option<_>>` goes out as `null` — which clears the field (an
//! unrelated save once wiped the automatic response, the fallback department and the
//! invitation delay). So the forms build this map instead: a field is on the wire only when
//! it was changed, and `null` only when the user cleared it.

use serde::Serialize;
use serde_json::{Map, Value};

/// Changed fields by their wire name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Patch(Map<String, Value>);

impl Patch {
    /// Sets `key` to `value`.
    pub fn set(&mut self, key: &str, value: impl Serialize) {
        // Strings, numbers, booleans and the wire's small structs always serialize.
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.0.insert(key.to_string(), value);
    }

    /// Clears `key` on the server (`null`).
    pub fn clear(&mut self, key: &str) {
        self.0.insert(key.to_string(), Value::Null);
    }

    /// The field names sent, in order.
    pub fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }

    /// A field's value, if sent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Whether nothing is sent.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The patch read as a wire type (tests check every field name the server knows).
    pub fn to<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_value(Value::Object(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_set_fields_are_written_and_clears_are_null() {
        let mut patch = Patch::default();
        assert_eq!(serde_json::to_string(&patch).unwrap(), "{}");
        patch.set("tracking", true);
        patch.clear("fallback_department");
        assert_eq!(
            serde_json::to_string(&patch).unwrap(),
            r#"{"fallback_department":null,"tracking":true}"#
        );
        let wire: switchboard_api::ChatWindowPatch = patch.to().unwrap();
        assert_eq!(wire.fallback_department, Some(None));
        assert_eq!(wire.auto_canned_response, None);
    }
}
