//! Kafka's JSON message schemas read into a small model: versions as ranges, struct types
//! resolved (inline and common structs alike), entity markers decided.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// An inclusive version range; `min > max` is the empty range ("none").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub min: i16,
    pub max: i16,
}

impl Versions {
    pub const NONE: Versions = Versions { min: 1, max: 0 };

    /// "0+", "3-5", "7" or "none".
    pub fn parse(text: &str) -> Result<Versions, String> {
        let number = |s: &str| {
            s.trim()
                .parse::<i16>()
                .map_err(|e| format!("version {s:?}: {e}"))
        };
        let text = text.trim();
        if text == "none" {
            return Ok(Versions::NONE);
        }
        if let Some(from) = text.strip_suffix('+') {
            return Ok(Versions {
                min: number(from)?,
                max: i16::MAX,
            });
        }
        match text.split_once('-') {
            Some((lo, hi)) => Ok(Versions {
                min: number(lo)?,
                max: number(hi)?,
            }),
            None => {
                let v = number(text)?;
                Ok(Versions { min: v, max: v })
            }
        }
    }
}

/// The entities the gateway renames, as decided from the schema alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    TopicName,
    GroupId,
    TransactionalId,
    TopicId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Scalar(&'static str),
    /// A struct, by its name within the message.
    Struct(String),
    ScalarArray(&'static str),
    StructArray(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub versions: Versions,
    pub nullable: Versions,
    pub tagged: Versions,
    pub tag: Option<u32>,
    pub entity: Option<Entity>,
    /// The schema's `default` as the tables keep it (see `default_of`).
    pub default: i64,
}

/// One message (a request, a response, or a data message such as the consumer protocol).
#[derive(Debug, Clone)]
pub struct Message {
    pub name: String,
    pub api_key: Option<i16>,
    pub kind: String,
    pub versions: Versions,
    pub flexible: Versions,
    pub fields: Vec<Field>,
    /// Every struct type the message uses, by name, in first-use order.
    pub structs: Vec<(String, Vec<Field>)>,
}

const SCALARS: &[&str] = &[
    "bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64", "string", "bytes",
    "records", "uuid",
];

fn scalar(name: &str) -> Option<&'static str> {
    SCALARS.iter().copied().find(|s| *s == name)
}

/// Remove `//` comments, leaving `//` inside JSON strings (URLs in `about` texts) alone.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            for rest in chars.by_ref() {
                if rest == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

fn text<'a>(json: &'a Value, key: &str, at: &str) -> Result<&'a str, String> {
    json.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at}: missing string {key:?}"))
}

fn optional_versions(json: &Value, key: &str, at: &str) -> Result<Versions, String> {
    match json.get(key) {
        None => Ok(Versions::NONE),
        Some(v) => Versions::parse(
            v.as_str()
                .ok_or_else(|| format!("{at}: {key} not a string"))?,
        ),
    }
}

/// Topic ids are not marked in the schemas: a `uuid` field named `TopicId` is one. (Every other
/// uuid in the protocol is a directory, incarnation, client instance or voter directory id.)
fn entity_of(json: &Value, name: &str, element: &str, at: &str) -> Result<Option<Entity>, String> {
    if element == "uuid" && name == "TopicId" {
        return Ok(Some(Entity::TopicId));
    }
    let Some(kind) = json.get("entityType") else {
        return Ok(None);
    };
    let kind = kind
        .as_str()
        .ok_or_else(|| format!("{at}: entityType not a string"))?;
    let entity = match kind {
        "topicName" => Entity::TopicName,
        "groupId" => Entity::GroupId,
        "transactionalId" => Entity::TransactionalId,
        // Broker ids and producer ids are numbers the gateway does not rename.
        _ => return Ok(None),
    };
    if element != "string" {
        return Err(format!("{at}: entityType {kind} on a {element} field"));
    }
    Ok(Some(entity))
}

/// The schema's `default`, as the one number the tables keep: an integer field's value (decimal
/// or `0x` hex), 1 for a bool field that defaults to true, 0 otherwise. "null" and "" are what a
/// missing nullable or string value means anyway; any other default is refused, so that a new
/// kind of default in a later schema is noticed rather than dropped.
fn default_of(json: &Value, ty: &Type, at: &str) -> Result<i64, String> {
    let text = match json.get("default") {
        None => return Ok(0),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => return Err(format!("{at}: default {other} is not a string")),
    };
    let refused = || Err(format!("{at}: default {text:?} is not supported on {ty:?}"));
    let range = |min: i64, max: i64| -> Result<i64, String> {
        let value = match text.strip_prefix("0x") {
            Some(hex) => i64::from_str_radix(hex, 16),
            None => text.parse::<i64>(),
        }
        .map_err(|e| format!("{at}: default {text:?}: {e}"))?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(format!("{at}: default {text:?} out of range"))
        }
    };
    match ty {
        Type::Scalar("bool") => match text.as_str() {
            "true" => Ok(1),
            "false" => Ok(0),
            _ => refused(),
        },
        Type::Scalar("int8") => range(i8::MIN.into(), i8::MAX.into()),
        Type::Scalar("int16") => range(i16::MIN.into(), i16::MAX.into()),
        Type::Scalar("uint16") => range(0, u16::MAX.into()),
        Type::Scalar("int32") => range(i32::MIN.into(), i32::MAX.into()),
        Type::Scalar("uint32") => range(0, u32::MAX.into()),
        Type::Scalar("int64") => range(i64::MIN, i64::MAX),
        _ if text == "null" => Ok(0),
        Type::Scalar("string" | "bytes") if text.is_empty() => Ok(0),
        _ => refused(),
    }
}

struct Reader<'m> {
    message: &'m str,
    structs: Vec<(String, Vec<Field>)>,
    /// Struct bodies not yet defined inline, from `commonStructs`.
    common: BTreeMap<String, Value>,
}

impl Reader<'_> {
    fn fields(&mut self, list: &Value, at: &str) -> Result<Vec<Field>, String> {
        let list = list
            .as_array()
            .ok_or_else(|| format!("{at}: fields is not an array"))?;
        list.iter().map(|f| self.field(f, at)).collect()
    }

    fn field(&mut self, json: &Value, parent: &str) -> Result<Field, String> {
        let name = text(json, "name", parent)?.to_owned();
        let at = format!("{parent}.{name}");
        let type_name = text(json, "type", &at)?;
        let (is_array, element) = match type_name.strip_prefix("[]") {
            Some(element) => (true, element),
            None => (false, type_name),
        };
        let ty = match (is_array, scalar(element)) {
            (false, Some(s)) => Type::Scalar(s),
            (true, Some(s)) => Type::ScalarArray(s),
            (array, None) => {
                self.define_struct(element, json.get("fields"), &at)?;
                if array {
                    Type::StructArray(element.to_owned())
                } else {
                    Type::Struct(element.to_owned())
                }
            }
        };
        let tag = match json.get("tag") {
            None => None,
            // One schema (BrokerHeartbeatRequest) writes its tag as a string: "tag": "0".
            Some(t) => Some(
                t.as_u64()
                    .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
                    .and_then(|t| u32::try_from(t).ok())
                    .ok_or_else(|| format!("{at}: bad tag"))?,
            ),
        };
        let tagged = optional_versions(json, "taggedVersions", &at)?;
        if tag.is_some() != (tagged != Versions::NONE) {
            return Err(format!("{at}: tag and taggedVersions go together"));
        }
        if json.get("flexibleVersions").is_some() {
            // Only RequestHeader.ClientId uses this, and headers are not generated.
            return Err(format!(
                "{at}: a field-level flexibleVersions is not supported"
            ));
        }
        Ok(Field {
            entity: entity_of(json, &name, element, &at)?,
            default: default_of(json, &ty, &at)?,
            name,
            ty,
            versions: Versions::parse(text(json, "versions", &at)?)?,
            nullable: optional_versions(json, "nullableVersions", &at)?,
            tagged,
            tag,
        })
    }

    /// Record struct `name`, from its inline `fields` or from `commonStructs`. A name used twice
    /// refers to the same struct (Kafka's rule); the first definition wins.
    fn define_struct(
        &mut self,
        name: &str,
        inline: Option<&Value>,
        at: &str,
    ) -> Result<(), String> {
        if self.structs.iter().any(|(n, _)| n == name) {
            return Ok(());
        }
        let body = match inline {
            Some(fields) => fields.clone(),
            None => self
                .common
                .get(name)
                .cloned()
                .ok_or_else(|| format!("{at}: struct {name} is neither inline nor common"))?,
        };
        // Reserve the slot first so that a struct's position reflects its first use.
        self.structs.push((name.to_owned(), Vec::new()));
        let fields = self.fields(&body, &format!("{}#{name}", self.message))?;
        if let Some(slot) = self.structs.iter_mut().find(|(n, _)| n == name) {
            slot.1 = fields;
        }
        Ok(())
    }
}

/// Read one schema file.
pub fn read_message(path: &Path) -> Result<Message, String> {
    let at = path.display().to_string();
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{at}: {e}"))?;
    let json: Value =
        serde_json::from_str(&strip_comments(&raw)).map_err(|e| format!("{at}: {e}"))?;
    let name = text(&json, "name", &at)?.to_owned();
    let mut common = BTreeMap::new();
    if let Some(list) = json.get("commonStructs").and_then(Value::as_array) {
        for c in list {
            let cname = text(c, "name", &at)?.to_owned();
            let fields = c
                .get("fields")
                .cloned()
                .ok_or_else(|| format!("{at}: common struct {cname} has no fields"))?;
            common.insert(cname, fields);
        }
    }
    let mut reader = Reader {
        message: &name,
        structs: Vec::new(),
        common,
    };
    let body = json
        .get("fields")
        .ok_or_else(|| format!("{at}: no fields"))?;
    let fields = reader.fields(body, &name)?;
    let structs = reader.structs;
    Ok(Message {
        api_key: json
            .get("apiKey")
            .and_then(Value::as_i64)
            .and_then(|k| i16::try_from(k).ok()),
        kind: text(&json, "type", &at)?.to_owned(),
        versions: Versions::parse(text(&json, "validVersions", &at)?)?,
        flexible: Versions::parse(text(&json, "flexibleVersions", &at)?)?,
        name,
        fields,
        structs,
    })
}
