//! The one process-wide tokio runtime that drives HTTP and WebSocket I/O. Python threads block
//! on it with the GIL released; the feed's reader task runs on its workers.

use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The module's runtime, started on first use with two worker threads.
pub(crate) fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("openalgo-rs-io")
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the I/O runtime: {e}"))
    })
}
