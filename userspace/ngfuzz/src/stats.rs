//! Counters of one worker, sent to the parent as text through a pipe, and
//! the totals the parent prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Netlink messages sent (or, in a dry run, generated and encoded).
    pub sent: u64,
    pub bytes: u64,
    pub kernel_errors: u64,
    pub acks: u64,
    pub replies: u64,
    pub dumps: u64,
    pub unsolicited: u64,
    pub timeouts: u64,
    /// Receive errors ENOBUFS (the kernel dropped messages for us).
    pub lost: u64,
    pub reopens: u64,
    pub hops: u64,
    pub generic: u64,
    /// Kernel errors by errno name.
    pub errnos: BTreeMap<String, u64>,
    pub send_errors: BTreeMap<String, u64>,
    pub recv_errors: BTreeMap<String, u64>,
    /// Per command: (valid, mutated).
    pub cmds: BTreeMap<String, (u64, u64)>,
    pub mutations: BTreeMap<String, u64>,
    pub msgs: BTreeMap<String, u64>,
    pub sizes: BTreeMap<String, u64>,
}

/// An errno's name (`ENOENT`), or `E<n>`.
pub fn errno_name(e: i32) -> String {
    let n = nix::errno::Errno::from_raw(e);
    if n == nix::errno::Errno::UnknownErrno {
        format!("E{e}")
    } else {
        format!("{n:?}")
    }
}

/// The histogram bucket of a frame size.
pub fn size_bucket(n: usize) -> &'static str {
    match n {
        0 => "0",
        1..=13 => "1-13",
        14 => "14",
        15..=100 => "15-100",
        101..=1514 => "101-1514",
        1515..=9018 => "1515-9018",
        9019..=65531 => "9019-65531",
        _ => "65532+",
    }
}

pub fn bump(m: &mut BTreeMap<String, u64>, k: &str) {
    *m.entry(k.to_string()).or_insert(0) += 1;
}

impl Stats {
    fn scalars(&mut self) -> [(&'static str, &mut u64); 12] {
        [
            ("sent", &mut self.sent),
            ("bytes", &mut self.bytes),
            ("kernel_errors", &mut self.kernel_errors),
            ("acks", &mut self.acks),
            ("replies", &mut self.replies),
            ("dumps", &mut self.dumps),
            ("unsolicited", &mut self.unsolicited),
            ("timeouts", &mut self.timeouts),
            ("lost", &mut self.lost),
            ("reopens", &mut self.reopens),
            ("hops", &mut self.hops),
            ("generic", &mut self.generic),
        ]
    }

    fn maps(&mut self) -> [(&'static str, &mut BTreeMap<String, u64>); 6] {
        [
            ("errnos", &mut self.errnos),
            ("send_errors", &mut self.send_errors),
            ("recv_errors", &mut self.recv_errors),
            ("mutations", &mut self.mutations),
            ("msgs", &mut self.msgs),
            ("sizes", &mut self.sizes),
        ]
    }

    /// One line per counter: `n KEY V`, `m MAP KEY V`, `c CMD VALID MUTATED`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let mut c = self.clone();
        for (k, v) in c.scalars() {
            let _ = writeln!(s, "n {k} {v}");
        }
        for (name, m) in c.maps() {
            for (k, v) in m.iter() {
                let _ = writeln!(s, "m {name} {k} {v}");
            }
        }
        for (k, (a, b)) in &self.cmds {
            let _ = writeln!(s, "c {k} {a} {b}");
        }
        s
    }

    /// Adds the counters of `text` (from [`Stats::to_text`]).
    pub fn add_text(&mut self, text: &str) {
        for line in text.lines() {
            let w: Vec<&str> = line.split(' ').collect();
            let num = |i: usize| w.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            match w.first() {
                Some(&"n") => {
                    let v = num(2);
                    for (k, x) in self.scalars() {
                        if w.get(1) == Some(&k) {
                            *x += v;
                        }
                    }
                }
                Some(&"m") => {
                    let v = num(3);
                    if let (Some(name), Some(key)) = (w.get(1), w.get(2)) {
                        for (k, m) in self.maps() {
                            if *name == k {
                                *m.entry(key.to_string()).or_insert(0) += v;
                            }
                        }
                    }
                }
                Some(&"c") => {
                    let (a, b) = (num(2), num(3));
                    if let Some(k) = w.get(1) {
                        let e = self.cmds.entry(k.to_string()).or_insert((0, 0));
                        e.0 += a;
                        e.1 += b;
                    }
                }
                _ => {}
            }
        }
    }

    /// `ENOENT 12, EINVAL 3` by count.
    pub fn errno_breakdown(&self) -> String {
        let mut v: Vec<(&String, &u64)> = self.errnos.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The histograms of `--stats`.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "commands (valid / mutated):");
        for (k, (a, b)) in &self.cmds {
            let _ = writeln!(s, "  {k:<14} {a:>8} {b:>8}");
        }
        let section = |s: &mut String, title: &str, m: &BTreeMap<String, u64>| {
            let _ = writeln!(s, "{title}:");
            if m.is_empty() {
                let _ = writeln!(s, "  (none)");
            }
            for (k, v) in m {
                let _ = writeln!(s, "  {k:<28} {v:>8}");
            }
        };
        section(&mut s, "mutations", &self.mutations);
        section(&mut s, "messages (type.message)", &self.msgs);
        section(&mut s, "frame sizes", &self.sizes);
        section(&mut s, "kernel errors", &self.errnos);
        section(&mut s, "send errors", &self.send_errors);
        section(&mut s, "receive errors", &self.recv_errors);
        let _ = writeln!(
            s,
            "totals: {} messages, {} bytes, {} generic from the spec alone; {} ACKs, {} replies, {} dumps done, {} unsolicited, {} receive timeouts, {} ENOBUFS; {} socket reopens, {} netns hops",
            self.sent,
            self.bytes,
            self.generic,
            self.acks,
            self.replies,
            self.dumps,
            self.unsolicited,
            self.timeouts,
            self.lost,
            self.reopens,
            self.hops
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip_through_text_and_add_up() {
        let mut a = Stats {
            sent: 5,
            kernel_errors: 2,
            ..Default::default()
        };
        bump(&mut a.errnos, "ENOENT");
        bump(&mut a.errnos, "ENOENT");
        a.cmds.insert("mkpeer".into(), (3, 1));
        let t = a.to_text();
        let mut b = Stats::default();
        b.add_text(&t);
        b.add_text(&t);
        b.add_text("garbage\nn sent x\nm errnos\n");
        assert_eq!(b.sent, 10);
        assert_eq!(b.errnos["ENOENT"], 4);
        assert_eq!(b.cmds["mkpeer"], (6, 2));
        assert_eq!(b.errno_breakdown(), "ENOENT 4");
        assert_eq!(errno_name(2), "ENOENT");
        assert_eq!(errno_name(12), "ENOMEM");
        assert_eq!(errno_name(99999), "E99999");
        assert_eq!(size_bucket(70000), "65532+");
    }
}
