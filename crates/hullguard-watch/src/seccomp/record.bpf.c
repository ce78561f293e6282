// SPDX-License-Identifier: GPL-2.0
// hullguard seccomp record: marks each syscall number a process of one pid namespace enters,
// except runc's own (`runc`, `runc:[…]`), which sets the namespaces up before the profile applies; what
// runc does after applying it is RUNTIME in src/seccomp/mod.rs.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

// Syscall numbers recorded: below this (src/seccomp/mod.rs reads as many).
#define MAX_SYSCALLS 1024

// The inode number of the recorded pid namespace, set by the loader.
const volatile u32 target_pidns = 0;

// Per syscall number: 1 once entered.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, u32);
	__type(value, u8);
} seen SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int on_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, nsproxy, pid_ns_for_children, ns.inum) != target_pidns)
		return 0;
	char comm[16] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] == 'r' && comm[1] == 'u' && comm[2] == 'n' && comm[3] == 'c')
		return 0;
	long id = ctx->id;
	if (id < 0 || id >= MAX_SYSCALLS)
		return 0;
	u32 key = id;
	u8 *mark = bpf_map_lookup_elem(&seen, &key);
	if (mark)
		*mark = 1;
	return 0;
}
