//! Writes the 224×224 RGB8 model inputs zoomap derives from image files (decode, EXIF
//! orientation, torchvision-style resize + centre crop) as one `N × 224 × 224 × 3` uint8 `.npy`,
//! so that a reference implementation can be run on exactly the same inputs
//! (tests/fixtures/make_vgg_reference.py does this with PyTorch).
//!
//! `cargo run --release --example model_inputs -- OUT.npy IMAGE...`

use std::io::BufWriter;

use npyz::WriterBuilder;
use zoomap::stages::features::INPUT_SIDE;
use zoomap::stages::thumbs::{Preprocess, decode_upright_rgb, model_input};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, images) = args
        .split_first()
        .ok_or("usage: model_inputs OUT.npy IMAGE...")?;
    let side = u64::from(INPUT_SIDE);
    let mut writer = npyz::WriteOptions::<u8>::new()
        .default_dtype()
        .shape(&[images.len() as u64, side, side, 3])
        .writer(BufWriter::new(std::fs::File::create(out)?))
        .begin_nd()?;
    for path in images {
        let image = decode_upright_rgb(std::path::Path::new(path), [0, 0, 0])?;
        writer.extend(model_input(&image, INPUT_SIDE, Preprocess::Crop))?;
    }
    writer.finish()?;
    println!("wrote {} inputs to {out}", images.len());
    Ok(())
}
