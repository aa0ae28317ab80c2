// SPDX-License-Identifier: GPL-2.0

//! The node types, one folder each: safe Rust on top of [`crate::graph`]
//! (and, for device-backed types, the FFI layer's device handles), with the
//! type's pure logic and C glue beside it. The crate root lists them.

pub(crate) mod bridge;
pub(crate) mod echo;
pub(crate) mod eiface;
pub(crate) mod etf;
pub(crate) mod ether;
pub(crate) mod hole;
pub(crate) mod hub;
pub(crate) mod one2many;
pub(crate) mod pipe;
pub(crate) mod socket;
pub(crate) mod tee;
pub(crate) mod vlan;
