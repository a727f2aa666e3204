//! Secrets generated on first run and kept in the data directory (owner-only files).

use std::path::Path;

use rand::RngCore;
use secrecy::SecretString;

/// The secret in `path`, or a new random one (32 bytes, hex) written there with mode 0600.
///
/// # Errors
/// A message naming the file when it cannot be read or written.
pub fn read_or_create(path: &Path) -> Result<SecretString, String> {
    let fail = |e: std::io::Error| format!("cannot prepare {}: {e}", path.display());
    if let Ok(s) = std::fs::read_to_string(path) {
        return Ok(SecretString::from(s.trim().to_owned()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let value = hex::encode(bytes);
    write_private(path, &value).map_err(fail)?;
    Ok(SecretString::from(value))
}

/// Writes `contents` to a new file readable only by its owner.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}
