//! Choosing where VGG16 runs.

use anyhow::Result;
use burn::tensor::wgpu::wgpu;
use burn::tensor::{Device, DeviceKind};

use crate::base::setting::{Setting, SettingError};

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
    /// The largest storage buffer one shader may bind on the adapter (`None` on the CPU):
    /// 128 MiB on many adapters, Mesa's lavapipe included, less than fc6's 411 MB weight.
    pub max_binding_bytes: Option<u64>,
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
        (Some(adapter), _) => Ok(ChosenDevice {
            device: Device::wgpu(adapter.kind),
            backend: Backend::Wgpu,
            name: adapter.name,
            max_binding_bytes: Some(adapter.max_binding_bytes),
        }),
        (None, DeviceChoice::Gpu) => Err(SettingError::error(
            Setting::Device,
            "no GPU adapter found for the gpu device (software renderers don't count)",
        )),
        (None, _) => Ok(ChosenDevice {
            device: Device::flex(),
            backend: Backend::Flex,
            name: "CPU".into(),
            max_binding_bytes: None,
        }),
    }
}

/// A wgpu adapter found: which, its name and its binding limit.
struct Adapter {
    kind: DeviceKind,
    name: String,
    max_binding_bytes: u64,
}

fn find_gpu(allow_software: bool) -> Option<Adapter> {
    // Drivers print to stderr while they are enumerated: Mesa's lavapipe, which `auto` never
    // takes, prints "error: XDG_RUNTIME_DIR is invalid or not set" twice wherever no desktop
    // session is (ssh, cron, containers, CI). That is nothing the user did wrong.
    let adapters = {
        let _quiet = QuietStderr::new();
        let instance = wgpu::Instance::default();
        pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
    };
    let pick = |ty: wgpu::DeviceType, kind: DeviceKind| {
        let adapter = adapters.iter().find(|a| a.get_info().device_type == ty)?;
        let limits = adapter.limits();
        Some(Adapter {
            kind,
            name: adapter.get_info().name,
            // cubecl asks for the adapter's own limits, so these are the ones in force.
            max_binding_bytes: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
        })
    };
    pick(wgpu::DeviceType::DiscreteGpu, DeviceKind::DiscreteGpu(0))
        .or_else(|| {
            pick(
                wgpu::DeviceType::IntegratedGpu,
                DeviceKind::IntegratedGpu(0),
            )
        })
        .or_else(|| pick(wgpu::DeviceType::Cpu, DeviceKind::Cpu).filter(|_| allow_software))
}

/// Standard error sent to /dev/null while it lives, restored when dropped; written by hand
/// over two `dup2` calls because the crates that do it (gag) keep a temporary file instead.
struct QuietStderr {
    saved: Option<libc::c_int>,
}

impl QuietStderr {
    fn new() -> Self {
        // SAFETY: dup, open and dup2 on valid descriptors and a NUL-terminated path; a
        // failure of any leaves stderr as it was.
        let saved = unsafe {
            let saved = libc::dup(libc::STDERR_FILENO);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            let silenced = saved >= 0 && null >= 0 && libc::dup2(null, libc::STDERR_FILENO) >= 0;
            if null >= 0 {
                libc::close(null);
            }
            match (silenced, saved >= 0) {
                (true, _) => Some(saved),
                (false, true) => {
                    libc::close(saved);
                    None
                }
                (false, false) => None,
            }
        };
        Self { saved }
    }
}

impl Drop for QuietStderr {
    fn drop(&mut self) {
        if let Some(saved) = self.saved {
            // SAFETY: `saved` is the descriptor `new` duplicated from stderr.
            unsafe {
                libc::dup2(saved, libc::STDERR_FILENO);
                libc::close(saved);
            }
        }
    }
}
