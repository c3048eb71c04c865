//! Choosing where VGG16 runs.

use anyhow::Result;
use burn::tensor::wgpu::wgpu;
use burn::tensor::{Device, DeviceKind};

use crate::setting::{Setting, SettingError};

/// Where the user asked the network to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// A real GPU through burn-wgpu when one exists, else the CPU.
    #[default]
    Auto,
    /// A real GPU, or an error.
    Gpu,
    /// The CPU (Burn's Flex backend).
    Cpu,
}

/// The Burn backend the network runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn-wgpu, on a GPU adapter.
    Wgpu,
    /// Burn's Flex CPU backend.
    Flex,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Wgpu => "wgpu",
            Backend::Flex => "flex",
        })
    }
}

/// The device picked, and how to describe it in reports.
#[derive(Debug, Clone)]
pub struct ChosenDevice {
    /// The Burn device.
    pub device: Device,
    /// The backend that drives it.
    pub backend: Backend,
    /// The adapter's name, or the CPU.
    pub name: String,
}

/// Picks the device. `Device::default()` is never used: without a GPU it selects a software
/// Vulkan or OpenGL adapter, tens of times slower than Flex, so an adapter that reports
/// itself as a CPU counts as no GPU, unless `allow_software` lets the `gpu` choice take one
/// (Mesa's lavapipe in CI, to exercise the wgpu path; `auto` never does).
pub fn choose_device(choice: DeviceChoice, allow_software: bool) -> Result<ChosenDevice> {
    let gpu = match choice {
        DeviceChoice::Cpu => None,
        DeviceChoice::Auto => find_gpu(false),
        DeviceChoice::Gpu => find_gpu(allow_software),
    };
    match (gpu, choice) {
        (Some((kind, name)), _) => Ok(ChosenDevice {
            device: Device::wgpu(kind),
            backend: Backend::Wgpu,
            name,
        }),
        (None, DeviceChoice::Gpu) => Err(SettingError::error(
            Setting::Device,
            "no GPU adapter found for the gpu device (software renderers don't count)",
        )),
        (None, _) => Ok(ChosenDevice {
            device: Device::flex(),
            backend: Backend::Flex,
            name: "CPU".into(),
        }),
    }
}

fn find_gpu(allow_software: bool) -> Option<(DeviceKind, String)> {
    let instance = wgpu::Instance::default();
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let infos: Vec<wgpu::AdapterInfo> = adapters.iter().map(wgpu::Adapter::get_info).collect();
    let pick = |ty: wgpu::DeviceType| infos.iter().find(|info| info.device_type == ty);
    if let Some(info) = pick(wgpu::DeviceType::DiscreteGpu) {
        return Some((DeviceKind::DiscreteGpu(0), info.name.clone()));
    }
    if let Some(info) = pick(wgpu::DeviceType::IntegratedGpu) {
        return Some((DeviceKind::IntegratedGpu(0), info.name.clone()));
    }
    pick(wgpu::DeviceType::Cpu)
        .filter(|_| allow_software)
        .map(|info| (DeviceKind::Cpu, info.name.clone()))
}
