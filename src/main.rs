// The syntax passes allocate a tree cursor per node they visit: a faster allocator pays.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // No transparent huge pages: the allocator asks for them on its large regions, and the
    // kernel then fills and counts 2 MB at a time where rust-analyzer's database uses a part
    // (large benchmark tree: peak 2,132 -> 2,047 MiB, kernel time 38 -> 30 s, wall time the same;
    // docs/performance.md). What mimalloc's `MIMALLOC_ALLOW_THP=0` does, without the variable.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    std::process::exit(async_std_migrate::cli::main());
}
