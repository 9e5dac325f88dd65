//! SIGTERM and SIGINT start a graceful shutdown. The handler only sets a flag (the one thing
//! that is safe in a signal handler); the main thread polls it.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

static RECEIVED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    RECEIVED.store(true, Ordering::SeqCst);
}

/// Route SIGTERM and SIGINT to the shutdown flag.
pub fn install() -> io::Result<()> {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: `on_signal` only stores to an atomic, which is async-signal-safe, and has the
        // signature `signal` expects.
        let previous =
            unsafe { libc::signal(signal, on_signal as *const () as libc::sighandler_t) };
        if previous == libc::SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// True once a shutdown signal has arrived.
pub fn received() -> bool {
    RECEIVED.load(Ordering::SeqCst)
}
