//! 激活二维码 — the text an administrator hands a person with an activation code, to show as a
//! QR code: the gateway's address, the login, the code, and when the gateway serves HTTPS the
//! deployment's CA certificate (the last of the served chain) with the pins of the server key
//! and the CA key (the backup pin), as `tls init` made them. The phone reads it with
//! [`qianpi_protocol::invite::Invite::parse`]; this side checks the text reads back before
//! handing it out.

use crate::tls::{read_certificates, spki_pin, TlsError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_protocol::invite::{Invite, InviteError};
use std::path::Path;

/// Why no invite could be made.
#[derive(Debug, thiserror::Error)]
pub enum InviteIssueError {
    /// The served certificate chain cannot be read.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The address, login or code make no invite a phone would accept.
    #[error("{0}")]
    Invite(#[from] InviteError),
}

/// The invite for `code` issued to `login` at the gateway `server_url`; `chain` is the PEM
/// certificate chain the gateway serves (`serve --tls-cert`), none for plain http.
pub fn activation_invite(
    server_url: &str,
    login: Option<&str>,
    code: &str,
    chain: Option<&Path>,
) -> Result<String, InviteIssueError> {
    let (mut pins, mut ca_certificates) = (Vec::new(), Vec::new());
    if let Some(chain) = chain {
        let certificates = read_certificates(chain)?;
        // A chain of the server certificate alone: it is its own anchor, and one pin without a
        // backup is worse than none (the phone refuses it), so it goes without pins.
        if let [leaf, .., ca] = certificates.as_slice() {
            for cert in [leaf, ca] {
                let pin =
                    pin_bytes(&spki_pin(cert.as_ref())?).ok_or(InviteError::BadCertificate)?;
                pins.push(pin);
            }
        }
        if let Some(ca) = certificates.last() {
            ca_certificates.push(ca.as_ref().to_vec());
        }
    }
    let invite = Invite {
        server_url: server_url.to_owned(),
        login: login.map(str::to_owned),
        code: code.to_owned(),
        pins,
        ca_certificates,
    };
    let text = invite.to_text();
    Invite::parse(&text)?;
    Ok(text)
}

/// The 32 bytes of a `sha256/<base64>` pin.
fn pin_bytes(pin: &str) -> Option<[u8; 32]> {
    pin.strip_prefix("sha256/")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .and_then(|bytes| bytes.try_into().ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_invite_carries_the_served_ca_and_both_pins() {
        let dir = tempfile::tempdir().unwrap();
        let made =
            crate::tls::init::generate(dir.path(), &["127.0.0.1".into()], 30, false).unwrap();
        let text = activation_invite(
            "https://127.0.0.1:8443/",
            Some("wangjianguo"),
            "ABCD2345",
            Some(&made.files().cert),
        )
        .unwrap();
        let invite = Invite::parse(&text).unwrap();
        assert_eq!(invite.pin_strings(), made.pins());
        assert_eq!(invite.anchors_pem().trim(), made.ca_pem.trim());
        assert_eq!(invite.login.as_deref(), Some("wangjianguo"));
        // Plain http off this machine makes no invite.
        assert!(activation_invite("http://10.0.0.1/", None, "ABCD2345", None).is_err());
    }
}
