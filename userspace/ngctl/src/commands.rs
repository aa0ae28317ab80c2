//! ngctl's command table (FreeBSD names, aliases, usage and help texts) and
//! the command implementations.

use crate::cli::{
    debug_level, print_json, report, send_err, set_debug_level, Cmd, CmdError, CmdResult, Ctx,
};
use crate::output;
use netgraph::{Async, MsgError};
use std::io::BufRead;
use std::io::Write;

/// FreeBSD's help order.
pub static COMMANDS: &[Cmd] = &[
    Cmd {
        name: "config",
        aliases: &[],
        usage: "config <path> [arguments]",
        summary: "get or set configuration of node at <path>",
        help: "Get or set configuration of node at <path>. None of the node types of this implementation has a text configuration.",
        run: cmd_config,
    },
    Cmd {
        name: "connect",
        aliases: &["join"],
        usage: "connect [path] <relpath> <hook> <peerhook>",
        summary: "Connects hook <peerhook> of the node at <relpath> to <hook>",
        help: "The connect command creates a link between the two nodes at \"path\" and \"relpath\" using hooks \"hook\" and \"peerhook\", respectively. The \"relpath\", if not absolute, is specified relative to the node at \"path\". If \"path\" is omitted then the local node is assumed.",
        run: cmd_connect,
    },
    Cmd {
        name: "debug",
        aliases: &[],
        usage: "debug [level]",
        summary: "Get/set debugging verbosity level",
        help: "Without any argument, this command displays the current debugging verbosity level. If the argument is ``+'' or ``-'' the debug level is incremented or decremented; otherwise it must be an absolute numerical level.",
        run: cmd_debug,
    },
    Cmd {
        name: "dot",
        aliases: &["graphviz", "confdot"],
        usage: "dot [-c] [outfile]",
        summary: "Produce a GraphViz (.dot) of the entire netgraph.",
        help: "Output a graph of the current netgraph in the GraphViz dot language. If an outfile ending in .svg or .png is given and GraphViz's dot program is installed, the picture is rendered into it (with -c, to .dot text regardless of the name).",
        run: cmd_dot,
    },
    Cmd {
        name: "help",
        aliases: &["?"],
        usage: "help [command]",
        summary: "Show command summary or get more help on a specific command",
        help: "Show command summary or get more help on a specific command.",
        run: cmd_help,
    },
    Cmd {
        name: "list",
        aliases: &["ls"],
        usage: "list [-ln]",
        summary: "Show information about all nodes",
        help: "The list command shows information about every node that currently exists in the netgraph system. The optional -n argument limits this list to only those nodes with a global name assignment. The optional -l argument provides verbose output that includes hook information as well.",
        run: cmd_list,
    },
    Cmd {
        name: "mkpeer",
        aliases: &[],
        usage: "mkpeer [path] <type> <hook> <peerhook>",
        summary: "Create and connect a new node to the node at \"path\"",
        help: "The mkpeer command atomically creates a new node of type \"type\" and connects it to the node at \"path\". The hooks used for the connection are \"hook\" on the original node and \"peerhook\" on the new node. If \"path\" is omitted then \".\" is assumed.",
        run: cmd_mkpeer,
    },
    Cmd {
        name: "monitor",
        aliases: &[],
        usage: "monitor [-t] [-r readyfile] [-T type] [-p path] [count]",
        summary: "Print topology events as they happen",
        help: "Prints node and hook creation and removal and node renames in this namespace as they happen (like ip monitor), until interrupted or, with a count, after that many events. -t prefixes each with the time (seconds since the epoch, microseconds; with -j a \"time\" field). -T type keeps only events of nodes of that type (or hooks whose either end is one), -p path only those of the node at path (resolved once, by ID) or of its hooks. With -j each event is a JSON object on its own line. With -r, readyfile is created once the subscription is in place, so a script knows that no later event will be missed. Not in FreeBSD.",
        run: cmd_monitor,
    },
    Cmd {
        name: "msg",
        aliases: &["cmd"],
        usage: "msg path command [args ... ]",
        summary: "Send a netgraph control message to the node at \"path\"",
        help: "The msg command constructs a netgraph control message from the command name and ASCII arguments (if any) and sends that message to the node.",
        run: cmd_msg,
    },
    Cmd {
        name: "name",
        aliases: &[],
        usage: "name <path> <name>",
        summary: "Assign name <name> to the node at <path>",
        help: "The name command assigns a name to a node. The name may not contain the characters \".\" or \":\" and may be at most 31 bytes long.",
        run: cmd_name,
    },
    Cmd {
        name: "read",
        aliases: &["source", "."],
        usage: "read <filename>",
        summary: "Read and execute commands from a file",
        help: "Read and execute commands from a file. Lines starting with # are comments; the first failing command stops the file.",
        run: cmd_read,
    },
    Cmd {
        name: "rmhook",
        aliases: &["disconnect"],
        usage: "rmhook [path] <hook>",
        summary: "Disconnect hook \"hook\" of the node at \"path\"",
        help: "The rmhook command forces the node at \"path\" to break the link formed by its hook \"hook\", if connected. If \"path\" is omitted then \".\" is assumed.",
        run: cmd_rmhook,
    },
    Cmd {
        name: "show",
        aliases: &["inquire", "info"],
        usage: "show [-n|-s] <path>",
        summary: "Show information about the node at <path>",
        help: "The show command displays information about the node at <path>, including its hooks. The -n flag suppresses the hook list; the -s flag adds each hook's frame and octet counters (received through the hook and sent out of it).",
        run: cmd_show,
    },
    Cmd {
        name: "shutdown",
        aliases: &["kill", "rmnode"],
        usage: "shutdown <path>",
        summary: "Shutdown the node at <path>",
        help: "The shutdown command causes the node at <path> to be shut down and removed; its hooks are disconnected first.",
        run: cmd_shutdown,
    },
    Cmd {
        name: "stats",
        aliases: &[],
        usage: "stats [-i seconds] [-c count] [path]",
        summary: "Show the frame and octet counters of every hook",
        help: "The stats command shows, for the node at \"path\" (or for every node), each hook's frames and octets received through it and sent out of it. With -i, it prints the rates (frames and bits per second) over every interval of that many seconds, count times (-c) or until interrupted. With -j, each report is one line of JSON.",
        run: cmd_stats,
    },
    Cmd {
        name: "status",
        aliases: &[],
        usage: "status <path>",
        summary: "Get human readable status information from the node at <path>",
        help: "Get human readable status information from the node at <path>. None of the node types of this implementation has text status.",
        run: cmd_status,
    },
    Cmd {
        name: "types",
        aliases: &[],
        usage: "types",
        summary: "Show information about all installed node types",
        help: "The types command shows information about every node type that is currently installed and the number of living nodes of each type in this namespace.",
        run: cmd_types,
    },
    Cmd {
        name: "write",
        aliases: &["w"],
        usage: "write hook < -f file | byte ... >",
        summary: "Send a data packet down the hook named by \"hook\".",
        help: "The data may be contained in a file, or may be described directly on the command line by supplying a sequence of bytes.",
        run: cmd_write,
    },
    Cmd {
        name: "quit",
        aliases: &["exit"],
        usage: "quit",
        summary: "Exit program",
        help: "Exit program.",
        run: |_, _| Err(CmdError::Quit),
    },
];

/// Commands FreeBSD's ngctl does not have. A prefix that also fits one of
/// FreeBSD's commands means FreeBSD's (`stat` is `status`, as scripts
/// written for FreeBSD expect, not ambiguous with `stats`).
const EXTENSIONS: &[&str] = &["monitor", "stats"];

/// Finds a command by unique case-insensitive prefix of a name or alias.
pub fn lookup(word: &str) -> Result<&'static Cmd, String> {
    let w = word.to_ascii_lowercase();
    let mut found: Vec<&'static Cmd> = Vec::new();
    for cmd in COMMANDS {
        let names = std::iter::once(cmd.name).chain(cmd.aliases.iter().copied());
        for n in names {
            if n == w {
                return Ok(cmd);
            }
            if n.starts_with(&w) && !found.iter().any(|f| std::ptr::eq(*f, cmd)) {
                found.push(cmd);
            }
        }
    }
    if found.len() > 1 {
        found.retain(|c| !EXTENSIONS.contains(&c.name));
    }
    match found[..] {
        [] => Err(format!("\"{word}\": unknown command")),
        [one] => Ok(one),
        _ => Err(format!("\"{word}\": ambiguous command")),
    }
}

/// Runs one command line (already split into words).
pub fn run_words(ctx: &mut Ctx, words: &[String]) -> CmdResult {
    let Some(first) = words.first() else {
        return Ok(());
    };
    let cmd = lookup(first).map_err(CmdError::Failed)?;
    match (cmd.run)(ctx, &words[1..]) {
        Err(CmdError::Usage) => Err(CmdError::BadUsage(cmd.usage)),
        r => r,
    }
}

/// Splits a line on white space, as FreeBSD ngctl does (no quoting).
pub fn split_line(line: &str) -> Vec<String> {
    line.split([' ', '\t', '\r', '\n', '\x0b', '\x0c'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn cmd_config(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [path, rest @ ..] = args else {
        return Err(CmdError::Usage);
    };
    text_query(ctx, path, "textconfig", &rest.join(" "), "config")
}

fn cmd_status(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [path] = args else {
        return Err(CmdError::Usage);
    };
    text_query(ctx, path, "textstatus", "", "status")
}

/// `status`/`config`: the node's text status or configuration (FreeBSD's
/// `NGM_TEXT_STATUS`/`NGM_TEXT_CONFIG`), for a node that must exist.
fn text_query(ctx: &mut Ctx, path: &str, cmd: &str, text: &str, what: &str) -> CmdResult {
    let reply = match ctx.client.msg_text(path, cmd, text) {
        Ok(r) => r,
        // The type has no text form of it (FreeBSD's types mostly do not).
        Err(MsgError::NoText { .. }) => None,
        Err(e) => return Err(msg_err(e)),
    };
    let text = reply.map(|r| match r.value {
        Some(netgraph::ascii::Value::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
        _ => r.ascii().unwrap_or_default(),
    });
    match text.filter(|t| !t.is_empty()) {
        Some(t) => {
            let mut label = what.to_string();
            label[..1].make_ascii_uppercase();
            println!("{label} for \"{path}\":\n{t}");
        }
        None => println!("No {what} available for \"{path}\""),
    }
    Ok(())
}

fn cmd_debug(_ctx: &mut Ctx, args: &[String]) -> CmdResult {
    match args {
        [] => {
            println!("Current debug level is {}", debug_level());
            Ok(())
        }
        [a] if a == "+" => {
            set_debug_level(debug_level() + 1);
            Ok(())
        }
        [a] if a == "-" => {
            set_debug_level(debug_level().saturating_sub(1));
            Ok(())
        }
        [a] => match a.parse::<u32>() {
            Ok(n) => {
                set_debug_level(n);
                Ok(())
            }
            Err(_) => Err(CmdError::Usage),
        },
        _ => Err(CmdError::Usage),
    }
}

fn cmd_help(_ctx: &mut Ctx, args: &[String]) -> CmdResult {
    match args {
        [] => {
            print!("{}", output::help_summary(COMMANDS));
            Ok(())
        }
        [w] => {
            let cmd = lookup(w).map_err(CmdError::Failed)?;
            print!("{}", output::help_command(cmd));
            Ok(())
        }
        _ => Err(CmdError::Usage),
    }
}

fn cmd_dot(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let (text_only, out) = match args {
        [] => (false, None),
        [c] if c == "-c" => (true, None),
        [f] => (false, Some(f.as_str())),
        [c, f] if c == "-c" => (true, Some(f.as_str())),
        _ => return Err(CmdError::Usage),
    };
    let all = graph_sample(ctx, None)?;
    let text = output::dot(&all);
    let Some(path) = out else {
        print!("{text}");
        return Ok(());
    };
    let fmt = if text_only {
        None
    } else if path.ends_with(".svg") {
        Some("svg")
    } else if path.ends_with(".png") {
        Some("png")
    } else {
        None
    };
    match fmt {
        None => std::fs::write(path, text).map_err(|e| CmdError::Failed(format!("{path}: {e}"))),
        Some(f) => {
            let mut child = std::process::Command::new("dot")
                .arg(format!("-T{f}"))
                .arg("-o")
                .arg(path)
                .stdin(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| {
                    CmdError::Failed(format!(
                        "dot: cannot run GraphViz's dot ({e}); install graphviz"
                    ))
                })?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin
                    .write_all(text.as_bytes())
                    .map_err(|e| CmdError::Failed(format!("dot: {e}")))?;
            }
            match child.wait() {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(CmdError::Failed(format!("dot: GraphViz failed ({s})"))),
                Err(e) => Err(CmdError::Failed(format!("dot: {e}"))),
            }
        }
    }
}

fn cmd_list(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let mut long = false;
    let mut named = false;
    for a in args {
        let Some(flags) = a.strip_prefix('-') else {
            return Err(CmdError::Usage);
        };
        if flags.is_empty() {
            return Err(CmdError::Usage);
        }
        for f in flags.chars() {
            match f {
                'l' => long = true,
                'n' => named = true,
                _ => return Err(CmdError::Usage),
            }
        }
    }
    let nodes = ctx
        .client
        .listnodes(named)
        .map_err(|e| send_err("send msg", e))?;
    if ctx.json {
        let mut items = Vec::new();
        for n in &nodes {
            if long {
                let (node, links) = ctx
                    .client
                    .listhooks(&format!("[{:x}]:", n.id))
                    .map_err(|e| send_err("send msg", e))?;
                items.push(output::json_show(&node, &links));
            } else {
                items.push(output::json_node(n));
            }
        }
        print_json(&serde_json::Value::Array(items));
        return Ok(());
    }
    let mut out = String::new();
    out.push_str(&format!(
        "There are {} total {}nodes:\n",
        nodes.len(),
        if named { "named " } else { "" }
    ));
    let mut first = true;
    for n in &nodes {
        if long {
            match ctx.client.listhooks(&format!("[{:x}]:", n.id)) {
                Ok((node, links)) => {
                    // One empty line between nodes.
                    if !first {
                        out.push('\n');
                    }
                    first = false;
                    out.push_str(&output::show(&node, &links, false));
                }
                // The node went away while listing.
                Err(_) => continue,
            }
        } else {
            out.push_str(&output::node_line(n));
        }
    }
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| CmdError::Failed(e.to_string()))
}

fn cmd_show(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let (flags, path) = match args {
        [p] if !p.starts_with('-') => ("", p),
        [f, p] if f == "-n" || f == "-s" => (f.as_str(), p),
        _ => return Err(CmdError::Usage),
    };
    let no_hooks = flags == "-n";
    let (node, links) = ctx
        .client
        .listhooks(path)
        .map_err(|e| send_err("send msg", e))?;
    if ctx.json {
        print_json(&output::json_show(
            &node,
            if no_hooks { &[] } else { &links },
        ));
    } else if flags == "-s" {
        print!("{}", output::show_counters(&node, &links));
    } else {
        print!("{}", output::show(&node, &links, no_hooks));
    }
    Ok(())
}

/// `stats [-i seconds] [-c count] [path]`: the hooks' counters of the node
/// at `path` (or of every node), or with `-i` their rates over each
/// interval, `count` times (default: until interrupted).
fn cmd_stats(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let mut interval = None;
    let mut count = None;
    let mut path = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-i" => {
                let v: f64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|v: &f64| *v > 0.0 && v.is_finite())
                    .ok_or(CmdError::Usage)?;
                interval = Some(v);
            }
            "-c" => {
                let v: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|v| *v > 0)
                    .ok_or(CmdError::Usage)?;
                count = Some(v);
            }
            p if !p.starts_with('-') && path.is_none() => path = Some(p.to_string()),
            _ => return Err(CmdError::Usage),
        }
    }
    let mut before = graph_sample(ctx, path.as_deref())?;
    let Some(secs) = interval else {
        print_stats(ctx, &before, None);
        return Ok(());
    };
    let mut done = 0;
    while count.is_none_or(|c| done < c) {
        let t0 = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_secs_f64(secs));
        let now = graph_sample(ctx, path.as_deref())?;
        let elapsed = t0.elapsed().as_secs_f64();
        let rates: Vec<Vec<output::Rates>> = now
            .iter()
            .map(|(n, links)| {
                let old = before.iter().find(|(o, _)| o.id == n.id);
                links
                    .iter()
                    .map(|l| {
                        let prev = old
                            .and_then(|(_, ls)| ls.iter().find(|o| o.ourhook == l.ourhook))
                            .map(|o| &o.counters);
                        output::Rates::between(prev, &l.counters, elapsed)
                    })
                    .collect()
            })
            .collect();
        print_stats(ctx, &now, Some(&rates));
        before = now;
        done += 1;
    }
    Ok(())
}

type Sample = Vec<(netgraph::NodeInfo, Vec<netgraph::LinkInfo>)>;

/// The node at `path`, or every node (those gone between the listing and
/// their turn are left out), with their hooks and counters.
fn graph_sample(ctx: &mut Ctx, path: Option<&str>) -> Result<Sample, CmdError> {
    if let Some(p) = path {
        let one = ctx
            .client
            .listhooks(p)
            .map_err(|e| send_err("send msg", e))?;
        return Ok(vec![one]);
    }
    let nodes = ctx
        .client
        .listnodes(false)
        .map_err(|e| send_err("send msg", e))?;
    let mut all = Vec::new();
    for n in nodes {
        match ctx.client.listhooks(&format!("[{:x}]:", n.id)) {
            Ok(one) => all.push(one),
            Err(e) if e.errno() == Some(nix::libc::ENOENT) => {}
            Err(e) => return Err(send_err("send msg", e)),
        }
    }
    Ok(all)
}

fn print_stats(ctx: &Ctx, sample: &Sample, rates: Option<&[Vec<output::Rates>]>) {
    if ctx.json {
        let v: Vec<serde_json::Value> = sample
            .iter()
            .enumerate()
            .map(|(i, (n, l))| {
                output::json_stats(n, l, rates.and_then(|r| r.get(i)).map(|r| r.as_slice()))
            })
            .collect();
        // One line per report, so that an interval's output is a stream
        // of JSON values.
        println!("{}", serde_json::Value::Array(v));
        return;
    }
    let mut out = String::new();
    for (i, (n, l)) in sample.iter().enumerate() {
        out.push_str(&output::stats(
            n,
            l,
            rates.and_then(|r| r.get(i)).map(|r| r.as_slice()),
        ));
    }
    print!("{out}");
    let _ = std::io::stdout().flush();
}

fn cmd_mkpeer(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let (path, ty, hook, peer) = match args {
        [t, h, p] => (".", t, h, p),
        [path, t, h, p] => (path.as_str(), t, h, p),
        _ => return Err(CmdError::Usage),
    };
    let made = ctx
        .client
        .mkpeer(path, ty, hook, peer)
        .map_err(|e| send_err("send msg", e))?;
    print_made(ctx, &made)
}

/// `-j mkpeer`/`-j connect`: what was made, so that a script knows which
/// `linkN`, node ID and interface it got without asking again (the text
/// form prints nothing, as FreeBSD's).
fn print_made(ctx: &mut Ctx, made: &netgraph::Made) -> CmdResult {
    if !ctx.json {
        return Ok(());
    }
    let ifname = ctx
        .client
        .ifname(&made.link.peer)
        .map_err(|e| send_err("send msg", e))?;
    print_json(&output::json_made(made, ifname.as_deref()));
    Ok(())
}

fn cmd_connect(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let (path, rel, hook, peer) = match args {
        [r, h, p] => (".", r, h, p),
        [path, r, h, p] => (path.as_str(), r, h, p),
        _ => return Err(CmdError::Usage),
    };
    let made = ctx
        .client
        .connect(path, rel, hook, peer)
        .map_err(|e| send_err("send msg", e))?;
    print_made(ctx, &made)
}

fn cmd_name(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [path, name] = args else {
        return Err(CmdError::Usage);
    };
    ctx.client
        .name(path, name)
        .map_err(|e| send_err("send msg", e))
}

fn cmd_rmhook(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let (path, hook) = match args {
        [h] => (".", h),
        [p, h] => (p.as_str(), h),
        _ => return Err(CmdError::Usage),
    };
    ctx.client
        .rmhook(path, hook)
        .map_err(|e| send_err("send msg", e))
}

fn cmd_shutdown(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [path] = args else {
        return Err(CmdError::Usage);
    };
    ctx.client
        .shutdown(path)
        .map_err(|e| send_err("shutdown", e))
}

fn cmd_types(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    if !args.is_empty() {
        return Err(CmdError::Usage);
    }
    let types = ctx
        .client
        .listtypes()
        .map_err(|e| send_err("send msg", e))?;
    if ctx.json {
        print_json(&output::json_types(&types));
    } else {
        print!("{}", output::types(&types));
    }
    Ok(())
}

fn cmd_msg(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [path, cmd, rest @ ..] = args else {
        return Err(CmdError::Usage);
    };
    // FreeBSD puts the command and its arguments back together as one
    // string and takes the command name from its first word, so that
    // `msg vlan0: 'addfilter { vlan=0 hook="vlan0" }'` works (pfatt).
    let mut line = cmd.clone();
    for r in rest {
        line.push(' ');
        line.push_str(r);
    }
    let line = line.trim_start();
    let (cmd, text) = match line.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((c, t)) => (c, t.trim_start()),
        None => (line, ""),
    };
    let reply = match ctx.client.msg_text(path, cmd, text) {
        Ok(Some(r)) => r,
        Ok(None) => return Ok(()),
        Err(e) => return Err(msg_err(e)),
    };
    if ctx.json {
        print_json(&reply.json());
        return Ok(());
    }
    println!(
        "Rec'd response \"{}\" ({}) from \"{}\":",
        reply.cmd, reply.id as i32, reply.from
    );
    match reply.ascii() {
        Some(t) => println!("Args:\t{t}"),
        None => println!("No arguments"),
    }
    Ok(())
}

/// How a text message's failure is reported (FreeBSD: `send msg: <errno
/// text>`), with the library's reason appended.
fn msg_err(e: MsgError) -> CmdError {
    match e {
        MsgError::Kernel(e) => send_err("send msg", e),
        // FreeBSD: ascii2binary finds no such name, ENOSYS.
        e @ (MsgError::Unknown { .. } | MsgError::Conversion(_)) => {
            CmdError::Failed(format!("send msg: Function not implemented ({e})"))
        }
        e @ MsgError::NoText { .. } => {
            CmdError::Failed(format!("send msg: Invalid argument ({e})"))
        }
        e @ (MsgError::TakesNoArgs(_) | MsgError::NeedsArg(_) | MsgError::Parse(_)) => {
            CmdError::Failed(format!("msg: {e}"))
        }
        MsgError::Decode(m) => CmdError::Failed(m),
    }
}

fn cmd_write(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [hook, rest @ ..] = args else {
        return Err(CmdError::Usage);
    };
    let data = match rest {
        [] => return Err(CmdError::Usage),
        [f, file] if f == "-f" => {
            let d = std::fs::read(file).map_err(|e| CmdError::Failed(format!("{file}: {e}")))?;
            if d.is_empty() {
                return Err(CmdError::Failed(format!("{file}: empty file")));
            }
            d
        }
        bytes => {
            let mut d = Vec::with_capacity(bytes.len());
            for b in bytes {
                match parse_c_int(b) {
                    Some(v) if (-128..=255).contains(&v) => d.push(v as u8),
                    _ => return Err(CmdError::Failed(format!("write: invalid byte \"{b}\""))),
                }
            }
            d
        }
    };
    ctx.client
        .send_data(hook, &data)
        .map_err(|e| send_err("write", e))
}

/// An integer in C syntax (`%i`): decimal, 0x hex, 0 octal, optional sign.
pub fn parse_c_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn cmd_read(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let [file] = args else {
        return Err(CmdError::Usage);
    };
    if ctx.depth > 16 {
        return Err(CmdError::Failed("read: files nested too deeply".into()));
    }
    ctx.depth += 1;
    let r = run_file(ctx, file);
    ctx.depth -= 1;
    r
}

/// Prints an unsolicited message the way FreeBSD ngctl does.
pub fn print_async(a: &Async) {
    match a {
        Async::Data { hook, data } => {
            print!("{}", output::data_packet(hook, data));
        }
        Async::Event { .. } => {}
    }
}

fn cmd_monitor(ctx: &mut Ctx, args: &[String]) -> CmdResult {
    let mut ready = None;
    let mut stamp = false;
    let mut of_type = None;
    let mut of_path = None;
    let mut limit = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-t" => stamp = true,
            "-r" => ready = Some(it.next().ok_or(CmdError::Usage)?),
            "-T" => of_type = Some(it.next().ok_or(CmdError::Usage)?.clone()),
            "-p" => of_path = Some(it.next().ok_or(CmdError::Usage)?),
            n if limit.is_none() => limit = Some(n.parse::<u64>().map_err(|_| CmdError::Usage)?),
            _ => return Err(CmdError::Usage),
        }
    }
    // A path names a node now; its later events are matched by ID.
    let of_id = match of_path {
        Some(p) => Some(
            ctx.client
                .nodeinfo(p)
                .map_err(|e| send_err("monitor", e))?
                .id,
        ),
        None => None,
    };
    ctx.client
        .subscribe_events()
        .map_err(|e| send_err("monitor", e))?;
    if let Some(file) = ready {
        std::fs::File::create(file)
            .map_err(|e| CmdError::Failed(format!("monitor: {file}: {e}")))?;
    }
    let mut seen = 0u64;
    while limit.is_none_or(|l| seen < l) {
        match ctx
            .client
            .next_async()
            .map_err(|e| send_err("monitor", e))?
        {
            Async::Event { kind, node, link } => {
                let ends = || std::iter::once(&node).chain(link.as_ref().map(|l| &l.peer));
                if of_type
                    .as_ref()
                    .is_some_and(|t| !ends().any(|n| &n.type_name == t))
                    || of_id.is_some_and(|id| !ends().any(|n| n.id == id))
                {
                    continue;
                }
                seen += 1;
                let name = kind.name();
                let now = stamp.then(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                });
                if ctx.json {
                    let mut v = output::json_event(name, &node, link.as_ref());
                    if let Some(t) = now {
                        v["time"] = serde_json::json!(t.as_secs_f64());
                    }
                    print_json(&v);
                } else {
                    if let Some(t) = now {
                        print!("{}.{:06} ", t.as_secs(), t.subsec_micros());
                    }
                    print!("{}", output::event_line(name, &node, link.as_ref()));
                }
                let _ = std::io::stdout().flush();
            }
            other => print_async(&other),
        }
    }
    Ok(())
}

/// Runs the commands of a file (`-` = standard input).
pub fn run_file(ctx: &mut Ctx, file: &str) -> CmdResult {
    let reader: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(file).map_err(|e| CmdError::Failed(format!("{file}: {e}")))?;
        Box::new(std::io::BufReader::new(f))
    };
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| CmdError::Failed(format!("{file}: {e}")))?;
        let t = line.trim_start();
        if t.starts_with('#') {
            continue;
        }
        let words = split_line(t);
        match run_words(ctx, &words) {
            Ok(()) => {}
            Err(CmdError::Quit) => return Err(CmdError::Quit),
            Err(e) => {
                report(&e);
                // FreeBSD's line, then which command it was.
                eprintln!("ngctl: line {}: error in file ({})", n + 1, words.join(" "));
                if ctx.keep_going {
                    ctx.failed = true;
                    continue;
                }
                // Already reported: pass the status up without a message.
                return Err(match e {
                    CmdError::BadUsage(_) | CmdError::Usage => CmdError::Usage,
                    _ => CmdError::Failed(String::new()),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_prefixes_and_aliases() {
        assert_eq!(lookup("list").unwrap().name, "list");
        assert_eq!(lookup("ls").unwrap().name, "list");
        assert_eq!(lookup("LS").unwrap().name, "list");
        assert_eq!(lookup("mk").unwrap().name, "mkpeer");
        assert_eq!(lookup("join").unwrap().name, "connect");
        assert_eq!(lookup("kill").unwrap().name, "shutdown");
        assert_eq!(lookup("rmnode").unwrap().name, "shutdown");
        assert_eq!(lookup(".").unwrap().name, "read");
        assert_eq!(lookup("?").unwrap().name, "help");
        assert_eq!(lookup("w").unwrap().name, "write");
        // "show" and "shutdown" and "status" share "s"; "sh" is still two.
        assert_eq!(lookup("s").unwrap_err(), "\"s\": ambiguous command");
        assert_eq!(lookup("sh").unwrap_err(), "\"sh\": ambiguous command");
        assert_eq!(lookup("sho").unwrap().name, "show");
        // FreeBSD's prefixes keep meaning FreeBSD's commands.
        assert_eq!(lookup("stat").unwrap().name, "status");
        assert_eq!(lookup("st").unwrap().name, "status");
        assert_eq!(lookup("stats").unwrap().name, "stats");
        assert_eq!(lookup("mo").unwrap().name, "monitor");
        assert_eq!(lookup("frob").unwrap_err(), "\"frob\": unknown command");
    }

    #[test]
    fn help_wraps_at_63_columns() {
        let h = crate::output::help_command(lookup("connect").unwrap());
        assert!(
            h.starts_with("usage:    connect [path] <relpath> <hook> <peerhook>\nAliases:  join\n")
        );
        for l in h.lines().skip_while(|l| *l != "Description:").skip(1) {
            assert!(l.len() <= 65, "{l}");
            assert!(l.starts_with("  "));
        }
    }

    #[test]
    fn help_lists_commands_in_freebsd_order() {
        let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        let freebsd = [
            "config", "connect", "debug", "dot", "help", "list", "mkpeer", "msg", "name", "read",
            "rmhook", "show", "shutdown", "status", "types", "write", "quit",
        ];
        let ours: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| freebsd.contains(n))
            .collect();
        assert_eq!(ours, freebsd);
    }

    #[test]
    fn c_integers() {
        assert_eq!(parse_c_int("10"), Some(10));
        assert_eq!(parse_c_int("0x1F"), Some(31));
        assert_eq!(parse_c_int("010"), Some(8));
        assert_eq!(parse_c_int("-1"), Some(-1));
        assert_eq!(parse_c_int("+7"), Some(7));
        assert_eq!(parse_c_int("0"), Some(0));
        assert_eq!(parse_c_int("08"), None);
        assert_eq!(parse_c_int("x"), None);
    }

    #[test]
    fn lines_split_on_white_space_without_quoting() {
        assert_eq!(
            split_line("  mkpeer\t. hub  a b\r\n"),
            vec!["mkpeer", ".", "hub", "a", "b"]
        );
        assert_eq!(
            split_line("name x \"a b\""),
            vec!["name", "x", "\"a", "b\""]
        );
        assert!(split_line("   ").is_empty());
    }
}
