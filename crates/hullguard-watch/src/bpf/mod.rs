//! The kernel side (`watch.bpf.c`, built by `build.rs`) and its loader: every tracepoint attached,
//! events read from the ring buffer, the kernel's count of events it had no room for.

use aya::maps::{Array, MapData, RingBuf};
use aya::programs::{RawTracePoint, TracePoint};

use crate::events::Event;
use crate::{Error, Result};

/// The compiled program; empty when clang or bpftool were missing at build time.
static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/watch.bpf.o"));

/// Each program in the object and the tracepoint (category, name) it attaches to.
const PROGRAMS: [(&str, &str, &str); 15] = [
    ("on_execve", "syscalls", "sys_enter_execve"),
    ("on_exec_done", "sched", "sched_process_exec"),
    ("on_connect", "syscalls", "sys_enter_connect"),
    ("on_openat", "syscalls", "sys_enter_openat"),
    ("on_setuid", "syscalls", "sys_enter_setuid"),
    ("on_setreuid", "syscalls", "sys_enter_setreuid"),
    ("on_setresuid", "syscalls", "sys_enter_setresuid"),
    ("on_setgid", "syscalls", "sys_enter_setgid"),
    ("on_setregid", "syscalls", "sys_enter_setregid"),
    ("on_setresgid", "syscalls", "sys_enter_setresgid"),
    ("on_ptrace", "syscalls", "sys_enter_ptrace"),
    ("on_mount", "syscalls", "sys_enter_mount"),
    ("on_unshare", "syscalls", "sys_enter_unshare"),
    ("on_setns", "syscalls", "sys_enter_setns"),
    ("on_bpf", "syscalls", "sys_enter_bpf"),
];

/// The program on a raw tracepoint, and that tracepoint.
const RAW_PROGRAM: (&str, &str) = ("on_module", "sys_enter");

/// The loaded, attached programs; detached when dropped.
pub struct Probe {
    // Owns the programs and their links.
    _ebpf: aya::Ebpf,
    events: RingBuf<MapData>,
    dropped: Array<MapData, u64>,
}

impl Probe {
    /// Loads the program and attaches every tracepoint.
    ///
    /// # Errors
    /// Built without clang, not root, no kernel BTF, tracefs not mounted, or the verifier refuses.
    pub fn attach() -> Result<Self> {
        let mut ebpf = load(OBJECT, "the program", &PROGRAMS)?;
        let (name, tracepoint) = RAW_PROGRAM;
        let program: &mut RawTracePoint = loaded(&mut ebpf, name)?;
        program
            .attach(tracepoint)
            .map_err(|e| Error::Bpf(format!("{name}: cannot attach to raw tracepoint {tracepoint}: {}", chain(&e))))?;
        let events = take(&mut ebpf, "events", RingBuf::try_from)?;
        let dropped = take(&mut ebpf, "dropped", Array::try_from)?;
        Ok(Probe { _ebpf: ebpf, events, dropped })
    }

    /// The next event waiting, if any (decoded; a record too short to decode is skipped).
    pub fn poll(&mut self) -> Option<Event> {
        loop {
            let item = self.events.next()?;
            if let Some(event) = Event::decode(&item) {
                return Some(event);
            }
        }
    }

    /// Events the kernel dropped because the ring buffer was full.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.get(&0, 0).unwrap_or(0)
    }
}

/// The eBPF object `object` (`what` names it in errors) loaded, with each of `tracepoints`' programs
/// (name, category, tracepoint) loaded into the kernel and attached; its maps are left to take.
///
/// # Errors
/// Built without clang, not root, no kernel BTF, tracefs not mounted, or the verifier refuses.
pub(crate) fn load(object: &[u8], what: &str, tracepoints: &[(&str, &str, &str)]) -> Result<aya::Ebpf> {
    if object.is_empty() {
        return Err(Error::Bpf("hullguard was built without clang and bpftool: no eBPF program".into()));
    }
    let mut ebpf = aya::Ebpf::load(object).map_err(|e| Error::Bpf(format!("cannot load {what}: {}", chain(&e))))?;
    for &(name, category, tracepoint) in tracepoints {
        let program: &mut TracePoint = loaded(&mut ebpf, name)?;
        program.attach(category, tracepoint).map_err(|e| {
            Error::Bpf(format!("{name}: cannot attach to {category}/{tracepoint} (is tracefs mounted?): {}", chain(&e)))
        })?;
    }
    Ok(ebpf)
}

/// The program `name` of `ebpf`, as type `P`, loaded into the kernel.
fn loaded<'a, P>(ebpf: &'a mut aya::Ebpf, name: &str) -> Result<&'a mut P>
where
    &'a mut P: TryFrom<&'a mut aya::programs::Program, Error = aya::programs::ProgramError>,
    P: Load,
{
    let program: &mut P = ebpf
        .program_mut(name)
        .ok_or_else(|| Error::Bpf(format!("program {name} missing from the object")))?
        .try_into()
        .map_err(|e| Error::Bpf(format!("{name}: {e}")))?;
    program.load().map_err(|e| Error::Bpf(format!("{name} refused: {}", chain(&e))))?;
    Ok(program)
}

/// A program type that loads without arguments.
trait Load {
    fn load(&mut self) -> std::result::Result<(), aya::programs::ProgramError>;
}

impl Load for TracePoint {
    fn load(&mut self) -> std::result::Result<(), aya::programs::ProgramError> {
        TracePoint::load(self)
    }
}

impl Load for RawTracePoint {
    fn load(&mut self) -> std::result::Result<(), aya::programs::ProgramError> {
        RawTracePoint::load(self)
    }
}

/// The map `name` taken out of `ebpf`, converted to its type by `convert`.
pub(crate) fn take<M>(
    ebpf: &mut aya::Ebpf,
    name: &str,
    convert: impl FnOnce(aya::maps::Map) -> std::result::Result<M, aya::maps::MapError>,
) -> Result<M> {
    let map = ebpf.take_map(name).ok_or_else(|| Error::Bpf(format!("map {name} missing from the object")))?;
    convert(map).map_err(|e| Error::Bpf(format!("map {name}: {e}")))
}

/// An error with its sources, on one line (the verifier's log is in the source).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
