//! Random numbers for the chaos plugins: a small splitmix64 generator per filter, seeded from
//! the system's secure source (no lock, no syscall per draw).

use ring::rand::{SecureRandom, SystemRandom};

/// A per-filter generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Default for Rng {
    fn default() -> Self {
        Rng::new()
    }
}

impl Rng {
    /// A generator seeded from the system (or from the clock, should that fail).
    pub fn new() -> Rng {
        let mut seed = [0u8; 8];
        if SystemRandom::new().fill(&mut seed).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            seed = (nanos as u64).to_le_bytes();
        }
        Rng(u64::from_le_bytes(seed))
    }

    /// A generator with a fixed seed (tests).
    #[cfg(test)]
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits (splitmix64).
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; 0 when it is not).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        self.next_u64() % n
    }

    /// True for `percent`% of draws (0: never, 100 or more: always).
    pub fn chance(&mut self, percent: u64) -> bool {
        percent >= 100 || (percent > 0 && self.below(100) < percent)
    }

    /// A number in `min..=max`.
    pub fn between(&mut self, min: u64, max: u64) -> u64 {
        if max <= min {
            return min;
        }
        min + self.below(max - min + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_rates_hold_roughly() {
        let mut r = Rng::seeded(7);
        for _ in 0..1000 {
            let v = r.between(50, 60);
            assert!((50..=60).contains(&v));
        }
        assert!((0..100).all(|_| !r.chance(0)));
        assert!((0..100).all(|_| r.chance(100)));
        let hits = (0..10_000).filter(|_| r.chance(30)).count();
        assert!((2500..3500).contains(&hits), "{hits}");
        let mut a = Rng::new();
        let mut b = Rng::new();
        assert_ne!(a.next_u64(), b.next_u64());
    }
}
