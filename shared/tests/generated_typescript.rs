//! The web client's generated wire types (`client-web/src/api/generated.ts`)
//! are what this crate says today.

use std::path::Path;

use phonghop_protocol::typescript::{generate, GENERATED_PATH, REGENERATE_COMMAND};

#[test]
fn the_committed_typescript_types_are_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(GENERATED_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generate(),
        "{GENERATED_PATH} is stale (the wire types in shared/ changed): run `{REGENERATE_COMMAND}` and commit the result"
    );
}
