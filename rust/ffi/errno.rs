// SPDX-License-Identifier: GPL-2.0

//! Error numbers, taken from the kernel headers through the bindings.
//!
//! The kernel crate of this kernel names only a few errnos; netgraph needs
//! FreeBSD's whole set (`EADDRINUSE`, `ELOOP`, `ENOTCONN`, ...).

use crate::ffi::bindings;
use kernel::alloc::AllocError;

/// A positive errno value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Errno(pub(crate) i32);

impl Errno {
    /// The negative value the kernel returns.
    pub(crate) fn to_errno(self) -> i32 {
        -self.0
    }
}

impl From<kernel::error::Error> for Errno {
    fn from(e: kernel::error::Error) -> Self {
        Errno(-e.to_errno())
    }
}

impl From<AllocError> for Errno {
    fn from(_: AllocError) -> Self {
        ENOMEM
    }
}

/// Result of the data path and of node callbacks.
pub(crate) type DResult<T = ()> = core::result::Result<T, Errno>;

/// Converts a kernel status (0 or negative errno).
pub(crate) fn check(ret: i32) -> DResult {
    if ret < 0 {
        Err(Errno(-ret))
    } else {
        Ok(())
    }
}

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        $(
            #[allow(dead_code)]
            pub(crate) const $name: Errno = Errno(bindings::$name as i32);
        )*
    };
}

errnos!(
    EPERM,
    ENOENT,
    ENXIO,
    E2BIG,
    ENOMEM,
    EEXIST,
    ENFILE,
    ENODEV,
    EINVAL,
    ENOSPC,
    EMSGSIZE,
    EOPNOTSUPP,
    EPROTOTYPE,
    EADDRINUSE,
    ENETDOWN,
    ENOBUFS,
    EISCONN,
    ENOTCONN,
    EHOSTUNREACH,
    ELOOP,
    ERANGE,
    EALREADY,
    EPFNOSUPPORT,
    ENOSYS,
    EBUSY,
    EAGAIN,
    EDEADLK,
    EADDRNOTAVAIL,
);
