//! Fuzz targets for every decoder of untrusted bytes (security.md C-1): the wire JSON the gateway
//! and the phone read from each other, CBOR, COSE_Sign1 records and statements, the
//! `Signature-Input` and `Signature` headers, the gateway's `Range` header, feed cursors, the
//! address-book import, gzip request bodies, the `Content-Range` the phone reads, the platform
//! attestation evidence and revocation list the gateway reads at activation, and the activation
//! QR code's text the phone reads.
//!
//! Each target is a plain function from bytes to an [`Outcome`], so the same code runs under
//! libFuzzer (`fuzz/cargo-fuzz`, nightly) and in the replay of every corpus file by
//! `cargo test -p qianpi-fuzz` on stable. A target never panics on its own: a broken invariant
//! (a round trip that does not come back, a range past the file) is [`Outcome::Broken`], and the
//! harnesses turn that into a failure.

mod activation;
mod cbor_cose;
mod gateway;
mod headers;
mod keys;
pub mod seeds;
mod wire;

/// What one input did to a decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The decoder took the input (and every invariant checked on it held).
    Accepted,
    /// The decoder refused the input with its typed error, shown here.
    Refused(String),
    /// The decoder answered, but what it answered breaks one of its promises.
    Broken(String),
}

impl Outcome {
    /// `Accepted` or `Refused` from a decoder's result.
    fn of<T, E: std::fmt::Display>(result: Result<T, E>) -> Outcome {
        match result {
            Ok(_) => Outcome::Accepted,
            Err(error) => Outcome::Refused(error.to_string()),
        }
    }

    /// The worst of several outcomes: broken over accepted over refused, so one accepting
    /// decoder among several shows, and a broken one always does.
    fn worst(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        let mut worst = Outcome::Refused(String::new());
        for outcome in outcomes {
            worst = match (worst, outcome) {
                (broken @ Outcome::Broken(_), _) | (_, broken @ Outcome::Broken(_)) => broken,
                (Outcome::Accepted, _) | (_, Outcome::Accepted) => Outcome::Accepted,
                (_, refused) => refused,
            };
        }
        worst
    }
}

/// One fuzz target: a decoder of untrusted bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Request bodies the gateway decodes: activation, command and receipt batches.
    WireGateway,
    /// Answers the phone decodes: sync pages, push verdicts, receipt results, activation,
    /// errors, and the signed statements inside them.
    WirePhone,
    /// CBOR items, deterministic CBOR and canonicalisation.
    Cbor,
    /// A signed approval record: its COSE_Sign1 envelope, and its payload under a valid signature.
    CoseRecord,
    /// A signed gateway statement of every kind: envelope, and payload under a valid signature.
    CoseStatement,
    /// The `Signature-Input` and `Signature` headers of a signed request.
    SignatureHeaders,
    /// The gateway's `Range`, `If-Range` and `If-None-Match` headers of a blob download.
    Range,
    /// The feed cursor of `GET /v1/sync`.
    Cursor,
    /// The 通讯录 CSV import.
    AddressBook,
    /// A gzip-encoded request body, decoded under the gateway's bound.
    GzipBody,
    /// The `Content-Range` of a download's answer, as the phone reads it.
    ContentRange,
    /// An Android Key Attestation chain (DER certificates, leaf first), verified for a fixed
    /// challenge, key and time.
    AttestationAndroid,
    /// An App Attest attestation object, verified for a fixed key id, client data and time.
    AttestationApple,
    /// Google's attestation certificate status list, as the operator's file holds it.
    AttestationStatus,
    /// The activation QR code's text.
    ActivationInvite,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 15] = [
        Target::WireGateway,
        Target::WirePhone,
        Target::Cbor,
        Target::CoseRecord,
        Target::CoseStatement,
        Target::SignatureHeaders,
        Target::Range,
        Target::Cursor,
        Target::AddressBook,
        Target::GzipBody,
        Target::ContentRange,
        Target::AttestationAndroid,
        Target::AttestationApple,
        Target::AttestationStatus,
        Target::ActivationInvite,
    ];

    /// The target's name: its cargo-fuzz binary and its folder under `fuzz/corpus/`.
    pub fn name(self) -> &'static str {
        match self {
            Target::WireGateway => "wire_gateway",
            Target::WirePhone => "wire_phone",
            Target::Cbor => "cbor",
            Target::CoseRecord => "cose_record",
            Target::CoseStatement => "cose_statement",
            Target::SignatureHeaders => "signature_headers",
            Target::Range => "range",
            Target::Cursor => "cursor",
            Target::AddressBook => "address_book",
            Target::GzipBody => "gzip_body",
            Target::ContentRange => "content_range",
            Target::AttestationAndroid => "attestation_android",
            Target::AttestationApple => "attestation_apple",
            Target::AttestationStatus => "attestation_status",
            Target::ActivationInvite => "activation_invite",
        }
    }

    /// Runs the target on one input.
    pub fn run(self, data: &[u8]) -> Outcome {
        match self {
            Target::WireGateway => wire::gateway(data),
            Target::WirePhone => wire::phone(data),
            Target::Cbor => cbor_cose::cbor(data),
            Target::CoseRecord => cbor_cose::record(data),
            Target::CoseStatement => cbor_cose::statement(data),
            Target::SignatureHeaders => headers::signature(data),
            Target::Range => headers::range(data),
            Target::Cursor => gateway::cursor(data),
            Target::AddressBook => gateway::address_book(data),
            Target::GzipBody => gateway::gzip_body(data),
            Target::ContentRange => headers::content_range(data),
            Target::AttestationAndroid => activation::android(data),
            Target::AttestationApple => activation::apple(data),
            Target::AttestationStatus => activation::status(data),
            Target::ActivationInvite => activation::invite(data),
        }
    }
}

/// Runs `target` on `data` and panics on a broken invariant: the body of each cargo-fuzz target,
/// where a panic is how a finding is reported.
#[allow(clippy::panic)] // the one place a panic is the wanted report
pub fn check(target: Target, data: &[u8]) {
    if let Outcome::Broken(why) = target.run(data) {
        panic!("{}: {why}", target.name());
    }
}
