//! `{{name}}` templates in plugin configs: values of the connection and the request, the same
//! for every plugin that takes a template (`clientIdTemplate`, ...).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::pipeline::session::Session;
use crate::vcluster::runtime::ANONYMOUS;

/// Every variable a template may use.
pub const VARIABLES: &[&str] = &[
    "user",
    "vcluster",
    "clientId",
    "userIp",
    "gatewayHost",
    "gatewayVersion",
    "apiKey",
    "apiKeyVersion",
    "uuid",
    "timestampMillis",
];

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(&'static str),
}

/// What a template is expanded with, besides the session.
#[derive(Debug, Clone, Copy)]
pub struct RequestInfo {
    /// The request's API key.
    pub api_key: i16,
    /// Its version.
    pub api_version: i16,
}

impl Template {
    /// Parses `text`; an unknown `{{name}}` or an unclosed `{{` is an error naming `field`.
    pub fn parse(field: &str, text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("{field}: \"{{{{\" without \"}}}}\""))?;
            let name = after[..end].trim();
            let var = VARIABLES.iter().find(|v| **v == name).ok_or_else(|| {
                format!(
                    "{field}: unknown variable {{{{{name}}}}} (known: {})",
                    VARIABLES.join(", ")
                )
            })?;
            parts.push(Part::Var(var));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The template with its variables filled in.
    pub fn expand(&self, session: &Session, request: RequestInfo) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => out.push_str(&value(v, session, request)),
            }
        }
        out
    }
}

fn value(var: &str, session: &Session, request: RequestInfo) -> String {
    match var {
        "user" => session
            .service_account
            .clone()
            .or_else(|| session.principal.clone())
            .unwrap_or_else(|| ANONYMOUS.to_owned()),
        "vcluster" => session.vcluster.clone(),
        "clientId" => session.client_id.clone().unwrap_or_default(),
        "userIp" => session.source.ip().to_string(),
        "gatewayHost" => gateway_host(),
        "gatewayVersion" => env!("CARGO_PKG_VERSION").to_owned(),
        "apiKey" => codec::api::api_name(request.api_key).to_owned(),
        "apiKeyVersion" => request.api_version.to_string(),
        "uuid" => uuid_v4(),
        "timestampMillis" => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
            .to_string(),
        _ => String::new(),
    }
}

fn gateway_host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A random (version 4) UUID.
pub fn uuid_v4() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        // No randomness from the OS: a time-based value still differs per call.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::listener::ListenerKind;

    #[test]
    fn variables_expand_from_the_session_and_request() {
        let mut s = Session::new(
            "10.1.2.3:5000".parse().unwrap(),
            ListenerKind::Port { broker_id: None },
        );
        s.principal = Some("alice".into());
        s.client_id = Some("app".into());
        let t = Template::parse(
            "f",
            "{{user}}-{{userIp}}-{{clientId}}-{{apiKey}}/{{apiKeyVersion}}",
        )
        .unwrap();
        let info = RequestInfo {
            api_key: 0,
            api_version: 9,
        };
        assert_eq!(t.expand(&s, info), "alice-10.1.2.3-app-Produce/9");
        let id = Template::parse("f", "{{uuid}}").unwrap().expand(&s, info);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn unknown_variables_are_refused() {
        let e = Template::parse("spec.config.clientIdTemplate", "x-{{nope}}").unwrap_err();
        assert!(
            e.starts_with("spec.config.clientIdTemplate: unknown variable {{nope}}"),
            "{e}"
        );
        assert!(Template::parse("f", "x-{{user").is_err());
    }
}
