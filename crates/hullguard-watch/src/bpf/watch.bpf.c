// SPDX-License-Identifier: GPL-2.0
// hullguard watch: tracepoints on the syscalls a container attack uses, for processes outside the
// host's pid namespace only (checked first), sent to one ring buffer. Opens and connects repeated by
// one process on the same target within REPEAT_NS are counted in the kernel and sent once, with
// the count, when they next happen after that. The layout of `struct event` is decoded by
// src/events.rs: change both together.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define PATH_LEN 256
#define ARGV_LEN 512
#define ARG_LEN 128
// Arguments start below ARGV_START_MAX (a mask, for the verifier): ARGV_START_MAX + ARG_LEN <= ARGV_LEN.
#define ARGV_START_MAX 255
#define ARGV_MAX_ARGS 16
#define CGROUP_LEN 72

enum kind {
	EXEC = 1, CONNECT = 2, OPEN = 3, SETUID = 4, PTRACE = 5, MOUNT = 6, UNSHARE = 7, SETNS = 8, BPF = 9,
	SETGID = 10, MODULE = 11, SETUID_EXEC = 12,
};

// exec: which of stdin (bit 0) and stdout (bit 1) are sockets.
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_ISUID 04000
#define S_ISGID 02000

struct event {
	u32 kind;
	u32 pid;       // thread group id, host view
	u32 ppid;      // parent's thread group id, host view
	u32 uid;       // real uid, host view
	u32 pidns;     // inode number of the process's pid namespace
	u32 argv_len;  // bytes used in argv (NUL-separated arguments)
	u64 arg0;      // exec stdio sockets, open flags, set*id first id, ptrace request, unshare/setns
	               // flags, bpf cmd, module syscall (0 init_module, 1 finit_module), setuid exec mode
	u64 arg1;      // ptrace target pid, setns fd
	u16 family;    // connect: AF_INET, AF_INET6, AF_UNIX
	u16 port;      // connect: destination port, host byte order
	u8 addr[16];   // connect: IPv4 in the first 4 bytes, or IPv6
	char comm[16];
	char cgroup[CGROUP_LEN]; // leaf name of the cpu cgroup (cgroup v1: the container id)
	char path[PATH_LEN];     // exec filename, open path, unix socket path, mount target
	char argv[ARGV_LEN];
	u32 repeats;             // open, connect: earlier identical ones of this process not sent
};
_Static_assert(sizeof(struct event) == 920 && __builtin_offsetof(struct event, cgroup) == 76 &&
		       __builtin_offsetof(struct event, argv) == 404 &&
		       __builtin_offsetof(struct event, repeats) == 916,
	       "src/events.rs decodes this layout");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

// Events the ring buffer had no room for.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} dropped SEC(".maps");

// Opens and connects of one process on one target: within this time of the last one sent, counted.
#define REPEAT_NS 1000000000ULL

struct repeat_key {
	u32 pid;
	u32 kind;
	u64 target; // FNV-1a hash of what was opened or connected to
};

struct repeat {
	u64 sent;   // bpf_ktime_get_ns() when last sent
	u64 count;  // since then
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct repeat_key);
	__type(value, struct repeat);
} recent SEC(".maps");

// A path read from user memory before it is known to be sent (one per CPU).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, char[PATH_LEN]);
} scratch SEC(".maps");

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

// `h` extended by the first `n` bytes of `buf` (FNV-1a).
static __always_inline u64 fnv(u64 h, const char *buf, long n)
{
	for (int i = 0; i < PATH_LEN; i++) {
		if (i >= n)
			break;
		h = (h ^ (u8)buf[i]) * FNV_PRIME;
	}
	return h;
}

// How many earlier (kind, target) events of this process were not sent, or -1 when this one is a
// repeat within REPEAT_NS of the last one sent (counted, not to be sent).
static __always_inline long repeated(u32 kind, u64 target)
{
	struct repeat_key key = { .pid = bpf_get_current_pid_tgid() >> 32, .kind = kind, .target = target };
	u64 now = bpf_ktime_get_ns();
	struct repeat *r = bpf_map_lookup_elem(&recent, &key);
	if (r && now - r->sent < REPEAT_NS) {
		__sync_fetch_and_add(&r->count, 1);
		return -1;
	}
	long count = r ? r->count : 0;
	struct repeat fresh = { .sent = now, .count = 0 };
	bpf_map_update_elem(&recent, &key, &fresh, BPF_ANY);
	return count;
}

// Whether the current process runs outside the host's pid namespace.
static __always_inline bool in_container(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, thread_pid, level) != 0;
}

// Reserves an event for the current process (in a container), or NULL when the ring buffer is
// full (counted in `dropped`).
static __always_inline struct event *reserve(u32 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		u32 zero = 0;
		u64 *n = bpf_map_lookup_elem(&dropped, &zero);
		if (n)
			__sync_fetch_and_add(n, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (u32)bpf_get_current_uid_gid();
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->pidns = BPF_CORE_READ(task, nsproxy, pid_ns_for_children, ns.inum);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	int cpu = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	const char *name = BPF_CORE_READ(task, cgroups, subsys[cpu], cgroup, kn, name);
	bpf_probe_read_kernel_str(e->cgroup, sizeof(e->cgroup), name);
	return e;
}

// An event for the current process, or NULL when it runs in the host's pid namespace (or the ring
// buffer is full).
static __always_inline struct event *start(u32 kind)
{
	return in_container() ? reserve(kind) : NULL;
}

// Whether the current process's fd 0 and fd 1 are sockets (bits 0 and 1): a shell started so
// serves whoever is at the other end.
static __always_inline u64 stdio_sockets(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	u64 bits = 0;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct file *f = NULL;
		if ((unsigned int)i >= max || bpf_probe_read_kernel(&f, sizeof(f), &fds[i]) || !f)
			continue;
		umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
		if ((mode & S_IFMT) == S_IFSOCK)
			bits |= 1 << i;
	}
	return bits;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_execve(struct trace_event_raw_sys_enter *ctx)
{
	struct event *e = start(EXEC);
	if (!e)
		return 0;
	bpf_probe_read_user_str(e->path, sizeof(e->path), (const char *)ctx->args[0]);
	const char *const *argv = (const char *const *)ctx->args[1];
	u32 off = 0;
	for (int i = 0; i < ARGV_MAX_ARGS; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		if (off > ARGV_START_MAX)
			break;
		long n = bpf_probe_read_user_str(&e->argv[off & ARGV_START_MAX], ARG_LEN, arg);
		if (n <= 0)
			break;
		off += n;
	}
	e->argv_len = off;
	e->arg0 = stdio_sockets();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int on_connect(struct trace_event_raw_sys_enter *ctx)
{
	if (!in_container())
		return 0;
	const void *uaddr = (const void *)ctx->args[1];
	u16 family = 0;
	bpf_probe_read_user(&family, sizeof(family), uaddr);
	if (family != 1 && family != 2 && family != 10)
		return 0;
	u32 zero = 0;
	char *sun = bpf_map_lookup_elem(&scratch, &zero);
	if (!sun)
		return 0;
	u16 port = 0;
	u8 addr[16] = {};
	if (family == 2) {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		port = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(addr, &sin.sin_addr, 4);
	} else if (family == 10) {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		port = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(addr, &sin6.sin6_addr, 16);
	} else {
		// sun_path follows the 2-byte family; an abstract socket starts with NUL.
		bpf_probe_read_user(sun, 108, uaddr + 2);
	}
	u64 target = fnv(fnv(FNV_OFFSET, (const char *)&port, sizeof(port)), (const char *)addr, sizeof(addr));
	if (family == 1)
		target = fnv(target, sun, 108);
	long earlier = repeated(CONNECT, target);
	if (earlier < 0)
		return 0;
	struct event *e = reserve(CONNECT);
	if (!e)
		return 0;
	e->family = family;
	e->port = port;
	__builtin_memcpy(e->addr, addr, sizeof(addr));
	if (family == 1)
		__builtin_memcpy(e->path, sun, 108);
	e->repeats = earlier;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// True when `s` starts with the literal `p` (its length without the NUL is n).
#define STARTS(s, p) starts_with(s, p, sizeof(p) - 1)
static __always_inline bool starts_with(const char *s, const char *p, int n)
{
#pragma unroll
	for (int i = 0; i < 24; i++) {
		if (i >= n)
			return true;
		if (s[i] != p[i])
			return false;
	}
	return true;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(struct trace_event_raw_sys_enter *ctx)
{
	if (!in_container())
		return 0;
	char head[24] = {};
	const char *upath = (const char *)ctx->args[1];
	bpf_probe_read_user_str(head, sizeof(head), upath);
	// The watched paths: configuration, credentials, binaries, the Engine's socket.
	if (!(STARTS(head, "/etc/") || STARTS(head, "/usr/bin/") || STARTS(head, "/usr/sbin/") ||
	      STARTS(head, "/bin/") || STARTS(head, "/sbin/") || STARTS(head, "/root/") ||
	      STARTS(head, "/run/docker.sock") || STARTS(head, "/var/run/docker.sock")))
		return 0;
	u32 zero = 0;
	char *path = bpf_map_lookup_elem(&scratch, &zero);
	if (!path)
		return 0;
	long n = bpf_probe_read_user_str(path, PATH_LEN, upath);
	u64 flags = ctx->args[2];
	long earlier = repeated(OPEN, fnv(fnv(FNV_OFFSET, (const char *)&flags, sizeof(flags)), path, n));
	if (earlier < 0)
		return 0;
	struct event *e = reserve(OPEN);
	if (!e)
		return 0;
	__builtin_memcpy(e->path, path, PATH_LEN);
	e->arg0 = flags;
	e->repeats = earlier;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// A syscall whose first two arguments say all (numbers), with an optional user path.
static __always_inline int numbers(u32 kind, u64 a0, u64 a1, const char *upath)
{
	struct event *e = start(kind);
	if (!e)
		return 0;
	e->arg0 = a0;
	e->arg1 = a1;
	if (upath)
		bpf_probe_read_user_str(e->path, sizeof(e->path), upath);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// The set*id family: the first id asked for (setuid's uid, setreuid's real, setresuid's real).
SEC("tracepoint/syscalls/sys_enter_setuid")
int on_setuid(struct trace_event_raw_sys_enter *ctx) { return numbers(SETUID, ctx->args[0], 0, NULL); }

SEC("tracepoint/syscalls/sys_enter_setreuid")
int on_setreuid(struct trace_event_raw_sys_enter *ctx) { return numbers(SETUID, ctx->args[0], 0, NULL); }

SEC("tracepoint/syscalls/sys_enter_setresuid")
int on_setresuid(struct trace_event_raw_sys_enter *ctx) { return numbers(SETUID, ctx->args[0], 0, NULL); }

SEC("tracepoint/syscalls/sys_enter_setgid")
int on_setgid(struct trace_event_raw_sys_enter *ctx) { return numbers(SETGID, ctx->args[0], 0, NULL); }

SEC("tracepoint/syscalls/sys_enter_setregid")
int on_setregid(struct trace_event_raw_sys_enter *ctx) { return numbers(SETGID, ctx->args[0], 0, NULL); }

SEC("tracepoint/syscalls/sys_enter_setresgid")
int on_setresgid(struct trace_event_raw_sys_enter *ctx) { return numbers(SETGID, ctx->args[0], 0, NULL); }

// Module loads through the raw sys_enter tracepoint (it runs for every syscall: the raw one passes
// the registers as they are, where the tracepoint in tracefs first copies every syscall's arguments
// into a record): a kernel built without modules has no init_module tracepoints, and an attempt
// there is still worth an alert. x86-64 syscall numbers.
#define NR_INIT_MODULE 175
#define NR_FINIT_MODULE 313
SEC("raw_tp/sys_enter")
int on_module(u64 *ctx)
{
	// The arguments (regs, id), read as plain u64s: vmlinux.h's bpf_raw_tracepoint_args has a
	// zero-length array CO-RE cannot relocate an index into.
	long id = ctx[1];
	if (id != NR_INIT_MODULE && id != NR_FINIT_MODULE)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	return numbers(MODULE, id == NR_FINIT_MODULE, BPF_CORE_READ(regs, di), NULL);
}

// After an exec succeeded: the new program's file mode when it is setuid or setgid and the real
// uid is not root (the caller gains the file owner's rights).
SEC("tracepoint/sched/sched_process_exec")
int on_exec_done(struct trace_event_raw_sched_process_exec *ctx)
{
	if ((u32)bpf_get_current_uid_gid() == 0)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	umode_t mode = BPF_CORE_READ(task, mm, exe_file, f_inode, i_mode);
	if (!(mode & (S_ISUID | S_ISGID)))
		return 0;
	struct event *e = start(SETUID_EXEC);
	if (!e)
		return 0;
	e->arg0 = mode;
	unsigned int loc = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), (const char *)ctx + loc);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int on_ptrace(struct trace_event_raw_sys_enter *ctx) { return numbers(PTRACE, ctx->args[0], ctx->args[1], NULL); }

SEC("tracepoint/syscalls/sys_enter_mount")
int on_mount(struct trace_event_raw_sys_enter *ctx)
{
	return numbers(MOUNT, ctx->args[3], 0, (const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int on_unshare(struct trace_event_raw_sys_enter *ctx) { return numbers(UNSHARE, ctx->args[0], 0, NULL); }

SEC("tracepoint/syscalls/sys_enter_setns")
int on_setns(struct trace_event_raw_sys_enter *ctx) { return numbers(SETNS, ctx->args[1], ctx->args[0], NULL); }

SEC("tracepoint/syscalls/sys_enter_bpf")
int on_bpf(struct trace_event_raw_sys_enter *ctx) { return numbers(BPF, ctx->args[0], 0, NULL); }
