//! Kafka's `ssl.principal.mapping.rules`, with Kafka's syntax and semantics
//! (`org.apache.kafka.common.security.ssl.SslPrincipalMapper`), so that a broker's setting can be
//! copied to kgate unchanged.
//!
//! Kafka splits and parses the setting with Java regular expressions; the same expressions are
//! used here, with Java's `.` and `\s` spelled out because the regex crate's are wider. Rules are
//! Java regular expressions run by the regex crate: the common syntax agrees, while Java-only
//! constructs (look-around, back-references, possessive quantifiers) are rejected at parse time.
//! One deliberate difference: a replacement that Java would reject when first applied (`$x`,
//! a trailing `\`, an unknown group) is an error here at parse time, since it can never succeed.

use regex::{Captures, Regex};
use std::fmt;

/// Java's `.` (no line terminators) and `\s` (ASCII only).
const JAVA_DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";
const JAVA_SPACE: &str = r"[ \t\n\x0B\x0C\r]";

/// Kafka's `RULE_PATTERN`: group 1 is DEFAULT, 2 the pattern, 4 the replacement, 6 the flag.
fn rule_pattern() -> String {
    let d = JAVA_DOT;
    format!(r"(DEFAULT)|RULE:((\\{d}|[^\\/])*)/((\\{d}|[^\\/])*)/([LU]?){d}*?|({d}*?)")
}

/// Parsed mapping rules: the first rule that matches a distinguished name names the principal.
#[derive(Debug, Clone)]
pub struct PrincipalMapper {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
enum Rule {
    Default,
    Replace(Replace),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Keep,
    Lower,
    Upper,
}

#[derive(Debug, Clone)]
struct Replace {
    pattern: String,
    replacement: String,
    /// The pattern as written: Java's `replaceAll` finds with it.
    find: Regex,
    /// The pattern anchored at both ends: Java's `Matcher.matches()`.
    whole: Regex,
    pieces: Vec<Piece>,
    case: Case,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
    Named(String),
}

/// Parses `ssl.principal.mapping.rules`; `DEFAULT` is Kafka's default value.
pub fn parse(rules: &str) -> Result<PrincipalMapper, String> {
    PrincipalMapper::parse(rules)
}

impl PrincipalMapper {
    /// Parses `ssl.principal.mapping.rules`; `DEFAULT` is Kafka's default value.
    pub fn parse(rules: &str) -> Result<PrincipalMapper, String> {
        let internal = |e: regex::Error| format!("internal rule parser error: {e}");
        let s = JAVA_SPACE;
        let splitter =
            Regex::new(&format!(r"{s}*({}){s}*(,{s}*|$)", rule_pattern())).map_err(internal)?;
        let parser = Regex::new(&format!(r"\A(?:{})", rule_pattern())).map_err(internal)?;
        // Java's String.trim(): every char up to U+0020.
        let trimmed = rules.trim_matches(|c: char| c <= ' ');
        let mut parsed = Vec::new();
        for split in splitter.captures_iter(trimmed) {
            let rule = split.get(1).map_or("", |m| m.as_str());
            if let Some(r) = parse_rule(&parser, rule)? {
                parsed.push(r);
            }
        }
        Ok(PrincipalMapper { rules: parsed })
    }

    /// The principal name for a distinguished name, or Kafka's "No rules apply" error.
    pub fn map(&self, distinguished_name: &str) -> Result<String, String> {
        for rule in &self.rules {
            let name = match rule {
                Rule::Default => Some(distinguished_name.to_string()),
                Rule::Replace(r) => r.apply(distinguished_name),
            };
            if let Some(name) = name {
                return Ok(name);
            }
        }
        Err(format!(
            "No rules apply to {distinguished_name}, rules {self}"
        ))
    }
}

impl Default for PrincipalMapper {
    /// Kafka's default: the distinguished name is the principal.
    fn default() -> Self {
        PrincipalMapper {
            rules: vec![Rule::Default],
        }
    }
}

/// Kafka's list form, e.g. `[RULE:^CN=(.*)$/$1/L, DEFAULT]`, for logs and errors.
impl fmt::Display for PrincipalMapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match rule {
                Rule::Default => f.write_str("DEFAULT")?,
                Rule::Replace(r) => {
                    write!(f, "RULE:{}/{}", r.pattern, r.replacement)?;
                    match r.case {
                        Case::Keep => {}
                        Case::Lower => f.write_str("/L")?,
                        Case::Upper => f.write_str("/U")?,
                    }
                }
            }
        }
        f.write_str("]")
    }
}

/// One split-out rule; `None` for an empty one, which Kafka ignores.
fn parse_rule(parser: &Regex, rule: &str) -> Result<Option<Rule>, String> {
    let caps = parser
        .captures(rule)
        .ok_or_else(|| format!("Invalid rule: {rule}"))?;
    let end = caps.get(0).map_or(0, |m| m.end());
    if end != rule.len() {
        let unmatched = rule.get(end..).unwrap_or("");
        return Err(format!(
            "Invalid rule: `{rule}`, unmatched substring: `{unmatched}`"
        ));
    }
    if caps.get(1).is_some() {
        return Ok(Some(Rule::Default));
    }
    let Some(pattern) = caps.get(2) else {
        return Ok(None);
    };
    let replacement = caps.get(4).map_or("", |m| m.as_str());
    let case = match caps.get(6).map(|m| m.as_str()) {
        Some("L") => Case::Lower,
        Some("U") => Case::Upper,
        _ => Case::Keep,
    };
    Replace::new(pattern.as_str(), replacement, case)
        .map(|r| Some(Rule::Replace(r)))
        .map_err(|e| format!("Invalid rule: `{rule}`: {e}"))
}

impl Replace {
    fn new(pattern: &str, replacement: &str, case: Case) -> Result<Replace, String> {
        let find = Regex::new(pattern).map_err(|e| format!("bad pattern: {e}"))?;
        // A trailing `#` comment under (?x) would swallow the closing `)`; a newline ends it.
        let whole = Regex::new(&format!(r"\A(?:{pattern})\z"))
            .or_else(|_| Regex::new(&format!("\\A(?:{pattern}\n)\\z")))
            .map_err(|e| format!("bad pattern: {e}"))?;
        let groups = find.captures_len().saturating_sub(1);
        let escaped = escape_literal_back_references(replacement, groups)?;
        let pieces = compile_replacement(&escaped, &find)?;
        Ok(Replace {
            pattern: pattern.to_string(),
            replacement: replacement.to_string(),
            find,
            whole,
            pieces,
            case,
        })
    }

    /// Java's `matches()` then `replaceAll()`: every match is replaced, including the empty match
    /// Java finds at the end after a match that ends there (so `.*` yields the replacement twice).
    fn apply(&self, dn: &str) -> Option<String> {
        if !self.whole.is_match(dn) {
            return None;
        }
        let mut out = String::with_capacity(dn.len());
        let mut copied = 0;
        let mut at = 0;
        while at <= dn.len() {
            let Some(caps) = self.find.captures_at(dn, at) else {
                break;
            };
            let Some(m) = caps.get(0) else { break };
            out.push_str(dn.get(copied..m.start()).unwrap_or(""));
            self.expand(&caps, &mut out);
            copied = m.end();
            at = if m.is_empty() {
                let next = dn.get(m.end()..).and_then(|rest| rest.chars().next());
                next.map_or(dn.len() + 1, |c| m.end() + c.len_utf8())
            } else {
                m.end()
            };
        }
        out.push_str(dn.get(copied..).unwrap_or(""));
        Some(match self.case {
            Case::Keep => out,
            Case::Lower => out.to_lowercase(),
            Case::Upper => out.to_uppercase(),
        })
    }

    fn expand(&self, caps: &Captures<'_>, out: &mut String) {
        for piece in &self.pieces {
            let text = match piece {
                Piece::Literal(s) => Some(s.as_str()),
                Piece::Group(i) => caps.get(*i).map(|m| m.as_str()),
                Piece::Named(n) => caps.name(n).map(|m| m.as_str()),
            };
            out.push_str(text.unwrap_or(""));
        }
    }
}

/// Kafka's `escapeLiteralBackReferences` (from Apache NiFi): `$N` naming a group that does not
/// exist is shortened digit by digit, and if still too large its `$` is escaped. Kafka's quirk
/// is kept: positions come from the original string while backslashes are inserted into the
/// growing copy, so a second escape lands one place early per earlier escape.
fn escape_literal_back_references(unescaped: &str, groups: usize) -> Result<String, String> {
    if groups == 0 {
        return Ok(unescaped.to_string());
    }
    let original: Vec<char> = unescaped.chars().collect();
    let mut value = original.clone();
    let mut i = 0;
    while i < original.len() {
        let starts_ref = original.get(i) == Some(&'$')
            && original.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if !starts_ref {
            i += 1;
            continue;
        }
        let digits: String = original
            .iter()
            .skip(i + 1)
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let dollar = i;
        i += 1 + digits.len();
        if digits.starts_with('0') {
            continue;
        }
        // Java's Integer.parseInt: a number past i32 throws.
        let mut index: usize = digits
            .parse::<i32>()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("group reference ${digits} is too large"))?;
        while index > groups && index >= 10 {
            index /= 10;
        }
        if index > groups {
            value.insert(dollar.min(value.len()), '\\');
        }
    }
    Ok(value.into_iter().collect())
}

/// Java's replacement syntax (`Matcher.appendReplacement`): `\c` is a literal `c`, `$N` takes
/// the longest N that names a group, `${name}` a named group.
fn compile_replacement(replacement: &str, re: &Regex) -> Result<Vec<Piece>, String> {
    let groups = re.captures_len().saturating_sub(1);
    let chars: Vec<char> = replacement.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut it = chars.iter().copied().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                let escaped = it
                    .next()
                    .ok_or("replacement: character to be escaped is missing")?;
                literal.push(escaped);
            }
            '$' => {
                let next = it
                    .next()
                    .ok_or("replacement: illegal group reference: group index is missing")?;
                let piece = if next == '{' {
                    let mut name = String::new();
                    while let Some(&n) = it.peek().filter(|n| n.is_ascii_alphanumeric()) {
                        name.push(n);
                        it.next();
                    }
                    if name.is_empty() {
                        return Err("replacement: named capturing group has 0 length name".into());
                    }
                    if it.next() != Some('}') {
                        return Err(
                            "replacement: named capturing group is missing trailing '}'".into()
                        );
                    }
                    if name.starts_with(|n: char| n.is_ascii_digit()) {
                        return Err(format!(
                            "replacement: group name {{{name}}} starts with a digit"
                        ));
                    }
                    if !re.capture_names().any(|n| n == Some(name.as_str())) {
                        return Err(format!("replacement: no group with name {{{name}}}"));
                    }
                    Piece::Named(name)
                } else {
                    let mut index = next
                        .to_digit(10)
                        .ok_or("replacement: illegal group reference")?
                        as usize;
                    while let Some(d) = it.peek().and_then(|d| d.to_digit(10)) {
                        let longer = index * 10 + d as usize;
                        if longer > groups {
                            break;
                        }
                        index = longer;
                        it.next();
                    }
                    if index > groups {
                        return Err(format!("replacement: no group {index}"));
                    }
                    Piece::Group(index)
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(piece);
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
#[path = "principal_mapping_tests.rs"]
mod tests;
