//! 激活二维码 — the text of the activation QR code an administrator hands a person:
//!
//! `qianpi://activate?v=1&url=<gateway https URL>&login=<login>&code=<code>&pin=<base64 SHA-256
//! of a SPKI>&pin=…&ca=<base64url DER of a CA certificate>`
//!
//! `login` is optional (the person types it), `pin` and `ca` may repeat (none for a development
//! gateway on plain http on the same machine). Values are percent-encoded (RFC 3986; a `+` is a
//! plus, never a space, so an unencoded base64 pin still reads right). Parsing is strict: the
//! version, every parameter name, every value's shape and the whole length are checked, because
//! the text comes from a camera and decides which server the phone trusts. Both the gateway
//! (which prints it with a code) and the phone (which reads it) use this module.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// How every invite starts.
pub const INVITE_PREFIX: &str = "qianpi://activate?";
/// The longest invite read (a QR code holds under 3 kB in byte mode; two CA certificates fit).
pub const MAX_INVITE_CHARS: usize = 4096;
/// The longest gateway address.
const MAX_URL_CHARS: usize = 512;
/// The longest login.
const MAX_LOGIN_CHARS: usize = 64;
/// The longest activation code.
const MAX_CODE_CHARS: usize = 32;
/// Most pins an invite carries (the one in use and backups).
const MAX_PINS: usize = 4;
/// Most CA certificates an invite carries.
const MAX_CAS: usize = 2;

/// What an activation QR code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The gateway's address (`https://…`; `http://` only on this machine).
    pub server_url: String,
    /// The login the code was issued for, when the administrator put it in.
    pub login: Option<String>,
    /// The one-time activation code.
    pub code: String,
    /// SHA-256 of the SubjectPublicKeyInfo of each pinned certificate key.
    pub pins: Vec<[u8; 32]>,
    /// The deployment's CA certificates (DER).
    pub ca_certificates: Vec<Vec<u8>>,
}

/// Why a text is not an activation invite. Each has a stable code, an English sentence
/// (`Display`) and a Chinese one ([`InviteError::message_zh`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    /// Not a Qianpi activation code at all.
    #[error("this is not a Qianpi activation code")]
    NotAnInvite,
    /// Longer than any invite.
    #[error("the activation code's text is too long")]
    TooLong,
    /// A version this app does not read.
    #[error("this activation code needs a newer version of the app")]
    UnsupportedVersion,
    /// A parameter this version does not know, or one given twice, or a malformed pair.
    #[error("the activation code has an unknown or repeated part ({0})")]
    BadParameter(String),
    /// A required parameter is missing.
    #[error("the activation code lacks its {0}")]
    Missing(&'static str),
    /// The gateway address is malformed or not https (plain http only for this machine).
    #[error("the gateway address in the activation code is not allowed: use https")]
    BadUrl,
    /// The login or the code has characters or a length no login or code has.
    #[error("the login or code in the activation code is malformed")]
    BadCredentials,
    /// A pin or CA certificate does not decode, or there are too many.
    #[error("a certificate or pin in the activation code is malformed")]
    BadCertificate,
}

impl InviteError {
    /// A stable code for the shells and logs.
    pub fn code(&self) -> &'static str {
        match self {
            InviteError::NotAnInvite => "not_an_invite",
            InviteError::TooLong => "too_long",
            InviteError::UnsupportedVersion => "unsupported_version",
            InviteError::BadParameter(_) => "bad_parameter",
            InviteError::Missing(_) => "missing_parameter",
            InviteError::BadUrl => "bad_url",
            InviteError::BadCredentials => "bad_credentials",
            InviteError::BadCertificate => "bad_certificate",
        }
    }

    /// The sentence for people, in Chinese: what is wrong and what to do.
    pub fn message_zh(&self) -> &'static str {
        match self {
            InviteError::NotAnInvite => "这不是签批的激活二维码，请扫描管理员提供的激活二维码。",
            InviteError::TooLong => "激活二维码内容过长，无法识别，请向管理员索取新的激活二维码。",
            InviteError::UnsupportedVersion => "此激活二维码需要更新版本的应用，请先更新应用。",
            InviteError::BadParameter(_) | InviteError::Missing(_) => {
                "激活二维码内容不完整或有误，请重新扫描或向管理员索取新的激活二维码。"
            }
            InviteError::BadUrl => {
                "激活二维码中的网关地址不安全或有误（须为 https 地址），请联系管理员。"
            }
            InviteError::BadCredentials => {
                "激活二维码中的登录名或激活码有误，请向管理员索取新的激活二维码。"
            }
            InviteError::BadCertificate => {
                "激活二维码中的单位证书或证书指纹有误，请向管理员索取新的激活二维码。"
            }
        }
    }
}

impl Invite {
    /// Reads an invite; surrounding whitespace (a scanner's newline) is ignored.
    pub fn parse(text: &str) -> Result<Invite, InviteError> {
        let text = text.trim();
        if text.chars().count() > MAX_INVITE_CHARS {
            return Err(InviteError::TooLong);
        }
        let query = text
            .strip_prefix(INVITE_PREFIX)
            .ok_or(InviteError::NotAnInvite)?;
        let (mut version, mut url, mut login, mut code) = (None, None, None, None);
        let (mut pins, mut cas) = (Vec::new(), Vec::new());
        for pair in query.split('&') {
            let (name, raw) = pair
                .split_once('=')
                .ok_or_else(|| InviteError::BadParameter(shorten(pair)))?;
            let value = decode(raw).ok_or_else(|| InviteError::BadParameter(shorten(name)))?;
            let slot = match name {
                "v" => &mut version,
                "url" => &mut url,
                "login" => &mut login,
                "code" => &mut code,
                "pin" => {
                    pins.push(pin(&value)?);
                    continue;
                }
                "ca" => {
                    cas.push(certificate(&value)?);
                    continue;
                }
                other => return Err(InviteError::BadParameter(shorten(other))),
            };
            if slot.replace(value).is_some() {
                return Err(InviteError::BadParameter(name.to_owned()));
            }
        }
        match version.as_deref() {
            Some("1") => {}
            Some(_) => return Err(InviteError::UnsupportedVersion),
            None => return Err(InviteError::Missing("version")),
        }
        if pins.len() > MAX_PINS || cas.len() > MAX_CAS {
            return Err(InviteError::BadCertificate);
        }
        let server_url = url.ok_or(InviteError::Missing("gateway address"))?;
        check_url(&server_url)?;
        let code = code.ok_or(InviteError::Missing("activation code"))?;
        check_token(&code, MAX_CODE_CHARS)?;
        if let Some(login) = &login {
            check_token(login, MAX_LOGIN_CHARS)?;
        }
        Ok(Invite {
            server_url,
            login,
            code,
            pins,
            ca_certificates: cas,
        })
    }

    /// The invite's text, as the QR code carries it.
    pub fn to_text(&self) -> String {
        let mut text = format!("{INVITE_PREFIX}v=1&url={}", encode(&self.server_url));
        if let Some(login) = &self.login {
            text.push_str(&format!("&login={}", encode(login)));
        }
        text.push_str(&format!("&code={}", encode(&self.code)));
        for pin in &self.pins {
            text.push_str(&format!("&pin={}", encode(&STANDARD.encode(pin))));
        }
        for ca in &self.ca_certificates {
            text.push_str(&format!("&ca={}", URL_SAFE_NO_PAD.encode(ca)));
        }
        text
    }

    /// The pins as the connection settings spell them: `sha256/<base64>`.
    pub fn pin_strings(&self) -> Vec<String> {
        self.pins
            .iter()
            .map(|p| format!("sha256/{}", STANDARD.encode(p)))
            .collect()
    }

    /// The CA certificates as PEM blocks, one after another (empty without any).
    pub fn anchors_pem(&self) -> String {
        let mut pem = String::new();
        for der in &self.ca_certificates {
            pem.push_str("-----BEGIN CERTIFICATE-----\n");
            let body = STANDARD.encode(der);
            for line in body.as_bytes().chunks(64) {
                pem.push_str(&String::from_utf8_lossy(line));
                pem.push('\n');
            }
            pem.push_str("-----END CERTIFICATE-----\n");
        }
        pem
    }
}

/// A parameter name or pair cut to a length fit for an error message.
fn shorten(text: &str) -> String {
    text.chars().take(16).collect()
}

/// A pin's 32 bytes from standard base64.
fn pin(value: &str) -> Result<[u8; 32], InviteError> {
    STANDARD
        .decode(value)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(InviteError::BadCertificate)
}

/// A certificate's DER from base64url (no padding): it must at least be a DER SEQUENCE.
fn certificate(value: &str) -> Result<Vec<u8>, InviteError> {
    let der = URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| InviteError::BadCertificate)?;
    if der.len() < 64 || der.first() != Some(&0x30) {
        return Err(InviteError::BadCertificate);
    }
    Ok(der)
}

/// Whether `url` is a gateway address the phone may use: https, or plain http to this machine;
/// a host, no user name or password, no fragment.
fn check_url(url: &str) -> Result<(), InviteError> {
    if url.chars().count() > MAX_URL_CHARS
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(InviteError::BadUrl);
    }
    let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(InviteError::BadUrl);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || url.contains('#') {
        return Err(InviteError::BadUrl);
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(InviteError::BadUrl);
    }
    if !secure && !is_loopback(host) {
        return Err(InviteError::BadUrl);
    }
    Ok(())
}

/// Whether `host` names this machine.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A login or code: printable, no spaces, within `max` characters.
fn check_token(value: &str, max: usize) -> Result<(), InviteError> {
    let count = value.chars().count();
    if count == 0
        || count > max
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '&' | '=' | '%'))
    {
        return Err(InviteError::BadCredentials);
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-decodes a value (a `+` stays a plus); `None` for a broken escape or bytes that are
/// not UTF-8.
fn decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests;
