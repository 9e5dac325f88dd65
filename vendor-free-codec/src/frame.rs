//! Framing: every Kafka message is an INT32 size followed by that many bytes.

use crate::error::DecodeError;

/// The result of looking for a complete value: `Partial` means "read more", not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// A complete value.
    Complete(T),
    /// Not enough bytes yet; at least `needed` bytes in total are required to go further.
    Partial {
        /// The total buffer length needed before trying again.
        needed: usize,
    },
}

/// The size of the length prefix.
pub const SIZE_PREFIX: usize = 4;

/// Kafka's default `socket.request.max.bytes`: 100 MiB.
pub const DEFAULT_MAX_FRAME: usize = 100 * 1024 * 1024;

/// A complete frame found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The frame's body, without the size prefix.
    pub body: &'a [u8],
    /// Bytes of the buffer the frame takes, prefix included.
    pub len: usize,
}

/// Read the declared body size at the start of `buf`, validated against `max`, without
/// needing the body itself. `Partial` until the 4-byte prefix is there.
pub fn frame_size(buf: &[u8], max: usize) -> Result<Status<usize>, DecodeError> {
    let Some(prefix) = buf.get(..SIZE_PREFIX) else {
        return Ok(Status::Partial {
            needed: SIZE_PREFIX,
        });
    };
    let mut bytes = [0u8; SIZE_PREFIX];
    bytes.copy_from_slice(prefix);
    let size = i32::from_be_bytes(bytes);
    if size < 0 {
        return Err(DecodeError::NegativeLength {
            context: "frame size",
        });
    }
    let size = size as usize;
    if size > max {
        return Err(DecodeError::FrameTooLarge { size, max });
    }
    Ok(Status::Complete(size))
}

/// Split the first complete frame off `buf`. Errors on a negative size or one above `max`
/// before anything is allocated.
pub fn split_frame(buf: &[u8], max: usize) -> Result<Status<Frame<'_>>, DecodeError> {
    let size = match frame_size(buf, max)? {
        Status::Complete(size) => size,
        Status::Partial { needed } => return Ok(Status::Partial { needed }),
    };
    let total = SIZE_PREFIX + size;
    match buf.get(SIZE_PREFIX..total) {
        Some(body) => Ok(Status::Complete(Frame { body, len: total })),
        None => Ok(Status::Partial { needed: total }),
    }
}

/// Split `buf` into every complete frame it holds; returns the frames and the bytes they take.
/// The remainder (a partial frame) stays for the next read.
pub fn split_frames(buf: &[u8], max: usize) -> Result<(Vec<&[u8]>, usize), DecodeError> {
    let mut frames = Vec::new();
    let mut offset = 0;
    while let Some(rest) = buf.get(offset..) {
        match split_frame(rest, max)? {
            Status::Complete(frame) => {
                frames.push(frame.body);
                offset += frame.len;
            }
            Status::Partial { .. } => break,
        }
    }
    Ok((frames, offset))
}

/// Prefix `body` with its size.
pub fn encode_frame(body: &[u8], out: &mut Vec<u8>) -> Result<(), crate::EncodeError> {
    let size =
        i32::try_from(body.len()).map_err(|_| crate::EncodeError::TooLong { context: "frame" })?;
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(body);
    Ok(())
}
