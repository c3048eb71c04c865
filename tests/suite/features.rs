//! VGG16 in Burn against PyTorch: the tiny torchvision-layout fixture (weights and outputs
//! written once by tests/fixtures/make_vgg_fixture.py) must match within 1e-4 relative error,
//! from `.safetensors` and from `.pth`; broken weights give one clear error. The CPU runs
//! zoomap's Winograd trunk by default and Burn's conv2d on request; the GPU path runs on Mesa's
//! software Vulkan where it is installed (tests/setup.sh), with fc6 split to fit its 128 MiB
//! binding limit.

use crate::common;

use burn::tensor::{Device, Tensor, TensorData};
use common::tiny_weights;
use zoomap::stages::features::{
    Backend, ClassHead, CpuConvolution, DeviceChoice, FeatureExtractor, FeatureOptions, Layer,
    Vgg16Config, Vgg16Size, WeightsFile, choose_device,
};

/// The fixture's inputs: the same formula as make_vgg_fixture.py's `test_input`.
fn test_input(image: usize) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(224 * 224 * 3);
    for y in 0..224usize {
        for x in 0..224usize {
            for c in 0..3usize {
                pixels.push(
                    ((x * (7 + 4 * image)
                        + y * (13 + 6 * image)
                        + c * 50
                        + (x * y) / (37 + 20 * image))
                        % 256) as u8,
                );
            }
        }
    }
    pixels
}

fn expected(layer: &str) -> Vec<Vec<f32>> {
    let json = fixture_json("tiny-vgg-expected.json");
    serde_json::from_value(json[layer].clone()).unwrap()
}

/// ../shared's HED VGG16 weights and imagenet-sample photos, or `None` (with the reason
/// printed) where ../shared is absent.
fn hed_weights_and_photos() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let weights = common::shared("models/vgg16-hed-bsds500-features.safetensors")?;
    Some((weights, common::shared("datasets/imagenet-sample")?))
}

/// zoomap's model inputs (224² RGB, centre crop) of `files` in `photos`.
fn photo_inputs(photos: &std::path::Path, files: &[&str]) -> Vec<Vec<u8>> {
    files
        .iter()
        .map(|f| {
            let image =
                zoomap::stages::thumbs::decode_upright_rgb(&photos.join(f), [0, 0, 0]).unwrap();
            zoomap::stages::thumbs::model_input(
                &image,
                224,
                zoomap::stages::thumbs::Preprocess::Crop,
            )
        })
        .collect()
}

/// A JSON fixture of tests/fixtures.
fn fixture_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(common::root().join("tests/fixtures").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn relative_error(got: &[f32], want: &[f32]) -> f64 {
    let diff: f64 = got
        .iter()
        .zip(want)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum();
    let norm: f64 = want.iter().map(|b| f64::from(*b).powi(2)).sum();
    (diff / norm).sqrt()
}

fn extract(ext: &str, layer: Layer) -> Vec<Vec<f32>> {
    extract_with(ext, layer, CpuConvolution::Winograd)
}

fn extract_with(ext: &str, layer: Layer, cpu_convolution: CpuConvolution) -> Vec<Vec<f32>> {
    let file = WeightsFile::inspect(&tiny_weights(ext)).unwrap();
    let options = FeatureOptions {
        layer: Some(layer),
        device: DeviceChoice::Cpu,
        cpu_convolution,
        ..FeatureOptions::default()
    };
    let extractor = FeatureExtractor::from_file(file, &options).unwrap();
    let inputs: Vec<Vec<u8>> = (0..2).map(test_input).collect();
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    extractor.extract(&refs).unwrap()
}

fn assert_matches(got: &[Vec<f32>], want: &[Vec<f32>]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len());
        let err = relative_error(g, w);
        println!("relative error {err:.2e}");
        assert!(err < 1e-4, "relative error {err:e}");
        assert!(w.iter().any(|v| *v > 0.0), "fixture output is not all zero");
    }
}

#[test]
fn gap_and_fc2_match_pytorch_from_safetensors() {
    assert_matches(&extract("safetensors", Layer::Gap), &expected("gap"));
    assert_matches(&extract("safetensors", Layer::Fc2), &expected("fc2"));
}

#[test]
fn the_class_probabilities_match_pytorchs_softmax_of_fc8() {
    for ext in ["safetensors", "pth"] {
        let file = WeightsFile::inspect(&tiny_weights(ext)).unwrap();
        let head = ClassHead::load(&file)
            .unwrap()
            .expect("the fixture has fc8");
        assert_eq!(head.classes(), 1000);
        let fc2: Vec<f32> = extract(ext, Layer::Fc2).concat();
        let got = head.probabilities(&fc2).unwrap();
        let got: Vec<Vec<f32>> = got.chunks(1000).map(<[f32]>::to_vec).collect();
        let want = expected("probabilities");
        assert_matches(&got, &want);
        for (g, w) in got.iter().zip(&want) {
            let argmax = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b]));
            assert_eq!(argmax(g), argmax(w), "{ext}: the top class");
            assert!(
                w.iter().cloned().fold(0.0, f32::max) > 0.2,
                "a peaked fixture"
            );
        }
    }
}

#[test]
fn burns_own_conv2d_matches_pytorch_too() {
    let burn = CpuConvolution::Burn;
    assert_matches(
        &extract_with("safetensors", Layer::Gap, burn),
        &expected("gap"),
    );
    assert_matches(
        &extract_with("safetensors", Layer::Fc2, burn),
        &expected("fc2"),
    );
}

#[test]
fn a_split_fc6_computes_the_same_fc2() {
    let file = WeightsFile::inspect(&tiny_weights("safetensors")).unwrap();
    let config = Vgg16Config {
        size: Vgg16Size::from_shapes(&file.shapes).unwrap(),
        classifier: true,
    };
    let device = Device::flex();
    let whole = file.load_into(config.init(&device)).unwrap();
    let limit = config.fc6_bytes() / 3;
    let split = file
        .load_into(config.init(&device))
        .unwrap()
        .split_fc6(limit);
    assert_eq!(
        split.fc6_blocks.len(),
        4,
        "a third of the columns, rounded down, per block"
    );
    assert_eq!(split.classifier.len(), 1, "fc7 alone after the split");
    let values: Vec<f32> = (0..2 * 3 * 224 * 224)
        .map(|i| ((i * 7919) % 255) as f32 / 255.0 - 0.5)
        .collect();
    let input = || Tensor::from_data(TensorData::new(values.clone(), [2, 3, 224, 224]), &device);
    let rows = |t: Tensor<2>| -> Vec<Vec<f32>> {
        let values = t.into_data().try_to_vec::<f32>().unwrap();
        values
            .chunks(values.len() / 2)
            .map(<[f32]>::to_vec)
            .collect()
    };
    let want = rows(whole.forward(input(), Layer::Fc2));
    assert_matches(&rows(split.forward(input(), Layer::Fc2)), &want);
}

#[test]
fn pth_loads_the_same_network() {
    assert_matches(&extract("pth", Layer::Fc2), &expected("fc2"));
}

#[test]
fn layer_defaults_to_fc2_when_the_classifier_exists() {
    let file = WeightsFile::inspect(&tiny_weights("safetensors")).unwrap();
    assert!(file.has_classifier());
    let options = FeatureOptions {
        layer: None,
        device: DeviceChoice::Cpu,
        ..FeatureOptions::default()
    };
    let extractor = FeatureExtractor::from_file(file, &options).unwrap();
    assert_eq!(extractor.layer(), Layer::Fc2);
}

/// The tiny fixture rewritten with `edit` applied to its tensors.
fn edited_fixture(
    dir: &std::path::Path,
    edit: impl Fn(&str, Vec<usize>) -> Option<Vec<usize>>,
) -> std::path::PathBuf {
    let bytes = std::fs::read(tiny_weights("safetensors")).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, view) in tensors.tensors() {
        if let Some(shape) = edit(&name, view.shape().to_vec()) {
            let len = shape.iter().product::<usize>() * 4;
            let data = view.data().iter().copied().cycle().take(len).collect();
            owned.push((name, shape, data));
        }
    }
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = owned
        .iter()
        .map(|(name, shape, data)| {
            (
                name.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                    .unwrap(),
            )
        })
        .collect();
    let path = dir.join("edited.safetensors");
    safetensors::serialize_to_file(views, None, &path).unwrap();
    path
}

fn load_error(path: &std::path::Path, layer: Layer) -> String {
    let file = WeightsFile::inspect(path).unwrap();
    let options = FeatureOptions {
        layer: Some(layer),
        device: DeviceChoice::Cpu,
        ..FeatureOptions::default()
    };
    FeatureExtractor::from_file(file, &options)
        .err()
        .expect("loading fails")
        .to_string()
}

#[test]
fn a_wrong_shape_names_the_tensor_and_both_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_fixture(dir.path(), |name, shape| {
        Some(if name == "features.7.weight" {
            vec![4, 4, 5, 5]
        } else {
            shape
        })
    });
    let err = load_error(&path, Layer::Gap);
    assert!(
        err.contains("edited.safetensors") && err.contains("features.7.weight"),
        "{err}"
    );
    assert!(
        err.contains("[4, 4, 5, 5]") && err.contains("[4, 4, 3, 3]"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn a_missing_tensor_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = edited_fixture(dir.path(), |name, shape| {
        (name != "features.12.bias").then_some(shape)
    });
    let err = load_error(&path, Layer::Gap);
    assert!(err.contains("missing tensor features.12.bias"), "{err}");
}

#[test]
fn asking_fc2_of_conv_only_weights_is_an_error() {
    let Some(path) = common::shared("models/vgg16-hed-bsds500-features.safetensors") else {
        return;
    };
    let file = WeightsFile::inspect(&path).unwrap();
    assert!(!file.has_classifier());
    assert_eq!(
        file.metadata.get("input_channel_order").map(String::as_str),
        Some("BGR")
    );
    let options = FeatureOptions {
        layer: Some(Layer::Fc2),
        device: DeviceChoice::Cpu,
        ..FeatureOptions::default()
    };
    let err = FeatureExtractor::from_file(file, &options)
        .err()
        .expect("no classifier")
        .to_string();
    assert!(err.contains("classifier"), "{err}");
}

#[test]
fn full_vgg16_matches_pytorch_on_real_photos() {
    let Some((weights, photos)) = hed_weights_and_photos() else {
        return;
    };
    let json = fixture_json("hed-vgg16-gap.json");
    let files: Vec<String> = serde_json::from_value(json["files"].clone()).unwrap();
    let want: Vec<Vec<f32>> = serde_json::from_value(json["gap"].clone()).unwrap();
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let inputs = photo_inputs(&photos, &names);
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    for cpu_convolution in [CpuConvolution::Winograd, CpuConvolution::Burn] {
        let options = FeatureOptions {
            layer: None,
            device: DeviceChoice::Cpu,
            cpu_convolution,
            ..FeatureOptions::default()
        };
        let extractor = FeatureExtractor::load(&weights, &options).unwrap();
        assert_eq!(extractor.layer(), Layer::Gap);
        println!("{cpu_convolution:?} convolutions against PyTorch:");
        assert_matches(&extractor.extract(&refs).unwrap(), &want);
    }
}

/// 16×16-pixel block means of a 224×224 RGB8 image, as `[channel][row][col]`.
fn block_means(rgb: &[u8]) -> Vec<Vec<Vec<f32>>> {
    (0..3)
        .map(|c| {
            (0..14)
                .map(|by| {
                    (0..14)
                        .map(|bx| {
                            let sum: u32 = (0..16)
                                .flat_map(|y| {
                                    (0..16)
                                        .map(move |x| ((by * 16 + y) * 224 + bx * 16 + x) * 3 + c)
                                })
                                .map(|i| u32::from(rgb[i]))
                                .sum();
                            sum as f32 / 256.0
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// zoomap's decode + resize + centre crop against torchvision's `Resize(256)` + `CenterCrop(224)`
/// on PIL, compared as 16×16 block means (0–255 scale). The two differ only by resampling
/// kernels (measured: 0.02 per block on average, 0.1 at worst), so the
/// tolerance is 0.1 on average and 0.5 at worst; a crop shifted by one pixel, a wrong scale or
/// swapped channels is off by whole units.
#[test]
fn preprocessing_matches_torchvision_up_to_resampling() {
    let Some(photos) = common::shared("datasets/imagenet-sample") else {
        return;
    };
    let json = fixture_json("hed-vgg16-gap.json");
    let files: Vec<String> = serde_json::from_value(json["files"].clone()).unwrap();
    let want: Vec<Vec<Vec<Vec<f32>>>> =
        serde_json::from_value(json["torchvision_blocks"].clone()).unwrap();
    for (file, want) in files.iter().zip(&want) {
        let image =
            zoomap::stages::thumbs::decode_upright_rgb(&photos.join(file), [0, 0, 0]).unwrap();
        let got = block_means(&zoomap::stages::thumbs::model_input(
            &image,
            224,
            zoomap::stages::thumbs::Preprocess::Crop,
        ));
        let diffs: Vec<f32> = got
            .iter()
            .flatten()
            .flatten()
            .zip(want.iter().flatten().flatten())
            .map(|(a, b)| (a - b).abs())
            .collect();
        let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
        let worst = diffs.iter().copied().fold(0.0, f32::max);
        println!("{file}: mean block difference {mean:.3}, worst {worst:.3}");
        assert!(
            mean < 0.1 && worst < 0.5,
            "{file}: mean {mean}, worst {worst}"
        );
    }
}

/// One feature vector per input.
type Rows = Vec<Vec<f32>>;

/// The tiny fixture's gap and fc2 vectors through `options`. Any error is a failure: the
/// callers have found their adapter first (see [`software_adapter`]).
fn extract_on(options: FeatureOptions) -> (Rows, Rows) {
    let run = |layer| {
        let file = WeightsFile::inspect(&tiny_weights("safetensors")).unwrap();
        let extractor = FeatureExtractor::from_file(
            file,
            &FeatureOptions {
                layer: Some(layer),
                ..options
            },
        )?;
        let inputs: Vec<Vec<u8>> = (0..2).map(test_input).collect();
        let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        extractor.extract(&refs)
    };
    let extract = |layer| run(layer).unwrap_or_else(|error| panic!("wgpu {layer:?}: {error:#}"));
    (extract(Layer::Gap), extract(Layer::Fc2))
}

/// Whether a wgpu adapter, software or not, can be had; the test [`common::skip`]s where not
/// (and fails under CI, where tests/setup.sh has installed Mesa's lavapipe). Only finding the
/// adapter may skip: every error after it is a failure.
fn software_adapter() -> bool {
    match choose_device(DeviceChoice::Gpu, true) {
        Ok(_) => true,
        Err(error) => {
            common::skip(&format!(
                "no wgpu adapter, software or not ({error}); tests/setup.sh installs Mesa's lavapipe"
            ));
            false
        }
    }
}

#[test]
fn the_wgpu_path_matches_pytorch_on_a_software_adapter() {
    let options = FeatureOptions {
        layer: None,
        device: DeviceChoice::Gpu,
        allow_software_gpu: true,
        ..FeatureOptions::default()
    };
    if !software_adapter() {
        return;
    }
    let (gap, fc2) = extract_on(options);
    assert_matches(&gap, &expected("gap"));
    assert_matches(&fc2, &expected("fc2"));
}

#[test]
fn auto_never_takes_a_software_adapter() {
    let real_gpu = choose_device(DeviceChoice::Gpu, false).is_ok();
    let software = choose_device(DeviceChoice::Gpu, true);
    if real_gpu {
        println!("not applicable: this machine has a GPU, which auto rightly takes");
        return;
    }
    let Ok(software) = software else {
        common::skip("no software wgpu adapter; tests/setup.sh installs Mesa's lavapipe");
        return;
    };
    assert_eq!(software.backend, Backend::Wgpu);
    let auto = choose_device(DeviceChoice::Auto, false).unwrap();
    assert_eq!(auto.backend, Backend::Flex, "auto took {}", auto.name);
}

/// A tensor's shape and little-endian f32 bytes.
type Raw = (Vec<usize>, Vec<u8>);

/// `conv_weights` (a conv-only VGG16 file) with fc6 and fc7 drawn from a fixed seed, as
/// PyTorch initialises linear layers (uniform in ±1/√inputs), written into `dir`.
fn with_seeded_classifier(
    conv_weights: &std::path::Path,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    use rand::{Rng, SeedableRng};
    let bytes = std::fs::read(conv_weights).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let mut layer = |outputs: usize, inputs: usize| -> [Raw; 2] {
        let bound = 1.0 / (inputs as f32).sqrt();
        let mut draw = |n: usize| -> Vec<u8> {
            (0..n)
                .flat_map(|_| rng.random_range(-bound..bound).to_le_bytes())
                .collect()
        };
        [
            (vec![outputs, inputs], draw(outputs * inputs)),
            (vec![outputs], draw(outputs)),
        ]
    };
    let [fc6_w, fc6_b] = layer(4096, 512 * 7 * 7);
    let [fc7_w, fc7_b] = layer(4096, 4096);
    let names = ["classifier.0.weight", "classifier.0.bias"]
        .into_iter()
        .chain(["classifier.3.weight", "classifier.3.bias"]);
    let added: Vec<(&str, Raw)> = names.zip([fc6_w, fc6_b, fc7_w, fc7_b]).collect();
    let mut views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors.tensors();
    for (name, (shape, data)) in &added {
        let view =
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data);
        views.push((name.to_string(), view.unwrap()));
    }
    let path = dir.join("hed-with-classifier.safetensors");
    safetensors::serialize_to_file(views, header.metadata().clone(), &path).unwrap();
    path
}

/// The full-size VGG16 (the HED weights' convolutions, a seeded classifier) on Mesa's
/// software Vulkan gives the fc2 vectors Flex gives, on two real photos: the whole trunk
/// through Burn's wgpu conv2d (what gap averages; the tiny fixture checks gap itself on
/// wgpu), then fc6 split into the blocks lavapipe's 128 MiB binding allows. fc2 alone, as
/// each lavapipe pass of the trunk costs ~25 s of CI.
#[test]
fn full_vgg16_on_a_software_adapter_matches_flex() {
    let Some((weights, photos)) = hed_weights_and_photos() else {
        return;
    };
    if !software_adapter() {
        return;
    }
    let adapter = choose_device(DeviceChoice::Gpu, true).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = with_seeded_classifier(&weights, dir.path());
    let files = ["n01440764_tench.JPEG", "n02110185_Siberian_husky.JPEG"];
    let inputs = photo_inputs(&photos, &files);
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let run = |device, allow_software_gpu| {
        let options = FeatureOptions {
            layer: Some(Layer::Fc2),
            device,
            allow_software_gpu,
            ..FeatureOptions::default()
        };
        let extractor = FeatureExtractor::load(&file, &options).unwrap();
        extractor.extract(&refs).unwrap()
    };
    let flex = run(DeviceChoice::Cpu, false);
    let wgpu = run(DeviceChoice::Gpu, true);
    println!("fc2 on {}:", adapter.name);
    assert_matches(&wgpu, &flex);
}

/// zoomap decodes JPEGs to exactly Pillow's pixels (both libjpeg-turbo with its defaults),
/// so the model sees what torchvision's pipeline sees: sizes and pixel hashes written by
/// tests/fixtures/make_pillow_pixels.py for 16 real photos.
#[test]
fn jpegs_decode_to_pillows_pixels() {
    use sha2::Digest;
    let Some(datasets) = common::shared("datasets") else {
        return;
    };
    let json = fixture_json("pillow-pixels.json");
    let photos = json["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 16);
    for photo in photos {
        let file = photo["file"].as_str().unwrap();
        let image =
            zoomap::stages::thumbs::decode_upright_rgb(&datasets.join(file), [0, 0, 0]).unwrap();
        let size = [photo["width"].as_u64(), photo["height"].as_u64()];
        let got = [
            Some(u64::from(image.width())),
            Some(u64::from(image.height())),
        ];
        assert_eq!(got, size, "{file}: size");
        let hash = hex::encode(sha2::Sha256::digest(image.as_raw()));
        assert_eq!(
            hash,
            photo["sha256"].as_str().unwrap(),
            "{file}: pixels differ from Pillow's"
        );
    }
}
