//! The verifier against certificates made here: the CA first, then the pins (the backup pin
//! alone suffices), expiry told apart from a phone clock that is off, and no anchor means no
//! trust at all.

use super::*;
use crate::link::settings::pin_of_certificate;
use rcgen::{
    date_time_ymd, BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair,
};

struct Ca {
    cert: Certificate,
    key: KeyPair,
}

fn ca() -> Ca {
    named_ca("某局 CA")
}

fn named_ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    Ca {
        cert: params.self_signed(&key).unwrap(),
        key,
    }
}

/// A server certificate for `name`, valid during 2030.
fn leaf(ca: &Ca, name: &str) -> CertificateDer<'static> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.not_before = date_time_ymd(2030, 1, 1);
    params.not_after = date_time_ymd(2031, 1, 1);
    params
        .signed_by(&key, &ca.cert, &ca.key)
        .unwrap()
        .der()
        .clone()
}

fn at(year: i32, month: u8) -> UnixTime {
    let secs = date_time_ymd(year, month, 1).unix_timestamp();
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs as u64))
}

fn random_pin() -> String {
    crate::link::settings::pin_of_spki(&crate::crypto::random_bytes::<32>().unwrap())
}

fn verifier(anchor: &Ca, pins: Vec<String>, offset_ms: Option<i64>) -> PinningVerifier {
    let trust = Trust::new(&anchor.cert.pem(), &pins).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    PinningVerifier::new(&trust, provider, offset_ms).unwrap()
}

fn check(verifier: &PinningVerifier, cert: &CertificateDer<'_>, now: UnixTime) -> String {
    let name = ServerName::try_from("localhost").unwrap();
    match verifier.verify_server_cert(cert, &[], &name, &[], now) {
        Ok(_) => "ok".into(),
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(other))) => {
            format!("{:?}", other.0.downcast_ref::<Refusal>().unwrap())
        }
        Err(rustls::Error::InvalidCertificate(e)) => format!("{e:?}")
            .split([' ', '(', '{'])
            .next()
            .unwrap()
            .to_owned(),
        Err(other) => panic!("{other:?}"),
    }
}

#[test]
fn the_deployment_ca_and_a_matching_pin_pass_and_the_backup_pin_alone_suffices() {
    let ca = ca();
    let cert = leaf(&ca, "localhost");
    let pin = pin_of_certificate(&cert).unwrap();
    let now = at(2030, 6);
    assert_eq!(
        check(
            &verifier(&ca, vec![pin.clone(), random_pin()], None),
            &cert,
            now
        ),
        "ok"
    );
    // The key rolled over to the backup: only the second pin matches.
    assert_eq!(
        check(&verifier(&ca, vec![random_pin(), pin], None), &cert, now),
        "ok"
    );
    // No pins: the CA alone decides.
    assert_eq!(check(&verifier(&ca, vec![], None), &cert, now), "ok");
}

#[test]
fn a_pin_of_an_intermediate_of_the_chain_passes() {
    let root = ca();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let intermediate = Ca {
        cert: params.signed_by(&key, &root.cert, &root.key).unwrap(),
        key,
    };
    let cert = leaf(&intermediate, "localhost");
    let pin = pin_of_certificate(intermediate.cert.der()).unwrap();
    let verifier = verifier(&root, vec![random_pin(), pin], None);
    let name = ServerName::try_from("localhost").unwrap();
    let chain = [intermediate.cert.der().clone()];
    assert!(verifier
        .verify_server_cert(&cert, &chain, &name, &[], at(2030, 6))
        .is_ok());
}

#[test]
fn each_refusal_is_its_own() {
    let ca = ca();
    let cert = leaf(&ca, "localhost");
    let now = at(2030, 6);
    assert_eq!(
        check(
            &verifier(&ca, vec![random_pin(), random_pin()], None),
            &cert,
            now
        ),
        "PinMismatch"
    );
    assert_eq!(
        check(
            &verifier(&ca, vec![], None),
            &leaf(&ca, "gateway.example"),
            now
        ),
        "NotValidForNameContext"
    );
    let stranger = named_ca("Inspecting proxy CA");
    assert_eq!(
        check(&verifier(&stranger, vec![], None), &cert, now),
        "UnknownIssuer"
    );
    // A stranger posing under the deployment CA's very name fails its signature instead.
    let impostor = self::ca();
    assert_eq!(
        check(&verifier(&impostor, vec![], None), &cert, now),
        "BadSignature"
    );
    assert_eq!(
        check(&verifier(&ca, vec![], None), &cert, at(2032, 1)),
        "ExpiredContext"
    );
    assert_eq!(
        check(&verifier(&ca, vec![], None), &cert, at(2029, 1)),
        "NotValidYetContext"
    );
    // No anchor configured: nothing is trusted.
    let none = PinningVerifier::new(
        &Trust::default(),
        Arc::new(rustls::crypto::ring::default_provider()),
        None,
    )
    .unwrap();
    assert_eq!(check(&none, &cert, now), "UnknownIssuer");
}

#[test]
fn a_certificate_out_of_date_only_at_the_phones_clock_is_clock_skew() {
    let ca = ca();
    let cert = leaf(&ca, "localhost");
    // The phone thinks it is 2032; the gateway said, last time, that it is about two years
    // earlier.
    let two_years_ms = -2 * 365 * 24 * 3600 * 1000;
    assert_eq!(
        check(
            &verifier(&ca, vec![], Some(two_years_ms)),
            &cert,
            at(2032, 3)
        ),
        format!(
            "{:?}",
            Refusal::ClockSkew {
                offset_ms: two_years_ms
            }
        )
    );
    // Expired at the gateway's time too: expired it is.
    assert_eq!(
        check(&verifier(&ca, vec![], Some(-1000)), &cert, at(2032, 3)),
        "ExpiredContext"
    );
}
