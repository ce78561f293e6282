//! Builds the kernel side: `vmlinux.h` from this machine's BTF (bpftool), then each program
//! (`watch.bpf.c`, `record.bpf.c`) with clang for the BPF target (CO-RE, so the objects run on any
//! kernel with BTF). Without clang or bpftool the crate still builds, with empty objects the
//! loaders refuse with that reason.

use std::path::PathBuf;
use std::process::Command;

/// Each program's source and the object it becomes in `OUT_DIR`.
const SOURCES: [(&str, &str); 2] =
    [("src/bpf/watch.bpf.c", "watch.bpf.o"), ("src/seccomp/record.bpf.c", "record.bpf.o")];
const BTF: &str = "/sys/kernel/btf/vmlinux";

fn main() {
    println!("cargo:rerun-if-changed=src/bpf/build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let built = header(&out).and_then(|()| {
        SOURCES.iter().try_for_each(|(source, object)| {
            println!("cargo:rerun-if-changed={source}");
            compile(&out, source, &out.join(object))
        })
    });
    if let Err(why) = built {
        println!(
            "cargo:warning=hullguard-watch: eBPF programs not built ({why}); `hullguard watch` and `seccomp record` will refuse to start"
        );
        for (_, object) in SOURCES {
            std::fs::write(out.join(object), b"").expect("OUT_DIR is writable");
        }
    }
}

/// `vmlinux.h` in `out`, from this machine's BTF.
fn header(out: &std::path::Path) -> Result<(), String> {
    let header = Command::new("bpftool")
        .args(["btf", "dump", "file", BTF, "format", "c"])
        .output()
        .map_err(|e| format!("bpftool: {e}"))?;
    if !header.status.success() {
        return Err(format!("bpftool btf dump {BTF}: {}", String::from_utf8_lossy(&header.stderr).trim()));
    }
    std::fs::write(out.join("vmlinux.h"), header.stdout).map_err(|e| e.to_string())
}

/// `source` compiled to `object` for the BPF target.
fn compile(out: &std::path::Path, source: &str, object: &std::path::Path) -> Result<(), String> {
    let clang = Command::new("clang")
        .args(["-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-D__TARGET_ARCH_x86", "-I"])
        .arg(out)
        .args(["-c", source, "-o"])
        .arg(object)
        .output()
        .map_err(|e| format!("clang: {e}"))?;
    if !clang.status.success() {
        // A compile error in the program is a bug: fail the build and show it.
        panic!("clang {source}:\n{}", String::from_utf8_lossy(&clang.stderr));
    }
    Ok(())
}
