//! The topic config checks CreateTopicPolicy and AlterTopicConfigPolicy share: each config
//! field of a plugin's `spec.config` (Conduktor's camelCase name) maps to a Kafka topic config
//! (`retentionMs` → `retention.ms`) and one kind of rule.

use codec::schema::{Struct, Value};

use crate::interceptors::plugin::Action;
use crate::interceptors::rules::{BoolRule, Range, ValuesRule};
use crate::interceptors::settings::Settings;

use super::common::{range_violation, Findings};

/// What kind of value a topic config holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer (`{min, max, action, overrideValue}`).
    Int,
    /// A decimal (`{min, max, action, overrideValue}`).
    Ratio,
    /// A boolean (`{value, action}`).
    Bool,
    /// `cleanup.policy`: `delete`, `compact` or both.
    Cleanup,
    /// A topic's `compression.type`.
    Compression,
    /// `message.timestamp.type`.
    TimestampType,
}

/// A config field: its name in `spec.config`, its Kafka name, its kind.
pub type ConfigField = (&'static str, &'static str, Kind);

/// A decimal range.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioRange {
    min: Option<f64>,
    max: Option<f64>,
    action: Action,
    override_value: Option<f64>,
}

/// The rule of one topic config.
#[derive(Debug, Clone)]
pub enum Rule {
    /// An integer range.
    Int(Range),
    /// A decimal range.
    Ratio(RatioRange),
    /// A required boolean.
    Bool(BoolRule),
    /// Allowed values (`Kind::Cleanup`, `Compression` or `TimestampType`).
    Values(ValuesRule, Kind),
}

/// A rule found broken: what to do, why, and what OVERRIDE writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The rule's action.
    pub action: Action,
    /// `must not be greater than 3`.
    pub why: String,
    /// The value OVERRIDE writes.
    pub replacement: Option<String>,
}

fn known(kind: Kind, v: &str) -> Option<String> {
    let lower = v.trim().to_ascii_lowercase();
    match kind {
        Kind::Cleanup => {
            let parts: Vec<&str> = lower.split(',').map(str::trim).collect();
            parts
                .iter()
                .all(|p| matches!(*p, "delete" | "compact"))
                .then(|| parts.join(","))
        }
        Kind::Compression => ["uncompressed", "gzip", "snappy", "lz4", "zstd", "producer"]
            .contains(&lower.as_str())
            .then_some(lower),
        Kind::TimestampType => match lower.as_str() {
            "createtime" => Some("CreateTime".into()),
            "logappendtime" => Some("LogAppendTime".into()),
            _ => None,
        },
        Kind::Int | Kind::Ratio | Kind::Bool => None,
    }
}

impl Rule {
    /// Reads the rules of `fields` from `s`, with `actions` allowed.
    pub fn read_all(
        s: &mut Settings,
        fields: &[ConfigField],
        actions: &[Action],
    ) -> Result<Vec<(&'static str, Rule)>, String> {
        let mut out = Vec::new();
        for &(key, kafka, kind) in fields {
            let rule = match kind {
                Kind::Int => Range::read(s, key, actions)?.map(Rule::Int),
                Kind::Ratio => read_ratio(s, key, actions)?.map(Rule::Ratio),
                Kind::Bool => BoolRule::read(s, key, actions)?.map(Rule::Bool),
                _ => ValuesRule::read(s, key, actions, &|v| known(kind, v))?
                    .map(|r| Rule::Values(r, kind)),
            };
            if let Some(rule) = rule {
                out.push((kafka, rule));
            }
        }
        Ok(out)
    }

    /// Checks the config value `value`; `quote` quotes the bounds in the reason. A value that
    /// does not parse is left to the broker.
    pub fn check(&self, value: &str, quote: bool) -> Option<Broken> {
        let q = |v: String| if quote { format!("'{v}'") } else { v };
        match self {
            Rule::Int(r) => {
                let v: i64 = value.trim().parse().ok()?;
                Some(Broken {
                    action: r.action,
                    why: range_violation(r, v, quote)?,
                    replacement: r.override_value.map(|o| o.to_string()),
                })
            }
            Rule::Ratio(r) => {
                let v: f64 = value.trim().parse().ok()?;
                let why = match (r.min, r.max) {
                    (Some(min), _) if v < min => {
                        format!("must not be less than {}", q(min.to_string()))
                    }
                    (_, Some(max)) if v > max => {
                        format!("must not be greater than {}", q(max.to_string()))
                    }
                    _ => return None,
                };
                Some(Broken {
                    action: r.action,
                    why,
                    replacement: r.override_value.map(|o| o.to_string()),
                })
            }
            Rule::Bool(r) => {
                let v: bool = value.trim().to_ascii_lowercase().parse().ok()?;
                (v != r.value).then(|| Broken {
                    action: r.action,
                    why: format!("must be {}", q(r.value.to_string())),
                    replacement: Some(r.value.to_string()),
                })
            }
            Rule::Values(r, kind) => {
                let v = known(*kind, value)?;
                let allowed = match kind {
                    Kind::Cleanup => v
                        .split(',')
                        .all(|part| r.values.iter().any(|a| a.split(',').any(|x| x == part))),
                    _ => r.allows(&v),
                };
                (!allowed).then(|| Broken {
                    action: r.action,
                    why: format!("must be one of the values: {}", r.describe()),
                    replacement: r.replacement().map(str::to_owned),
                })
            }
        }
    }
}

fn read_ratio(
    s: &mut Settings,
    key: &str,
    actions: &[Action],
) -> Result<Option<RatioRange>, String> {
    let Some(mut r) = s.nested(key, &["min", "max", "action", "overrideValue"])? else {
        return Ok(None);
    };
    let range = RatioRange {
        min: r.number("min")?,
        max: r.number("max")?,
        action: r.action(actions, Action::Block)?,
        override_value: r.number("overrideValue")?,
    };
    if range.action == Action::Override && range.override_value.is_none() {
        return Err(format!(
            "{}.overrideValue: required with action OVERRIDE",
            s.field(key)
        ));
    }
    Ok(Some(range))
}

/// Judges the value a config entry (`Name`, `Value`) sets against the rules of its name,
/// rewriting it where OVERRIDE fixes it; true when changed. Each sentence starts with
/// `subject` (`Topic 'a' with `, or nothing); `quote` as in [`Rule::check`].
pub fn judge_config(
    rules: &[(&'static str, Rule)],
    config: &mut Struct,
    subject: &str,
    quote: bool,
    found: &mut Findings,
) -> bool {
    let (Some(key), Some(value)) = (config.str("Name"), config.str("Value")) else {
        return false;
    };
    let (key, value) = (key.to_owned(), value.to_owned());
    let mut changed = false;
    for (_, rule) in rules.iter().filter(|(k, _)| *k == key) {
        let Some(broken) = rule.check(&value, quote) else {
            continue;
        };
        let mut sentence = format!("{subject}{key} is '{value}', {}", broken.why);
        if broken.action == Action::Override {
            if let Some(to) = broken.replacement {
                sentence.push_str(&format!(", overridden to '{to}'"));
                config.set("Value", Value::String(to));
                changed = true;
            }
        }
        found.add(broken.action, sentence);
    }
    changed
}
