//! The subject name of a client certificate, rendered the way Java's `X500Principal.getName()`
//! renders it, because that string is what Kafka's `ssl.principal.mapping.rules` match against:
//! a rule written for a Kafka broker must see the same characters here.
//!
//! Java's quirks are kept on purpose (checked against OpenJDK's `sun.security.x509.AVA`):
//! multi-valued RDNs keep their DER order (OpenSSL reverses them), `=` and `#` are escaped
//! anywhere in a value, and every string type's content bytes are decoded as UTF-8, even
//! BMPString and TeletexString, whose invalid sequences become U+FFFD and whose NULs print as `\00`.
//! UniversalString, like any non-string value, prints as `#` + hex of its DER encoding.
//!
//! Only as much DER is read as leads to the subject; the certificate comes from an
//! unauthenticated peer, so every length is checked against the bytes that remain.

use std::fmt;

/// Why a certificate's subject could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum X509Error {
    /// The input ends inside a tag, a length or a value.
    Truncated(&'static str),
    /// A length uses the indefinite form, which DER forbids.
    IndefiniteLength(&'static str),
    /// A length is longer than needed (DER requires the minimal form) or does not fit in memory.
    BadLength(&'static str),
    /// A tag other than the one the structure requires.
    UnexpectedTag {
        /// Which field was being read.
        context: &'static str,
        /// The tag the structure requires.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// A tag number of 31 or more (multi-byte tags), which no name field uses.
    HighTagNumber(&'static str),
    /// Bytes left over after a structure that must fill its container.
    TrailingBytes(&'static str),
    /// An object identifier that is empty, unterminated, not minimal or too large.
    BadOid,
    /// A relative distinguished name with no attribute.
    EmptyRdn,
}

impl fmt::Display for X509Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            X509Error::Truncated(c) => write!(f, "certificate truncated in {c}"),
            X509Error::IndefiniteLength(c) => write!(f, "indefinite length in {c} (not DER)"),
            X509Error::BadLength(c) => write!(f, "non-minimal or oversized length in {c}"),
            X509Error::UnexpectedTag {
                context,
                expected,
                found,
            } => write!(
                f,
                "unexpected tag 0x{found:02x} in {context}, expected 0x{expected:02x}"
            ),
            X509Error::HighTagNumber(c) => write!(f, "multi-byte tag in {c}"),
            X509Error::TrailingBytes(c) => write!(f, "trailing bytes after {c}"),
            X509Error::BadOid => write!(f, "malformed object identifier in subject name"),
            X509Error::EmptyRdn => write!(f, "empty relative distinguished name in subject"),
        }
    }
}

impl std::error::Error for X509Error {}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const OID: u8 = 0x06;
const VERSION: u8 = 0xa0;

/// One DER element: its tag, its content, and its whole encoding (for the `#hex` form).
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    encoded: &'a [u8],
}

/// A bounded cursor over DER bytes.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn byte(&mut self, ctx: &'static str) -> Result<u8, X509Error> {
        let (&b, rest) = self.rest.split_first().ok_or(X509Error::Truncated(ctx))?;
        self.rest = rest;
        Ok(b)
    }

    fn length(&mut self, ctx: &'static str) -> Result<usize, X509Error> {
        let first = self.byte(ctx)?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let count = first & 0x7f;
        if count == 0 {
            return Err(X509Error::IndefiniteLength(ctx));
        }
        if usize::from(count) > std::mem::size_of::<usize>() {
            return Err(X509Error::BadLength(ctx));
        }
        let mut len: usize = 0;
        for i in 0..count {
            let b = self.byte(ctx)?;
            if i == 0 && b == 0 {
                return Err(X509Error::BadLength(ctx));
            }
            len = (len << 8) | usize::from(b);
        }
        if len < 0x80 {
            return Err(X509Error::BadLength(ctx));
        }
        Ok(len)
    }

    fn any(&mut self, ctx: &'static str) -> Result<Tlv<'a>, X509Error> {
        let start = self.rest;
        let tag = self.byte(ctx)?;
        if tag & 0x1f == 0x1f {
            return Err(X509Error::HighTagNumber(ctx));
        }
        let len = self.length(ctx)?;
        if len > self.rest.len() {
            return Err(X509Error::Truncated(ctx));
        }
        let (content, rest) = self.rest.split_at(len);
        self.rest = rest;
        let header_len = start.len() - rest.len() - len;
        let encoded = start
            .get(..header_len + len)
            .ok_or(X509Error::Truncated(ctx))?;
        Ok(Tlv {
            tag,
            content,
            encoded,
        })
    }

    fn expect(&mut self, tag: u8, ctx: &'static str) -> Result<Tlv<'a>, X509Error> {
        let tlv = self.any(ctx)?;
        if tlv.tag != tag {
            return Err(X509Error::UnexpectedTag {
                context: ctx,
                expected: tag,
                found: tlv.tag,
            });
        }
        Ok(tlv)
    }
}

/// The certificate's subject as `X500Principal.getName()` would print it.
pub fn subject_dn(cert_der: &[u8]) -> Result<String, X509Error> {
    let mut outer = Reader::new(cert_der);
    let cert = outer.expect(SEQUENCE, "Certificate")?;
    if !outer.is_empty() {
        return Err(X509Error::TrailingBytes("Certificate"));
    }
    let mut cert = Reader::new(cert.content);
    let tbs = cert.expect(SEQUENCE, "tbsCertificate")?;
    let mut tbs = Reader::new(tbs.content);
    if tbs.peek_tag() == Some(VERSION) {
        tbs.any("version")?;
    }
    tbs.expect(INTEGER, "serialNumber")?;
    tbs.expect(SEQUENCE, "signature")?;
    tbs.expect(SEQUENCE, "issuer")?;
    tbs.expect(SEQUENCE, "validity")?;
    let subject = tbs.expect(SEQUENCE, "subject")?;
    name_to_rfc2253(subject.content)
}

/// Renders the content of a DER `Name` (the SEQUENCE OF RDN, without its own header).
/// RDNs come out last first, as RFC 2253 and Java order them.
pub(crate) fn name_to_rfc2253(name_content: &[u8]) -> Result<String, X509Error> {
    let mut rdns = Vec::new();
    let mut name = Reader::new(name_content);
    while !name.is_empty() {
        let set = name.expect(SET, "RelativeDistinguishedName")?;
        rdns.push(rdn_to_rfc2253(set.content)?);
    }
    rdns.reverse();
    Ok(rdns.join(","))
}

fn rdn_to_rfc2253(set_content: &[u8]) -> Result<String, X509Error> {
    let mut avas = Vec::new();
    let mut set = Reader::new(set_content);
    while !set.is_empty() {
        let ava = set.expect(SEQUENCE, "AttributeTypeAndValue")?;
        let mut ava = Reader::new(ava.content);
        let oid = ava.expect(OID, "attribute type")?;
        let value = ava.any("attribute value")?;
        if !ava.is_empty() {
            return Err(X509Error::TrailingBytes("AttributeTypeAndValue"));
        }
        avas.push(ava_to_rfc2253(oid.content, value)?);
    }
    if avas.is_empty() {
        return Err(X509Error::EmptyRdn);
    }
    Ok(avas.join("+"))
}

fn ava_to_rfc2253(oid: &[u8], value: Tlv<'_>) -> Result<String, X509Error> {
    let dotted = oid_to_dotted(oid)?;
    let keyword = keyword(&dotted);
    let mut out = String::with_capacity(dotted.len() + value.encoded.len() * 2 + 2);
    out.push_str(keyword.unwrap_or(&dotted));
    out.push('=');
    if keyword.is_some() && is_java_string_tag(value.tag) {
        escape_value(&java_utf8_lossy(value.content), &mut out);
    } else {
        out.push('#');
        for b in value.encoded {
            out.push_str(&format!("{b:02x}"));
        }
    }
    Ok(out)
}

/// The RFC 2253 keywords Java knows; any other type prints as its OID.
fn keyword(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// Java's `isDerString(value, false)`: UniversalString and VisibleString are not in it.
fn is_java_string_tag(tag: u8) -> bool {
    matches!(
        tag,
        0x0c // UTF8String
        | 0x13 // PrintableString
        | 0x14 // TeletexString
        | 0x16 // IA5String
        | 0x1b // GeneralString
        | 0x1e // BMPString
    )
}

/// Java's `new String(bytes, UTF_8)`: like `String::from_utf8_lossy` (one U+FFFD per maximal
/// invalid subpart) except that an encoded surrogate (`ED A0..BF ..`) is one structure to Java,
/// so it becomes a single U+FFFD where Rust would give up to three.
fn java_utf8_lossy(bytes: &[u8]) -> String {
    const REPLACEMENT: char = '\u{fffd}';
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        let (continuations, low, high, bits) = match lead {
            0x00..=0x7f => {
                out.push(char::from(lead));
                i += 1;
                continue;
            }
            0xc2..=0xdf => (1, 0x80, 0xbf, lead & 0x1f),
            0xe0 => (2, 0xa0, 0xbf, lead & 0x0f),
            0xe1..=0xef => (2, 0x80, 0xbf, lead & 0x0f),
            0xf0 => (3, 0x90, 0xbf, lead & 0x07),
            0xf1..=0xf3 => (3, 0x80, 0xbf, lead & 0x07),
            0xf4 => (3, 0x80, 0x8f, lead & 0x07),
            _ => {
                out.push(REPLACEMENT);
                i += 1;
                continue;
            }
        };
        let mut code = u32::from(bits);
        let mut len = 1;
        while len <= continuations {
            let (lo, hi) = if len == 1 { (low, high) } else { (0x80, 0xbf) };
            match bytes.get(i + len) {
                Some(&b) if (lo..=hi).contains(&b) => {
                    code = (code << 6) | u32::from(b & 0x3f);
                    len += 1;
                }
                _ => break,
            }
        }
        let complete = len == continuations + 1;
        out.push(if complete {
            char::from_u32(code).unwrap_or(REPLACEMENT)
        } else {
            REPLACEMENT
        });
        i += len;
    }
    out
}

/// Java's escaping: specials get a backslash, NUL becomes `\00`, and every leading or trailing
/// space or carriage return gets a backslash.
fn escape_value(value: &str, out: &mut String) {
    let mut escaped: Vec<char> = Vec::with_capacity(value.len());
    for c in value.chars() {
        if ",=+<>#;\"\\".contains(c) {
            escaped.push('\\');
            escaped.push(c);
        } else if c == '\0' {
            escaped.extend(['\\', '0', '0']);
        } else {
            escaped.push(c);
        }
    }
    let is_white = |c: &char| *c == ' ' || *c == '\r';
    let lead = escaped.iter().take_while(|c| is_white(c)).count();
    let trail = escaped.iter().rev().take_while(|c| is_white(c)).count();
    let body_end = escaped.len().saturating_sub(trail).max(lead);
    for (i, c) in escaped.iter().enumerate() {
        if i < lead || i >= body_end {
            out.push('\\');
        }
        out.push(*c);
    }
}

/// Dotted decimal form of an OID's content bytes; arcs beyond 128 bits are rejected.
fn oid_to_dotted(content: &[u8]) -> Result<String, X509Error> {
    let mut arcs: Vec<u128> = Vec::new();
    let mut current: u128 = 0;
    let mut in_arc = false;
    for &b in content {
        if !in_arc && b == 0x80 {
            return Err(X509Error::BadOid);
        }
        if current > (u128::MAX >> 7) {
            return Err(X509Error::BadOid);
        }
        current = (current << 7) | u128::from(b & 0x7f);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(current);
            current = 0;
        }
    }
    if in_arc {
        return Err(X509Error::BadOid);
    }
    let (&first, rest) = arcs.split_first().ok_or(X509Error::BadOid)?;
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut dotted = format!("{a}.{b}");
    for arc in rest {
        dotted.push_str(&format!(".{arc}"));
    }
    Ok(dotted)
}

#[cfg(test)]
#[path = "x509_name_tests.rs"]
mod tests;
