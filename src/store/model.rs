//! The gateway's stored resources and the rules their names follow.

use serde::{Deserialize, Serialize};

/// The virtual cluster of everything not given one: the whole backing cluster.
pub const DEFAULT_VCLUSTER: &str = "passthrough";

/// Longest name accepted; Kafka principals and topic names stay well below.
pub const MAX_NAME_LEN: usize = 255;

/// Longest external name: X.509 distinguished names can be long, but not unbounded.
pub const MAX_EXTERNAL_NAME_LEN: usize = 1024;

/// A service account, as stored and as the data path sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    /// The gateway-side name, used by ACLs, interceptor scopes and audit.
    pub name: String,
    /// The virtual cluster the account belongs to.
    #[serde(rename = "vCluster")]
    pub vcluster: String,
    /// Where the identity comes from.
    #[serde(flatten)]
    pub kind: AccountKind,
}

/// LOCAL accounts authenticate with gateway tokens; EXTERNAL ones rename a principal proven
/// elsewhere (OAuth `sub`, mTLS subject).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AccountKind {
    /// Authenticates with tokens from `POST /gateway/v2/token`.
    #[serde(rename = "LOCAL")]
    Local,
    /// Any of these external principals is this account.
    #[serde(rename = "EXTERNAL")]
    External {
        /// Non-empty; each name belongs to one account only.
        #[serde(rename = "externalNames")]
        external_names: Vec<String>,
    },
}

impl ServiceAccount {
    /// The external names, empty for LOCAL accounts.
    pub fn external_names(&self) -> &[String] {
        match &self.kind {
            AccountKind::Local => &[],
            AccountKind::External { external_names } => external_names,
        }
    }

    /// Checks names and external names; the error names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        check_name("metadata.name", &self.name)?;
        check_name("metadata.vCluster", &self.vcluster)?;
        if let AccountKind::External { external_names } = &self.kind {
            if external_names.is_empty() {
                return Err("spec.externalNames: must list at least one name for EXTERNAL".into());
            }
            for (i, name) in external_names.iter().enumerate() {
                check_external_name(name).map_err(|e| format!("spec.externalNames[{i}]: {e}"))?;
                if external_names[..i].contains(name) {
                    return Err(format!("spec.externalNames[{i}]: {name:?} is listed twice"));
                }
            }
        }
        Ok(())
    }
}

/// The name rule for account names, virtual clusters and tenant ids:
/// `^[a-zA-Z0-9_.@-]{1,255}$`. Strict on purpose: these names end up in principals, log lines
/// and file contents, where spaces, quotes or control characters only cause trouble.
pub fn check_name(field: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("{field}: must be 1-{MAX_NAME_LEN} characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-')))
    {
        return Err(format!(
            "{field}: {bad:?} is not allowed (letters, digits, '_', '.', '@', '-')"
        ));
    }
    Ok(())
}

/// The name rule of the reference for virtual clusters, prefixes and alias topics:
/// `^[a-zA-Z0-9._-]{1,255}$` (no `@`: these names become parts of Kafka topic names).
pub fn check_resource_name(field: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("{field}: must be 1-{MAX_NAME_LEN} characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "{field}: {bad:?} is not allowed (letters, digits, '_', '.', '-')"
        ));
    }
    Ok(())
}

/// Longest Kafka topic name.
pub const MAX_TOPIC_LEN: usize = 249;

/// A Kafka topic name: the resource name rule, at most 249 characters, not `.` or `..`.
pub fn check_topic_name(field: &str, name: &str) -> Result<(), String> {
    check_resource_name(field, name)?;
    if name.len() > MAX_TOPIC_LEN {
        return Err(format!(
            "{field}: a Kafka topic name has at most {MAX_TOPIC_LEN} characters"
        ));
    }
    if name == "." || name == ".." {
        return Err(format!("{field}: {name:?} is not a valid Kafka topic name"));
    }
    Ok(())
}

/// External names are whatever an identity provider says (a DN has spaces, '=' and ','), so
/// only emptiness, length and control characters are refused.
fn check_external_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > MAX_EXTERNAL_NAME_LEN {
        return Err(format!(
            "must be 1-{MAX_EXTERNAL_NAME_LEN} characters, not blank"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("control characters are not allowed".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, kind: AccountKind) -> ServiceAccount {
        ServiceAccount {
            name: name.into(),
            vcluster: DEFAULT_VCLUSTER.into(),
            kind,
        }
    }

    #[test]
    fn name_rule() {
        for good in [
            "jdoe",
            "a",
            "user@example.com",
            "svc-1_b.c",
            &"x".repeat(255),
        ] {
            assert_eq!(check_name("f", good), Ok(()), "{good}");
        }
        for bad in ["", "a b", "a/b", "é", "a\nb", "a:b", &"x".repeat(256)] {
            let err = check_name("metadata.name", bad).unwrap_err();
            assert!(err.starts_with("metadata.name: "), "{err}");
        }
    }

    #[test]
    fn resource_and_topic_name_rules() {
        for good in ["customers", "vc-a.b_c", "A1", &"x".repeat(255)] {
            assert_eq!(check_resource_name("f", good), Ok(()), "{good}");
        }
        for bad in ["", "a@b", "a b", "a/b", "é", &"x".repeat(256)] {
            let err = check_resource_name("spec.prefix", bad).unwrap_err();
            assert!(err.starts_with("spec.prefix: "), "{err}");
        }
        assert_eq!(check_topic_name("t", &"x".repeat(249)), Ok(()));
        assert!(check_topic_name("t", &"x".repeat(250)).is_err());
        assert!(check_topic_name("t", "..").is_err());
        assert!(check_topic_name("t", ".").is_err());
        assert_eq!(check_topic_name("t", ".a"), Ok(()));
    }

    #[test]
    fn external_accounts_need_unique_non_empty_names() {
        let ext = |names: &[&str]| {
            account(
                "app",
                AccountKind::External {
                    external_names: names.iter().map(|s| s.to_string()).collect(),
                },
            )
            .validate()
        };
        assert_eq!(ext(&["CN=app, OU=x"]), Ok(()));
        assert!(ext(&[]).unwrap_err().starts_with("spec.externalNames:"));
        assert!(ext(&["a", "a"]).unwrap_err().contains("listed twice"));
        assert!(ext(&[" "])
            .unwrap_err()
            .starts_with("spec.externalNames[0]"));
        assert!(ext(&["ok", "a\u{7}"])
            .unwrap_err()
            .starts_with("spec.externalNames[1]"));
    }

    #[test]
    fn stored_shape_is_stable() {
        let ext = account(
            "app",
            AccountKind::External {
                external_names: vec!["sub-1".into()],
            },
        );
        let json = serde_json::to_value(&ext).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"name": "app", "vCluster": "passthrough", "type": "EXTERNAL",
                               "externalNames": ["sub-1"]})
        );
        let back: ServiceAccount = serde_json::from_value(json).expect("parses");
        assert_eq!(back, ext);
        let local = serde_json::to_value(account("jdoe", AccountKind::Local)).expect("json");
        assert_eq!(local["type"], "LOCAL");
    }
}
