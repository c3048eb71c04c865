//! `scale_site OUT N [CELL_PX]`: a synthetic site of N items for bench/viewer-scale.sh, written
//! by tests/suite/common/scale_site.rs (its one owner, which the viewer test runs in process).

#[path = "../tests/suite/common/scale_site.rs"]
mod scale_site;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, n, cell) = match args.as_slice() {
        [out, n] => (out, n.parse::<u32>()?, 16),
        [out, n, cell] => (out, n.parse()?, cell.parse()?),
        _ => return Err("usage: scale_site OUT N [CELL_PX]".into()),
    };
    let summary = scale_site::write_synthetic_site(std::path::Path::new(out), n, cell)?;
    println!("{summary}");
    Ok(())
}
