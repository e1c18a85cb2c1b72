// The syntax passes allocate a tree cursor per node they visit: a faster allocator pays.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(async_std_migrate::cli::main());
}
