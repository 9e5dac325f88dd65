//! Kafka's `sasl.jaas.config` value: `<LoginModule class> <flag> key="value" key2=value2;`.
//!
//! kgate reads it only for the credentials it carries (`username`/`password` for PLAIN and
//! SCRAM, `clientId`/`clientSecret`/`scope` for OAUTHBEARER), so the configuration users copy
//! from their Kafka clients works unchanged. Conduktor's docs print the quotes typographically
//! (`clientId=“<>”`), and people paste that, so “...” is accepted as quoting too.
//! Every value is held as a [`Secret`] and no error message ever contains one.

use std::collections::BTreeMap;

use super::secret::Secret;

const FLAGS: &[&str] = &["required", "requisite", "sufficient", "optional"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JaasConfig {
    /// e.g. `org.apache.kafka.common.security.plain.PlainLoginModule`.
    pub login_module: String,
    /// `required`, `requisite`, `sufficient` or `optional`, lowercased.
    pub control_flag: String,
    pub options: BTreeMap<String, Secret>,
}

impl JaasConfig {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(Secret::expose)
    }

    /// An option that must be there, with an error naming `var` (the setting it came from).
    pub fn require(&self, var: &str, key: &str) -> Result<&str, String> {
        self.get(key)
            .ok_or_else(|| format!("{var}: the login module has no {key:?} option"))
    }
}

/// Parse a `sasl.jaas.config` value holding exactly one login module.
pub fn parse(text: &str) -> Result<JaasConfig, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser { chars, pos: 0 };
    p.skip_ws();
    let login_module = p.word();
    if login_module.is_empty() {
        return Err("sasl.jaas.config: expected a login module class name".into());
    }
    p.skip_ws();
    let flag = p.word().to_ascii_lowercase();
    if !FLAGS.contains(&flag.as_str()) {
        return Err(format!(
            "sasl.jaas.config: after {login_module} expected one of {} at character {}",
            FLAGS.join(", "),
            p.pos
        ));
    }
    let mut options = BTreeMap::new();
    loop {
        p.skip_ws();
        match p.peek() {
            None => return Err("sasl.jaas.config: missing the final ';'".into()),
            Some(';') => {
                p.pos += 1;
                break;
            }
            Some(_) => {}
        }
        let key = p.word();
        if key.is_empty() {
            return Err(format!(
                "sasl.jaas.config: expected an option name at character {}",
                p.pos
            ));
        }
        p.skip_ws();
        if p.peek() != Some('=') {
            return Err(format!(
                "sasl.jaas.config: option {key:?} has no '=' after it"
            ));
        }
        p.pos += 1;
        p.skip_ws();
        let value = p.value(&key)?;
        if options.insert(key.clone(), Secret::new(value)).is_some() {
            return Err(format!("sasl.jaas.config: option {key:?} is set twice"));
        }
    }
    p.skip_ws();
    if p.peek().is_some() {
        return Err(format!(
            "sasl.jaas.config: exactly one login module is allowed; text follows the ';' at character {}",
            p.pos
        ));
    }
    Ok(JaasConfig {
        login_module,
        control_flag: flag,
        options,
    })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '=' | ';' | '"' | '“' | '”')
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn word(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek().filter(|c| !is_special(*c)) {
            out.push(c);
            self.pos += 1;
        }
        out
    }

    /// A quoted value (`"..."` with `\` escapes, or `“...”`) or a bare word.
    fn value(&mut self, key: &str) -> Result<String, String> {
        let close = match self.peek() {
            Some('"') => '"',
            Some('“') => '”',
            Some('”') => '”',
            _ => {
                let word = self.word();
                if word.is_empty() {
                    return Err(format!("sasl.jaas.config: option {key:?} has no value"));
                }
                return Ok(word);
            }
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(format!(
                        "sasl.jaas.config: the value of {key:?} has no closing quote"
                    ))
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => out.push(c),
                        None => {
                            return Err(format!(
                                "sasl.jaas.config: the value of {key:?} ends in '\\'"
                            ))
                        }
                    }
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => out.push(c),
            }
            self.pos += 1;
        }
    }
}

#[cfg(test)]
#[path = "jaas_tests.rs"]
mod tests;
