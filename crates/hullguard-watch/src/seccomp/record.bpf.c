// SPDX-License-Identifier: GPL-2.0
// hullguard seccomp record: marks each syscall number entered, per pid namespace other than the
// host's, except by runc's own processes (`runc`, `runc:[…]`), which set the namespaces up before
// the profile applies (what runc does after applying it is RUNTIME in src/seccomp/mod.rs). Each pid
// namespace also keeps the cpu cgroup leaf of the first process seen in it (cgroup v1 and Docker:
// the container id), so a container that started after the program was attached, and may be gone
// by the time user space knows its id, is still found.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

// Syscall numbers recorded: below this.
#define MAX_SYSCALLS 1024
// Bytes of a cgroup leaf name kept (a Docker container id is 64).
#define CGROUP_LEN 72
// errno of an insert that found the key already there (another CPU was first).
#define EEXIST 17

// The syscalls entered: syscall number << 32 | pid namespace inode -> 1.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, u8);
} seen SEC(".maps");

// Pid namespace inode -> cpu cgroup leaf name of the first process seen in it.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, char[CGROUP_LEN]);
} namespaces SEC(".maps");

// Marks not stored because `seen` or `namespaces` was full (a recording with any is refused).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lost SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int on_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pid_namespace *ns = BPF_CORE_READ(task, nsproxy, pid_ns_for_children);
	if (!ns || BPF_CORE_READ(ns, level) == 0)
		return 0;
	long id = ctx->id;
	if (id < 0 || id >= MAX_SYSCALLS)
		return 0;
	char comm[16] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] == 'r' && comm[1] == 'u' && comm[2] == 'n' && comm[3] == 'c')
		return 0;
	u32 pidns = BPF_CORE_READ(ns, ns.inum);
	u64 key = (u64)id << 32 | pidns;
	if (bpf_map_lookup_elem(&seen, &key))
		return 0;
	u8 one = 1;
	long failed = bpf_map_update_elem(&seen, &key, &one, BPF_ANY);
	if (!bpf_map_lookup_elem(&namespaces, &pidns)) {
		char cgroup[CGROUP_LEN] = {};
		int cpu = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
		const char *name = BPF_CORE_READ(task, cgroups, subsys[cpu], cgroup, kn, name);
		bpf_probe_read_kernel_str(cgroup, sizeof(cgroup), name);
		long err = bpf_map_update_elem(&namespaces, &pidns, cgroup, BPF_NOEXIST);
		if (err && err != -EEXIST)
			failed = err;
	}
	if (failed) {
		u32 zero = 0;
		u64 *count = bpf_map_lookup_elem(&lost, &zero);
		if (count)
			__sync_fetch_and_add(count, 1);
	}
	return 0;
}
