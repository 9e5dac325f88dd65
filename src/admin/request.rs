//! One admin API request as the handlers see it, decoupled from tiny_http so every handler is
//! testable as a plain function; plus helpers that read JSON bodies field by field, so that each
//! 400 names the field at fault.

use serde_json::{Map, Value};

/// Largest request body read; service accounts and token requests are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the handlers need from an HTTP request.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// `GET`, `PUT`, ...
    pub method: String,
    /// The path and query, as sent.
    pub url: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The body; `None` when it was larger than [`MAX_BODY_BYTES`].
    pub body: Option<Vec<u8>>,
}

impl ApiRequest {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.url.split_once('?').map_or(&self.url, |(p, _)| p)
    }

    /// The first value of query parameter `name`, percent-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.url.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k).as_deref() == Some(name)).then(|| percent_decode(v))?
        })
    }
}

/// `%XX` and `+` decoding; `None` for invalid escapes or non-UTF-8 results.
pub fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = raw.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The body as a JSON object whose keys are all in `allowed`.
pub fn json_object(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("body: not valid JSON ({e})"))?;
    object(value, "body", allowed)
}

/// `value` as an object whose keys are all in `allowed`; `field` names it in errors.
pub fn object(value: Value, field: &str, allowed: &[&str]) -> Result<Map<String, Value>, String> {
    let Value::Object(map) = value else {
        return Err(format!("{field}: expected a JSON object"));
    };
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        let prefix = if field == "body" {
            String::new()
        } else {
            format!("{field}.")
        };
        return Err(format!(
            "{prefix}{unknown}: unknown field (expected one of {})",
            allowed.join(", ")
        ));
    }
    Ok(map)
}

/// An optional string field; `null` counts as absent.
pub fn opt_string(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<String>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{field}: expected a string")),
    }
}

/// A required string field.
pub fn string(map: &mut Map<String, Value>, key: &str, field: &str) -> Result<String, String> {
    opt_string(map, key, field)?.ok_or_else(|| format!("{field}: missing"))
}

/// An optional boolean field; `null` counts as absent.
pub fn opt_bool(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<bool>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(_) => Err(format!("{field}: expected true or false")),
    }
}

/// An optional list field; `null` counts as absent (an empty list).
pub fn opt_list(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Vec<Value>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{field}: expected a list")),
    }
}

/// An optional list of strings; errors name the item (`field[i]`).
pub fn opt_string_list(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Vec<String>, String> {
    opt_list(map, key, field)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s),
            _ => Err(format!("{field}[{i}]: expected a string")),
        })
        .collect()
}

/// The resource envelope of the `gateway/v2` API: checks `kind` and `apiVersion`, and returns
/// `metadata` (required) and `spec` (`None` when absent or null), for [`object`] to check.
pub fn resource_envelope(body: &[u8], kind: &str) -> Result<(Value, Option<Value>), String> {
    let mut top = json_object(body, &["kind", "apiVersion", "metadata", "spec"])?;
    let got = string(&mut top, "kind", "kind")?;
    if got != kind {
        return Err(format!("kind: expected {kind:?}, got {got:?}"));
    }
    let version = string(&mut top, "apiVersion", "apiVersion")?;
    if version != API_VERSION {
        return Err(format!(
            "apiVersion: expected {API_VERSION:?}, got {version:?}"
        ));
    }
    let metadata = top.remove("metadata").ok_or("metadata: missing")?;
    let spec = top.remove("spec").filter(|v| !v.is_null());
    Ok((metadata, spec))
}

/// The `apiVersion` of every resource.
pub const API_VERSION: &str = "gateway/v2";

/// A DELETE body naming one resource of a virtual cluster: `{"name": .., "vCluster": ..}`
/// (`vCluster` defaults to passthrough); `check` validates the name.
pub fn name_in_vcluster(
    body: &[u8],
    check: impl Fn(&str, &str) -> Result<(), String>,
) -> Result<(String, String), String> {
    let mut map = json_object(body, &["name", "vCluster"])?;
    let name = string(&mut map, "name", "name")?;
    let vcluster = opt_string(&mut map, "vCluster", "vCluster")?
        .unwrap_or_else(|| crate::store::DEFAULT_VCLUSTER.into());
    check("name", &name)?;
    crate::store::model::check_name("vCluster", &vcluster)?;
    Ok((name, vcluster))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        let req = ApiRequest {
            url: "/x?a=1&vcluster=vc%2Db&empty&n=a+b%40c".into(),
            ..ApiRequest::default()
        };
        assert_eq!(req.path(), "/x");
        assert_eq!(req.query("vcluster").as_deref(), Some("vc-b"));
        assert_eq!(req.query("n").as_deref(), Some("a b@c"));
        assert_eq!(req.query("empty").as_deref(), Some(""));
        assert_eq!(req.query("missing"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn json_fields_name_themselves_in_errors() {
        assert!(json_object(b"{", &[])
            .unwrap_err()
            .starts_with("body: not valid JSON"));
        assert_eq!(
            json_object(b"[]", &[]).unwrap_err(),
            "body: expected a JSON object"
        );
        let err = json_object(br#"{"name":"a","nmae":"b"}"#, &["name"]).unwrap_err();
        assert!(err.starts_with("nmae: unknown field"), "{err}");
        let err = object(serde_json::json!({"x": 1}), "metadata", &["name"]).unwrap_err();
        assert!(err.starts_with("metadata.x: unknown field"), "{err}");
        let mut map = json_object(br#"{"name":1,"v":null}"#, &["name", "v"]).expect("object");
        assert_eq!(
            string(&mut map, "name", "name").unwrap_err(),
            "name: expected a string"
        );
        assert_eq!(opt_string(&mut map, "v", "v"), Ok(None));
        assert_eq!(string(&mut map, "w", "w").unwrap_err(), "w: missing");
    }
}
