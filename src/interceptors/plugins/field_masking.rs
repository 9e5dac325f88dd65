//! `FieldLevelDataMaskingPlugin`: consumers in its scope read JSON record values with the named
//! fields masked (MASK_ALL, MASK_FIRST_N, MASK_LAST_N with a masking character); others read
//! the records as they were written. Fields are paths: `card`, `customer.email`,
//! `cards[0].number`, `cards[*].number`. A value that is not JSON: `errorPolicy` fail_fetch (the
//! default: the consumer gets an error rather than unmasked data) or skip_masking.

use std::sync::Arc;

use serde_json::Value as Json;

use super::record_lists::change_fetched_records;
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, ResponseCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "FieldLevelDataMaskingPlugin",
    title: "Field-level data masking",
    description: "Masks fields of JSON record values for the consumers in its scope.",
    parent: "transform",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["topic", "policies", "errorPolicy"];
const FETCH: i16 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    All,
    First(usize),
    Last(usize),
}

#[derive(Debug, Clone)]
struct Policy {
    rule: Rule,
    mask: char,
    fields: Vec<Vec<Step>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Every,
}

#[derive(Debug)]
struct Masking {
    topic: Pattern,
    policies: Vec<Policy>,
    fail_fetch: bool,
}

fn compile(config: &Json) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let topic = s.pattern("topic")?.unwrap_or_else(Pattern::any);
    let field = s.field("policies");
    let raw = match config.get("policies") {
        Some(Json::Array(items)) if !items.is_empty() => items.clone(),
        Some(Json::Array(_)) | None => return Err(format!("{field}: at least one policy")),
        Some(_) => return Err(format!("{field}: expected a list")),
    };
    let policies = raw
        .iter()
        .enumerate()
        .map(|(i, p)| policy(p, &format!("{field}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let fail_fetch = match s.string("errorPolicy")?.as_deref() {
        None | Some("fail_fetch") => true,
        Some("skip_masking") => false,
        Some(other) => {
            return Err(format!(
                "{}: expected fail_fetch or skip_masking, got {other:?}",
                s.field("errorPolicy")
            ))
        }
    };
    Ok(Arc::new(MaskingPlugin(Arc::new(Masking {
        topic,
        policies,
        fail_fetch,
    }))))
}

/// The compiled plugin, shared by every connection's filter.
#[derive(Debug)]
struct MaskingPlugin(Arc<Masking>);

fn policy(value: &Json, field: &str) -> Result<Policy, String> {
    let Json::Object(map) = value else {
        return Err(format!("{field}: expected an object"));
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["name", "rule", "fields"].contains(&k.as_str()))
    {
        return Err(format!("{field}.{k}: unknown field (name, rule, fields)"));
    }
    let rule = map
        .get("rule")
        .ok_or_else(|| format!("{field}.rule: missing"))?;
    let Json::Object(rule) = rule else {
        return Err(format!("{field}.rule: expected an object"));
    };
    if let Some(k) = rule
        .keys()
        .find(|k| !["type", "maskingChar", "numberOfChars"].contains(&k.as_str()))
    {
        return Err(format!(
            "{field}.rule.{k}: unknown field (type, maskingChar, numberOfChars)"
        ));
    }
    let n = || -> Result<usize, String> {
        rule.get("numberOfChars")
            .and_then(Json::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                format!("{field}.rule.numberOfChars: a non-negative integer is required")
            })
    };
    let rule_type = match rule.get("type").and_then(Json::as_str) {
        Some("MASK_ALL") => Rule::All,
        Some("MASK_FIRST_N") => Rule::First(n()?),
        Some("MASK_LAST_N") => Rule::Last(n()?),
        other => {
            return Err(format!(
                "{field}.rule.type: expected MASK_ALL, MASK_FIRST_N or MASK_LAST_N, got {other:?}"
            ))
        }
    };
    let mask = match rule.get("maskingChar") {
        None => '*',
        Some(Json::String(c)) if c.chars().count() == 1 => c.chars().next().unwrap_or('*'),
        Some(other) => {
            return Err(format!(
                "{field}.rule.maskingChar: one character, got {other}"
            ))
        }
    };
    let fields = match map.get("fields") {
        Some(Json::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.as_str()
                    .ok_or_else(|| format!("{field}.fields[{i}]: expected a string"))
                    .and_then(|p| path(p).map_err(|e| format!("{field}.fields[{i}]: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(format!("{field}.fields: at least one field path")),
    };
    Ok(Policy {
        rule: rule_type,
        mask,
        fields,
    })
}

/// `a.b[0].c[*]` as steps.
fn path(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in text.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() {
            return Err(format!("{text:?}: an empty name"));
        }
        steps.push(Step::Key(key.to_owned()));
        while let Some(inner) = rest.strip_prefix('[') {
            let end = inner
                .find(']')
                .ok_or_else(|| format!("{text:?}: '[' without ']'"))?;
            steps.push(match &inner[..end] {
                "*" => Step::Every,
                n => Step::Index(
                    n.parse()
                        .map_err(|_| format!("{text:?}: [{n}] is not an index"))?,
                ),
            });
            rest = &inner[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("{text:?}: unexpected {rest:?}"));
        }
    }
    Ok(steps)
}

fn mask_text(text: &str, rule: Rule, mask: char) -> String {
    let len = text.chars().count();
    let masked = |i: usize| match rule {
        Rule::All => true,
        Rule::First(n) => i < n,
        Rule::Last(n) => i + n >= len,
    };
    text.chars()
        .enumerate()
        .map(|(i, c)| if masked(i) { mask } else { c })
        .collect()
}

/// Masks what `steps` reach below `value`; true when something changed.
fn apply(value: &mut Json, steps: &[Step], rule: Rule, mask: char) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        let text = match value {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            _ => return false,
        };
        let masked = mask_text(&text, rule, mask);
        let changed = *value != Json::String(masked.clone());
        *value = Json::String(masked);
        return changed;
    };
    match (step, value) {
        (Step::Key(k), Json::Object(map)) => {
            map.get_mut(k).is_some_and(|v| apply(v, rest, rule, mask))
        }
        (Step::Index(i), Json::Array(items)) => items
            .get_mut(*i)
            .is_some_and(|v| apply(v, rest, rule, mask)),
        (Step::Every, Json::Array(items)) => items
            .iter_mut()
            .fold(false, |acc, v| apply(v, rest, rule, mask) | acc),
        _ => false,
    }
}

impl Masking {
    /// The masked bytes of a record value, `Ok(None)` when nothing is masked.
    fn mask(&self, bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
        let mut value: Json =
            serde_json::from_slice(bytes).map_err(|e| format!("the value is not JSON ({e})"))?;
        let mut changed = false;
        for p in &self.policies {
            for steps in &p.fields {
                changed |= apply(&mut value, steps, p.rule, p.mask);
            }
        }
        if !changed {
            return Ok(None);
        }
        serde_json::to_vec(&value)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

impl Plugin for MaskingPlugin {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(MaskingFilter {
            plugin: Arc::clone(&self.0),
            env,
        })
    }
}

#[derive(Debug)]
struct MaskingFilter {
    plugin: Arc<Masking>,
    env: Env,
}

impl Filter for MaskingFilter {
    fn name(&self) -> &'static str {
        "FieldLevelDataMaskingPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if api_key == FETCH {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn wants_answer(&self, api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        api_key == FETCH
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        let plugin = Arc::clone(&self.plugin);
        let result = change_fetched_records(ctx, &plugin.topic, &mut |record| {
            let Some(value) = record.value.as_deref() else {
                return Ok(false); // a tombstone stays null
            };
            match plugin.mask(value) {
                Ok(Some(masked)) => {
                    record.value = Some(masked);
                    Ok(true)
                }
                Ok(None) => Ok(false),
                Err(e) if plugin.fail_fetch => Err(e),
                Err(_) => Ok(false),
            }
        });
        match result {
            Ok(None) => Verdict::Pass,
            Ok(Some(body)) => Verdict::Answer(body),
            // Never unmasked data: the consumer's connection is closed, and the log says why.
            Err(e) => Verdict::Close(format!(
                "interceptor {} cannot mask a Fetch answer: {e}",
                self.env.decisions.interceptor()
            )),
        }
    }
}

#[cfg(test)]
#[path = "field_masking_tests.rs"]
mod tests;
