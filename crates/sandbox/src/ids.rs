//! Credentials and identifiers that look like BigCommerce's: 31-character client IDs and
//! access tokens, 64-digit hexadecimal client secrets, JWT-shaped storefront tokens.

use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde_json::json;

/// Lowercase letters and digits, as BigCommerce's client IDs and access tokens are.
pub fn lower_alnum(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), len).to_ascii_lowercase()
}

pub fn hex(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0')).collect()
}

pub fn client_id() -> String {
    lower_alnum(31)
}

pub fn access_token() -> String {
    lower_alnum(31)
}

pub fn client_secret() -> String {
    hex(64)
}

/// A storefront token: a JWT's three base64url parts, with claims like BigCommerce's and a
/// random signature (nothing verifies it but this sandbox, which keeps the whole string).
pub fn jwt(store_hash: &str, channel_ids: &[u64], expires_at: i64, now: i64, token_type: u8) -> String {
    let header = json!({"typ": "JWT", "alg": "ES256"});
    let claims = json!({
        "cid": channel_ids,
        "eat": expires_at,
        "iat": now,
        "sub": lower_alnum(31),
        "sub_type": 2,
        "token_type": token_type,
        "iss": "BC",
        "sid": store_hash,
        "jti": hex(32),
    });
    let mut signature = [0u8; 64];
    rand::thread_rng().fill(&mut signature[..]);
    format!(
        "{}.{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(&signature)
    )
}

/// Unpadded base64url.
pub fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        for (plain, encoded) in
            [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        {
            assert_eq!(base64url(plain.as_bytes()), encoded);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn credentials_have_bigcommerce_shapes() {
        let id = client_id();
        assert_eq!(id.len(), 31);
        assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(client_secret().len(), 64);
        let token = jwt("abc", &[1], 2_000_000_000, 1_900_000_000, 1);
        assert_eq!(token.split('.').count(), 3);
        assert!(token.starts_with("eyJ"));
    }
}
