//! Output formats: FreeBSD ngctl's (byte-compatible where scripts parse
//! them) and the JSON forms.

use crate::cli::Cmd;
use netgraph::{HookCounters, LinkInfo, NodeInfo, TypeInfo};
use serde_json::{json, Value};
use std::fmt::Write;

fn name_or_unnamed(n: &NodeInfo) -> &str {
    n.name.as_deref().unwrap_or("<unnamed>")
}

/// One line of `list` (and the first line of `show`).
pub fn node_line(n: &NodeInfo) -> String {
    format!(
        "  Name: {:<15} Type: {:<15} ID: {:08x}   Num hooks: {}\n",
        name_or_unnamed(n),
        n.type_name,
        n.id,
        n.hooks
    )
}

/// `show -s`: `show`'s table with each hook's counters at the end of its
/// row.
pub fn show_counters(n: &NodeInfo, links: &[LinkInfo]) -> String {
    hook_table(n, links, true)
}

/// The node's line, then (with hooks) FreeBSD's hook table, each row ending
/// in the hook's counters if asked for.
fn hook_table(n: &NodeInfo, links: &[LinkInfo], counters: bool) -> String {
    let mut s = node_line(n);
    if links.is_empty() {
        return s;
    }
    let row = |s: &mut String, c: &[&str]| {
        let _ = write!(
            s,
            "  {:<15} {:<15} {:<12} {:<15} {:<15}",
            c[0], c[1], c[2], c[3], c[4]
        );
        if let [rf, ro, tf, to] = c[5..] {
            let _ = write!(s, " {rf:>12} {ro:>14} {tf:>12} {to:>14}");
        }
        s.push('\n');
    };
    let head = [
        "Local hook",
        "Peer name",
        "Peer type",
        "Peer ID",
        "Peer hook",
        "RX frames",
        "RX octets",
        "TX frames",
        "TX octets",
    ];
    let cols = if counters { 9 } else { 5 };
    let rule = head.map(|h| "-".repeat(h.len()));
    row(&mut s, &head[..cols]);
    row(&mut s, &rule.each_ref().map(|r| r.as_str())[..cols]);
    for l in links {
        let c = &l.counters;
        let nums = [c.rx_frames, c.rx_octets, c.tx_frames, c.tx_octets].map(|v| v.to_string());
        let id = format!("{:08x}", l.peer.id);
        let cells = [
            l.ourhook.as_str(),
            name_or_unnamed(&l.peer),
            &l.peer.type_name,
            &id,
            &l.peerhook,
            &nums[0],
            &nums[1],
            &nums[2],
            &nums[3],
        ];
        row(&mut s, &cells[..cols]);
    }
    s
}

/// One hook's counters over an interval, per second: frames and bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub rx_fps: f64,
    pub rx_bps: f64,
    pub tx_fps: f64,
    pub tx_bps: f64,
}

impl Rates {
    /// From two samples `secs` apart (`before` absent: the hook is new and
    /// its counters started at zero). A counter that went down (cleared)
    /// counts from zero.
    pub fn between(before: Option<&HookCounters>, now: &HookCounters, secs: f64) -> Rates {
        let b = before.copied().unwrap_or_default();
        let d = |n: u64, o: u64| (if n >= o { n - o } else { n }) as f64 / secs;
        Rates {
            rx_fps: d(now.rx_frames, b.rx_frames),
            rx_bps: 8.0 * d(now.rx_octets, b.rx_octets),
            tx_fps: d(now.tx_frames, b.tx_frames),
            tx_bps: 8.0 * d(now.tx_octets, b.tx_octets),
        }
    }
}

/// `stats`: a node's line, then one row per hook with its counters or,
/// given rates, its rates.
pub fn stats(n: &NodeInfo, links: &[LinkInfo], rates: Option<&[Rates]>) -> String {
    let mut s = format!("{} {} [{:x}]:\n", n.addr(), n.type_name, n.id);
    if links.is_empty() {
        s.push_str("  (no hooks)\n");
        return s;
    }
    let row = |s: &mut String, c: [&str; 6]| {
        let _ = writeln!(
            s,
            "  {:<15} {:<22} {:>12} {:>14} {:>12} {:>14}",
            c[0], c[1], c[2], c[3], c[4], c[5]
        );
    };
    match rates {
        None => row(
            &mut s,
            [
                "Hook",
                "Peer",
                "RX frames",
                "RX octets",
                "TX frames",
                "TX octets",
            ],
        ),
        Some(_) => row(
            &mut s,
            [
                "Hook",
                "Peer",
                "RX frames/s",
                "RX bit/s",
                "TX frames/s",
                "TX bit/s",
            ],
        ),
    }
    for (i, l) in links.iter().enumerate() {
        let peer = format!("{}{}", l.peer.addr(), l.peerhook);
        let c = &l.counters;
        let nums = match rates.and_then(|r| r.get(i)) {
            Some(r) => [r.rx_fps, r.rx_bps, r.tx_fps, r.tx_bps].map(|v| format!("{v:.0}")),
            None => [c.rx_frames, c.rx_octets, c.tx_frames, c.tx_octets].map(|v| v.to_string()),
        };
        row(
            &mut s,
            [&l.ourhook, &peer, &nums[0], &nums[1], &nums[2], &nums[3]],
        );
    }
    s
}

/// `stats` as JSON: the node and its hooks with their counters (and, over
/// an interval, their rates).
pub fn json_stats(n: &NodeInfo, links: &[LinkInfo], rates: Option<&[Rates]>) -> Value {
    let hooks: Vec<Value> = links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let c = &l.counters;
            let mut h = json!({
                "hook": l.ourhook,
                "peer": json_node(&l.peer),
                "peerhook": l.peerhook,
                "rx_frames": c.rx_frames,
                "rx_octets": c.rx_octets,
                "tx_frames": c.tx_frames,
                "tx_octets": c.tx_octets,
            });
            if let Some(r) = rates.and_then(|r| r.get(i)) {
                h["rx_frames_per_s"] = json!(r.rx_fps);
                h["rx_bits_per_s"] = json!(r.rx_bps);
                h["tx_frames_per_s"] = json!(r.tx_fps);
                h["tx_bits_per_s"] = json!(r.tx_bps);
            }
            h
        })
        .collect();
    json!({ "node": json_node(n), "hooks": hooks })
}

/// `show`.
pub fn show(n: &NodeInfo, links: &[LinkInfo], no_hooks: bool) -> String {
    hook_table(n, if no_hooks { &[] } else { links }, false)
}

/// `types`.
/// FreeBSD's `dot` output (GraphViz) for nodes and their links.
pub fn dot(nodes: &[(NodeInfo, Vec<LinkInfo>)]) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    o.push_str("graph netgraph {\n");
    o.push_str("\tedge [ weight = 1.0 ];\n");
    o.push_str("\tnode [ shape = record, fontsize = 12 ] {\n");
    for (n, _) in nodes {
        let name = n.name.as_deref().unwrap_or("\\<unnamed\\>");
        let _ = writeln!(
            o,
            "\t\t\"{:x}\" [ label = \"{{{}:|{{{}|[{:x}]:}}}}\" ];",
            n.id, name, n.type_name, n.id
        );
    }
    o.push_str("\t};\n");
    o.push_str("\tsubgraph cluster_disconnected {\n");
    o.push_str("\t\tbgcolor = pink;\n");
    for (n, _) in nodes.iter().filter(|(n, _)| n.hooks == 0) {
        let _ = writeln!(o, "\t\t\"{:x}\";", n.id);
    }
    o.push_str("\t};\n");
    for (n, links) in nodes.iter().filter(|(_, l)| !l.is_empty()) {
        o.push_str("\tnode [ shape = octagon, fontsize = 10 ] {\n");
        for l in links {
            let _ = writeln!(
                o,
                "\t\t\"{:x}.{}\" [ label = \"{}\" ];",
                n.id, l.ourhook, l.ourhook
            );
        }
        o.push_str("\t};\n");
        o.push_str("\t{\n\t\tedge [ weight = 2.0, style = bold ];\n");
        for l in links {
            let _ = writeln!(o, "\t\t\"{:x}\" -- \"{:x}.{}\";", n.id, n.id, l.ourhook);
        }
        o.push_str("\t};\n");
        for l in links.iter().filter(|l| n.id > l.peer.id) {
            let _ = writeln!(
                o,
                "\t\"{:x}.{}\" -- \"{:x}.{}\";",
                n.id, l.ourhook, l.peer.id, l.peerhook
            );
        }
    }
    // FreeBSD ends with "};", which GraphViz (2.42 and later) rejects.
    o.push_str("}\n");
    o
}

pub fn types(t: &[TypeInfo]) -> String {
    let mut s = format!("There are {} total types:\n", t.len());
    if !t.is_empty() {
        let _ = writeln!(s, "{:>15}   Number of living nodes", "Type name");
        let _ = writeln!(s, "{:>15}   ----------------------", "---------");
        for ty in t {
            let _ = writeln!(s, "{:>15}   {:>5}", ty.name, ty.numnodes);
        }
    }
    s
}

/// `help` without arguments: the commands of `table`.
pub fn help_summary(table: &[Cmd]) -> String {
    let mut s = String::from("Available commands:\n");
    for c in table {
        let _ = writeln!(s, "  {:<10} {}", c.name, c.summary);
    }
    s
}

/// `help <command>`.
pub fn help_command(c: &Cmd) -> String {
    let mut s = format!("usage:    {}\n", c.usage);
    if !c.aliases.is_empty() {
        let _ = writeln!(s, "Aliases:  {}", c.aliases.join(", "));
    }
    let _ = writeln!(s, "Summary:  {}", c.summary);
    s.push_str("Description:\n");
    let mut line = String::new();
    for w in c.help.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + w.len() > 63 {
            let _ = writeln!(s, "  {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        let _ = writeln!(s, "  {line}");
    }
    s
}

/// A received data packet: header line and a 16-bytes-per-line hex dump.
pub fn data_packet(hook: &str, data: &[u8]) -> String {
    format!(
        "Rec'd data packet on hook \"{hook}\":\n{}",
        netgraph::hexdump(data)
    )
}

/// A node as JSON: name (null when unnamed), type, id (number), hooks.
pub fn json_node(n: &NodeInfo) -> Value {
    json!({
        "name": n.name,
        "type": n.type_name,
        "id": n.id,
        "hooks": n.hooks,
        "loop_drops": n.loop_drops,
        "drops": n.drops,
    })
}

/// `show` as JSON.
pub fn json_show(n: &NodeInfo, links: &[LinkInfo]) -> Value {
    let links: Vec<Value> = links
        .iter()
        .map(|l| {
            let c = &l.counters;
            json!({
                "ourhook": l.ourhook, "peerhook": l.peerhook, "peer": json_node(&l.peer),
                "rx_frames": c.rx_frames, "rx_octets": c.rx_octets,
                "tx_frames": c.tx_frames, "tx_octets": c.tx_octets,
            })
        })
        .collect();
    json!({ "node": json_node(n), "links": links })
}

/// What `mkpeer`/`connect` made, as JSON: the node the command went to,
/// the final hook names, the node at the other end (for mkpeer the new
/// one) and that node's interface, if it has one.
pub fn json_made(m: &netgraph::Made, ifname: Option<&str>) -> Value {
    json!({
        "node": json_node(&m.node),
        "ourhook": m.link.ourhook,
        "peerhook": m.link.peerhook,
        "peer": json_node(&m.link.peer),
        "ifname": ifname,
    })
}

/// `types` as JSON.
pub fn json_types(t: &[TypeInfo]) -> Value {
    t.iter()
        .map(|ty| json!({ "name": ty.name, "numnodes": ty.numnodes, "cookie": ty.cookie }))
        .collect()
}

/// One event as a line: `newnode [3]: hub <unnamed>`, or for hooks
/// `newhook [3]:link0 [5]:up` (our end, then the peer's).
pub fn event_line(name: &str, n: &NodeInfo, l: Option<&LinkInfo>) -> String {
    match l {
        Some(l) => format!(
            "{name} [{:x}]:{} [{:x}]:{}\n",
            n.id, l.ourhook, l.peer.id, l.peerhook
        ),
        None => format!(
            "{name} [{:x}]: {} {}\n",
            n.id,
            n.type_name,
            name_or_unnamed(n)
        ),
    }
}

/// One event as JSON.
pub fn json_event(name: &str, n: &NodeInfo, l: Option<&LinkInfo>) -> Value {
    let mut v = json!({ "event": name, "node": json_node(n) });
    if let Some(l) = l {
        v["link"] =
            json!({ "ourhook": l.ourhook, "peerhook": l.peerhook, "peer": json_node(&l.peer) });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: Option<&str>, ty: &str, id: u32, hooks: u32) -> NodeInfo {
        NodeInfo {
            name: name.map(str::to_string),
            type_name: ty.into(),
            id,
            hooks,
            loop_drops: 0,
            drops: 0,
        }
    }

    #[test]
    fn dot_is_freebsd_layout() {
        let a = node(Some("h"), "hub", 2, 1);
        let b = node(None, "hub", 3, 1);
        let c = node(Some("lone"), "hub", 4, 0);
        let link = |ours: &str, peer: &NodeInfo, theirs: &str| LinkInfo {
            ourhook: ours.into(),
            peerhook: theirs.into(),
            peer: peer.clone(),
            counters: Default::default(),
        };
        let g = dot(&[
            (a.clone(), vec![link("x", &b, "y")]),
            (b.clone(), vec![link("y", &a, "x")]),
            (c, vec![]),
        ]);
        let want = "graph netgraph {
\tedge [ weight = 1.0 ];
\tnode [ shape = record, fontsize = 12 ] {
\t\t\"2\" [ label = \"{h:|{hub|[2]:}}\" ];
\t\t\"3\" [ label = \"{\\<unnamed\\>:|{hub|[3]:}}\" ];
\t\t\"4\" [ label = \"{lone:|{hub|[4]:}}\" ];
\t};
\tsubgraph cluster_disconnected {
\t\tbgcolor = pink;
\t\t\"4\";
\t};
\tnode [ shape = octagon, fontsize = 10 ] {
\t\t\"2.x\" [ label = \"x\" ];
\t};
\t{
\t\tedge [ weight = 2.0, style = bold ];
\t\t\"2\" -- \"2.x\";
\t};
\tnode [ shape = octagon, fontsize = 10 ] {
\t\t\"3.y\" [ label = \"y\" ];
\t};
\t{
\t\tedge [ weight = 2.0, style = bold ];
\t\t\"3\" -- \"3.y\";
\t};
\t\"3.y\" -- \"2.x\";
}
";
        assert_eq!(g, want);
    }

    #[test]
    fn list_line_is_freebsd_format() {
        assert_eq!(
            node_line(&node(Some("em0"), "ether", 1, 2)),
            "  Name: em0             Type: ether           ID: 00000001   Num hooks: 2\n"
        );
        assert_eq!(
            node_line(&node(None, "hub", 0x1f, 0)),
            "  Name: <unnamed>       Type: hub             ID: 0000001f   Num hooks: 0\n"
        );
    }

    #[test]
    fn counters_and_rates() {
        let mut l = LinkInfo {
            ourhook: "in".into(),
            peerhook: "link0".into(),
            peer: node(Some("br"), "bridge", 3, 1),
            counters: HookCounters {
                rx_frames: 3,
                rx_octets: 180,
                tx_frames: 1,
                tx_octets: 1500,
            },
        };
        let n = node(Some("sink"), "hole", 7, 1);
        let s = show_counters(&n, std::slice::from_ref(&l));
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[1].ends_with("   RX frames      RX octets    TX frames      TX octets"));
        assert!(lines[3].starts_with("  in              br              bridge       00000003"));
        assert!(lines[3].ends_with("           3            180            1           1500"));
        let st = stats(&n, std::slice::from_ref(&l), None);
        assert!(st.starts_with("sink: hole [7]:\n  Hook "));
        assert!(st.contains("  in              br:link0"));
        let before = l.counters;
        l.counters.rx_frames += 10;
        l.counters.rx_octets += 1000;
        l.counters.tx_frames = 0; // cleared meanwhile: counts from zero
        let r = Rates::between(Some(&before), &l.counters, 2.0);
        assert_eq!((r.rx_fps, r.rx_bps, r.tx_fps), (5.0, 4000.0, 0.0));
        let fresh = Rates::between(None, &l.counters, 1.0);
        assert_eq!(fresh.rx_fps, 13.0);
        let st = stats(&n, std::slice::from_ref(&l), Some(&[r]));
        assert!(st.contains("RX frames/s"));
        assert!(st.lines().nth(2).unwrap().contains("  5           4000"));
        let j = json_stats(&n, std::slice::from_ref(&l), Some(&[r]));
        assert_eq!(j["hooks"][0]["rx_bits_per_s"], 4000.0);
        assert_eq!(j["hooks"][0]["rx_frames"], 13);
        assert_eq!(stats(&n, &[], None), "sink: hole [7]:\n  (no hooks)\n");
    }

    #[test]
    fn show_has_freebsd_columns_and_trailing_spaces() {
        let links = vec![LinkInfo {
            ourhook: "link0".into(),
            peerhook: "lower".into(),
            peer: node(Some("em0"), "ether", 1, 1),
            counters: Default::default(),
        }];
        let s = show(&node(Some("br"), "bridge", 3, 1), &links, false);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[1],
            "  Local hook      Peer name       Peer type    Peer ID         Peer hook      "
        );
        assert_eq!(
            lines[2],
            "  ----------      ---------       ---------    -------         ---------      "
        );
        assert_eq!(
            lines[3],
            "  link0           em0             ether        00000001        lower          "
        );
        // Word positions scripts rely on: 2 = peer name, 3 = type, 5 = hook.
        let w: Vec<&str> = lines[3].split_whitespace().collect();
        assert_eq!((w[1], w[2], w[4]), ("em0", "ether", "lower"));
        // -n and hookless nodes: no table.
        assert_eq!(
            show(&node(Some("br"), "bridge", 3, 1), &links, true)
                .lines()
                .count(),
            1
        );
        assert_eq!(
            show(&node(Some("br"), "bridge", 3, 0), &[], false)
                .lines()
                .count(),
            1
        );
    }

    #[test]
    fn types_is_freebsd_format() {
        let t = vec![
            TypeInfo {
                name: "socket".into(),
                numnodes: 1,
                cookie: 0,
            },
            TypeInfo {
                name: "hub".into(),
                numnodes: 12,
                cookie: 0,
            },
        ];
        assert_eq!(
            types(&t),
            "There are 2 total types:\n      Type name   Number of living nodes\n      ---------   ----------------------\n         socket       1\n            hub      12\n"
        );
        assert_eq!(types(&[]), "There are 0 total types:\n");
    }

    #[test]
    fn data_packet_dump() {
        let d: Vec<u8> = (0x41..0x41 + 18).collect();
        assert_eq!(
            data_packet("h", &d),
            "Rec'd data packet on hook \"h\":\n\
             0000:  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP\n\
             0010:  51 52                                            QR              \n"
        );
        // FreeBSD pads the characters of the last line too.
        assert!(data_packet("h", &[0, 0x7f]).ends_with(&format!("..{}\n", " ".repeat(14))));
    }

    #[test]
    fn json_node_fields() {
        let v = json_node(&node(None, "hub", 5, 2));
        assert_eq!(v["name"], Value::Null);
        assert_eq!(v["type"], "hub");
        assert_eq!(v["id"], 5);
        assert_eq!(v["hooks"], 2);
    }

    #[test]
    fn event_lines() {
        let n = node(None, "hub", 3, 0);
        assert_eq!(
            event_line("newnode", &n, None),
            "newnode [3]: hub <unnamed>\n"
        );
        let l = LinkInfo {
            ourhook: "a".into(),
            peerhook: "b".into(),
            peer: node(None, "hub", 0x1a, 1),
            counters: Default::default(),
        };
        assert_eq!(
            event_line("newhook", &n, Some(&l)),
            "newhook [3]:a [1a]:b\n"
        );
    }
}
