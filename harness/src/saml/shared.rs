//! Text that repeats in every member's assertion (issuer, audience, recipient, attribute
//! names, formats), held once: at 23,000 members each copy of each was tens of megabytes.
//! Only the first [`MAX_KEPT`] distinct texts are kept; past that (a hostile or broken IdP
//! that varies them) each reading gets its own copy, so memory stays bounded.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

/// A text shared between readings.
pub type Shared = Arc<str>;

const MAX_KEPT: usize = 4096;

static KEPT: LazyLock<Mutex<HashSet<Shared>>> = LazyLock::new(Default::default);

/// `text`, shared with every earlier reading of the same text.
pub fn shared(text: &str) -> Shared {
    let mut kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(k) = kept.get(text) {
        return k.clone();
    }
    let new: Shared = Arc::from(text);
    if kept.len() < MAX_KEPT {
        kept.insert(new.clone());
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_held_once() {
        let a = shared("urn:oasis:names:tc:SAML:2.0:cm:bearer");
        let b = shared(&String::from("urn:oasis:names:tc:SAML:2.0:cm:bearer"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*shared("other"), "other");
    }
}
