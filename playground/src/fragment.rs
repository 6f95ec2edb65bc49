//! The page's `#m=<text>` fragment: manifest text, UTF-8, compressed with
//! raw DEFLATE (RFC 1951) and written in base64url without padding
//! (RFC 4648 §5), so a docs page can link "open in playground". A
//! fragment that does not decode is a message for the page, never a
//! panic.

use std::fmt;

/// The most text a link may expand to: a zip bomb in a link must not
/// take the tab down.
pub const MAX_TEXT_BYTES: usize = 8 << 20;

/// Why a `#m=` fragment could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FragmentError {
    /// A character outside base64url at this (0-based) position.
    Base64Char { position: usize, found: char },
    /// A length no base64 text has (one character left over).
    Base64Length,
    /// Not raw DEFLATE data, or cut short.
    Deflate,
    /// It expands to more than [`MAX_TEXT_BYTES`].
    TooLarge,
    /// The text is not UTF-8 (the byte offset of the first bad byte).
    Utf8 { offset: usize },
}

impl fmt::Display for FragmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the link's #m= text could not be opened: ")?;
        match self {
            FragmentError::Base64Char { position, found } => write!(
                f,
                "{found:?} at position {} is not a base64url character (A-Z, a-z, 0-9, - and _)",
                position + 1
            ),
            FragmentError::Base64Length => {
                f.write_str("its base64url text has a length no encoding gives (cut short?)")
            }
            FragmentError::Deflate => {
                f.write_str("it is not raw DEFLATE data (RFC 1951), or it is cut short")
            }
            FragmentError::TooLarge => {
                write!(f, "it expands to more than {} MiB", MAX_TEXT_BYTES >> 20)
            }
            FragmentError::Utf8 { offset } => {
                write!(f, "the text is not UTF-8 (byte {offset})")
            }
        }
    }
}

/// The text a location hash (`#m=…`, with or without the `#`) opens:
/// `None` when it carries no `m=` parameter. Parameters are `&`-separated,
/// so later parts of the playground can add their own.
pub fn text_from_hash(hash: &str) -> Option<Result<String, FragmentError>> {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    hash.split('&')
        .find_map(|p| p.strip_prefix("m="))
        .map(decode_text)
}

/// Decodes the value of `m=`.
pub fn decode_text(value: &str) -> Result<String, FragmentError> {
    let compressed = base64url_decode(value)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_TEXT_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => FragmentError::TooLarge,
            _ => FragmentError::Deflate,
        })?;
    String::from_utf8(bytes).map_err(|e| FragmentError::Utf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// base64url (`-` and `_`), padding optional, as links carry it.
fn base64url_decode(s: &str) -> Result<Vec<u8>, FragmentError> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for (position, c) in s.chars().enumerate() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '-' => 62,
            '_' => 63,
            found => return Err(FragmentError::Base64Char { position, found }),
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Two or four leftover bits are the last byte's padding; six mean a
    // lone character no encoder writes.
    if bits == 6 {
        return Err(FragmentError::Base64Length);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a docs page writes: raw DEFLATE, then base64url unpadded.
    fn link(text: &str) -> String {
        let deflated = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
        base64url_encode(&deflated)
    }

    fn base64url_encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut s = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                s.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        s
    }

    #[test]
    fn a_link_opens_its_text() {
        let text = "kind: Service\napiVersion: v1\nmetadata: {name: café-ü}\n# ✓ ünïcødé\n";
        let hash = format!("#m={}", link(text));
        assert_eq!(text_from_hash(&hash), Some(Ok(text.to_string())));
        // Without the '#', and among other parameters.
        assert_eq!(
            text_from_hash(&format!("x=1&m={}&y=2", link(text))),
            Some(Ok(text.to_string()))
        );
    }

    #[test]
    fn padding_is_accepted() {
        for text in ["a", "ab", "abc", "abcd"] {
            let mut l = link(text);
            while l.len() % 4 != 0 {
                l.push('=');
            }
            assert_eq!(decode_text(&l), Ok(text.to_string()));
        }
    }

    #[test]
    fn known_encoding_from_another_encoder() {
        // `python3 -c 'import zlib,base64; c=zlib.compressobj(9, zlib.DEFLATED, -15);
        //  print(base64.urlsafe_b64encode(c.compress(b"kind: Pod\n")+c.flush()))'`
        assert_eq!(
            decode_text("y87MS7FSCMhP4QIA"),
            Ok("kind: Pod\n".to_string())
        );
    }

    #[test]
    fn no_m_parameter_is_no_text() {
        assert_eq!(text_from_hash(""), None);
        assert_eq!(text_from_hash("#"), None);
        assert_eq!(text_from_hash("#section-2"), None);
    }

    #[test]
    fn bad_fragments_are_clear_errors() {
        let err = |h: &str| text_from_hash(h).unwrap().unwrap_err();
        assert_eq!(
            err("#m=ab<c"),
            FragmentError::Base64Char {
                position: 2,
                found: '<'
            }
        );
        assert!(err("#m=ab<c").to_string().contains("'<' at position 3"));
        assert_eq!(err("#m=A"), FragmentError::Base64Length);
        assert_eq!(err("#m=AAAA"), FragmentError::Deflate);
        // Cut short: the tail of a valid link is missing.
        let l = link(&"apiVersion: v1\n".repeat(50));
        assert_eq!(
            err(&format!("#m={}", &l[..(l.len() / 2) & !3])),
            FragmentError::Deflate
        );
        // Valid DEFLATE of bytes that are not UTF-8.
        let bad = base64url_encode(&miniz_oxide::deflate::compress_to_vec(b"ok\xff", 6));
        assert_eq!(err(&format!("#m={bad}")), FragmentError::Utf8 { offset: 2 });
        // An empty value is an empty deflate stream: not data.
        assert_eq!(err("#m="), FragmentError::Deflate);
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let huge = vec![b'a'; MAX_TEXT_BYTES + 1];
        let l = base64url_encode(&miniz_oxide::deflate::compress_to_vec(&huge, 9));
        assert!(l.len() < 20_000, "the bomb is small: {}", l.len());
        assert_eq!(decode_text(&l), Err(FragmentError::TooLarge));
    }
}
