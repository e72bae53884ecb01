//! The open-file limit.
//!
//! Every request in flight holds a socket, and a scan keeps many in flight:
//! `--concurrency` cells, and up to 100 DynamoDB describes within one cell.
//! Common soft limits (1,024 on many Linux desktops, 256 on macOS) are far
//! below that, and a socket that cannot be opened fails its cell
//! ("Too many open files"). Like the Go runtime does for Go programs, the soft
//! limit is raised to the hard limit at start; the hard limit is left alone.

/// Raises the soft open-file limit to the hard one; quietly keeps it where it
/// is if the system says no.
#[cfg(unix)]
pub fn raise_open_files() {
    // SAFETY: getrlimit and setrlimit only read and write the struct passed
    // in; it is a valid, initialised local.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        let wanted = if cfg!(target_os = "macos") {
            // macOS refuses soft limits above OPEN_MAX, whatever the hard limit says.
            limit.rlim_max.min(10240)
        } else {
            limit.rlim_max
        };
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(not(unix))]
pub fn raise_open_files() {}
