//! The canonical byte form that signatures and hashes are computed over.
//!
//! Every field is written as a presence byte (0 absent, 1 present) followed, when present, by
//! its length as a big-endian u64 and its bytes. The form is therefore unambiguous: no two
//! different sequences of fields give the same bytes.

/// Builds a canonical byte form field by field.
#[derive(Debug, Default)]
pub struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    /// An empty form.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// Appends fixed-length bytes as they are (for values whose length never varies).
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.out.extend_from_slice(bytes);
        self
    }

    /// Appends a field that may be absent.
    pub fn field(mut self, value: Option<&[u8]>) -> Self {
        match value {
            Some(bytes) => {
                self.out.push(1);
                self.out
                    .extend_from_slice(&(bytes.len() as u64).to_be_bytes());
                self.out.extend_from_slice(bytes);
            }
            None => self.out.push(0),
        }
        self
    }

    /// Appends a text field.
    pub fn text(self, value: &str) -> Self {
        self.field(Some(value.as_bytes()))
    }

    /// Appends a text field that may be absent.
    pub fn opt_text(self, value: Option<&str>) -> Self {
        self.field(value.map(str::as_bytes))
    }

    /// The finished bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(fields: &[Option<Vec<u8>>]) -> Vec<u8> {
        fields
            .iter()
            .fold(Encoder::new(), |e, f| e.field(f.as_deref()))
            .finish()
    }

    proptest! {
        /// Different field sequences never share a canonical form.
        #[test]
        fn the_form_is_injective(
            a in proptest::collection::vec(proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)), 0..5),
            b in proptest::collection::vec(proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)), 0..5),
        ) {
            prop_assume!(a != b);
            prop_assert_ne!(encode(&a), encode(&b));
        }
    }
}
