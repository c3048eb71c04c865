//! `http_load HOST:PORT PATHS_FILE CONNECTIONS SECONDS`: the load generator of
//! tests/suite/common/http_load.rs (its one owner) on the command line, for bench/serve.sh.

#[path = "../tests/suite/common/http_load.rs"]
mod http_load;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, paths_file, connections, seconds] = args.as_slice() else {
        bail!("usage: http_load HOST:PORT PATHS_FILE CONNECTIONS SECONDS");
    };
    let paths: Vec<String> = std::fs::read_to_string(paths_file)
        .with_context(|| format!("{paths_file}: cannot read"))?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let connections = connections.parse().context("CONNECTIONS is a number")?;
    let seconds = seconds.parse().context("SECONDS is a number")?;
    println!("{}", http_load::run(addr, &paths, connections, seconds)?);
    Ok(())
}
