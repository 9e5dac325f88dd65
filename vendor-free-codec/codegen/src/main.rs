//! Writes the codec's schema tables (`vendor-free-codec/src/schema/generated.rs`) from Apache
//! Kafka's JSON message schemas.
//!
//! Usage: `kgate-codegen SCHEMA_DIR OUT_FILE [OVERLAY_DIR]`, where SCHEMA_DIR holds `newest/`
//! and `older/`. A key defined in both folders is taken from `newest/`; `older/` supplies the APIs
//! newest/ lacks. OVERLAY_DIR (`vendor-free-codec/codegen/overlay`) wins over both: the few
//! schemas where the reference copies lag behind the brokers kgate serves (an API version a
//! client uses that kgate could otherwise neither walk nor advertise). The consumer protocol's two data messages come along because JoinGroup and SyncGroup
//! carry topic names inside their opaque bytes.

mod emit;
mod model;

use model::Message;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DATA_MESSAGES: &[&str] = &["ConsumerProtocolSubscription", "ConsumerProtocolAssignment"];

fn schema_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let wanted = name.ends_with("Request.json")
            || name.ends_with("Response.json")
            || DATA_MESSAGES.iter().any(|d| name == format!("{d}.json"));
        if wanted {
            files.push(path);
        }
    }
    // Directory order differs between machines; the output must not.
    files.sort();
    Ok(files)
}

/// (api key, "request" | "response") -> message, plus the data messages by name.
type Loaded = (BTreeMap<(i16, String), Message>, BTreeMap<String, Message>);

fn load(dir: &Path) -> Result<Loaded, String> {
    let mut apis = BTreeMap::new();
    let mut data = BTreeMap::new();
    for path in schema_files(dir)? {
        let m = model::read_message(&path)?;
        let at = path.display();
        match (m.api_key, m.kind.as_str()) {
            (Some(key), "request" | "response") => {
                let slot = (key, m.kind.clone());
                if apis.insert(slot, m).is_some() {
                    return Err(format!("{at}: api key {key} defined twice in one folder"));
                }
            }
            (None, "data") => {
                data.insert(m.name.clone(), m);
            }
            _ => return Err(format!("{at}: neither an API message nor a data message")),
        }
    }
    Ok((apis, data))
}

fn run(schemas: &Path, out: &Path, overlay: Option<&Path>) -> Result<(), String> {
    let (mut apis, mut data) = load(&schemas.join("older"))?;
    let (newest_apis, newest_data) = load(&schemas.join("newest"))?;
    apis.extend(newest_apis);
    data.extend(newest_data);
    if let Some(overlay) = overlay {
        let (overlay_apis, overlay_data) = load(overlay)?;
        apis.extend(overlay_apis);
        data.extend(overlay_data);
    }
    let mut keys: Vec<i16> = apis.keys().map(|(k, _)| *k).collect();
    keys.dedup();
    let mut pairs = Vec::new();
    for key in keys {
        let request = apis.remove(&(key, "request".to_owned()));
        let response = apis.remove(&(key, "response".to_owned()));
        let (Some(request), Some(response)) = (request, response) else {
            return Err(format!("api key {key}: request or response schema missing"));
        };
        let name = request
            .name
            .strip_suffix("Request")
            .ok_or_else(|| format!("{} does not end in Request", request.name))?
            .to_owned();
        pairs.push((key, name, request, response));
    }
    let mut data_messages = Vec::new();
    for name in DATA_MESSAGES {
        data_messages.push(
            data.remove(*name)
                .ok_or_else(|| format!("{name}.json not found under {}", schemas.display()))?,
        );
    }
    let text = emit::generated_file(&pairs, &data_messages)?;
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (schemas, out, overlay) = match args.as_slice() {
        [schemas, out] => (schemas, out, None),
        [schemas, out, overlay] => (schemas, out, Some(Path::new(overlay))),
        _ => {
            eprintln!("usage: kgate-codegen SCHEMA_DIR OUT_FILE [OVERLAY_DIR]");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(Path::new(schemas), Path::new(out), overlay) {
        eprintln!("kgate-codegen: {e}");
        std::process::exit(1);
    }
}
