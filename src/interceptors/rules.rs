//! The checks many policies share, as Conduktor's configs spell them: an integer range
//! (`{min, max, action, overrideValue}`), a required boolean (`{value, action}`), a pattern
//! (`{value, action}`) and a set of allowed values (`{values, action, overrideValue}`).

use super::plugin::Action;
use super::settings::{Pattern, Settings};

/// `{min, max, action, overrideValue}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// Smallest allowed value.
    pub min: Option<i64>,
    /// Largest allowed value.
    pub max: Option<i64>,
    /// What a value outside does.
    pub action: Action,
    /// The value OVERRIDE writes.
    pub override_value: Option<i64>,
}

impl Range {
    /// Reads the range `key` of `s`, if present; OVERRIDE needs `overrideValue` within the range.
    pub fn read(s: &mut Settings, key: &str, actions: &[Action]) -> Result<Option<Range>, String> {
        let Some(mut r) = s.nested(key, &["min", "max", "action", "overrideValue"])? else {
            return Ok(None);
        };
        let range = Range {
            min: r.int("min")?,
            max: r.int("max")?,
            action: r.action(actions, Action::Block)?,
            override_value: r.int("overrideValue")?,
        };
        let field = s.field(key);
        if let (Some(min), Some(max)) = (range.min, range.max) {
            if min > max {
                return Err(format!("{field}: min {min} is greater than max {max}"));
            }
        }
        if range.action == Action::Override {
            let Some(v) = range.override_value else {
                return Err(format!(
                    "{field}.overrideValue: required with action OVERRIDE"
                ));
            };
            if let Some(why) = range.violation(v) {
                return Err(format!("{field}.overrideValue: {v} {why}"));
            }
        }
        Ok(Some(range))
    }

    /// Why `value` is out of range (`must not be greater than 3`), or `None`.
    pub fn violation(&self, value: i64) -> Option<String> {
        if let Some(min) = self.min.filter(|&m| value < m) {
            return Some(format!("must not be less than {min}"));
        }
        if let Some(max) = self.max.filter(|&m| value > m) {
            return Some(format!("must not be greater than {max}"));
        }
        None
    }
}

/// `{value, action}` for a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoolRule {
    /// The required value.
    pub value: bool,
    /// What another value does.
    pub action: Action,
}

impl BoolRule {
    /// Reads the rule `key` of `s`, if present.
    pub fn read(
        s: &mut Settings,
        key: &str,
        actions: &[Action],
    ) -> Result<Option<BoolRule>, String> {
        let Some(mut r) = s.nested(key, &["value", "action"])? else {
            return Ok(None);
        };
        let field = r.field("value");
        Ok(Some(BoolRule {
            value: r
                .bool("value")?
                .ok_or_else(|| format!("{field}: missing"))?,
            action: r.action(actions, Action::Block)?,
        }))
    }
}

/// `{value, action}` for a pattern.
#[derive(Debug, Clone)]
pub struct PatternRule {
    /// What names must match.
    pub pattern: Pattern,
    /// What a name that does not does.
    pub action: Action,
}

impl PatternRule {
    /// Reads the rule `key` of `s`, if present.
    pub fn read(
        s: &mut Settings,
        key: &str,
        actions: &[Action],
    ) -> Result<Option<PatternRule>, String> {
        let Some(mut r) = s.nested(key, &["value", "action"])? else {
            return Ok(None);
        };
        let field = r.field("value");
        Ok(Some(PatternRule {
            pattern: r
                .pattern("value")?
                .ok_or_else(|| format!("{field}: missing"))?,
            action: r.action(actions, Action::Block)?,
        }))
    }
}

/// `{values, action, overrideValue}` for a set of allowed strings (`value` is accepted for
/// `values`: the reference's own examples use both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesRule {
    /// Allowed values, as written.
    pub values: Vec<String>,
    /// What another value does.
    pub action: Action,
    /// The value OVERRIDE writes.
    pub override_value: Option<String>,
}

impl ValuesRule {
    /// Reads the rule `key` of `s`, if present; every value must satisfy `known` (which
    /// returns the canonical spelling).
    pub fn read(
        s: &mut Settings,
        key: &str,
        actions: &[Action],
        known: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<ValuesRule>, String> {
        let Some(mut r) = s.nested(key, &["values", "value", "action", "overrideValue"])? else {
            return Ok(None);
        };
        let field = r.field("values");
        let raw = match (r.strings("values")?, r.strings("value")?) {
            (Some(v), None) | (None, Some(v)) => v,
            (Some(_), Some(_)) => return Err(format!("{field}: give values or value, not both")),
            (None, None) => return Err(format!("{field}: missing")),
        };
        let values = raw
            .iter()
            .enumerate()
            .map(|(i, v)| {
                known(v).ok_or_else(|| format!("{field}[{i}]: {v:?} is not a known value"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let action = r.action(actions, Action::Block)?;
        let override_field = r.field("overrideValue");
        let override_value = r
            .string("overrideValue")?
            .map(|v| {
                known(&v).ok_or_else(|| format!("{override_field}: {v:?} is not a known value"))
            })
            .transpose()?;
        if action == Action::Override && override_value.is_none() && values.is_empty() {
            return Err(format!("{override_field}: required with action OVERRIDE"));
        }
        Ok(Some(ValuesRule {
            values,
            action,
            override_value,
        }))
    }

    /// True when `value` is allowed.
    pub fn allows(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// What OVERRIDE writes: `overrideValue`, else the first allowed value.
    pub fn replacement(&self) -> Option<&str> {
        self.override_value
            .as_deref()
            .or(self.values.first().map(String::as_str))
    }

    /// `one of [a, b]`, or the single value.
    pub fn describe(&self) -> String {
        match self.values.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(v: serde_json::Value) -> Settings {
        Settings::new(&v, &["r"]).unwrap()
    }

    #[test]
    fn ranges_check_bounds_and_override_values() {
        let all = &Action::ALL;
        let r = Range::read(&mut settings(json!({"r": {"min": 2, "max": 4}})), "r", all)
            .unwrap()
            .unwrap();
        assert_eq!(r.action, Action::Block);
        assert_eq!(r.violation(1).unwrap(), "must not be less than 2");
        assert_eq!(r.violation(5).unwrap(), "must not be greater than 4");
        assert_eq!(r.violation(3), None);
        let e = Range::read(
            &mut settings(json!({"r": {"min": 2, "action": "OVERRIDE"}})),
            "r",
            all,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "spec.config.r.overrideValue: required with action OVERRIDE"
        );
        let e =
            Range::read(&mut settings(json!({"r": {"min": 5, "max": 1}})), "r", all).unwrap_err();
        assert!(e.contains("min 5 is greater than max 1"), "{e}");
    }

    #[test]
    fn values_accept_either_spelling_and_check_each_value() {
        let upper = |v: &str| {
            ["NONE", "GZIP"]
                .contains(&v.to_uppercase().as_str())
                .then(|| v.to_uppercase())
        };
        let r = ValuesRule::read(
            &mut settings(json!({"r": {"value": ["none", "gzip"]}})),
            "r",
            &Action::ALL,
            &upper,
        )
        .unwrap()
        .unwrap();
        assert!(r.allows("GZIP") && !r.allows("LZ4"));
        assert_eq!(r.describe(), "[NONE, GZIP]");
        let e = ValuesRule::read(
            &mut settings(json!({"r": {"values": ["zip"]}})),
            "r",
            &Action::ALL,
            &upper,
        )
        .unwrap_err();
        assert_eq!(e, "spec.config.r.values[0]: \"zip\" is not a known value");
    }
}
