//! Generates the ABI constants from the kernel module's uapi header, the
//! single definition of the netlink ABI.

use std::env;
use std::path::PathBuf;

fn main() {
    let header = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("../../include/uapi/linux/netgraph.h");
    println!("cargo:rerun-if-changed={}", header.display());
    if env::var_os("LIBCLANG_PATH").is_none() {
        // Debian's libclang-16-dev, installed by scripts/deps.sh.
        env::set_var("LIBCLANG_PATH", "/usr/lib/llvm-16/lib");
    }
    let bindings = bindgen::Builder::default()
        .header(header.to_str().unwrap())
        .allowlist_var("NETGRAPH_.*|NG_.*|NGM_.*")
        .allowlist_type("netgraph_.*")
        .default_enum_style(bindgen::EnumVariation::ModuleConsts)
        .prepend_enum_name(false)
        .generate()
        .expect("bindgen failed on include/uapi/linux/netgraph.h");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("uapi.rs");
    bindings.write_to_file(out).expect("cannot write uapi.rs");
}
