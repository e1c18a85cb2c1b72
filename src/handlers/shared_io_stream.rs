//! Streams read and written through `&Self`. async-std's `TcpStream` and `UnixStream` implement
//! the I/O traits for `&Self` as well as for `Self`; async-net's implement them for the stream
//! only. A crate whose code needs the first (a generic bound `for<'a> &'a T: AsyncRead`, so any
//! stream it is given must allow it) gets async-std's stream type back, built on smol's reactor
//! as async-std built it: a module at the end of its root file (`tcp_stream`, `unix_stream`)
//! whose `TcpStream` is an `Arc<smol::Async<std::net::TcpStream>>` with async-std's constructors,
//! methods and trait impls (`Clone`, `From<std::net::TcpStream>`, raw descriptors). Its
//! `connect` resolves with `smol::net::resolve` and tries each address in turn, as async-std's
//! did, and its future is `Sync`, as async-std's was. The names point at the module; nothing
//! else of the code changes.
//!
//! Before:
//! ```text
//! use async_std::net::TcpStream;
//! use futures_lite::{AsyncRead, AsyncWrite};
//!
//! pub trait Connector {
//!     type Output: AsyncRead + AsyncWrite;
//! }
//!
//! pub fn assert_shared_io<T: Connector>()
//! where
//!     for<'a> &'a T::Output: AsyncRead + AsyncWrite,
//! {
//! }
//!
//! pub async fn open(addr: &str) -> std::io::Result<TcpStream> {
//!     TcpStream::connect(addr).await
//! }
//! ```
//! After:
//! ```text
//! use crate::tcp_stream::TcpStream;
//! use futures_lite::{AsyncRead, AsyncWrite};
//!
//! pub trait Connector {
//!     type Output: AsyncRead + AsyncWrite;
//! }
//!
//! pub fn assert_shared_io<T: Connector>()
//! where
//!     for<'a> &'a T::Output: AsyncRead + AsyncWrite,
//! {
//! }
//!
//! pub async fn open(addr: &str) -> std::io::Result<TcpStream> {
//!     TcpStream::connect(addr).await
//! }
//!
//! /// async-std's `net::TcpStream`, which reads and writes through `&TcpStream` as this crate's
//! /// bounds need and smol's `TcpStream` does not: the stream on smol's reactor, with async-std's
//! /// methods and behaviour (written by async-std-migrate).
//! #[allow(dead_code)]
//! mod tcp_stream {
//!     use smol::io::{AsyncRead, AsyncWrite};
//!     use smol::Async;
//!     use std::future::Future;
//!     use std::io;
//!     use std::net::{self as std_net, SocketAddr};
//!     use std::pin::Pin;
//!     use std::sync::{Arc, Mutex, PoisonError};
//!     use std::task::{Context, Poll};
//!
//!     /// A TCP stream, shared by its clones.
//!     #[derive(Debug, Clone)]
//!     pub struct TcpStream(Arc<Async<std_net::TcpStream>>);
//!
//!     impl TcpStream {
//!         /// Connects to the first of the resolved addresses that accepts.
//!         pub async fn connect<A: smol::net::AsyncToSocketAddrs>(addrs: A) -> io::Result<TcpStream> {
//!             // Resolving is reached through `&mut` only (`get_mut` never locks): this future is
//!             // `Sync`, as async-std's was.
//!             let mut resolving = Mutex::new(Box::pin(smol::net::resolve(addrs)));
//!             let addrs = std::future::poll_fn(|cx| {
//!                 let fut = resolving.get_mut().unwrap_or_else(PoisonError::into_inner);
//!                 fut.as_mut().poll(cx)
//!             })
//!             .await?;
//!             let mut last_err = None;
//!             for addr in addrs {
//!                 match Async::<std_net::TcpStream>::connect(addr).await {
//!                     Ok(stream) => return Ok(TcpStream(Arc::new(stream))),
//!                     Err(e) => last_err = Some(e),
//!                 }
//!             }
//!             Err(last_err.unwrap_or_else(|| {
//!                 io::Error::new(io::ErrorKind::InvalidInput, "could not resolve to any addresses")
//!             }))
//!         }
//!
//!         /// The local address of the stream.
//!         pub fn local_addr(&self) -> io::Result<SocketAddr> {
//!             self.0.get_ref().local_addr()
//!         }
//!
//!         /// The address of the peer.
//!         pub fn peer_addr(&self) -> io::Result<SocketAddr> {
//!             self.0.get_ref().peer_addr()
//!         }
//!
//!         /// The IP time-to-live of the socket.
//!         pub fn ttl(&self) -> io::Result<u32> {
//!             self.0.get_ref().ttl()
//!         }
//!
//!         /// Sets the IP time-to-live of the socket.
//!         pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
//!             self.0.get_ref().set_ttl(ttl)
//!         }
//!
//!         /// Reads received data without removing it from the queue.
//!         pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
//!             self.0.peek(buf).await
//!         }
//!
//!         /// Whether `TCP_NODELAY` is set.
//!         pub fn nodelay(&self) -> io::Result<bool> {
//!             self.0.get_ref().nodelay()
//!         }
//!
//!         /// Sets `TCP_NODELAY`.
//!         pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
//!             self.0.get_ref().set_nodelay(nodelay)
//!         }
//!
//!         /// Shuts down the read half, the write half or both.
//!         pub fn shutdown(&self, how: std_net::Shutdown) -> io::Result<()> {
//!             self.0.get_ref().shutdown(how)
//!         }
//!     }
//!
//!     impl AsyncRead for TcpStream {
//!         fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
//!             Pin::new(&mut &*self).poll_read(cx, buf)
//!         }
//!     }
//!
//!     impl AsyncRead for &TcpStream {
//!         fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
//!             Pin::new(&mut &*self.0).poll_read(cx, buf)
//!         }
//!     }
//!
//!     impl AsyncWrite for TcpStream {
//!         fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
//!             Pin::new(&mut &*self).poll_write(cx, buf)
//!         }
//!
//!         fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
//!             Pin::new(&mut &*self).poll_flush(cx)
//!         }
//!
//!         fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
//!             Pin::new(&mut &*self).poll_close(cx)
//!         }
//!     }
//!
//!     impl AsyncWrite for &TcpStream {
//!         fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
//!             Pin::new(&mut &*self.0).poll_write(cx, buf)
//!         }
//!
//!         fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
//!             Pin::new(&mut &*self.0).poll_flush(cx)
//!         }
//!
//!         fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
//!             Pin::new(&mut &*self.0).poll_close(cx)
//!         }
//!     }
//!
//!     impl From<std_net::TcpStream> for TcpStream {
//!         /// Registers the stream with smol's reactor; panics where that fails, as async-std's did.
//!         fn from(stream: std_net::TcpStream) -> Self {
//!             TcpStream(Arc::new(Async::new(stream).expect("registering the stream with smol's reactor")))
//!         }
//!     }
//!
//!     impl std::convert::TryFrom<TcpStream> for std_net::TcpStream {
//!         type Error = io::Error;
//!
//!         /// The std stream, blocking again; fails while clones of the stream are alive.
//!         fn try_from(stream: TcpStream) -> io::Result<Self> {
//!             let inner = Arc::try_unwrap(stream.0)
//!                 .map_err(|_| io::Error::new(io::ErrorKind::Other, "cannot convert the stream to a std one: it has clones"))?
//!                 .into_inner()?;
//!             inner.set_nonblocking(false)?;
//!             Ok(inner)
//!         }
//!     }
//!
//!     #[cfg(unix)]
//!     impl std::os::unix::io::AsRawFd for TcpStream {
//!         fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
//!             self.0.get_ref().as_raw_fd()
//!         }
//!     }
//!
//!     #[cfg(windows)]
//!     impl std::os::windows::io::AsRawSocket for TcpStream {
//!         fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
//!             self.0.get_ref().as_raw_socket()
//!         }
//!     }
//! }
//! ```
//!
//! A crate without such a bound gets smol's own types (`smol::net::TcpStream`), and its `&stream`
//! reads become clones of the stream (`net_ref.rs`).

use super::generated::{self, Generated};
use super::{Acc, At, Ctx, Flow};

/// The handler id (also the rule its edits count under).
pub(crate) const RULE: &str = "stream-shared-io";

const TCP_ITEMS: &[(&str, &str)] = &[("async_std::net::TcpStream", "TcpStream")];
const UNIX_ITEMS: &[(&str, &str)] = &[("async_std::os::unix::net::UnixStream", "UnixStream")];

/// async-std's listeners, whose streams would be smol's: a crate that accepts streams keeps
/// async-std's stream (reported, `stream-ref-io`).
const TCP_LISTENERS: &[(&str, &str)] = &[("async_std::net::TcpListener", "")];
const UNIX_LISTENERS: &[(&str, &str)] = &[("async_std::os::unix::net::UnixListener", "")];

/// The TCP module kind (see `generated.rs`).
pub(crate) const TCP: Generated = Generated {
    rule: RULE,
    module: "tcp_stream",
    items: TCP_ITEMS,
    names_it: |sites| generated::names_any(sites, TCP_ITEMS),
    crate_wants: Some(bounds_shared_io),
    crate_blocked_by: Some(|sites| generated::names_any(sites, TCP_LISTENERS)),
    shared: true,
    package_wide: false,
    text: |root, public| generated::module_text(root, TCP_MODULE, public),
};

/// The Unix-socket module kind.
pub(crate) const UNIX: Generated = Generated {
    rule: RULE,
    module: "unix_stream",
    items: UNIX_ITEMS,
    names_it: |sites| generated::names_any(sites, UNIX_ITEMS),
    crate_wants: Some(bounds_shared_io),
    crate_blocked_by: Some(|sites| generated::names_any(sites, UNIX_LISTENERS)),
    shared: true,
    package_wide: false,
    text: |root, public| generated::module_text(root, UNIX_MODULE, public),
};

/// A file bounds shared references of a type by an I/O trait (`for<'a> &'a T: AsyncRead`).
fn bounds_shared_io(text: &str) -> bool {
    matches!(
        crate::engine::package::reads_through_refs(text),
        Some((_, crate::engine::package::RefIo::Bound))
    )
}

/// Whether the file's crate has the module standing for async-std's stream type `short`
/// (`TcpStream`, `UnixStream`): the handlers that adapt code to smol's stream leave it alone.
pub(crate) fn covers(paths: &generated::Paths, short: &str) -> bool {
    match short.rsplit("::").next() {
        Some("TcpStream") => paths.module(TCP.module).is_some(),
        Some("UnixStream") => paths.module(UNIX.module).is_some(),
        _ => false,
    }
}

/// Entry: a path naming the stream (or an associated item of it). Imported by name, the
/// regenerated import points at the crate's type; written out, the path is replaced.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    generated::point_at_module(at, ctx, acc, RULE)
}

/// The read and write impls, for the stream and for `&` the stream, as async-std has them.
macro_rules! io_impls {
    ($ty:literal) => {
        concat!(
            "
    impl AsyncRead for ",
            $ty,
            " {
        fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            Pin::new(&mut &*self).poll_read(cx, buf)
        }
    }

    impl AsyncRead for &",
            $ty,
            " {
        fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            Pin::new(&mut &*self.0).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for ",
            $ty,
            " {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            Pin::new(&mut &*self).poll_write(cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut &*self).poll_flush(cx)
        }

        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut &*self).poll_close(cx)
        }
    }

    impl AsyncWrite for &",
            $ty,
            " {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            Pin::new(&mut &*self.0).poll_write(cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut &*self.0).poll_flush(cx)
        }

        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut &*self.0).poll_close(cx)
        }
    }

    impl From<std_net::",
            $ty,
            "> for ",
            $ty,
            " {
        /// Registers the stream with smol's reactor; panics where that fails, as async-std's did.
        fn from(stream: std_net::",
            $ty,
            ") -> Self {
            ",
            $ty,
            "(Arc::new(Async::new(stream).expect(\"registering the stream with smol's reactor\")))
        }
    }

    impl std::convert::TryFrom<",
            $ty,
            "> for std_net::",
            $ty,
            " {
        type Error = io::Error;

        /// The std stream, blocking again; fails while clones of the stream are alive.
        fn try_from(stream: ",
            $ty,
            ") -> io::Result<Self> {
            let inner = Arc::try_unwrap(stream.0)
                .map_err(|_| io::Error::new(io::ErrorKind::Other, \"cannot convert the stream to a std one: it has clones\"))?
                .into_inner()?;
            inner.set_nonblocking(false)?;
            Ok(inner)
        }
    }
"
        )
    };
}

/// The module a crate with such a bound that names async-std's `TcpStream` gets, at the end of
/// its root file; `{vis}` is `pub ` in a library and empty elsewhere.
pub(crate) const TCP_MODULE: &str = concat!(
    "
/// async-std's `net::TcpStream`, which reads and writes through `&TcpStream` as this crate's
/// bounds need and smol's `TcpStream` does not: the stream on smol's reactor, with async-std's
/// methods and behaviour (written by async-std-migrate).
#[allow(dead_code)]
{vis}mod tcp_stream {
    use smol::io::{AsyncRead, AsyncWrite};
    use smol::Async;
    use std::future::Future;
    use std::io;
    use std::net::{self as std_net, SocketAddr};
    use std::pin::Pin;
    use std::sync::{Arc, Mutex, PoisonError};
    use std::task::{Context, Poll};

    /// A TCP stream, shared by its clones.
    #[derive(Debug, Clone)]
    pub struct TcpStream(Arc<Async<std_net::TcpStream>>);

    impl TcpStream {
        /// Connects to the first of the resolved addresses that accepts.
        pub async fn connect<A: smol::net::AsyncToSocketAddrs>(addrs: A) -> io::Result<TcpStream> {
            // Resolving is reached through `&mut` only (`get_mut` never locks): this future is
            // `Sync`, as async-std's was.
            let mut resolving = Mutex::new(Box::pin(smol::net::resolve(addrs)));
            let addrs = std::future::poll_fn(|cx| {
                let fut = resolving.get_mut().unwrap_or_else(PoisonError::into_inner);
                fut.as_mut().poll(cx)
            })
            .await?;
            let mut last_err = None;
            for addr in addrs {
                match Async::<std_net::TcpStream>::connect(addr).await {
                    Ok(stream) => return Ok(TcpStream(Arc::new(stream))),
                    Err(e) => last_err = Some(e),
                }
            }
            Err(last_err.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, \"could not resolve to any addresses\")
            }))
        }

        /// The local address of the stream.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.0.get_ref().local_addr()
        }

        /// The address of the peer.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.0.get_ref().peer_addr()
        }

        /// The IP time-to-live of the socket.
        pub fn ttl(&self) -> io::Result<u32> {
            self.0.get_ref().ttl()
        }

        /// Sets the IP time-to-live of the socket.
        pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
            self.0.get_ref().set_ttl(ttl)
        }

        /// Reads received data without removing it from the queue.
        pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.peek(buf).await
        }

        /// Whether `TCP_NODELAY` is set.
        pub fn nodelay(&self) -> io::Result<bool> {
            self.0.get_ref().nodelay()
        }

        /// Sets `TCP_NODELAY`.
        pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
            self.0.get_ref().set_nodelay(nodelay)
        }

        /// Shuts down the read half, the write half or both.
        pub fn shutdown(&self, how: std_net::Shutdown) -> io::Result<()> {
            self.0.get_ref().shutdown(how)
        }
    }
",
    io_impls!("TcpStream"),
    "
    #[cfg(unix)]
    impl std::os::unix::io::AsRawFd for TcpStream {
        fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
            self.0.get_ref().as_raw_fd()
        }
    }

    #[cfg(windows)]
    impl std::os::windows::io::AsRawSocket for TcpStream {
        fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
            self.0.get_ref().as_raw_socket()
        }
    }
}
"
);

/// The same for async-std's `os::unix::net::UnixStream`.
pub(crate) const UNIX_MODULE: &str = concat!(
    "
/// async-std's `os::unix::net::UnixStream`, which reads and writes through `&UnixStream` as this
/// crate's bounds need and smol's `UnixStream` does not: the stream on smol's reactor, with
/// async-std's methods and behaviour (written by async-std-migrate).
#[cfg(unix)]
#[allow(dead_code)]
{vis}mod unix_stream {
    use smol::io::{AsyncRead, AsyncWrite};
    use smol::Async;
    use std::io;
    use std::os::unix::net::{self as std_net, SocketAddr};
    use std::path::Path;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    /// A Unix stream, shared by its clones.
    #[derive(Debug, Clone)]
    pub struct UnixStream(Arc<Async<std_net::UnixStream>>);

    impl UnixStream {
        /// Connects to the socket at `path`.
        pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
            let path = path.as_ref().to_owned();
            Ok(UnixStream(Arc::new(Async::<std_net::UnixStream>::connect(path).await?)))
        }

        /// Two connected streams.
        pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
            let (a, b) = Async::<std_net::UnixStream>::pair()?;
            Ok((UnixStream(Arc::new(a)), UnixStream(Arc::new(b))))
        }

        /// The local address of the stream.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.0.get_ref().local_addr()
        }

        /// The address of the peer.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.0.get_ref().peer_addr()
        }

        /// Shuts down the read half, the write half or both.
        pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
            self.0.get_ref().shutdown(how)
        }
    }
",
    io_impls!("UnixStream"),
    "
    impl std::os::unix::io::AsRawFd for UnixStream {
        fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
            self.0.get_ref().as_raw_fd()
        }
    }
}
"
);

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_crate_reading_through_shared_references_gets_async_std_s_stream_on_smol() {
        let before = r#"use async_std::net::TcpStream;
use futures_lite::{AsyncRead, AsyncWrite};

pub fn assert_shared_io<T>()
where
    for<'a> &'a T: AsyncRead + AsyncWrite,
{
}

pub async fn open(addr: &str) -> std::io::Result<TcpStream> {
    let s = async_std::net::TcpStream::connect(addr).await?;
    assert_shared_io::<TcpStream>();
    Ok(s)
}
"#;
        let after = r#"use crate::tcp_stream::TcpStream;
use futures_lite::{AsyncRead, AsyncWrite};

pub fn assert_shared_io<T>()
where
    for<'a> &'a T: AsyncRead + AsyncWrite,
{
}

pub async fn open(addr: &str) -> std::io::Result<TcpStream> {
    let s = crate::tcp_stream::TcpStream::connect(addr).await?;
    assert_shared_io::<TcpStream>();
    Ok(s)
}
"#;
        check_rewrite(
            super::RULE,
            before,
            &format!("{after}{}", (super::TCP.text)(after, false)),
        );
    }

    #[test]
    fn through_a_glob_import_of_async_std_s_net() {
        let before = r#"use async_std::net::*;
use futures_lite::AsyncRead;

pub fn assert_shared_io<T>()
where
    for<'a> &'a T: AsyncRead,
{
}

pub async fn open(addr: &str) -> std::io::Result<TcpStream> {
    assert_shared_io::<TcpStream>();
    TcpStream::connect(addr).await
}
"#;
        let after = r#"use smol::net::*;
use futures_lite::AsyncRead;

pub fn assert_shared_io<T>()
where
    for<'a> &'a T: AsyncRead,
{
}

pub async fn open(addr: &str) -> std::io::Result<crate::tcp_stream::TcpStream> {
    assert_shared_io::<crate::tcp_stream::TcpStream>();
    crate::tcp_stream::TcpStream::connect(addr).await
}
"#;
        check_rewrite(
            super::RULE,
            before,
            &format!("{after}{}", (super::TCP.text)(after, false)),
        );
    }

    #[test]
    fn a_crate_that_accepts_streams_keeps_them() {
        // async-std's listener would give smol's streams: the module would not serve them.
        check_not_applicable(
            super::RULE,
            r#"use async_std::net::{TcpListener, TcpStream};
use futures_lite::AsyncRead;

pub fn assert_shared_io<T>()
where
    for<'a> &'a T: AsyncRead,
{
}

pub async fn first(l: &TcpListener) -> std::io::Result<TcpStream> {
    assert_shared_io::<TcpStream>();
    Ok(l.accept().await?.0)
}
"#,
        );
    }

    #[test]
    fn without_such_a_bound_smol_s_stream() {
        check_not_applicable(
            super::RULE,
            r#"use async_std::net::TcpStream;

pub async fn open(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await
}
"#,
        );
    }
}
