//! Tells apart why a request failed before the gateway answered, from the error chain reqwest
//! hands back: the rustls refusal inside it (found through `source()` and inside `io::Error`s),
//! the proxy's answer to CONNECT, or a plain transport failure. Each kind asks the user for
//! something else (fetch the right QR code, leave this network, fix the clock, wait), and none
//! of the refusals is a cut a smaller request would pass.

use super::error::{transport_reason, NO_CONNECTION};
use super::verifier::Refusal;
use super::LinkError;
use rustls::CertificateError;
use std::error::Error as StdError;

/// What the link knows when it reads a certificate from an unknown issuer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Context {
    /// Requests go through a proxy.
    pub(super) through_proxy: bool,
    /// This phone has already reached this deployment with these anchors (it is activated).
    pub(super) established: bool,
}

/// The [`LinkError`] of a request that got no answer.
pub(super) fn transport_error(error: &reqwest::Error, context: Context) -> LinkError {
    find(error, context).unwrap_or_else(|| LinkError::Unreachable(transport_reason(error)))
}

/// Walks the chain for a rustls error or a proxy's refusal.
fn find(error: &(dyn StdError + 'static), context: Context) -> Option<LinkError> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    // Bounded: a chain is a handful of links; a cycle must not hang the phone.
    for _ in 0..32 {
        let e = current?;
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(from_rustls(tls, context));
        }
        // hyper-util's tunnel error is not exported; its words are what there is to go by
        // (the cross-part tests pin them down).
        let text = e.to_string();
        if text.starts_with("tunnel error: proxy authorization required") {
            return Some(LinkError::ProxyAuthRequired);
        }
        if text.starts_with("tunnel error: unsuccessful") {
            return Some(LinkError::ProxyRefused(
                "the proxy answered CONNECT with an error".into(),
            ));
        }
        // An io::Error's source() skips the error it wraps: look inside it.
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

/// The kind of a rustls failure.
///
/// An unknown issuer is read as interception when the phone goes through a proxy, or when it has
/// already reached this deployment with these anchors (it is activated): the deployment's own
/// certificate did verify then, so a certificate from another CA now is most likely a
/// TLS-inspecting middlebox presenting its own. Before activation and without a proxy, it is a
/// wrong or missing CA certificate in the settings.
fn from_rustls(error: &rustls::Error, context: Context) -> LinkError {
    let rustls::Error::InvalidCertificate(certificate) = error else {
        // Not a certificate refusal (no TLS on the other end, a handshake alert): no
        // connection, as far as the retry logic goes.
        return LinkError::Unreachable(format!(
            "{NO_CONNECTION}: the secure connection could not be set up ({error})"
        ));
    };
    let detail = certificate.to_string();
    match certificate {
        CertificateError::Expired
        | CertificateError::ExpiredContext { .. }
        | CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. } => LinkError::CertificateExpired(detail),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            LinkError::WrongHost(detail)
        }
        CertificateError::Other(other) => match other.0.downcast_ref::<Refusal>() {
            Some(Refusal::PinMismatch) => LinkError::PinMismatch,
            Some(Refusal::ClockSkew { offset_ms }) => LinkError::ClockSkew {
                offset_ms: *offset_ms,
            },
            None => untrusted(detail, context),
        },
        _ => untrusted(detail, context),
    }
}

fn untrusted(detail: String, context: Context) -> LinkError {
    if context.through_proxy || context.established {
        LinkError::Interception(detail)
    } else {
        LinkError::UnknownCa(detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::OtherError;
    use std::sync::Arc;

    /// A chain as reqwest builds it: the rustls error inside an io::Error inside a boxed error.
    #[derive(Debug)]
    struct Wrapper(Box<dyn StdError + Send + Sync>);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }
    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.0)
        }
    }

    fn wrapped(error: rustls::Error) -> Wrapper {
        Wrapper(Box::new(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            error,
        )))
    }

    fn kind(error: rustls::Error, context: Context) -> String {
        let found = find(&wrapped(error), context).unwrap();
        format!("{found:?}")
    }

    #[test]
    fn each_certificate_refusal_has_its_kind_deep_in_the_chain() {
        let plain = Context::default();
        let cert = |e| rustls::Error::InvalidCertificate(e);
        let other = |r| cert(CertificateError::Other(OtherError(Arc::new(r))));
        assert!(kind(cert(CertificateError::UnknownIssuer), plain).starts_with("UnknownCa"));
        assert!(kind(cert(CertificateError::Expired), plain).starts_with("CertificateExpired"));
        assert!(kind(cert(CertificateError::NotValidYet), plain).starts_with("CertificateExpired"));
        assert!(kind(cert(CertificateError::NotValidForName), plain).starts_with("WrongHost"));
        assert_eq!(kind(other(Refusal::PinMismatch), plain), "PinMismatch");
        assert_eq!(
            kind(other(Refusal::ClockSkew { offset_ms: -7 }), plain),
            "ClockSkew { offset_ms: -7 }"
        );
        let alert = kind(rustls::Error::DecryptError, plain);
        assert!(alert.starts_with("Unreachable"), "{alert}");
        assert!(!find(&wrapped(rustls::Error::DecryptError), plain)
            .unwrap()
            .is_cut());
    }

    #[test]
    fn an_unknown_issuer_is_interception_through_a_proxy_or_once_activated() {
        let unknown = || rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        for context in [
            Context {
                through_proxy: true,
                established: false,
            },
            Context {
                through_proxy: false,
                established: true,
            },
        ] {
            assert!(kind(unknown(), context).starts_with("Interception"));
        }
    }

    #[test]
    fn a_proxy_refusing_connect_is_told_from_one_asking_for_credentials() {
        #[derive(Debug)]
        struct Tunnel(&'static str);
        impl std::fmt::Display for Tunnel {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "tunnel error: {}", self.0)
            }
        }
        impl StdError for Tunnel {}
        let context = Context::default();
        let auth = Wrapper(Box::new(Tunnel("proxy authorization required")));
        assert!(matches!(
            find(&auth, context),
            Some(LinkError::ProxyAuthRequired)
        ));
        let refused = Wrapper(Box::new(Tunnel("unsuccessful")));
        assert!(matches!(
            find(&refused, context),
            Some(LinkError::ProxyRefused(_))
        ));
        let other = Wrapper(Box::new(Tunnel("unexpected end of file")));
        assert!(find(&other, context).is_none());
    }
}
