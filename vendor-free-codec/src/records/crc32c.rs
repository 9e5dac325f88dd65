//! CRC-32C (Castagnoli), the checksum of record batches v2.
//!
//! Slicing-by-8 over tables built at compile time: a batch of 1 MiB is checksummed on every
//! decode, so the byte-at-a-time loop would dominate the codec's cost.

use crate::primitives::Sink;

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

/// `TABLES[0]` is the classic byte table; `TABLES[k][n]` is the CRC of byte `n` followed by
/// `k` zero bytes, so eight bytes can be folded in one step.
static TABLES: [[u32; 256]; 8] = build_tables();

// Indexing here runs in the compiler: an out-of-bounds index would fail the build, never a run.
#[allow(clippy::indexing_slicing)]
const fn build_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][n] = crc;
        n += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut n = 0;
        while n < 256 {
            let prev = tables[k - 1][n];
            tables[k][n] = (prev >> 8) ^ tables[0][(prev & 0xff) as usize];
            n += 1;
        }
        k += 1;
    }
    tables
}

/// One table entry. A `u8` index into 256 entries is always in bounds, which the optimiser
/// sees too, so the fallback costs nothing.
#[inline(always)]
fn entry(table: &[u32; 256], index: u32) -> u32 {
    table.get((index & 0xff) as usize).copied().unwrap_or(0)
}

/// An incremental CRC-32C. It is also a [`Sink`], so an encoder can checksum what it would
/// write without writing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc32c {
    /// The running value, pre-inverted.
    state: u32,
}

impl Default for Crc32c {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32c {
    /// A checksum of no bytes yet.
    pub fn new() -> Self {
        Self { state: !0 }
    }

    /// Fold `bytes` in.
    pub fn update(&mut self, bytes: &[u8]) {
        let [t0, t1, t2, t3, t4, t5, t6, t7] = &TABLES;
        let mut crc = self.state;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let Ok([b0, b1, b2, b3, b4, b5, b6, b7]) = <[u8; 8]>::try_from(chunk) else {
                continue;
            };
            let lo = crc ^ u32::from_le_bytes([b0, b1, b2, b3]);
            let hi = u32::from_le_bytes([b4, b5, b6, b7]);
            crc = entry(t7, lo)
                ^ entry(t6, lo >> 8)
                ^ entry(t5, lo >> 16)
                ^ entry(t4, lo >> 24)
                ^ entry(t3, hi)
                ^ entry(t2, hi >> 8)
                ^ entry(t1, hi >> 16)
                ^ entry(t0, hi >> 24);
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ entry(t0, crc ^ u32::from(b));
        }
        self.state = crc;
    }

    /// The checksum of everything folded in so far.
    pub fn finish(&self) -> u32 {
        !self.state
    }
}

impl Sink for Crc32c {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// The CRC-32C of `bytes`.
pub fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = Crc32c::new();
    crc.update(bytes);
    crc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit at a time, straight from the definition: the reference the tables must match.
    fn bitwise(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLY
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn known_answer() {
        // The check value from the CRC catalogue (and RFC 3720's iSCSI test vectors' family).
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // RFC 3720 B.4: 32 bytes of zeros.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62A8_AB43);
    }

    #[test]
    fn slicing_matches_bitwise_at_every_length_and_split() {
        let data: Vec<u8> = (0..100u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..data.len() {
            let bytes = &data[..len];
            assert_eq!(crc32c(bytes), bitwise(bytes), "length {len}");
            for split in 0..=len {
                let mut crc = Crc32c::new();
                crc.update(&bytes[..split]);
                crc.update(&bytes[split..]);
                assert_eq!(crc.finish(), bitwise(bytes), "length {len} split {split}");
            }
        }
    }
}
