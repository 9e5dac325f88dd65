//! The codec's error types: small, `Copy`, with a static context naming the field.

use core::fmt;

/// Why a byte sequence could not be decoded.
///
/// Every variant carries a static description of the field being read so that a log line can
/// name the cause without the codec allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes remain than the field needs.
    Truncated {
        /// The field being read.
        context: &'static str,
    },
    /// A length or count was negative where null is not allowed (other than -1 for null).
    NegativeLength {
        /// The field being read.
        context: &'static str,
    },
    /// A length or count exceeds the bytes that remain.
    LengthExceedsRemaining {
        /// The field being read.
        context: &'static str,
    },
    /// A varint ran past its maximum encoded width.
    VarintTooLong {
        /// The field being read.
        context: &'static str,
    },
    /// A string was not valid UTF-8.
    InvalidUtf8 {
        /// The field being read.
        context: &'static str,
    },
    /// Null appeared where the field is not nullable at this version.
    UnexpectedNull {
        /// The field being read.
        context: &'static str,
    },
    /// Bytes remained after a complete value was read.
    TrailingBytes {
        /// The value that should have consumed everything.
        context: &'static str,
    },
    /// A value outside its domain (bad magic byte, unknown enum value, duplicate tag, ...).
    InvalidValue {
        /// The field being read.
        context: &'static str,
    },
    /// A frame's declared size is larger than the configured maximum.
    FrameTooLarge {
        /// The declared size.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A record batch's CRC-32C did not match its contents.
    CrcMismatch {
        /// The CRC stored in the batch.
        expected: u32,
        /// The CRC computed over the batch.
        actual: u32,
    },
    /// The (api key, version) pair is not one this codec can decode.
    UnsupportedVersion {
        /// The API key.
        api_key: i16,
        /// The requested version.
        version: i16,
    },
    /// The API key is not one this codec knows.
    UnknownApiKey {
        /// The API key.
        api_key: i16,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { context } => write!(f, "truncated while reading {context}"),
            Self::NegativeLength { context } => write!(f, "negative length for {context}"),
            Self::LengthExceedsRemaining { context } => {
                write!(f, "length of {context} exceeds the remaining bytes")
            }
            Self::VarintTooLong { context } => write!(f, "varint too long in {context}"),
            Self::InvalidUtf8 { context } => write!(f, "invalid UTF-8 in {context}"),
            Self::UnexpectedNull { context } => write!(f, "null not allowed for {context}"),
            Self::TrailingBytes { context } => write!(f, "trailing bytes after {context}"),
            Self::InvalidValue { context } => write!(f, "invalid value for {context}"),
            Self::FrameTooLarge { size, max } => {
                write!(f, "frame of {size} bytes exceeds the maximum of {max}")
            }
            Self::CrcMismatch { expected, actual } => {
                write!(
                    f,
                    "CRC-32C mismatch: stored {expected:#010x}, computed {actual:#010x}"
                )
            }
            Self::UnsupportedVersion { api_key, version } => {
                write!(f, "unsupported version {version} of api key {api_key}")
            }
            Self::UnknownApiKey { api_key } => write!(f, "unknown api key {api_key}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a value could not be encoded at the requested version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string, byte array or array is longer than its length prefix can express.
    TooLong {
        /// The field being written.
        context: &'static str,
    },
    /// Null was given for a field that is not nullable at this version.
    NullNotAllowed {
        /// The field being written.
        context: &'static str,
    },
    /// The version is outside the message's valid range.
    UnsupportedVersion {
        /// The API key.
        api_key: i16,
        /// The requested version.
        version: i16,
    },
    /// A tag number was used twice in one tagged-field section.
    DuplicateTag {
        /// The repeated tag.
        tag: u32,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { context } => write!(f, "{context} is too long to encode"),
            Self::NullNotAllowed { context } => {
                write!(f, "null not allowed for {context} at this version")
            }
            Self::UnsupportedVersion { api_key, version } => {
                write!(f, "cannot encode version {version} of api key {api_key}")
            }
            Self::DuplicateTag { tag } => write!(f, "tag {tag} written twice"),
        }
    }
}

impl std::error::Error for EncodeError {}
