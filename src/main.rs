fn main() {
    std::process::exit(async_std_migrate::cli::main());
}
