//! A real, small filesystem for a test: a `tmpfs` of a few megabytes
//! mounted on a temp dir, so a server's data directory can run out of
//! space for real (ENOSPC from the kernel, not a simulated error), and a
//! filler file that takes up what is left.
//!
//! Mounting needs root (or CAP_SYS_ADMIN); [`SmallDisk::mount`] says why
//! when it cannot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs; unmounted when dropped (drop every process using it
/// first).
pub struct SmallDisk {
    /// The mount point's parent (removed after the unmount).
    _dir: tempfile::TempDir,
    mount_point: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes` MiB, or says why it cannot.
    pub fn mount(megabytes: u32) -> Result<SmallDisk, String> {
        let dir = tempfile::Builder::new()
            .prefix("phonghop-disk-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let mount_point = dir.path().join("mnt");
        std::fs::create_dir(&mount_point).map_err(|e| e.to_string())?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={megabytes}m,mode=0755"))
            .arg("tmpfs")
            .arg(&mount_point)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "mount -t tmpfs failed (root or CAP_SYS_ADMIN is needed): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(SmallDisk {
            _dir: dir,
            mount_point,
        })
    }

    pub fn path(&self) -> &Path {
        &self.mount_point
    }

    /// Writes `filler` until the filesystem refuses (ENOSPC), in ever
    /// smaller pieces down to one byte, so not a byte is left. Returns how
    /// many bytes it holds.
    pub fn fill(&self, filler: &Path) -> u64 {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(filler)
            .expect("open the filler file");
        let mut piece = 1 << 20;
        while piece > 0 {
            let bytes = vec![0x5a_u8; piece];
            loop {
                match file.write(&bytes) {
                    Ok(written) if written == piece => continue,
                    Ok(_) => break,
                    Err(error) if error.raw_os_error() == Some(ENOSPC) => break,
                    Err(error) => panic!("filling the disk: {error}"),
                }
            }
            piece /= 2;
        }
        // Pages the kernel holds for the file are counted by now; flush
        // for form's sake.
        let _ = file.flush();
        file.metadata().unwrap().len()
    }

    /// Bytes still free on the filesystem (from `df`).
    pub fn free_bytes(&self) -> u64 {
        let output = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.mount_point)
            .output()
            .expect("run df");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .nth(1)
            .and_then(|line| line.trim().parse().ok())
            .expect("df prints the free bytes")
    }
}

/// `errno` for "no space left on device" on Linux.
const ENOSPC: i32 = 28;

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let unmounted = Command::new("umount").arg(&self.mount_point).output();
        if !matches!(unmounted, Ok(out) if out.status.success()) {
            // Something still holds it open (a file handle that a closed
            // pool's worker thread has not let go of yet): detach it, so it
            // goes away when that does, rather than leave a mount behind.
            let _ = Command::new("umount")
                .arg("-l")
                .arg(&self.mount_point)
                .output();
        }
    }
}
