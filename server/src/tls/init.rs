//! A private CA for a bureau that has none (`qianpi-gateway tls init`): a CA key and certificate,
//! a server certificate for the gateway's names signed by it, and the SPKI pins to hand to the
//! phones with the CA certificate. ECDSA P-256 keys, made with rcgen on ring.
//!
//! The files in the folder: `ca.pem`, `ca-key.pem` (the CA; keep the key offline once the
//! server certificate is made), `server.pem` (the chain the gateway serves: its certificate,
//! then the CA's), `server-key.pem`, and `pins.txt`. Key files are written mode 0600. The pin of
//! the server key changes with every renewal ([`renew`]); the CA key's pin is the backup pin
//! that keeps phones working across one.

use super::{spki_der_pin, spki_pin, TlsError, TlsFiles};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SerialNumber,
};
use std::path::{Path, PathBuf};

/// The CA certificate file.
pub const CA_CERT: &str = "ca.pem";
/// The CA key file.
pub const CA_KEY: &str = "ca-key.pem";
/// The chain the gateway serves (server certificate, then the CA certificate).
pub const SERVER_CERT: &str = "server.pem";
/// The server key file.
pub const SERVER_KEY: &str = "server-key.pem";
/// The pins, one a line: the server key's, then the CA key's (the backup).
pub const PINS: &str = "pins.txt";
/// Default lifetime of a server certificate in days (the longest iOS accepts).
pub const SERVER_DAYS: u32 = 825;
/// Lifetime of the CA certificate in days.
pub const CA_DAYS: u32 = 3650;
/// The CA's name, followed by a fingerprint of its key: two deployments' CAs never share a name
/// (a client would otherwise take one's certificate for the other's and report a bad signature
/// rather than an unknown CA), and [`renew`] can rebuild the name from the key alone.
const CA_NAME: &str = "Qianpi private CA";

/// What `tls init` (or [`renew`]) made.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The folder holding the files.
    pub dir: PathBuf,
    /// The CA certificate in PEM: the trust anchor to give the phones.
    pub ca_pem: String,
    /// The pin of the server key (`sha256/<base64>`).
    pub server_pin: String,
    /// The pin of the CA key, the backup pin that survives a renewal of the server key.
    pub ca_pin: String,
}

impl Generated {
    /// The chain and key files to serve (`serve --tls-cert … --tls-key …`).
    pub fn files(&self) -> TlsFiles {
        TlsFiles::new(self.dir.join(SERVER_CERT), self.dir.join(SERVER_KEY))
    }

    /// The CA certificate file.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join(CA_CERT)
    }

    /// Both pins, the server key's first.
    pub fn pins(&self) -> Vec<String> {
        vec![self.server_pin.clone(), self.ca_pin.clone()]
    }
}

/// Makes a CA and a server certificate for `names` (DNS names or IP addresses) valid `days`
/// days, in `dir` (created if needed). Refuses to replace any existing file unless `force`.
pub fn generate(
    dir: &Path,
    names: &[String],
    days: u32,
    force: bool,
) -> Result<Generated, TlsError> {
    if names.is_empty() {
        return Err(TlsError::Generate(
            "name at least one DNS name or IP address (--name)".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.to_owned(),
        source,
    })?;
    if !force {
        for file in [CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY, PINS] {
            let path = dir.join(file);
            if path.exists() {
                return Err(TlsError::Exists(path));
            }
        }
    }
    let ca_key = KeyPair::generate().map_err(generate_error)?;
    let ca = ca_params(CA_DAYS, &ca_key)?
        .self_signed(&ca_key)
        .map_err(generate_error)?;
    write(&dir.join(CA_KEY), ca_key.serialize_pem().as_bytes(), true)?;
    write(&dir.join(CA_CERT), ca.pem().as_bytes(), false)?;
    issue(dir, names, days, &ca.pem(), &ca, &ca_key)
}

/// A new server key and certificate for `names` under the CA already in `dir` (made by
/// [`generate`]), written over `server.pem` and `server-key.pem`; a running gateway serving
/// them picks them up at its next check. The CA pin stays; the server pin is new.
pub fn renew(dir: &Path, names: &[String], days: u32) -> Result<Generated, TlsError> {
    let ca_pem = std::fs::read_to_string(dir.join(CA_CERT)).map_err(|source| TlsError::Read {
        path: dir.join(CA_CERT),
        source,
    })?;
    let key_pem = std::fs::read_to_string(dir.join(CA_KEY)).map_err(|source| TlsError::Read {
        path: dir.join(CA_KEY),
        source,
    })?;
    let ca_key = KeyPair::from_pem(&key_pem).map_err(|e| TlsError::Key {
        path: dir.join(CA_KEY),
        reason: e.to_string(),
    })?;
    // Signing needs the CA's name and key only; its certificate on disk stays as it was.
    let ca = ca_params(CA_DAYS, &ca_key)?
        .self_signed(&ca_key)
        .map_err(generate_error)?;
    issue(dir, names, days, &ca_pem, &ca, &ca_key)
}

/// Issues the server certificate and writes it, its key and the pins.
fn issue(
    dir: &Path,
    names: &[String],
    days: u32,
    ca_pem: &str,
    ca: &rcgen::Certificate,
    ca_key: &KeyPair,
) -> Result<Generated, TlsError> {
    for name in names {
        rustls::pki_types::ServerName::try_from(name.as_str()).map_err(|_| {
            TlsError::Generate(format!("{name:?} is neither a DNS name nor an IP address"))
        })?;
    }
    let mut params = CertificateParams::new(names.to_vec()).map_err(|e| {
        TlsError::Generate(format!("{e} (each --name is a DNS name or an IP address)"))
    })?;
    let mut name = DistinguishedName::new();
    name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.distinguished_name = name;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    validity(&mut params, days.max(1))?;
    params.serial_number = Some(serial()?);
    let key = KeyPair::generate().map_err(generate_error)?;
    let cert = params.signed_by(&key, ca, ca_key).map_err(generate_error)?;
    let server_pin = spki_pin(cert.der())?;
    let ca_pin = spki_der_pin(&ca_key.public_key_der());
    let chain = format!("{}{}", cert.pem(), ca_pem);
    write(&dir.join(SERVER_KEY), key.serialize_pem().as_bytes(), true)?;
    write(&dir.join(SERVER_CERT), chain.as_bytes(), false)?;
    let pins = format!(
        "{server_pin} server key ({SERVER_CERT})\n{ca_pin} CA key, the backup pin ({CA_CERT})\n"
    );
    write(&dir.join(PINS), pins.as_bytes(), false)?;
    Ok(Generated {
        dir: dir.to_owned(),
        ca_pem: ca_pem.to_owned(),
        server_pin,
        ca_pin,
    })
}

fn ca_params(days: u32, key: &KeyPair) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    let digest = ring::digest::digest(&ring::digest::SHA256, &key.public_key_der());
    let fingerprint: String = digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    name.push(DnType::CommonName, format!("{CA_NAME} {fingerprint}"));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, days)?;
    Ok(params)
}

/// From yesterday (a phone's clock a little behind still accepts it) for `days` days.
fn validity(params: &mut CertificateParams, days: u32) -> Result<(), TlsError> {
    use chrono::Datelike as _;
    let now = chrono::Utc::now();
    let ymd = |at: chrono::DateTime<chrono::Utc>| -> Result<_, TlsError> {
        let month = u8::try_from(at.month()).map_err(generate_error)?;
        let day = u8::try_from(at.day()).map_err(generate_error)?;
        Ok(rcgen::date_time_ymd(at.year(), month, day))
    };
    params.not_before = ymd(now - chrono::Duration::days(1))?;
    params.not_after = ymd(now + chrono::Duration::days(i64::from(days)))?;
    Ok(())
}

/// A random positive 16-byte serial number.
fn serial() -> Result<SerialNumber, TlsError> {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| TlsError::Generate("no randomness for a serial number".into()))?;
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(SerialNumber::from(bytes.to_vec()))
}

fn generate_error(e: impl std::fmt::Display) -> TlsError {
    TlsError::Generate(e.to_string())
}

/// Writes `path` through a file beside it and a rename, so a gateway checking for a renewal
/// never reads a half-written file; `private` files are mode 0600.
fn write(path: &Path, bytes: &[u8], private: bool) -> Result<(), TlsError> {
    use std::io::Write as _;
    let failed = |source| TlsError::Write {
        path: path.to_owned(),
        source,
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{}.new", name.unwrap_or_default()));
    let _ = std::fs::remove_file(&temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(&temp).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    drop(file);
    std::fs::rename(&temp, path).map_err(failed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn init_refuses_to_overwrite_and_renew_keeps_the_ca_pin() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["gateway.example.gov.cn".to_owned(), "10.1.2.3".to_owned()];
        let made = generate(dir.path(), &names, 30, false).unwrap();
        assert!(matches!(
            generate(dir.path(), &names, 30, false),
            Err(TlsError::Exists(_))
        ));
        let chain = super::super::read_certificates(&dir.path().join(SERVER_CERT)).unwrap();
        assert_eq!(chain.len(), 2, "server certificate, then the CA's");
        assert_eq!(spki_pin(&chain[0]).unwrap(), made.server_pin);
        assert_eq!(spki_pin(&chain[1]).unwrap(), made.ca_pin);
        let pins = std::fs::read_to_string(dir.path().join(PINS)).unwrap();
        assert!(pins.starts_with(&made.server_pin) && pins.contains(&made.ca_pin));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for key in [CA_KEY, SERVER_KEY] {
                let mode = std::fs::metadata(dir.path().join(key))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{key}");
            }
        }
        super::super::load(&made.files()).unwrap();

        let renewed = renew(dir.path(), &names, 30).unwrap();
        assert_eq!(renewed.ca_pin, made.ca_pin);
        assert_ne!(renewed.server_pin, made.server_pin);
        assert_eq!(renewed.ca_pem, made.ca_pem);
        super::super::load(&renewed.files()).unwrap();

        let forced = generate(dir.path(), &names, 30, true).unwrap();
        assert_ne!(forced.ca_pin, made.ca_pin);
    }

    #[test]
    fn a_name_that_is_neither_a_host_nor_an_address_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(generate(dir.path(), &[], 30, false).is_err());
        assert!(generate(dir.path(), &["not a name!".to_owned()], 30, false).is_err());
    }
}
