//! The trait every typed message implements, and the helpers built on it.

use crate::error::{DecodeError, EncodeError};
use crate::primitives::{Reader, Sink, SizeCounter};

/// A part of a message (the message itself or one of its nested structures) whose layout
/// depends on the API version.
pub trait Versioned: Sized {
    /// Decode at `version`. Reads exactly the value's bytes and leaves the rest.
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError>;

    /// Encode at `version` into any [`Sink`]. Fields that do not exist at `version` are not
    /// written; a value that cannot be expressed at `version` is an [`EncodeError`].
    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError>;
}

/// A request or response body of one API.
pub trait Message: Versioned {
    /// The API key.
    const API_KEY: i16;
    /// The lowest and highest versions this codec reads and writes.
    const VERSIONS: (i16, i16);
    /// The first flexible version (compact forms and tagged fields); `None` if never flexible.
    const FLEXIBLE_FROM: Option<i16>;

    /// True when `version` is within [`Message::VERSIONS`].
    fn supports(version: i16) -> bool {
        (Self::VERSIONS.0..=Self::VERSIONS.1).contains(&version)
    }

    /// True when `version` uses the flexible encoding.
    fn is_flexible(version: i16) -> bool {
        Self::FLEXIBLE_FROM.is_some_and(|f| version >= f)
    }

    /// Decode a whole body: the version must be supported and every byte consumed.
    fn decode_body(body: &[u8], version: i16) -> Result<Self, DecodeError> {
        if !Self::supports(version) {
            return Err(DecodeError::UnsupportedVersion {
                api_key: Self::API_KEY,
                version,
            });
        }
        let mut r = Reader::new(body);
        let value = Self::decode(&mut r, version)?;
        r.expect_empty("message body")?;
        Ok(value)
    }

    /// Decode a body that may be followed by bytes `version` does not define; returns the value
    /// and how many such bytes followed it. For answers from peers that pad their responses
    /// (clients ignore such bytes, so a proxy must not be stricter than they are).
    fn decode_body_prefix(body: &[u8], version: i16) -> Result<(Self, usize), DecodeError> {
        if !Self::supports(version) {
            return Err(DecodeError::UnsupportedVersion {
                api_key: Self::API_KEY,
                version,
            });
        }
        let mut r = Reader::new(body);
        let value = Self::decode(&mut r, version)?;
        Ok((value, r.remaining()))
    }

    /// The number of bytes [`Message::encode_body`] writes at `version`, counted without
    /// allocating.
    fn encoded_size(&self, version: i16) -> Result<usize, EncodeError> {
        let mut counter = SizeCounter::default();
        self.encode_checked(&mut counter, version)?;
        Ok(counter.0)
    }

    /// Append the body, encoded at `version`, to `out`.
    fn encode_body(&self, out: &mut Vec<u8>, version: i16) -> Result<(), EncodeError> {
        self.encode_checked(out, version)
    }

    /// Encode at a version checked against [`Message::VERSIONS`].
    fn encode_checked<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        if !Self::supports(version) {
            return Err(EncodeError::UnsupportedVersion {
                api_key: Self::API_KEY,
                version,
            });
        }
        self.encode(w, version)
    }
}
