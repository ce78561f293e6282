//! Builds the kernel side: `vmlinux.h` from this machine's BTF (bpftool), then `watch.bpf.c` with
//! clang for the BPF target (CO-RE, so the object runs on any kernel with BTF). Without clang or
//! bpftool the crate still builds, with an empty object the loader refuses with that reason.

use std::path::PathBuf;
use std::process::Command;

const SOURCE: &str = "src/bpf/watch.bpf.c";
const BTF: &str = "/sys/kernel/btf/vmlinux";

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed=src/bpf/build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let object = out.join("watch.bpf.o");
    if let Err(why) = build(&out, &object) {
        println!(
            "cargo:warning=hullguard-watch: eBPF program not built ({why}); `hullguard watch` will refuse to start"
        );
        std::fs::write(&object, b"").expect("OUT_DIR is writable");
    }
}

fn build(out: &std::path::Path, object: &std::path::Path) -> Result<(), String> {
    let header = Command::new("bpftool")
        .args(["btf", "dump", "file", BTF, "format", "c"])
        .output()
        .map_err(|e| format!("bpftool: {e}"))?;
    if !header.status.success() {
        return Err(format!("bpftool btf dump {BTF}: {}", String::from_utf8_lossy(&header.stderr).trim()));
    }
    std::fs::write(out.join("vmlinux.h"), header.stdout).map_err(|e| e.to_string())?;
    let clang = Command::new("clang")
        .args(["-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-D__TARGET_ARCH_x86", "-I"])
        .arg(out)
        .args(["-c", SOURCE, "-o"])
        .arg(object)
        .output()
        .map_err(|e| format!("clang: {e}"))?;
    if !clang.status.success() {
        // A compile error in the program is a bug: fail the build and show it.
        panic!("clang {SOURCE}:\n{}", String::from_utf8_lossy(&clang.stderr));
    }
    Ok(())
}
