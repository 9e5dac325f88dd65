//! Expected strings come from Java itself (`testdata/SubjectName.java` and
//! `X500Principal(byte[]).getName()` on OpenJDK 17), not from OpenSSL, which orders multi-valued
//! RDNs and escapes `=` differently.

use super::*;

/// Test-only base64 decoder for the PEM fixtures.
fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in body.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            other => panic!("not base64: {other}"),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn render_name(name_hex: &str) -> Result<String, X509Error> {
    let der = hex(name_hex);
    let mut r = Reader::new(&der);
    let name = r.expect(SEQUENCE, "Name")?;
    name_to_rfc2253(name.content)
}

const BASIC: &str = include_str!("testdata/basic.pem");

#[test]
fn certificates_made_by_openssl_render_as_java_does() {
    let cases = [
        (BASIC, "CN=client\\, one,OU=eng+OU=ops,O=kgate,C=US"),
        (
            include_str!("testdata/escapes.pem"),
            "CN=\\#a\\=b\\;c\\<d\\>e\\\"f\\\\g\\+h r\\ ,\
             1.2.840.113549.1.9.1=#160f6f7073406578616d706c652e636f6d,\
             UID=u42,STREET=1 Main St,ST=IDF,L=Paris,DC=com,DC=example",
        ),
        (include_str!("testdata/utf8.pem"), "CN=日本\\ ,O=Zürich"),
        // BMPString "€uro" and TeletexString "Café": Java decodes their bytes as UTF-8.
        (
            include_str!("testdata/bmp.pem"),
            "CN=\\ \u{fffd}\\00u\\00r\\00o,O=Caf\u{fffd}",
        ),
    ];
    for (pem, expected) in cases {
        assert_eq!(subject_dn(&pem_to_der(pem)).as_deref(), Ok(expected));
    }
}

#[test]
fn hand_built_names_render_as_java_does() {
    let cases = [
        ("3000", ""),
        ("300f310d300b06035504031c0400000041", "CN=#1c0400000041"),
        ("300e310c300a0603550403130320610d", "CN=\\ a\\\r"),
        ("300e310c300a06035504030c03610062", "CN=a\\00b"),
        ("300d310b300906035504030c022020", "CN=\\ \\ "),
        ("300c310a300806038837010c0178", "2.999.1=#0c0178"),
        ("300f310d300b06035504031e0400410042", "CN=\\00A\\00B"),
        (
            "302b3114300806035504030c017a300806035504030c016131133011060a0992268993f22c64011916036f7267",
            "DC=org,CN=z+CN=a",
        ),
        ("300e310c300a06035504031a03766973", "CN=#1a03766973"),
        (
            "30123110300e06035504030c07e2822078eda080",
            "CN=\u{fffd} x\u{fffd}",
        ),
        ("300f310d300b060355040314045c200d20", "CN=\\\\\\ \\\r\\ "),
    ];
    for (name_hex, expected) in cases {
        assert_eq!(render_name(name_hex).as_deref(), Ok(expected), "{name_hex}");
    }
}

#[test]
fn java_utf8_decoding_differs_from_rust_only_on_surrogates() {
    assert_eq!(java_utf8_lossy(b"\xed\xa0\x80"), "\u{fffd}");
    assert_eq!(
        String::from_utf8_lossy(b"\xed\xa0\x80"),
        "\u{fffd}".repeat(3)
    );
    assert_eq!(java_utf8_lossy(b"\xed\xa0A"), "\u{fffd}A");
    for bytes in [
        &b"\xe2\x82"[..],
        b"\xe0\x80\x80",
        b"\xf0\x90\x80A",
        b"\xf4\x90\x80\x80",
        b"\xc0\xaf",
        b"\xf0\x9f\x98\x80ok",
    ] {
        assert_eq!(java_utf8_lossy(bytes), String::from_utf8_lossy(bytes));
    }
}

#[test]
fn every_truncation_is_an_error() {
    let der = pem_to_der(BASIC);
    assert!(subject_dn(&der).is_ok());
    for n in 0..der.len() {
        assert!(subject_dn(&der[..n]).is_err(), "prefix of {n} bytes");
    }
}

#[test]
fn every_single_byte_corruption_returns_without_panic() {
    let der = pem_to_der(BASIC);
    for i in 0..der.len() {
        for b in [0x00, 0x1f, 0x30, 0x7f, 0x80, 0x84, 0xff] {
            let mut bad = der.clone();
            bad[i] = b;
            let _ = subject_dn(&bad);
        }
    }
}

#[test]
fn malformed_der_gives_the_exact_error() {
    let der = pem_to_der(BASIC);
    let mut trailing = der.clone();
    trailing.push(0);
    let mut wrong_tag = der.clone();
    wrong_tag[0] = 0x31;
    let cases: Vec<(Vec<u8>, X509Error)> = vec![
        (vec![], X509Error::Truncated("Certificate")),
        (vec![0x30], X509Error::Truncated("Certificate")),
        (
            vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30],
            X509Error::Truncated("Certificate"),
        ),
        (
            vec![0x30, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            X509Error::BadLength("Certificate"),
        ),
        (
            vec![0x30, 0x80, 0, 0],
            X509Error::IndefiniteLength("Certificate"),
        ),
        (
            vec![0x30, 0x81, 0x01, 0x00],
            X509Error::BadLength("Certificate"),
        ),
        (
            vec![0x30, 0x82, 0x00, 0x81],
            X509Error::BadLength("Certificate"),
        ),
        (vec![0x3f, 0x00], X509Error::HighTagNumber("Certificate")),
        (trailing, X509Error::TrailingBytes("Certificate")),
        (
            wrong_tag,
            X509Error::UnexpectedTag {
                context: "Certificate",
                expected: 0x30,
                found: 0x31,
            },
        ),
        (
            vec![0x30, 0x02, 0x02, 0x00],
            X509Error::UnexpectedTag {
                context: "tbsCertificate",
                expected: 0x30,
                found: 0x02,
            },
        ),
        (
            vec![0x30, 0x04, 0x30, 0x02, 0x30, 0x00],
            X509Error::UnexpectedTag {
                context: "serialNumber",
                expected: 0x02,
                found: 0x30,
            },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(subject_dn(&input), Err(expected), "{input:02x?}");
    }
    let names = [
        ("30023100", X509Error::EmptyRdn),
        ("300c310a300806038837800c0178", X509Error::BadOid),
        ("30093107300506000c0178", X509Error::BadOid),
        ("300d310b30090604805504030c0178", X509Error::BadOid),
        (
            "300931073005060355040300",
            X509Error::Truncated("attribute value"),
        ),
        (
            "300d310b300906035504030c017800",
            X509Error::TrailingBytes("AttributeTypeAndValue"),
        ),
        (
            "300430020500",
            X509Error::UnexpectedTag {
                context: "RelativeDistinguishedName",
                expected: 0x31,
                found: 0x30,
            },
        ),
    ];
    for (name_hex, expected) in names {
        assert_eq!(render_name(name_hex), Err(expected), "{name_hex}");
    }
}
