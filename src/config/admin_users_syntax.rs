//! The inline list syntax of `GATEWAY_ADMIN_API_USERS`: a flow sequence of flow mappings, as in
//! YAML (`[{username: admin, password: x}]`) or JSON (`[{"username": "admin", ...}]`).
//!
//! Written by hand because a YAML crate for one variable would be the largest dependency of the
//! gateway. Values are plain (trimmed, ending at `,` or `}`), 'single-quoted' (`''` is a quote)
//! or "double-quoted" (JSON escapes). Error messages give positions, never values: the input
//! holds passwords.

/// One mapping's `(key, value)` pairs in input order.
pub type Entry = Vec<(String, String)>;

pub fn parse(raw: &str) -> Result<Vec<Entry>, String> {
    let mut p = Parser {
        chars: raw.char_indices().peekable(),
    };
    p.skip_ws();
    p.expect('[')?;
    let mut entries = Vec::new();
    p.skip_ws();
    if p.eat(']') {
        return p.end(entries);
    }
    loop {
        p.skip_ws();
        entries.push(p.mapping()?);
        p.skip_ws();
        if p.eat(']') {
            return p.end(entries);
        }
        p.expect(',')?;
    }
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
}

impl Parser<'_> {
    fn mapping(&mut self) -> Result<Entry, String> {
        self.expect('{')?;
        let mut entry = Vec::new();
        self.skip_ws();
        if self.eat('}') {
            return Ok(entry);
        }
        loop {
            self.skip_ws();
            let key = self.scalar(&[':'])?;
            self.skip_ws();
            self.expect(':')?;
            self.skip_ws();
            let value = self.scalar(&[',', '}'])?;
            entry.push((key, value));
            self.skip_ws();
            if self.eat('}') {
                return Ok(entry);
            }
            self.expect(',')?;
        }
    }

    fn scalar(&mut self, stops: &[char]) -> Result<String, String> {
        match self.chars.peek().map(|&(_, c)| c) {
            Some('"') => self.double_quoted(),
            Some('\'') => self.single_quoted(),
            _ => {
                let mut out = String::new();
                while let Some(&(_, c)) = self.chars.peek() {
                    if stops.contains(&c) || matches!(c, '{' | '}' | '[' | ']') {
                        break;
                    }
                    out.push(c);
                    self.chars.next();
                }
                Ok(out.trim().to_string())
            }
        }
    }

    fn double_quoted(&mut self) -> Result<String, String> {
        let start = self.pos();
        self.chars.next();
        let mut out = String::new();
        loop {
            match self.chars.next().map(|(_, c)| c) {
                None => return Err(format!("unterminated \" string at offset {start}")),
                Some('"') => return Ok(out),
                Some('\\') => match self.chars.next().map(|(_, c)| c) {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('u') => {
                        let hex: String = (0..4)
                            .filter_map(|_| self.chars.next())
                            .map(|(_, c)| c)
                            .collect();
                        let c = u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| format!("bad \\u escape in string at offset {start}"))?;
                        out.push(c);
                    }
                    Some(c @ ('"' | '\\' | '/')) => out.push(c),
                    _ => return Err(format!("bad escape in string at offset {start}")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn single_quoted(&mut self) -> Result<String, String> {
        let start = self.pos();
        self.chars.next();
        let mut out = String::new();
        loop {
            match self.chars.next().map(|(_, c)| c) {
                None => return Err(format!("unterminated ' string at offset {start}")),
                Some('\'') if self.eat('\'') => out.push('\''),
                Some('\'') => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn skip_ws(&mut self) {
        while self.chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
    }

    fn eat(&mut self, want: char) -> bool {
        self.chars.next_if(|&(_, c)| c == want).is_some()
    }

    fn expect(&mut self, want: char) -> Result<(), String> {
        let at = self.pos();
        if self.eat(want) {
            Ok(())
        } else {
            Err(format!("expected '{want}' at offset {at}"))
        }
    }

    fn pos(&mut self) -> String {
        self.chars
            .peek()
            .map_or_else(|| "end".to_string(), |&(i, _)| i.to_string())
    }

    fn end(mut self, entries: Vec<Entry>) -> Result<Vec<Entry>, String> {
        self.skip_ws();
        match self.chars.peek() {
            None => Ok(entries),
            Some(&(i, _)) => Err(format!("unexpected text after the list at offset {i}")),
        }
    }
}
