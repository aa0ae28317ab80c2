// SPDX-License-Identifier: GPL-2.0

//! The node types. Each file is safe Rust on top of [`crate::graph`].

use crate::graph::TypeInfo;

pub(crate) mod bridge;
pub(crate) mod eiface;
pub(crate) mod ether;
pub(crate) mod hub;
pub(crate) mod pipe;
pub(crate) mod socket;
pub(crate) mod tee;

/// Every type, in `listtypes` order.
pub(crate) static ALL: [&TypeInfo; COUNT] = [
    &socket::TYPE,
    &ether::TYPE,
    &eiface::TYPE,
    &hub::TYPE,
    &bridge::TYPE,
    &tee::TYPE,
    &pipe::TYPE,
];
/// Number of types.
pub(crate) const COUNT: usize = 7;

/// The type named `name`.
pub(crate) fn find(name: &[u8]) -> Option<&'static TypeInfo> {
    ALL.iter().copied().find(|t| t.name.as_bytes() == name)
}
