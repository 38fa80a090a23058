//! The process's peak resident memory, for the budget table and the benchmark: Linux keeps
//! the high-water mark in `/proc/self/status` (`VmHWM`), and writing `5` to
//! `/proc/self/clear_refs` resets it to the current size, so the peak of one stretch of work
//! (a scenario run on its own) can be read. Elsewhere both are silently unavailable.

/// Reset the high-water mark to the current resident size. False where it cannot be.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The high-water mark of resident memory since start or the last [`reset_peak`], in KiB.
pub fn peak_kib() -> Option<u64> {
    status_field("VmHWM:")
}

/// Resident memory now, in KiB.
pub fn resident_kib() -> Option<u64> {
    status_field("VmRSS:")
}

fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_kib(&status, name)
}

/// `VmHWM:   13496 kB` → 13496.
fn parse_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_linux_writes() {
        let status = "Name:\tcutover\nVmHWM:\t   13496 kB\nVmRSS:\t    9000 kB\n";
        assert_eq!(parse_kib(status, "VmHWM:"), Some(13496));
        assert_eq!(parse_kib(status, "VmRSS:"), Some(9000));
        assert_eq!(parse_kib(status, "VmSwap:"), None);
        assert_eq!(parse_kib("VmHWM:\tlots\n", "VmHWM:"), None);
    }

    #[test]
    fn a_reset_brings_the_peak_down_to_the_current_size() {
        if !reset_peak() {
            return; // not Linux, or /proc is read-only: nothing to prove here
        }
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        let with = peak_kib().expect("VmHWM where clear_refs works");
        drop(big);
        assert!(reset_peak());
        let after = peak_kib().expect("VmHWM");
        assert!(
            after + 32 * 1024 < with,
            "peak {after} KiB after the reset, {with} KiB with 64 MiB held"
        );
        assert!(resident_kib().is_some_and(|r| r <= after + 1024));
    }
}
