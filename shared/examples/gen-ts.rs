//! Writes `client-web/src/api/generated.ts`, the web client's copy of the
//! wire types (see `phonghop_protocol::typescript`):
//! `cargo run -p phonghop-protocol --example gen-ts`.

use std::path::Path;

use phonghop_protocol::typescript::{generate, GENERATED_PATH};

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root.join(GENERATED_PATH);
    std::fs::write(&path, generate())?;
    println!("wrote {}", path.display());
    Ok(())
}
