//! Reading a plugin's `spec.config`: unknown fields, wrong types and bad patterns are refused
//! with a message naming the field (`spec.config.numPartition.max: expected an integer`).

use regex::Regex;
use serde_json::{Map, Value};

use super::plugin::Action;

/// One JSON object of a plugin's config, read field by field.
#[derive(Debug)]
pub struct Settings {
    map: Map<String, Value>,
    path: String,
}

/// A pattern matched against whole names (as Java's `String.matches`, which configs written
/// for the reference products assume).
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    regex: Regex,
}

impl Pattern {
    /// Compiles `text`; `field` names it in the error.
    pub fn new(field: &str, text: &str) -> Result<Pattern, String> {
        let regex = Regex::new(&format!("^(?:{text})$"))
            .map_err(|e| format!("{field}: not a valid regular expression ({e})"))?;
        Ok(Pattern {
            text: text.to_owned(),
            regex,
        })
    }

    /// The pattern `.*`: everything.
    pub fn any() -> Pattern {
        Pattern::new("", ".*").unwrap_or_else(|_| unreachable!(".* compiles"))
    }

    /// True when the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        self.regex.is_match(name)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Settings {
    /// The config `value` (null or absent: empty) whose fields must all be in `allowed`.
    pub fn new(value: &Value, allowed: &[&str]) -> Result<Settings, String> {
        Settings::object(value, "spec.config".to_owned(), allowed)
    }

    fn object(value: &Value, path: String, allowed: &[&str]) -> Result<Settings, String> {
        let map = match value {
            Value::Null => Map::new(),
            Value::Object(map) => map.clone(),
            _ => return Err(format!("{path}: expected a JSON object")),
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!(
                "{path}.{unknown}: unknown field (this plugin takes {})",
                allowed.join(", ")
            ));
        }
        Ok(Settings { map, path })
    }

    /// The full name of field `key`, for messages.
    pub fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    /// The nested object `key`, whose fields must be in `allowed`.
    pub fn nested(&mut self, key: &str, allowed: &[&str]) -> Result<Option<Settings>, String> {
        let field = self.field(key);
        self.take(key)
            .map(|v| Settings::object(&v, field, allowed))
            .transpose()
    }

    /// An optional integer.
    pub fn int(&mut self, key: &str) -> Result<Option<i64>, String> {
        let field = self.field(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| format!("{field}: expected an integer, got {n}")),
            Some(other) => Err(format!("{field}: expected an integer, got {other}")),
        }
    }

    /// An optional number (integer or decimal).
    pub fn number(&mut self, key: &str) -> Result<Option<f64>, String> {
        let field = self.field(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(format!("{field}: expected a number, got {other}")),
        }
    }

    /// An integer that must be there, within `min..=max`.
    pub fn required_int(&mut self, key: &str, min: i64, max: i64) -> Result<i64, String> {
        let field = self.field(key);
        let v = self.int(key)?.ok_or_else(|| format!("{field}: missing"))?;
        check_bounds(&field, v, min, max)?;
        Ok(v)
    }

    /// An optional integer within `min..=max`.
    pub fn bounded_int(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
        let field = self.field(key);
        let v = self.int(key)?;
        if let Some(v) = v {
            check_bounds(&field, v, min, max)?;
        }
        Ok(v)
    }

    /// An optional boolean.
    pub fn bool(&mut self, key: &str) -> Result<Option<bool>, String> {
        let field = self.field(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(format!("{field}: expected true or false, got {other}")),
        }
    }

    /// An optional string.
    pub fn string(&mut self, key: &str) -> Result<Option<String>, String> {
        let field = self.field(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("{field}: expected a string, got {other}")),
        }
    }

    /// An optional regular expression (matched against whole names).
    pub fn pattern(&mut self, key: &str) -> Result<Option<Pattern>, String> {
        let field = self.field(key);
        self.string(key)?
            .map(|text| Pattern::new(&field, &text))
            .transpose()
    }

    /// An optional list of strings; a single string counts as a list of one.
    pub fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, String> {
        let field = self.field(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s])),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s),
                    other => Err(format!("{field}[{i}]: expected a string, got {other}")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(format!("{field}: expected a list of strings, got {other}")),
        }
    }

    /// An optional object of strings (`{"key": "value", ...}`), in the order written.
    pub fn string_map(&mut self, key: &str) -> Result<Option<Vec<(String, String)>>, String> {
        let field = self.field(key);
        match self.take(key) {
            None => Ok(None),
            Some(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k, s)),
                    other => Err(format!("{field}.{k}: expected a string, got {other}")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(format!(
                "{field}: expected an object of strings, got {other}"
            )),
        }
    }

    /// An optional list of integers; a single integer counts as a list of one.
    pub fn ints(&mut self, key: &str) -> Result<Option<Vec<i64>>, String> {
        let field = self.field(key);
        let as_int = |i: usize, v: &Value| {
            v.as_i64()
                .ok_or_else(|| format!("{field}[{i}]: expected an integer, got {v}"))
        };
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| as_int(i, v))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v @ Value::Number(_)) => as_int(0, &v).map(|i| Some(vec![i])),
            Some(other) => Err(format!("{field}: expected a list of integers, got {other}")),
        }
    }

    /// The `action` field: one of `allowed`, `default` when absent.
    pub fn action(&mut self, allowed: &[Action], default: Action) -> Result<Action, String> {
        let field = self.field("action");
        let Some(text) = self.string("action")? else {
            return Ok(default);
        };
        let names = || {
            allowed
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match Action::parse(&text) {
            Some(a) if allowed.contains(&a) => Ok(a),
            _ => Err(format!(
                "{field}: expected one of {}, got {text:?}",
                names()
            )),
        }
    }
}

fn check_bounds(field: &str, v: i64, min: i64, max: i64) -> Result<(), String> {
    if v < min || v > max {
        return Err(format!("{field}: must be between {min} and {max}, got {v}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_and_wrong_types_name_the_field() {
        let e = Settings::new(&json!({"topic": ".*", "nope": 1}), &["topic"]).unwrap_err();
        assert!(e.starts_with("spec.config.nope: unknown field"), "{e}");
        let mut s = Settings::new(&json!({"n": {"max": "x"}}), &["n"]).unwrap();
        let mut n = s.nested("n", &["max"]).unwrap().unwrap();
        assert_eq!(
            n.int("max").unwrap_err(),
            "spec.config.n.max: expected an integer, got \"x\""
        );
        let mut s = Settings::new(&json!({"topic": "(("}), &["topic"]).unwrap();
        assert!(s
            .pattern("topic")
            .unwrap_err()
            .starts_with("spec.config.topic: not a valid regular expression"));
    }

    #[test]
    fn patterns_match_whole_names() {
        let p = Pattern::new("f", "orders-.*").unwrap();
        assert!(p.matches("orders-eu"));
        assert!(!p.matches("old-orders-eu"));
        let p = Pattern::new("f", "a|b").unwrap();
        assert!(p.matches("a") && p.matches("b") && !p.matches("ab"));
    }

    #[test]
    fn actions_are_checked_against_what_the_plugin_allows() {
        let mut s = Settings::new(&json!({"action": "override"}), &["action"]).unwrap();
        assert_eq!(
            s.action(&[Action::Block, Action::Override], Action::Block),
            Ok(Action::Override)
        );
        let mut s = Settings::new(&json!({"action": "THROTTLE"}), &["action"]).unwrap();
        assert_eq!(
            s.action(&[Action::Block, Action::Info], Action::Block)
                .unwrap_err(),
            "spec.config.action: expected one of BLOCK, INFO, got \"THROTTLE\""
        );
    }
}
