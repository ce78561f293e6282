//! The kernel's proc connector (`NETLINK_CONNECTOR`, group `CN_IDX_PROC`): a message for every
//! fork, exec, uid change and exit on the machine, in the host's pid numbers. A small reader over
//! rustix's safe netlink sockets rather than a crate: the crates for it (`cnproc`, `proc-connector`)
//! are unmaintained or bind libc by hand, and the protocol is three fixed C structs
//! (`linux/connector.h`, `linux/cn_proc.h`).

use rustix::io::Errno;
use rustix::net::netlink::{self, SocketAddrNetlink};
use rustix::net::{self, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};
use std::os::fd::OwnedFd;

/// `CN_IDX_PROC`, `CN_VAL_PROC`: the proc connector's id, also its multicast group.
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
/// `PROC_CN_MCAST_LISTEN`: the request to be sent the events.
const MCAST_LISTEN: u32 = 1;
/// `NLMSG_DONE`: the type of every connector message.
const NLMSG_DONE: u16 = 3;
/// `sizeof(struct nlmsghdr)` and `sizeof(struct cn_msg)`: where `struct proc_event` starts.
const HEADERS: usize = 16 + 20;
/// `struct proc_event`'s `what` values used.
const EXEC: u32 = 0x2;
const EXIT: u32 = 0x8000_0000;
/// The socket's receive buffer: room for bursts of execs while alerts are written.
const RECV_BUFFER: usize = 4 << 20;

/// One event of the proc connector, by its thread-group (process) id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcEvent {
    /// The process executed a new program.
    Exec(u32),
    /// The process ended.
    Exit(u32),
}

/// A listening proc connector socket (non-blocking).
pub struct Connector {
    socket: OwnedFd,
    buffer: Vec<u8>,
}

impl Connector {
    /// Opens the socket and asks for the events (root: `CAP_NET_ADMIN`).
    ///
    /// # Errors
    /// The kernel refuses (not root, no `CONFIG_PROC_EVENTS`).
    pub fn listen() -> rustix::io::Result<Self> {
        let socket = net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            Some(netlink::CONNECTOR),
        )?;
        net::sockopt::set_socket_recv_buffer_size(&socket, RECV_BUFFER)?;
        net::bind(&socket, &SocketAddrNetlink::new(0, CN_IDX_PROC))?;
        let mut request = Vec::with_capacity(HEADERS + 4);
        request.extend_from_slice(&((HEADERS + 4) as u32).to_ne_bytes()); // nlmsg_len
        request.extend_from_slice(&NLMSG_DONE.to_ne_bytes()); // nlmsg_type
        request.extend_from_slice(&[0; 2 + 4 + 4]); // nlmsg_flags, nlmsg_seq, nlmsg_pid
        request.extend_from_slice(&CN_IDX_PROC.to_ne_bytes()); // cn_msg id.idx
        request.extend_from_slice(&CN_VAL_PROC.to_ne_bytes()); // id.val
        request.extend_from_slice(&[0; 4 + 4]); // seq, ack
        request.extend_from_slice(&4u16.to_ne_bytes()); // len
        request.extend_from_slice(&[0; 2]); // flags
        request.extend_from_slice(&MCAST_LISTEN.to_ne_bytes());
        net::sendto(&socket, &request, SendFlags::empty(), &SocketAddrNetlink::new(0, 0))?;
        Ok(Connector { socket, buffer: vec![0; 64 << 10] })
    }

    /// Waits until a message arrives or `timeout` passes.
    pub fn wait(&self, timeout: std::time::Duration) {
        let timeout = rustix::event::Timespec::try_from(timeout).ok();
        let mut fds = [rustix::event::PollFd::new(&self.socket, rustix::event::PollFlags::IN)];
        let _ = rustix::event::poll(&mut fds, timeout.as_ref());
    }

    /// The events waiting now, in order; `Err(true)` when the kernel had to drop some (the socket's
    /// buffer was full), `Err(false)` on another error.
    pub fn read(&mut self, into: &mut Vec<ProcEvent>) -> Result<(), bool> {
        loop {
            let len = match net::recv(&self.socket, &mut self.buffer[..], RecvFlags::empty()) {
                Ok((_, len)) => len,
                Err(Errno::AGAIN) => return Ok(()),
                Err(Errno::INTR) => continue,
                Err(Errno::NOBUFS) => return Err(true),
                Err(_) => return Err(false),
            };
            into.extend(decode(&self.buffer[..len]));
        }
    }
}

/// The event in one datagram (one connector message), if it is an exec or exit.
fn decode(message: &[u8]) -> Option<ProcEvent> {
    let u32_at = |at: usize| message.get(at..at + 4).map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")));
    // struct proc_event: what, cpu, timestamp_ns (8), then the event's data; for exec and exit
    // the data starts with process_pid, process_tgid.
    let what = u32_at(HEADERS)?;
    let tgid = u32_at(HEADERS + 16 + 4)?;
    match what {
        EXEC => Some(ProcEvent::Exec(tgid)),
        EXIT => Some(ProcEvent::Exit(tgid)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_exec_and_exit_and_skips_the_rest() {
        let message = |what: u32, tgid: u32| {
            let mut m = vec![0u8; HEADERS];
            m.extend_from_slice(&what.to_ne_bytes());
            m.extend_from_slice(&[0; 4 + 8]);
            m.extend_from_slice(&(tgid + 1).to_ne_bytes()); // a thread's pid
            m.extend_from_slice(&tgid.to_ne_bytes());
            m
        };
        assert_eq!(decode(&message(EXEC, 42)), Some(ProcEvent::Exec(42)));
        assert_eq!(decode(&message(EXIT, 7)), Some(ProcEvent::Exit(7)));
        assert_eq!(decode(&message(0x1, 7)), None); // fork
        assert_eq!(decode(&message(EXEC, 42)[..HEADERS + 10]), None);
    }
}
