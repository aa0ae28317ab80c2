//! A small deterministic PRNG (xorshift64*, seeded through splitmix64), so
//! that a run is reproduced by its `--seed` and needs no dependency.

pub struct Rng(u64);

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for `seed` and stream `stream` (one per worker).
    pub fn new(seed: u64, stream: u64) -> Self {
        let s = splitmix(seed ^ splitmix(stream.wrapping_add(0x5eed)));
        Rng(if s == 0 { 0x2545_f491_4f6c_dd1d } else { s })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            ((self.next_u64() >> 11) % n as u64) as usize
        }
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: u32) -> bool {
        n <= 1 || self.below(n as usize) == 0
    }

    /// True `pct` percent of the time.
    pub fn percent(&mut self, pct: u32) -> bool {
        (self.below(100) as u32) < pct
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() {
            None
        } else {
            v.get(self.below(v.len()))
        }
    }

    /// An index chosen by weight (0 when every weight is 0).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| w as u64).sum();
        if total == 0 {
            return 0;
        }
        let mut r = self.next_u64() % total;
        for (i, &w) in weights.iter().enumerate() {
            if r < w as u64 {
                return i;
            }
            r -= w as u64;
        }
        weights.len() - 1
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next_u64().to_ne_bytes());
        }
        v.truncate(n);
        v
    }

    /// Random bytes without NUL.
    pub fn nonzero_bytes(&mut self, n: usize) -> Vec<u8> {
        self.bytes(n)
            .into_iter()
            .map(|b| if b == 0 { 0x7f } else { b })
            .collect()
    }

    /// A word of `n` characters from `alphabet`.
    pub fn word(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| *self.pick(alphabet).unwrap_or(&b'x') as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_streams_differ() {
        let a: Vec<u64> = (0..8).map(|_| Rng::new(1, 0).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::new(1, 0);
        let mut y = Rng::new(1, 1);
        assert_ne!(x.next_u64(), y.next_u64());
        let mut r = Rng::new(7, 3);
        for _ in 0..1000 {
            assert!(r.below(5) < 5);
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.weighted(&[0, 0, 5]), 2);
        assert!(!r.nonzero_bytes(300).contains(&0));
    }
}
